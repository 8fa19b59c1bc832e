"""Per-freelancer numbers of one program: the sortable team table and one freelancer's page. Read only."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from contracts.selectors import (
    TIER_CHOICES,
    contract_latest_per_freelancer,
    program_member_get,
    standings_for_program,
)
from core.db import Median, is_postgresql
from dashboard.metrics import percent, ratio, seconds_to_hours
from dashboard.models import (
    FREELANCER_DAY_FACTS,
    FreelancerDay,
    FreelancerResponseCells,
    FreelancerResponseCount,
)
from dashboard.periods import Period
from dashboard.selectors._sql import week_start, weeks_between
from dashboard.selectors.costs import cost_by_freelancer, cost_per_week_for_freelancer
from dashboard.selectors.daily import complete_rows, midnight, rollups_enabled
from dashboard.selectors.medians import (
    CELLS,
    bucket_of,
    cell_in_group,
    freelancer_response_medians,
    group_of,
    pair_of,
)
from dashboard.selectors.quality import QualityTotals, quality_by_freelancer
from queues.selectors import FreelancerTicketStats, freelancer_ticket_stats, tickets_of_program
from reviews.selectors import CSAT_COUNTS, csat_answered, qa_reviews_submitted

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from accounts.models import Freelancer
    from contracts.models import Contract


@dataclass
class TeamRow:
    freelancer_id: int
    name: str
    tier: int
    tier_label: str
    contract_status: str
    contract_status_label: str
    solved: int = 0
    escalated: int = 0
    first_response_hours: Decimal | None = None
    sla_attainment: Decimal | None = None
    escalation_rate: Decimal | None = None
    qa_average: Decimal | None = None
    csat: Decimal | None = None
    hours: Decimal = Decimal("0")
    cost: Decimal | None = None
    currency: str = ""

    @property
    def cost_per_ticket(self):
        return ratio(self.cost, self.solved)


SORTS = {
    "name": ("name", "Name"),
    "solved": ("solved", "Tickets solved"),
    "first_response": ("first_response_hours", "First response median (h)"),
    "sla": ("sla_attainment", "SLA attainment (%)"),
    "qa": ("qa_average", "QA average"),
    "csat": ("csat", "CSAT (%)"),
    "escalation": ("escalation_rate", "Escalation rate (%)"),
    "hours": ("hours", "Hours"),
    "cost_per_ticket": ("cost_per_ticket", "Cost per ticket"),
    "tier": ("tier", "Tier"),
    "contract": ("contract_status_label", "Contract status"),
}
DEFAULT_SORT = "solved"


def team_members(*, program) -> dict[int, "Contract"]:
    """{freelancer_id: their latest contract past draft} in the program (one query)."""
    return contract_latest_per_freelancer(program_id=program.pk)


def team_table(
    *, program, period: Period, sort: str = DEFAULT_SORT, descending: bool = True
) -> list[TeamRow]:
    """One row per freelancer of the program with the period's numbers. A fixed number of queries."""
    members = team_members(program=program)
    # Whole-program numbers, read for the members only: an "IN (every member)" filter adds nothing to the
    # program filter but makes PostgreSQL test each of tens of thousands of rows against hundreds of ids.
    stats, quality = freelancer_numbers(program=program, period=period)
    costs = cost_by_freelancer(program=program, period=period)
    tiers = {fid: standing.tier for fid, standing in standings_for_program(program_id=program.pk).items()}
    tier_labels = dict(TIER_CHOICES)
    rows = []
    for freelancer_id, contract in members.items():
        freelancer = contract.freelancer
        stat = stats.get(freelancer_id)
        cost = costs.get(freelancer_id, {})
        quality_row = quality.get(freelancer_id, QualityTotals())
        rows.append(
            TeamRow(
                freelancer_id=freelancer_id,
                name=freelancer.legal_name,
                tier=tiers.get(freelancer_id, 1),
                tier_label=str(tier_labels[tiers.get(freelancer_id, 1)]),
                contract_status=contract.status,
                contract_status_label=contract.get_status_display(),
                solved=stat.solved if stat else 0,
                escalated=stat.escalated if stat else 0,
                first_response_hours=seconds_to_hours(stat.first_response_median_seconds) if stat else None,
                sla_attainment=stat.sla_attainment if stat else None,
                escalation_rate=stat.escalation_rate if stat else None,
                qa_average=quality_row.qa_average,
                csat=quality_row.csat,
                hours=cost.get("hours", Decimal("0")),
                cost=cost.get("cost"),
                currency=cost.get("currency", program.currency),
            )
        )
    return sort_rows(rows, sort, descending)


