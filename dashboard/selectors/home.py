"""The two home pages: the manager's programs at a glance and the freelancer's day. Read only, through
the owning apps' selectors; numbers across several programs come from grouped queries (one per measure)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from contracts.selectors import ContractStatus, contract_list_for_freelancer, freelancer_program_ids
from core.money import round_money
from dashboard.metrics import GREY, percent, target_colour
from dashboard.periods import last_days
from dashboard.selectors.costs import spend_by_program
from dashboard.selectors.daily import complete_rows, day_split
from dashboard.selectors.quality import QualityTotals, quality_by_program
from payments.selectors import (
    pay_schedules_for_programs,
    payout_next_for_freelancer,
    time_this_period_for_freelancer,
    time_to_submit_for_freelancer,
)
from programs.selectors import MetricKind, announcement_list_published, program_list_with_metrics
from queues.availability import availability_intervals
from queues.selectors import (
    availability_for_freelancer,
    queue_counts_by_program,
    ticket_list_for_freelancer,
    tickets_of_programs,
)
from recruiting.selectors import open_recruiting_by_program

HEALTH_DAYS = 7
ROLLED_HEALTH = ("responses", "responses_met", "csat_answers", "csat_satisfied")  # DailyRollup columns
SPEND_DAYS = 30


@dataclass
class ProgramHealth:
    program: object
    sla_attainment: Decimal | None = None
    sla_colour: str = GREY
    backlog: int = 0
    breached: int = 0
    csat: Decimal | None = None
    csat_colour: str = GREY
    spend: Decimal | None = None
    budget: Decimal | None = None
    open_postings: int = 0
    in_pipeline: int = 0
    other_currency_spend: list = field(default_factory=list)

    @property
    def budget_used(self):
        return percent(self.spend, self.budget)

    @property
    def budget_colour(self) -> str:
        return target_colour(self.spend, self.budget, "at_most") if self.budget else GREY


def manager_home(*, user, now=None) -> list[ProgramHealth]:
    """Each program the user manages with SLA attainment and CSAT (last 7 days), backlog and breaches now,
    freelancer spend of the last 30 days against the budget for 30 days, and open recruiting. Constant queries.
    The days are the program's own (its time zone), like the program dashboard's periods."""
    now = now or timezone.now()
    programs = list(program_list_with_metrics(user=user).order_by("name"))
    ids = [p.pk for p in programs]
    if not ids:
        return []
    # The same windows as the program dashboard's "last 7 days" and "last 30 days", in each program's zone.
    weeks = {p.pk: last_days(HEALTH_DAYS, today=now.astimezone(p.zone).date(), zone=p.zone) for p in programs}
    months = {p.pk: last_days(SPEND_DAYS, today=now.astimezone(p.zone).date(), zone=p.zone) for p in programs}
    # The complete rollup rows of the 30 days (and today's), for the pay and for the counts of the last 7.
    rolled = complete_rows(
        programs=programs,
        windows={pk: (period.first_day, period.last_day) for pk, period in months.items()},
        columns=ROLLED_HEALTH,
        now=now,
    )
    sla, quality = _week_responses_and_csat(programs=programs, weeks=weeks, rows=rolled)
    # The active tickets and those past next_due_at, from the queue counters (docs/adr/0030): counting them
    # read every active ticket (~0.25 s at 1,000,000 tickets).
    backlog = queue_counts_by_program(program_ids=ids, now=now)
    spend = spend_by_program(
        programs=programs, ranges={pk: (p.first_day, p.last_day) for pk, p in months.items()}, rows=rolled
    )
    recruiting = open_recruiting_by_program(program_ids=ids)
    rows = []
    for program in programs:
        targets = {m.kind: m for m in program.success_metrics.all()}
        health = ProgramHealth(program=program)
        sla_row = sla.get(program.pk, {"n": 0, "met": 0})
        health.sla_attainment = percent(sla_row["met"], sla_row["n"])
        sla_metric = targets.get(MetricKind.SLA_ATTAINMENT)
        health.sla_colour = target_colour(
            health.sla_attainment, sla_metric.target if sla_metric else Decimal("90"), "at_least"
        )
        health.backlog = backlog.get(program.pk, {}).get("active", 0)
        health.breached = backlog.get(program.pk, {}).get("breached", 0)
        health.csat = quality.get(program.pk, QualityTotals()).csat
        csat_metric = targets.get(MetricKind.CSAT)
        if csat_metric is not None:
            health.csat_colour = target_colour(health.csat, csat_metric.target, csat_metric.direction)
        spent = spend.get(program.pk, {})
        budget = getattr(program, "budget", None)
        fee = budget.platform_fee_percent if budget else Decimal("0")
        health.spend = round_money(spent.get(program.currency, Decimal("0")) * (1 + fee / 100))
        health.other_currency_spend = [
            (code, amount) for code, amount in sorted(spent.items()) if code != program.currency
        ]
        if budget is not None and budget.monthly_budget is not None:
            health.budget = round_money(budget.monthly_budget * SPEND_DAYS * 12 / 365)
        recruiting_row = recruiting.get(program.pk, {})
        health.open_postings = recruiting_row.get("open_postings", 0)
        health.in_pipeline = recruiting_row.get("in_pipeline", 0)
        rows.append(health)
    return rows


def _week_responses_and_csat(
    *, programs, weeks: dict, rows: dict[int, dict[datetime.date, dict]]
) -> tuple[dict[int, dict], dict[int, QualityTotals]]:
    """Per program, the first responses of its week ({"n", "met"}: first_response_at in the week, SLA known) and
    its CSAT answers (tickets solved in the week), the days split as day_facts splits them (daily.day_split:
    DailyRollup counts them the same way), with one live window per program from the first instant read live
    (DaySplit.one_live_window: today's row up to its refresh and the minutes after it, or a day never
    refreshed and the days after it). `rows`:
    complete_rows with ROLLED_HEALTH and today's row, over windows that hold the weeks. Two queries whatever
    the number of programs and tickets."""
    zones = {program.pk: program.zone for program in programs}
    sla = {pk: {"n": 0, "met": 0} for pk in weeks}
    quality = {pk: QualityTotals() for pk in weeks}
    live: dict[int, tuple[datetime.datetime, datetime.datetime]] = {}
    for pk, period in weeks.items():
        split = day_split(first_day=period.first_day, last_day=period.last_day, rows=rows.get(pk, {}))
        rolled, since = split.one_live_window(zones[pk])
        for row in rolled:
            sla[pk]["n"] += row["responses"]
            sla[pk]["met"] += row["responses_met"]
            quality[pk].csat_answers += row["csat_answers"]
            quality[pk].csat_satisfied += row["csat_satisfied"]
        if since is not None:
            live[pk] = (since, period.end_at)
    if live:
        in_week = Q(pk__in=[])
        for pk, (start, end) in live.items():
            in_week |= Q(program_id=pk, first_response_at__gte=start, first_response_at__lt=end)
        for row in (
            tickets_of_programs(program_ids=list(live))
            .filter(in_week, first_response_met__isnull=False)
            .values("program_id")
            .annotate(n=Count("id"), met=Count("id", filter=Q(first_response_met=True)))
            .order_by()
        ):
            sla[row["program_id"]]["n"] += row["n"]
            sla[row["program_id"]]["met"] += row["met"]
        for pk, totals in quality_by_program(windows=live).items():
            quality[pk].csat_answers += totals.csat_answers
            quality[pk].csat_satisfied += totals.csat_satisfied
    return sla, quality


# --- the freelancer's portal home ---------------------------------------------------------------------------


def _today_shifts(freelancer, availability: dict, now) -> list[tuple]:
    """The freelancer's shifts today (their time zone), cut to the day: [(start, end)] in UTC."""
    zone = freelancer.zone
    today = now.astimezone(zone).date()
    day_start = datetime.datetime.combine(today, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)
    day_end = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    ).astimezone(datetime.UTC)
    return availability_intervals(
        zone=zone, slots=availability["slots"], changes=availability["changes"], start=day_start, end=day_end
    )


