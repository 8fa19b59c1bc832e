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
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case, IntegerField, Min, Q, Sum, Value, When

from core.db import is_postgresql
from dashboard.models import WorkRollup
from dashboard.selectors._sql import week_start, weeks_between
from dashboard.selectors.daily import WORK, Facts, complete_rows, day_split
from payments.earnings import PayTotal, PricedDay, WorkedDay, WorkedDays, line_amount_sql
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
    priced.extend(_live_priced(facts))
    return WorkedDays.from_priced(priced)


def _live_priced(facts: Facts) -> list[PricedDay]:
    """The priced hours of the facts' live days and today (whose hours are read whole)."""
    return [priced for day in facts.whole_days_live if day in facts.days for priced in facts.days[day].work]


def period_pay(
    *, program: "Program", facts: Facts, first_day: datetime.date
) -> tuple[dict[tuple[bool, str], PayTotal], dict[tuple[datetime.date, str], PayTotal]]:
    """The pay of the facts' days (day_facts read with the WORK part) as payments' pay rule prices it, summed
    ({(day >= first_day, currency): hours and pay}, {(Monday, currency): hours and pay} of the days from
    first_day on): what work_of_facts(cuts=[first_day, Mondays]).pay_by(...) gives, to the cent.

    On PostgreSQL, when some day is rolled up, one query prices the lines in SQL (line_amount_sql): the rollups'
    hours of the covered days and the live days' priced hours (passed as arrays, at most a row per contract and
    live day) are summed per key, contract, pay period, correction and rate range, each sum rounded, the
    rounded lines summed: a few rows back, whatever the number of freelancers and days. Otherwise (SQLite, or
    every day live) the lines are priced in Python, which the tests compare it with."""
    if not (is_postgresql() and facts.covered):
        work = work_of_facts(
            program=program, facts=facts, cuts=[first_day, *weeks_between(first_day, facts.last_day)[1:]]
        )
        this_period = WorkedDays(
            days=[day for day in work.days if day.date >= first_day],
            contracts=work.contracts,
            changes=work.changes,
        )
        return work.pay_by(lambda day: day.date >= first_day), this_period.pay_by(
            lambda day: week_start(day.date)
        )
    if WORK not in facts.parts:
        raise ValueError("The facts were read without the live days' hours (the WORK part).")
    live = _live_priced(facts)
    columns: list[tuple[list[Any], str]] = [
        ([row.day.date for row in live], "date"),
        ([row.day.contract_id for row in live], "bigint"),
        ([row.day.period_id for row in live], "bigint"),
        ([row.day.correction_id for row in live], "bigint"),
        ([row.rate_since for row in live], "date"),
        ([row.rate for row in live], "numeric"),
        ([row.currency for row in live], "varchar"),
        ([row.day.hours for row in live], "numeric"),
    ]
    line = "contract_id, period_id, correction_id, rate_since, rate, currency"
    # One pass over the rows: summed per line and stretch (-1 before first_day, then the week from first_day's
    # Monday); a week's line is a stretch's, a half's line the sum of its stretches. Each line rounded once.
    sql = f"""
        WITH stretches AS (
            SELECT CASE WHEN day < %s THEN -1 ELSE (day - %s::date) / 7 END AS stretch, {line},
                SUM(hours) AS hours
            FROM (
                SELECT day, {line}, hours FROM {WorkRollup._meta.db_table}
                WHERE program_id = %s AND day >= %s AND day <= %s AND NOT (day = ANY(%s::date[]))
                UNION ALL
                SELECT * FROM unnest({", ".join(f"%s::{kind}[]" for _, kind in columns)})
                    AS live(day, {line}, hours)
            ) AS worked
            GROUP BY 1, {line}
        ), halves AS (
            SELECT stretch >= 0 AS current, currency, SUM(hours) AS hours,
                {line_amount_sql(hours="SUM(hours)", rate="rate")} AS amount
            FROM stretches GROUP BY 1, {line}
        )
        SELECT 1, stretch, currency, SUM(hours), SUM({line_amount_sql(hours="hours", rate="rate")})
        FROM stretches WHERE stretch >= 0 GROUP BY 2, 3
        UNION ALL
        SELECT 0, current::int, currency, SUM(hours), SUM(amount) FROM halves GROUP BY 2, 3"""  # noqa: S608 (names only)
    monday = week_start(first_day)
    params: list[Any] = [
        first_day,
        monday,
        program.pk,
        facts.first_day,
        facts.last_day,
        facts.whole_days_live,
        *(values for values, _ in columns),
    ]
    halves: dict[tuple[bool, str], PayTotal] = {}
    weeks: dict[tuple[datetime.date, str], PayTotal] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for by_week, part, currency, hours, paid in cursor.fetchall():
            if by_week:
                weeks[(monday + datetime.timedelta(days=7 * part), currency)] = PayTotal(
                    hours=hours, amount=paid
                )
            else:
                halves[(bool(part), currency)] = PayTotal(hours=hours, amount=paid)
    return halves, weeks


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
    manager's home): the rollups' sums for the days with a complete DailyRollup row (daily.day_split, day_facts'
    rule: written after the day ended, with the day's WorkRollup rows in the same transaction) and payments' own
    query for the others (today, a day never refreshed), in one window per program from its first such day to
    its last.
    At most four queries whatever the number of time entries; pay_by(key) then gives the live lines to the
    cent for any key that does not cut a stretch between `cuts` (a freelancer, a program; a week with Mondays
    as cuts). `rows`: complete_rows already read over (at least) these windows, to save its query."""
    ids = list(freelancer_ids) if freelancer_ids is not None else None
    if rows is None:
        rows = complete_rows(programs=programs, windows=windows)
    splits = {
        pk: day_split(first_day=first_day, last_day=last_day, rows=rows.get(pk, {}))
        for pk, (first_day, last_day) in windows.items()
    }
    live = {pk: split.whole_days_live for pk, split in splits.items()}  # hours of today are read whole
    rolled = {pk: window for pk, window in windows.items() if splits[pk].rolled}
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
