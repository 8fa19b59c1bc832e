"""The counted hours of a report, ready to be priced by payments' one pay rule: sums kept by the rollups for the
finished days, payments' own query for the others.

A finished day's hours are in WorkRollup, one row per contract, pay period, correction and rate range, with the
rate (what payments.earnings.WorkedDays.priced_days gave when the rollup was written). A report sums them in
SQL over its days, grouped the same way and by the stretch of days between its cuts (the first day of the
period, each Monday for weekly figures): a few rows per contract, whatever the number of time entries. Those
sums, with the live days' own priced hours, make a payments.earnings.WorkedDays (from_priced), and its
pay_by(key) prices them line by line, each line half-up to cents, exactly as it prices the days one by one, for
any key that does not cut a stretch (the period, a week, a freelancer, a program).
"""

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Min, Q, Sum, Value, When

from dashboard.models import WorkRollup
from dashboard.selectors.daily import WORK, Facts, complete_rows
from payments.earnings import PricedDay, WorkedDay, WorkedDays
from payments.selectors import counted_work

GROUP = [
    "program_id",
    "freelancer_id",
    "contract_id",
    "period_id",
    "correction_id",
    "rate_since",
    "rate",
    "currency",
]

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from programs.models import Program


def _stretch(cuts: list[datetime.date]) -> Case | Value:
    """The number of the stretch of days a row's day falls in: 0 before the first cut, 1 from it, …"""
    if not cuts:
        return Value(0, output_field=IntegerField())
    return Case(
        *[When(day__lt=cut, then=Value(n)) for n, cut in enumerate(cuts)],
        default=Value(len(cuts)),
        output_field=IntegerField(),
    )


def rolled_work(
    *,
    windows: dict[int, tuple[datetime.date, datetime.date]],
    live: dict[int, list[datetime.date]],
    cuts: Iterable[datetime.date] = (),
    freelancer_ids: Iterable[int] | None = None,
) -> list[PricedDay]:
    """The rollups' hours of each program's window but its live days, summed per contract, pay period,
    correction, rate range and stretch between the cuts; each sum dated by its first day. One query."""
    condition = Q(pk__in=[])
    for program_id, (first_day, last_day) in windows.items():
        part = Q(program_id=program_id, day__gte=first_day, day__lte=last_day)
        if live.get(program_id):
            part &= ~Q(day__in=live[program_id])
        condition |= part
    found = WorkRollup.objects.filter(condition)
    if freelancer_ids is not None:
        found = found.filter(freelancer_id__in=list(freelancer_ids))
    rows = (
        found.annotate(stretch=_stretch(sorted(set(cuts))))
        .values(*GROUP, "stretch")
        .annotate(total=Sum("hours"), first=Min("day"))
        .order_by()
    )
    return [
        PricedDay(
            day=WorkedDay(
                freelancer_id=row["freelancer_id"],
                program_id=row["program_id"],
                contract_id=row["contract_id"],
                period_id=row["period_id"],
                correction_id=row["correction_id"],
                date=row["first"],
                hours=row["total"],
                over_cap=0,
            ),
            rate_since=row["rate_since"],
            rate=row["rate"],
            currency=row["currency"],
        )
        for row in rows
    ]


def work_of_facts(*, program: "Program", facts: Facts, cuts: Iterable[datetime.date] = ()) -> WorkedDays:
    """The priced hours of the facts' days (day_facts read with the WORK part): rollup sums for the covered days
    (one query, none if every day is live) and the live days' hours that the facts carry."""
    if WORK not in facts.parts:
        raise ValueError("The facts were read without the live days' hours (the WORK part).")
    priced: list[PricedDay] = []
    live = facts.whole_days_live  # the live days and today, whose hours are read whole
    if len(live) < (facts.last_day - facts.first_day).days + 1:
        priced = rolled_work(
            windows={program.pk: (facts.first_day, facts.last_day)}, live={program.pk: live}, cuts=cuts
        )
    for day in live:
        if day in facts.days:
            priced.extend(facts.days[day].work)
    return WorkedDays.from_priced(priced)


def _days(first_day: datetime.date, last_day: datetime.date) -> list[datetime.date]:
    return [first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def work_of_windows(
    *,
    programs: Iterable["Program"],
    windows: dict[int, tuple[datetime.date, datetime.date]],
    cuts: Iterable[datetime.date] = (),
    freelancer_ids: Iterable[int] | None = None,
    rows: dict[int, dict[datetime.date, dict]] | None = None,
) -> WorkedDays:
    """The priced hours of these programs, each over its own (first, last) days, as payments.selectors.
    counted_work counts them, for reports that read no day_facts (the team table, a freelancer's weeks, the
    manager's home): the rollups' sums for the days with a complete DailyRollup row (day_facts' rule: written
    after the day ended, with the day's WorkRollup rows in the same transaction) and payments' own query for
    the others (today, a day never refreshed), in one window per program from its first such day to its last.
    At most four queries whatever the number of time entries; pay_by(key) then gives the live lines to the
    cent for any key that does not cut a stretch between `cuts` (a freelancer, a program; a week with Mondays
    as cuts). `rows`: complete_rows already read over (at least) these windows, to save its query."""
    ids = list(freelancer_ids) if freelancer_ids is not None else None
    if rows is None:
        rows = complete_rows(programs=programs, windows=windows)
    covered = {pk: {day for day, row in rows.get(pk, {}).items() if not row.get("partial")} for pk in windows}
    live = {
        pk: [day for day in _days(first_day, last_day) if day not in covered[pk]]
        for pk, (first_day, last_day) in windows.items()
    }
    rolled = {pk: window for pk, window in windows.items() if covered[pk]}
    priced = rolled_work(windows=rolled, live=live, cuts=cuts, freelancer_ids=ids) if rolled else []
    live_windows = {pk: (days[0], days[-1]) for pk, days in live.items() if days}
    if live_windows:
        live_days = {(pk, day) for pk, days in live.items() for day in days}
        priced.extend(
            day
            for day in counted_work(windows=live_windows, freelancer_ids=ids).priced_days()
            if (day.day.program_id, day.day.date) in live_days
        )
    return WorkedDays.from_priced(priced)
