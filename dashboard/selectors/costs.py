"""Freelancer hours and cost of one program, against the worksheet's budget. Read only, aggregate queries.

Definitions (shown on the cost page):
- hours: time entries that are submitted or approved (drafts are not claimed yet, sent-back ones are disputed);
- pay: each entry's hours × the contract's rate in force on the entry's date (the latest rate change on or
  before it, else the starting rate), summed by the database and rounded half-up to cents per total;
- cost: pay + the sourcing platform's fee from the budget (platform_fee_percent on top of pay);
- only contracts in the program's currency count towards the budget; other currencies are listed apart
  (the dashboard does not convert money).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from core.money import round_money
from dashboard.metrics import ratio
from dashboard.periods import Period
from dashboard.selectors._pay import pay_rows
from dashboard.selectors._sql import week_start
from dashboard.selectors.daily import PAY, Facts, day_facts
from payments.models import Adjustment
from programs.models import Program

ZERO = Decimal("0")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
DAYS_PER_MONTH = Decimal(365) / Decimal(12)


def with_fee(pay: Decimal, fee_percent: Decimal) -> Decimal:
    return round_money(pay * (1 + fee_percent / 100))


@dataclass
class SpendTotals:
    hours: Decimal = ZERO
    pay: Decimal = ZERO
    cost: Decimal = ZERO  # pay + platform fee


@dataclass
class CostReport:
    currency: str
    fee_percent: Decimal
    current: SpendTotals
    previous: SpendTotals
    weeks: list[datetime.date] = field(default_factory=list)
    hours_per_week: dict = field(default_factory=dict)
    cost_per_week: dict = field(default_factory=dict)
    weekly_budget: Decimal | None = None
    budget_label: str = ""
    period_budget: Decimal | None = None
    planned_period_spend: Decimal | None = None
    other_currencies: list = field(default_factory=list)  # [(currency, hours, pay)]
    extras: list = field(default_factory=list)  # [(kind label, amount)] bonuses and paid trials in the period
    inhouse_cost_per_hour: Decimal | None = None
    inhouse_cost_per_ticket: Decimal | None = None
    inhouse_period_cost: Decimal | None = None
    planned_cost_per_hour: Decimal | None = None
    figures_up_to: datetime.datetime | None = None  # when the rollups behind finished days were refreshed

    @property
    def budget_used_percent(self):
        from dashboard.metrics import percent

        return percent(self.current.cost, self.period_budget)

    @property
    def cost_per_hour(self):
        return ratio(self.current.cost, self.current.hours)


def worksheet_load(program) -> None:
    """Load the program's budget and schedule in one query (instead of one each on first access)."""
    relations = [Program._meta.get_field("budget"), Program._meta.get_field("schedule")]
    if all(relation.is_cached(program) for relation in relations):
        return
    loaded = Program.objects.select_related("budget", "schedule").get(pk=program.pk)
    for relation in relations:
        relation.set_cached_value(program, getattr(loaded, relation.get_accessor_name(), None))


def _budget_numbers(program, days: int) -> dict:
    """Weekly and period budget, planned spend and in-house equivalents from the worksheet (no query if loaded)."""
    budget = getattr(program, "budget", None)
    schedule = getattr(program, "schedule", None)
    numbers: dict = {"fee_percent": budget.platform_fee_percent if budget else ZERO}
    planned_weekly = None
    cover_hours_per_week = None
    if schedule is not None:
        cover_hours_per_week = schedule.hours_per_week * schedule.freelancers_needed
    if budget is not None:
        fee = 1 + budget.platform_fee_percent / 100
        numbers["planned_cost_per_hour"] = round_money(budget.planned_hourly_rate * fee)
        if cover_hours_per_week:
            planned_weekly = budget.planned_hourly_rate * fee * cover_hours_per_week
            numbers["planned_period_spend"] = round_money(planned_weekly * days / 7)
        if budget.monthly_budget is not None:
            numbers["weekly_budget"] = round_money(budget.monthly_budget / WEEKS_PER_MONTH)
            numbers["period_budget"] = round_money(budget.monthly_budget * days / DAYS_PER_MONTH)
            numbers["budget_label"] = "monthly budget"
        elif planned_weekly is not None:
            numbers["weekly_budget"] = round_money(planned_weekly)
            numbers["period_budget"] = numbers["planned_period_spend"]
            numbers["budget_label"] = "planned rate × headcount × hours"
        if budget.inhouse_monthly_cost:
            inhouse_weekly = budget.inhouse_monthly_cost / WEEKS_PER_MONTH
            numbers["inhouse_period_cost"] = round_money(budget.inhouse_monthly_cost * days / DAYS_PER_MONTH)
            if cover_hours_per_week:
                numbers["inhouse_cost_per_hour"] = round_money(inhouse_weekly / cover_hours_per_week)
            if schedule is not None and schedule.tickets_per_week:
                numbers["inhouse_cost_per_ticket"] = round_money(inhouse_weekly / schedule.tickets_per_week)
    return numbers