def portal_home(*, freelancer, now=None) -> dict:
    """What the freelancer's home shows, each piece read from the app that owns it. A fixed number of queries."""
    now = now or timezone.now()
    availability = availability_for_freelancer(freelancer=freelancer, now=now)
    tickets_qs = ticket_list_for_freelancer(freelancer=freelancer)
    open_tickets = list(tickets_qs[:8])
    ticket_count = tickets_qs.count()
    contracts = list(contract_list_for_freelancer(freelancer=freelancer))
    to_sign = [c for c in contracts if c.status == ContractStatus.SENT]
    onboarding = []
    for contract in contracts:
        if contract.status in (ContractStatus.SIGNED, ContractStatus.ACTIVE):
            done, required = contract.onboarding_counts
            if done < required:
                onboarding.append({"contract": contract, "done": done, "required": required})
    to_submit = time_to_submit_for_freelancer(freelancer=freelancer)
    this_period = time_this_period_for_freelancer(freelancer=freelancer)
    next_payout = payout_next_for_freelancer(freelancer=freelancer)
    program_ids = list(freelancer_program_ids(freelancer_id=freelancer.pk))
    next_runs = []
    schedules = {s.program_id: s for s in pay_schedules_for_programs(program_ids=program_ids)}
    for schedule in schedules.values():
        today = now.astimezone(schedule.program.zone).date()
        _start, end = schedule.period_bounds(today)
        next_runs.append(
            {
                "program": schedule.program,
                "period_end": end,
                "run_on": end + datetime.timedelta(days=schedule.run_after_days),
            }
        )
    announcements = list(announcement_list_published(program_ids=program_ids)[:5])
    from dashboard.selectors.quality import reviews_to_read

    return {
        "on_shift": availability["on_shift"],
        "shifts_today": _today_shifts(freelancer, availability, now),
        "next_shift": availability["upcoming"][0] if availability["upcoming"] else None,
        "open_tickets": open_tickets,
        "ticket_count": ticket_count,
        "to_sign": to_sign,
        "onboarding": onboarding,
        "to_submit": to_submit,
        "this_period": this_period,
        "next_payout": next_payout,
        "next_runs": sorted(next_runs, key=lambda r: r["run_on"]),
        "announcements": announcements,
        "reviews_to_read": reviews_to_read(freelancer=freelancer),
    }