def freelancer_numbers(
    *, program, period: Period, now: datetime.datetime | None = None
) -> tuple[dict[int, FreelancerTicketStats], dict[int, QualityTotals]]:
    """Per freelancer, the period's ticket numbers (queues' freelancer_ticket_stats: solved, escalated, first
    responses, SLA, median first response) and QA/CSAT totals (quality_by_freelancer). The days before the first
    one without a complete DailyRollup row come from the per-freelancer rollups (FreelancerDay, and the median
    from the three-level histogram, dashboard.selectors.medians.freelancer_response_medians); the rest (today at
    least) is read live, with the same definitions. Everything live with the rollups off."""
    now = now or timezone.now()
    stored_days = complete_rows(
        programs=[program], windows={program.pk: (period.first_day, period.last_day)}, now=now
    )[program.pk]
    first_live = next((day for day in period.day_list if day not in stored_days), None)
    if first_live == period.first_day or not rollups_enabled() or not is_postgresql():
        stats = freelancer_ticket_stats(program_id=program.pk, start=period.start_at, end=period.end_at)
        return stats, quality_by_freelancer(program=program, period=period)
    # The stored days run up to the first one without a row; the rest is one live window, from the refresh of the
    # last stored day when that is today's partial row (it counts up to then), else from the first day without.
    last_stored = (first_live or period.last_day + datetime.timedelta(days=1)) - datetime.timedelta(days=1)
    live: tuple[datetime.datetime, datetime.datetime] | None = None
    if stored_days[last_stored].get("partial"):
        live = (stored_days[last_stored]["refreshed_at"], period.end_at)
    elif first_live is not None:
        live = (midnight(first_live, period.zone), period.end_at)
    counts = _summed_facts(program=program, first_day=period.first_day, last_stored=last_stored, live=live)
    medians = freelancer_response_medians(
        program=program, first_day=period.first_day, last_stored=last_stored, live=live
    )
    stats, quality = {}, {}
    for fid, row in counts.items():
        median_seconds = medians.get(fid)
        stats[fid] = FreelancerTicketStats.of(
            freelancer_id=fid,
            solved=row["solved"],
            escalated=row["escalated"],
            first_responses=row["responses"],
            sla_met=row["responses_met"],
            median=median_seconds,
        )
        if row["qa_reviews"] or row["csat_answers"]:
            quality[fid] = QualityTotals(
                qa_count=row["qa_reviews"],
                qa_sum=row["qa_score_sum"] if row["qa_reviews"] else None,
                csat_answers=row["csat_answers"],
                csat_satisfied=row["csat_satisfied"],
            )
    return stats, quality


def _fact_sources(program, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """[(queryset, stamp, who, {fact: aggregate})]: what each FreelancerDay fact counts in [start, end), the
    definitions of queues' freelancer_ticket_stats and of quality_by_freelancer (the team table's live read):
    solved while assigned, escalations, first responses and those within the SLA, CSAT answers of tickets
    solved then, QA reviews submitted then (calibration never). The refresh groups them by day, the page's
    live minutes by freelancer only."""
    tickets = tickets_of_program(program_id=program.pk)
    return [
        (
            tickets.filter(solved_at__gte=start, solved_at__lt=end, assignee__isnull=False),
            "solved_at",
            "assignee_id",
            {"solved": Count("*")},
        ),
        (
            tickets.filter(escalated_at__gte=start, escalated_at__lt=end, escalated_by__isnull=False),
            "escalated_at",
            "escalated_by_id",
            {"escalated": Count("*")},
        ),
        (
            tickets.filter(
                first_response_at__gte=start,
                first_response_at__lt=end,
                first_responder__freelancer_profile__isnull=False,
            ),
            "first_response_at",
            "first_responder__freelancer_profile__id",
            {
                "responses": Count("first_response_at"),
                "responses_met": Count("first_response_at", filter=Q(first_response_met=True)),
            },
        ),
        (
            csat_answered(program_ids=[program.pk], start=start, end=end).filter(freelancer__isnull=False),
            "ticket__solved_at",
            "freelancer_id",
            {"csat_answers": CSAT_COUNTS["answers"], "csat_satisfied": CSAT_COUNTS["satisfied"]},
        ),
        (
            qa_reviews_submitted(program_ids=[program.pk], start=start, end=end).filter(
                freelancer__isnull=False
            ),
            "submitted_at",
            "freelancer_id",
            {"qa_reviews": Count("id"), "qa_score_sum": Sum("score")},
        ),
    ]


def _summed_facts(
    *,
    program,
    first_day: datetime.date,
    last_stored: datetime.date,
    live: tuple[datetime.datetime, datetime.datetime] | None,
) -> dict[int, dict]:
    """{freelancer_id: {fact: sum}} of the FreelancerDay rows of [first_day, last_stored] and the live window's
    counts (_fact_sources), in one statement."""
    sums = ", ".join(f"SUM({field}) AS {field}" for field in FREELANCER_DAY_FACTS)
    parts = [  # summed per freelancer before the union: a row per freelancer, not per day, to combine
        f"SELECT freelancer_id AS who, {sums} FROM {FreelancerDay._meta.db_table} "  # noqa: S608 — our names
        "WHERE program_id = %s AND day >= %s AND day <= %s GROUP BY freelancer_id"
    ]
    params: list = [program.pk, first_day, last_stored]
    for queryset, _stamp, who, aggregates in _fact_sources(program, *live) if live else []:
        sql, part_params = (
            queryset.annotate(who=F(who))
            .values("who")
            .annotate(**aggregates)
            .values_list("who", *aggregates)
            .order_by()
            .query.sql_with_params()
        )
        picked = ", ".join(field if field in aggregates else "0" for field in FREELANCER_DAY_FACTS)
        parts.append(f"SELECT who, {picked} FROM ({sql}) live")  # noqa: S608 — our own compiled queryset
        params += list(part_params)
    found: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT who, {sums} FROM ({' UNION ALL '.join(parts)}) facts GROUP BY who",  # noqa: S608 — ours
            params,
        )
        for who, *values in cursor.fetchall():
            found[int(who)] = {
                field: value or 0 for field, value in zip(FREELANCER_DAY_FACTS, values, strict=True)
            }
    return found