def cost_report(*, program, period: Period, facts: Facts | None = None) -> CostReport:
    """Hours and cost per week of the period, totals of it and of the previous period, budget lines.

    Pay per day and currency comes from `facts` (day_facts over both periods: rollups of finished days, live for
    the rest); then one query for the extras, and one for the budget and schedule if not loaded yet.
    """
    if facts is None:
        facts = day_facts(program=program, first_day=period.previous().first_day, last_day=period.last_day,
                          parts={PAY})
    worksheet_load(program)
    numbers = _budget_numbers(program, period.days)
    fee = numbers.pop("fee_percent")
    report = CostReport(currency=program.currency, fee_percent=fee, current=SpendTotals(), previous=SpendTotals(),
                        weeks=[], **numbers, figures_up_to=facts.up_to)
    monday = week_start(period.first_day)
    while monday <= period.last_day:
        report.weeks.append(monday)
        monday += datetime.timedelta(days=7)
    rows = [
        {"date": day, "contract__currency": currency, "hours_total": hours, "pay_total": pay}
        for day, day_facts_ in sorted(facts.days.items()) for currency, (hours, pay) in day_facts_.pay.items()
    ]
    pay_per_week: dict = defaultdict(lambda: ZERO)
    others: dict = defaultdict(lambda: [ZERO, ZERO])
    for row in rows:
        in_current = row["date"] >= period.first_day
        if row["contract__currency"] != program.currency:
            if in_current:
                others[row["contract__currency"]][0] += row["hours_total"]
                others[row["contract__currency"]][1] += row["pay_total"]
            continue
        totals = report.current if in_current else report.previous
        totals.hours += row["hours_total"]
        totals.pay += row["pay_total"]
        if in_current:
            monday = week_start(row["date"])
            report.hours_per_week[monday] = report.hours_per_week.get(monday, ZERO) + row["hours_total"]
            pay_per_week[monday] += row["pay_total"]
    for totals in (report.current, report.previous):
        totals.pay = round_money(totals.pay)
        totals.cost = with_fee(totals.pay, fee)
    report.cost_per_week = {monday: with_fee(pay, fee) for monday, pay in pay_per_week.items()}
    report.other_currencies = [(code, hours, round_money(pay)) for code, (hours, pay) in sorted(others.items())]
    extras = (
        Adjustment.objects.filter(
            program_id=program.pk, kind__in=[Adjustment.Kind.BONUS, Adjustment.Kind.PAID_TRIAL],
            created_at__gte=period.start_at, created_at__lt=period.end_at, currency=program.currency,
        ).order_by().values("kind").annotate(total=Sum("amount"))
    )
    labels = dict(Adjustment.Kind.choices)
    report.extras = [(labels[row["kind"]], round_money(row["total"])) for row in extras]
    return report


def cost_by_freelancer(*, program, period: Period, freelancer_ids=None) -> dict[int, dict]:
    """{freelancer_id: {"hours", "pay", "cost", "currency"}} for the period (one query).

    A freelancer paid in another currency than the program's keeps their own currency and no fee.
    """
    fee = _budget_numbers(program, period.days)["fee_percent"]
    result: dict[int, dict] = {}
    for freelancer_id, currency, hours, pay in pay_rows(windows={program.pk: (period.first_day, period.last_day)},
                                                        group="freelancer_id", freelancer_ids=freelancer_ids):
        entry = result.setdefault(freelancer_id, {"hours": ZERO, "pay": ZERO, "currency": program.currency})
        entry["hours"] += hours
        entry["pay"] += pay
        if currency != program.currency:
            entry["currency"] = currency
    for entry in result.values():
        entry["pay"] = round_money(entry["pay"])
        entry["cost"] = with_fee(entry["pay"], fee) if entry["currency"] == program.currency else entry["pay"]
    return result


def cost_per_week_for_freelancer(*, program, freelancer_id: int, period: Period) -> dict:
    """{monday: (hours, pay)} of one freelancer in the program over the period (one query)."""
    rows = [{"date": day, "hours_total": hours, "pay_total": pay} for day, _currency, hours, pay in pay_rows(
        windows={program.pk: (period.first_day, period.last_day)}, group="date", freelancer_ids=[freelancer_id])]
    weeks: dict = {}
    for row in rows:
        monday = week_start(row["date"])
        hours, pay = weeks.get(monday, (ZERO, ZERO))
        weeks[monday] = (hours + row["hours_total"], pay + row["pay_total"])
    return {monday: (hours, round_money(pay)) for monday, (hours, pay) in weeks.items()}


def spend_by_program(*, ranges: dict[int, tuple[datetime.date, datetime.date]]) -> dict[int, dict]:
    """{program_id: {currency: pay}} for several programs at once, each over its own (first, last) days.

    One query (the manager's home page)."""
    result: dict[int, dict] = defaultdict(dict)
    if not ranges:
        return result
    for program_id, currency, _hours, pay in pay_rows(windows=ranges, group="program_id"):
        result[program_id][currency] = round_money(pay)
    return result
