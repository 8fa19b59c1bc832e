"""Per-freelancer numbers of one program: the sortable team table and one freelancer's page. Read only."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from contracts.selectors import (
    TIER_CHOICES,
    contract_latest_per_freelancer,
    program_member_get,
    standings_for_program,
)
from core.db import Median, is_postgresql
from dashboard.metrics import percent, ratio, seconds_to_hours
from dashboard.periods import Period
from dashboard.selectors._sql import week_start, weeks_between
from dashboard.selectors.costs import cost_by_freelancer, cost_per_week_for_freelancer
from dashboard.selectors.quality import QualityTotals, quality_by_freelancer
from queues.selectors import freelancer_ticket_stats, tickets_of_program

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
    stats = freelancer_ticket_stats(program_id=program.pk, start=period.start_at, end=period.end_at)
    costs = cost_by_freelancer(program=program, period=period)
    quality = quality_by_freelancer(program=program, period=period)
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