@dataclass
class FreelancerDayRows:
    """One day's per-freelancer rollup rows (not saved), as the refresh writes them."""

    days: list[FreelancerDay]
    cells: list[FreelancerResponseCells]
    counts: list[FreelancerResponseCount]

    def digest_text(self) -> str:
        return repr(
            (
                [(row.freelancer_id, *(getattr(row, f) for f in FREELANCER_DAY_FACTS)) for row in self.days],
                [
                    (row.freelancer_id, row.level, row.cell, *(getattr(row, c) for c in CELLS))
                    for row in self.cells
                ],
                [(row.freelancer_id, row.seconds, row.count) for row in self.counts],
            )
        ).replace("Decimal", "")


def freelancer_day_rows(
    *, program, first_day: datetime.date, last_day: datetime.date, until: datetime.datetime | None = None
) -> dict:
    """{local day: FreelancerDayRows} of [first_day, last_day] from the live tables (five grouped queries), with
    the definitions of freelancer_ticket_stats and quality_by_freelancer, per day of the program's time zone;
    with `until`, only what was stamped before it (today's rows, written while the day runs)."""
    zone = program.zone
    start, end = midnight(first_day, zone), midnight(last_day + datetime.timedelta(days=1), zone)
    if until is not None:
        end = min(end, until)
    facts: dict[datetime.date, dict[int, dict]] = defaultdict(dict)
    histograms: dict[datetime.date, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for queryset, stamp, who, aggregates in _fact_sources(program, start, end):
        by_seconds = "responses" in aggregates  # the first responses: also the day's exact histogram
        grouping = ["the_day", "who", *(["first_response_seconds"] if by_seconds else [])]
        for row in (
            queryset.annotate(the_day=TruncDate(stamp, tzinfo=zone), who=F(who))
            .values(*grouping)
            .annotate(**aggregates)
            .order_by()
        ):
            entry = facts[row["the_day"]].setdefault(row["who"], dict.fromkeys(FREELANCER_DAY_FACTS, 0))
            for field in aggregates:
                entry[field] += row[field] or 0
            if by_seconds and row["first_response_seconds"] is not None:
                histograms[row["the_day"]][row["who"]][row["first_response_seconds"]] = row["responses"]
    result = {}
    for day in sorted(set(facts) | set(histograms)):
        rows = FreelancerDayRows(days=[], cells=[], counts=[])
        for fid, values in sorted(facts[day].items()):
            rows.days.append(FreelancerDay(program_id=program.pk, day=day, freelancer_id=fid, **values))
        for fid, histogram in sorted(histograms[day].items()):
            level1 = [0] * len(CELLS)
            level2: dict[int, list[int]] = defaultdict(lambda: [0] * len(CELLS))
            for seconds, n in sorted(histogram.items()):
                bucket = bucket_of(seconds)
                level1[group_of(bucket)] += n
                level2[group_of(bucket)][cell_in_group(bucket)] += n
                rows.counts.append(
                    FreelancerResponseCount(
                        program_id=program.pk,
                        day=day,
                        freelancer_id=fid,
                        pair=pair_of(bucket),
                        seconds=seconds,
                        count=n,
                    )
                )
            cells = [(1, 0, level1)] + [(2, group, level2[group]) for group in sorted(level2)]
            for level, cell, cell_counts in cells:
                rows.cells.append(
                    FreelancerResponseCells(
                        program_id=program.pk,
                        day=day,
                        freelancer_id=fid,
                        level=level,
                        cell=cell,
                        **dict(zip(CELLS, cell_counts, strict=True)),
                    )
                )
        result[day] = rows
    return result


def sort_rows(rows: list[TeamRow], sort: str, descending: bool) -> list[TeamRow]:
    """Sort by the column; rows without a value ("no data") always go last; ties read A→Z by name."""
    attribute = SORTS.get(sort, SORTS[DEFAULT_SORT])[0]
    by_name = sorted(rows, key=lambda r: r.name.lower())
    with_value = [r for r in by_name if getattr(r, attribute) is not None]
    without = [r for r in by_name if getattr(r, attribute) is None]
    with_value.sort(key=lambda r: getattr(r, attribute), reverse=descending)  # stable: names stay A→Z
    return with_value + without


def team_member_get(*, program, freelancer_id) -> "Freelancer | None":
    """A freelancer with a contract (past draft) in the program; anyone else is not found."""
    try:
        freelancer_id = int(freelancer_id)
    except (TypeError, ValueError):
        return None
    return program_member_get(program_id=program.pk, freelancer_id=freelancer_id)


@dataclass
class WeekRow:
    monday: datetime.date
    solved: int = 0
    escalated: int = 0
    responses: int = 0
    responses_met: int = 0
    first_response_median_seconds: object = None
    hours: Decimal = Decimal("0")
    pay: Decimal = Decimal("0")
    quality: QualityTotals | None = None

    @property
    def sla_attainment(self):
        return percent(self.responses_met, self.responses)

    @property
    def escalation_rate(self):
        return percent(self.escalated, self.solved + self.escalated)

    @property
    def first_response_hours(self):
        return seconds_to_hours(self.first_response_median_seconds)

    @property
    def cost_per_ticket(self):
        return ratio(self.pay, self.solved)


def freelancer_weeks(*, program, freelancer: "Freelancer", period: Period) -> list[WeekRow]:
    """The freelancer's numbers per week (Monday, program time zone) over the period. Four queries + quality."""
    zone = program.zone
    weeks = {monday: WeekRow(monday=monday) for monday in weeks_between(period.first_day, period.last_day)}
    tickets = tickets_of_program(program_id=program.pk)
    in_period = {"start": period.start_at, "end": period.end_at}

    def per_day(queryset, field_name, **aggregates):
        return (
            queryset.filter(
                **{f"{field_name}__gte": in_period["start"], f"{field_name}__lt": in_period["end"]}
            )
            .annotate(day=TruncDate(field_name, tzinfo=zone))
            .values("day")
            .annotate(**aggregates)
        )

    # counting the day's own column (never null in its range), not id: the (program, day column) indexes INCLUDE
    # what these filter on, so the counts are index-only (docs/adr/0028)
    for row in per_day(tickets.filter(assignee=freelancer), "solved_at", n=Count("solved_at")):
        weeks[week_start(row["day"])].solved += row["n"]
    for row in per_day(tickets.filter(escalated_by=freelancer), "escalated_at", n=Count("escalated_at")):
        weeks[week_start(row["day"])].escalated += row["n"]
    responses = tickets.filter(first_responder_id=freelancer.user_id, first_response_met__isnull=False)
    for row in per_day(
        responses,
        "first_response_at",
        n=Count("first_response_at"),
        met=Count("first_response_at", filter=Q(first_response_met=True)),
    ):
        week = weeks[week_start(row["day"])]
        week.responses += row["n"]
        week.responses_met += row["met"]
    if is_postgresql():
        # Median per week needs the whole week's values together: group by the week's Monday in SQL.
        from django.db.models.functions import TruncWeek

        for row in (
            responses.filter(first_response_at__gte=period.start_at, first_response_at__lt=period.end_at)
            .annotate(week=TruncWeek("first_response_at", tzinfo=zone))
            .values("week")
            .annotate(median=Median("first_response_seconds"))
        ):
            monday = row["week"].date() if isinstance(row["week"], datetime.datetime) else row["week"]
            if monday in weeks:
                weeks[monday].first_response_median_seconds = row["median"]
    for monday, (hours, pay) in cost_per_week_for_freelancer(
        program=program, freelancer_id=freelancer.pk, period=period
    ).items():
        if monday in weeks:
            weeks[monday].hours, weeks[monday].pay = hours, pay
    from dashboard.selectors.quality import quality_weeks_for_freelancer

    for monday, totals in quality_weeks_for_freelancer(
        program=program, freelancer_id=freelancer.pk, period=period
    ).items():
        if monday in weeks:
            weeks[monday].quality = totals
    return list(weeks.values())
