"""Freelancers on shift per hour of the current week, for the coverage chart.

The chart reads the week's counts from the program's dashboard.models.ProgramSnapshot, which the five-minute rollup
job writes for this week and the next (dashboard.services.dashboard_snapshot_refresh, docs/adr/0028): one row,
never a row per freelancer or slot. The counts are computed as below; a week without a snapshot is computed live.

queues.selectors.program_coverage answers the same question with each cell's names (for the rota page); it
tests every freelancer against every one of the 168 hours, which takes most of a second with 300 freelancers.
The dashboard needs only the counts: it loads the same rows through queues' selector, asks queues'
availability_intervals (a pure function) for each freelancer's shifts, and counts each shift into the hours
whose middle it covers with a bisect — the same rule as program_coverage, a few thousand steps in all.

The rows are read as plain tuples (three queries), not model instances: building 300 freelancers with their
users and 1,500 prefetched slots as models took most of the page's time, and the pure function only needs
a slot's weekday, minutes and program, and a change's kind, instants and program.
"""

import bisect
import datetime
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from queues.availability import availability_intervals
from queues.selectors import shift_rows_for_program

if TYPE_CHECKING:
    from dashboard.models import ProgramSnapshot


@dataclass
class HourCount:
    hour: int
    count: int


@dataclass(frozen=True, slots=True)
class _Slot:
    """What availability_intervals reads of an AvailabilitySlot (same minutes rule: 00:00 at the end = 24:00)."""

    weekday: int
    start_minute: int
    end_minute: int
    program_id: int | None


@dataclass(frozen=True, slots=True)
class _Change:
    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    program_id: int | None


def _minute(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _shift_rows(*, program_id: int, since: datetime.datetime) -> list[tuple]:
    """[(zone, slots, changes)] of the program's active queue-ready freelancers. Three queries (queues')."""
    return [
        (
            zoneinfo.ZoneInfo(zone or "UTC"),
            [
                _Slot(weekday, _minute(start), _minute(end) or 24 * 60, program)
                for weekday, start, end, program in slots
            ],
            [_Change(*change) for change in changes],
        )
        for _pk, zone, slots, changes in shift_rows_for_program(program_id=program_id, since=since)
    ]


def week_counts(*, program, monday: datetime.date) -> list[int]:
    """Freelancers on shift in each of the 168 hours of the week starting on that Monday (program time zone),
    Monday 00:00 first, each hour counted at its middle. Three queries (queues')."""
    zone = program.zone
    week_start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)
    week_end = datetime.datetime.combine(
        monday + datetime.timedelta(days=7), datetime.time(0), tzinfo=zone
    ).astimezone(datetime.UTC)
    middles = []
    for day_offset in range(7):
        day = monday + datetime.timedelta(days=day_offset)
        for hour in range(24):
            start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone).astimezone(datetime.UTC)
            middles.append(start + datetime.timedelta(minutes=30))
    order = sorted(range(len(middles)), key=middles.__getitem__)
    sorted_middles = [middles[i] for i in order]
    difference = [0] * (len(sorted_middles) + 1)
    for zone_of_freelancer, slots, changes in _shift_rows(program_id=program.pk, since=week_start):
        for start, end in availability_intervals(
            zone=zone_of_freelancer,
            slots=slots,
            changes=changes,
            start=week_start,
            end=week_end,
            program_id=program.pk,
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
    return counts


def this_monday(*, program, now: datetime.datetime | None = None) -> datetime.date:
    today = (now or timezone.now()).astimezone(program.zone).date()
    return today - datetime.timedelta(days=today.weekday())


def coverage_counts(*, program, now=None, snapshot: "ProgramSnapshot | None" = None) -> dict:
    """{"rows": [{"day", "cells": [HourCount × 24]} × 7], "gaps", "zone", "monday", "as_of"}: Monday-first,
    program zone, for the current week. From the program's snapshot (snapshot_get) when given and it holds this
    week (as_of: when the rollup job wrote it), else computed now (as_of None; three queries)."""
    now = now or timezone.now()
    monday = this_monday(program=program, now=now)
    counts, as_of = None, None
    if snapshot is not None:
        if snapshot.monday == monday:
            counts = snapshot.coverage
        elif snapshot.monday + datetime.timedelta(days=7) == monday:
            counts = snapshot.next_coverage
        as_of = snapshot.refreshed_at
    if not counts or len(counts) != 7 * 24:
        counts, as_of = week_counts(program=program, monday=monday), None
    rows = [
        {
            "day": monday + datetime.timedelta(days=d),
            "cells": [HourCount(hour=h, count=counts[d * 24 + h]) for h in range(24)],
        }
        for d in range(7)
    ]
    return {
        "rows": rows,
        "gaps": sum(1 for c in counts if c == 0),
        "zone": program.zone,
        "monday": monday,
        "as_of": as_of,
    }
