"""Freelancer hours and cost of one program, against the worksheet's budget. Read only, aggregate queries.

Definitions (shown on the cost page):
- hours: time entries that are submitted or approved (drafts are not claimed yet, sent-back ones are disputed);
- pay: what these hours are, or would be, paid, priced by payments' one pay rule (payments.earnings): each
  contract's hours per pay period and rate range (the rate in force on each day) make a line, rounded half-up
  to cents; pay is the sum of the lines, so the pay of a pay period equals its payouts' hours to the cent (lines
  are also cut where the report cuts: at the start of the period and, for the weekly figures, of each week);
- cost: pay + the sourcing platform's fee from the budget (platform_fee_percent on top of pay);
- only contracts in the program's currency count towards the budget; other currencies are listed apart
  (the dashboard does not convert money).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from core.money import round_money
from dashboard.metrics import percent, ratio
from dashboard.periods import Period
from dashboard.selectors._sql import week_start, weeks_between
from dashboard.selectors.daily import WORK, Facts, day_facts
from dashboard.selectors.work import period_pay, work_of_windows
from payments.selectors import adjustment_extras_for_program
from programs.selectors import program_worksheet_load

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from programs.models import Program

ZERO = Decimal("0")
CENTS_ZERO = Decimal("0.00")
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
DAYS_PER_MONTH = Decimal(365) / Decimal(12)


def with_fee(pay: Decimal, fee_percent: Decimal) -> Decimal:
    return round_money(pay * (1 + fee_percent / 100))


@dataclass
class SpendTotals:
    hours: Decimal = ZERO
    pay: Decimal = CENTS_ZERO  # money: shown with its cents ("0.00") even when nobody worked
    cost: Decimal = CENTS_ZERO  # pay + platform fee


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
        return percent(self.current.cost, self.period_budget)

    @property
    def cost_per_hour(self):
        return ratio(self.current.cost, self.current.hours)


def worksheet_load(program) -> None:
    """Load the program's budget and schedule in one query (instead of one each on first access)."""
    program_worksheet_load(program=program)


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

    Pay is priced by payments' pay rule over both periods from the hours the rollups summed in SQL and the live
    days' hours in `facts` (day_facts with the WORK part over both periods; read here when not given), the lines
    priced and summed in the same query (dashboard.selectors.work.period_pay); then one query for the extras,
    and one for the budget and schedule if not loaded yet.
    """
    worksheet_load(program)
    numbers = _budget_numbers(program, period.days)
    fee = numbers.pop("fee_percent")
    if facts is None:
        facts = day_facts(
            program=program, first_day=period.previous().first_day, last_day=period.last_day, parts={WORK}
        )
    report = CostReport(
        currency=program.currency,
        fee_percent=fee,
        current=SpendTotals(),
        previous=SpendTotals(),
        weeks=weeks_between(period.first_day, period.last_day),
        **numbers,
        figures_up_to=facts.up_to,
    )
    first_day = period.first_day
    # Lines are cut where the report cuts: at the start of the period and, for the weekly figures, each Monday.
    halves, weeks = period_pay(program=program, facts=facts, first_day=first_day)
    others: dict = defaultdict(lambda: [ZERO, ZERO])
    for (in_current, currency), total in halves.items():
        if currency != program.currency:
            if in_current:
                others[currency][0] += total.hours
                others[currency][1] += total.amount
            continue
        totals = report.current if in_current else report.previous
        totals.hours, totals.pay = total.hours, total.amount
    for totals in (report.current, report.previous):
        totals.cost = with_fee(totals.pay, fee)
    for (week, currency), total in weeks.items():
        if currency == program.currency:
            report.hours_per_week[week] = total.hours
            report.cost_per_week[week] = with_fee(total.amount, fee)
    report.other_currencies = [(code, hours, pay) for code, (hours, pay) in sorted(others.items())]
    report.extras = adjustment_extras_for_program(
        program_id=program.pk, start=period.start_at, end=period.end_at, currency=program.currency
    )
    return report


def cost_by_freelancer(*, program, period: Period, freelancer_ids=None) -> dict[int, dict]:
    """{freelancer_id: {"hours", "pay", "cost", "currency"}} for the period, pay as payouts price it: the hour
    rollups' sums and the live days' hours (dashboard.selectors.work.work_of_windows: at most four queries).

    A freelancer paid in another currency than the program's keeps their own currency and no fee.
    """
    fee = _budget_numbers(program, period.days)["fee_percent"]
    work = work_of_windows(
        programs=[program],
        windows={program.pk: (period.first_day, period.last_day)},
        freelancer_ids=freelancer_ids,
    )
    result: dict[int, dict] = {}
    for (freelancer_id, currency), total in sorted(work.pay_by(lambda day: day.freelancer_id).items()):
        entry = result.setdefault(freelancer_id, {"hours": ZERO, "pay": ZERO, "currency": program.currency})
        entry["hours"] += total.hours
        entry["pay"] += total.amount
        if currency != program.currency:
            entry["currency"] = currency
    for entry in result.values():
        entry["cost"] = with_fee(entry["pay"], fee) if entry["currency"] == program.currency else entry["pay"]
    return result


def cost_per_week_for_freelancer(*, program, freelancer_id: int, period: Period) -> dict:
    """{monday: (hours, pay)} of one freelancer in the program over the period (at most four queries: see
    work_of_windows; the rollups' sums are cut at each Monday)."""
    work = work_of_windows(
        programs=[program],
        windows={program.pk: (period.first_day, period.last_day)},
        cuts=weeks_between(period.first_day, period.last_day)[1:],
        freelancer_ids=[freelancer_id],
    )
    weeks: dict = {}
    for (monday, _currency), total in work.pay_by(lambda day: week_start(day.date)).items():
        hours, pay = weeks.get(monday, (ZERO, ZERO))
        weeks[monday] = (hours + total.hours, pay + total.amount)
    return weeks


def spend_by_program(
    *,
    programs: Iterable["Program"],
    ranges: dict[int, tuple[datetime.date, datetime.date]],
    rows: dict[int, dict[datetime.date, dict]] | None = None,
) -> dict[int, dict]:
    """{program_id: {currency: pay}} for several programs at once, each over its own (first, last) days.

    At most four queries whatever the number of programs and time entries (work_of_windows; the manager's
    home page; three with `rows`, the programs' complete_rows over the ranges)."""
    result: dict[int, dict] = defaultdict(dict)
    if not ranges:
        return result
    work = work_of_windows(programs=programs, windows=ranges, rows=rows)
    for (program_id, currency), total in work.pay_by(lambda day: day.program_id).items():
        result[program_id][currency] = total.amount
    return result
