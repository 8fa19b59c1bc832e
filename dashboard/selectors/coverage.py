"""Freelancers on shift per hour of the coming week, for the coverage chart.

queues.selectors.program_coverage answers the same question with each cell's names (for the rota page); it
tests every freelancer against every one of the 168 hours, which takes most of a second with 300 freelancers.
The dashboard needs only the counts: it loads the same rows through queues' selector, asks queues'
availability_intervals (a pure function) for each freelancer's shifts, and counts each shift into the hours
whose middle it covers with a bisect — the same rule as program_coverage, a few thousand steps in all.
"""

import bisect
import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Freelancer
from queues.availability import availability_intervals
from queues.models import AvailabilityChange
from queues.selectors import queue_ready_freelancers


@dataclass
class HourCount:
    hour: int
    count: int


def coverage_counts(*, program, now=None) -> dict:
    """{"rows": [{"day", "cells": [HourCount × 24]} × 7], "gaps", "zone", "monday"}: Monday-first, program zone."""
    now = now or timezone.now()
    zone = program.zone
    today = now.astimezone(zone).date()
    monday = today - datetime.timedelta(days=today.weekday())
    week_start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)
    week_end = datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time(0),
                                         tzinfo=zone).astimezone(datetime.UTC)
    middles = []
    for day_offset in range(7):
        day = monday + datetime.timedelta(days=day_offset)
        for hour in range(24):
            start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone).astimezone(datetime.UTC)
            middles.append(start + datetime.timedelta(minutes=30))
    order = sorted(range(len(middles)), key=middles.__getitem__)
    sorted_middles = [middles[i] for i in order]
    freelancers = (
        queue_ready_freelancers(program_id=program.pk).filter(status=Freelancer.Status.ACTIVE)
        .prefetch_related(
            Prefetch("availability_slots"),
            Prefetch("availability_changes", queryset=AvailabilityChange.objects.filter(ends_at__gt=week_start)),
        )
    )
    difference = [0] * (len(sorted_middles) + 1)
    for freelancer in freelancers:
        for start, end in availability_intervals(
            zone=freelancer.zone, slots=freelancer.availability_slots.all(),
            changes=freelancer.availability_changes.all(), start=week_start, end=week_end, program_id=program.pk,
        ):
            first, last = bisect.bisect_left(sorted_middles, start), bisect.bisect_left(sorted_middles, end)
            difference[first] += 1
            difference[last] -= 1
    counts_sorted, running = [], 0
    for step in difference[:-1]:
        running += step
        counts_sorted.append(running)
    counts = [0] * len(middles)
    for position, index in enumerate(order):
        counts[index] = counts_sorted[position]
    rows = [
        {"day": monday + datetime.timedelta(days=d),
         "cells": [HourCount(hour=h, count=counts[d * 24 + h]) for h in range(24)]}
        for d in range(7)
    ]
    return {"rows": rows, "gaps": sum(1 for c in counts if c == 0), "zone": zone, "monday": monday}
