"""The worksheet's arithmetic: the timeline worked back from the queue-ready date, capacity, and budget.

Pure functions over plain values (dates, Decimals, ints): no database, no request, so they are easy to
test and other apps (recruiting prefills a posting, the dashboard compares plan and actuals) can reuse them.
Every amount is a Decimal in the program's currency; money is rounded half-up to cents per line.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from core.money import round_money, to_decimal

HUNDRED = Decimal(100)
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)


def ceil_ratio(numerator: Decimal, denominator: Decimal) -> int:
    """⌈numerator / denominator⌉ with one exact Decimal division (no float, no double rounding)."""
    if denominator <= 0:
        raise ValueError("The denominator must be positive.")
    return int((to_decimal(numerator) / to_decimal(denominator)).to_integral_value(rounding=ROUND_CEILING))


# --- Timeline -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    date: datetime.date
    is_past: bool
    note: str = ""


@dataclass(frozen=True)
class Timeline:
    milestones: list[Milestone]
    today: datetime.date
    queue_ready_date: datetime.date
    lead_days: int
    cannot_fit: bool
    days_short: int
    earliest_queue_ready: datetime.date
    queue_ready_passed: bool
    full_capacity_date: datetime.date

    @property
    def start_date(self) -> datetime.date:
        return self.milestones[0].date

    @property
    def past_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.is_past]


def ramp_weeks_to_full(ramp_percents: list[int]) -> int:
    """Weeks after queue-ready until a new freelancer works at 100 %: [50, 75, 100] → 2 (full from week 3).

    An empty ramp means full productivity from day one; a ramp that never reaches 100 % is taken to reach it
    the week after its last entry.
    """
    for index, percent in enumerate(ramp_percents):
        if percent >= 100:
            return index
    return len(ramp_percents)


def timeline_plan(
    *,
    queue_ready_date: datetime.date,
    today: datetime.date,
    training_days: int,
    posting_days: int = 14,
    trial_days: int = 7,
    interview_days: int = 7,
    offer_days: int = 5,
    ramp_percents: list[int] | None = None,
    starts_needed: int | None = None,
    productive_needed: int | None = None,
) -> Timeline:
    """Work back from the queue-ready date to dated milestones.

    queue-ready − training_days = training start; − offer_days = offers and contracts; − interview_days =
    interviews; − trial_days = trial tasks (applications close the same day); − posting_days = post the job.
    The plan cannot fit when the job would have had to be posted before today while queue-ready is still ahead.
    """
    day = datetime.timedelta(days=1)
    training_start = queue_ready_date - training_days * day
    offers = training_start - offer_days * day
    interviews = offers - interview_days * day
    trials = interviews - trial_days * day
    close_applications = trials
    post_job = close_applications - posting_days * day
    weeks_to_full = ramp_weeks_to_full(ramp_percents or [])
    full_capacity = queue_ready_date + datetime.timedelta(weeks=weeks_to_full)

    starts_note = ""
    if starts_needed is not None:
        starts_note = f"{starts_needed} start(s)"
        if productive_needed is not None:
            starts_note += f" for {productive_needed} productive"
    ramp_note = ""
    if ramp_percents:
        ramp_note = "ramp " + " → ".join(f"{p} %" for p in ramp_percents)

    rows = [
        ("post_job", "Post the job", post_job, f"open {posting_days} days"),
        ("close_applications", "Close applications", close_applications, ""),
        ("trial_tasks", "Trial tasks", trials, f"{trial_days} days"),
        ("interviews", "Interviews", interviews, f"{interview_days} days"),
        ("offers", "Offers and contracts", offers, starts_note),
        ("training_start", "Training starts", training_start, f"{training_days} days of training"),
        ("queue_ready", "Queue-ready", queue_ready_date, ramp_note),
    ]
    if full_capacity != queue_ready_date:
        rows.append(("full_capacity", "Full capacity", full_capacity, "new freelancers at 100 %"))
    milestones = [Milestone(key, label, date, date < today, note) for key, label, date, note in rows]
    lead_days = (queue_ready_date - post_job).days
    queue_ready_passed = queue_ready_date < today
    cannot_fit = post_job < today and not queue_ready_passed
    return Timeline(
        milestones=milestones,
        today=today,
        queue_ready_date=queue_ready_date,
        lead_days=lead_days,
        cannot_fit=cannot_fit,
        days_short=max((today - post_job).days, 0) if cannot_fit else 0,
        earliest_queue_ready=today + lead_days * day,
        queue_ready_passed=queue_ready_passed,
        full_capacity_date=full_capacity,
    )


# --- Capacity -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RampWeek:
    week: int
    starts_on: datetime.date | None
    percent: int
    hours: Decimal


@dataclass(frozen=True)
class CapacityPlan:
    hours_needed_per_week: Decimal
    headcount: int
    starts_needed: int
    hours_per_freelancer: Decimal
    ramp: list[RampWeek] = field(default_factory=list)

    @property
    def full_hours_per_week(self) -> Decimal:
        return self.headcount * self.hours_per_freelancer


def capacity_plan(
    *,
    tickets_per_week: int,
    average_handle_minutes: Decimal,
    target_occupancy_percent: Decimal,
    hours_per_freelancer: Decimal,
    training_yield_percent: Decimal = HUNDRED,
    ramp_percents: list[int] | None = None,
    queue_ready_date: datetime.date | None = None,
) -> CapacityPlan:
    """Size the team from the volume.

    hours needed per week = tickets × handle minutes / 60 / occupancy (occupancy as a share: 75 % → 0.75);
    headcount = ⌈hours needed / hours per freelancer⌉; starts = ⌈headcount / yield⌉ (10 at 60 % → 17);
    during the ramp, week n gives headcount × hours × ramp[n] %.
    """
    if tickets_per_week < 0:
        raise ValueError("The volume cannot be negative.")
    minutes = to_decimal(average_handle_minutes)
    occupancy = to_decimal(target_occupancy_percent)
    hours = to_decimal(hours_per_freelancer)
    yield_percent = to_decimal(training_yield_percent)
    if minutes <= 0 or hours <= 0 or not 0 < occupancy <= HUNDRED or not 0 < yield_percent <= HUNDRED:
        raise ValueError("Handle time, hours and percentages must be positive (percentages at most 100).")
    # Keep it one fraction until the end so rounding happens once.
    numerator = Decimal(tickets_per_week) * minutes * HUNDRED
    denominator = Decimal(60) * occupancy
    hours_needed = (numerator / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    headcount = ceil_ratio(numerator, denominator * hours)
    starts = ceil_ratio(Decimal(headcount) * HUNDRED, yield_percent)
    ramp = []
    for index, percent in enumerate(ramp_percents or []):
        starts_on = queue_ready_date + datetime.timedelta(weeks=index) if queue_ready_date else None
        week_hours = (headcount * hours * Decimal(percent) / HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)
        ramp.append(RampWeek(week=index + 1, starts_on=starts_on, percent=percent, hours=week_hours))
    return CapacityPlan(
        hours_needed_per_week=hours_needed,
        headcount=headcount,
        starts_needed=starts,
        hours_per_freelancer=hours,
        ramp=ramp,
    )


# --- Budget ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPlan:
    currency: str
    owner_hourly_value: Decimal | None
    monthly_hours: Decimal
    monthly_freelancer_cost: Decimal
    monthly_platform_fee: Decimal
    inhouse_monthly_cost: Decimal
    monthly_difference: Decimal
    monthly_budget: Decimal | None
    cost_per_ticket: Decimal | None

    @property
    def saves_money(self) -> bool:
        return self.monthly_difference > 0

    @property
    def over_budget(self) -> bool:
        return self.monthly_budget is not None and self.monthly_freelancer_cost > self.monthly_budget


def owner_hourly_value(*, yearly_profit: Decimal, yearly_hours_worked: int) -> Decimal:
    """Yearly profit ÷ yearly hours worked: 50,000 ÷ 2,080 = 24.04."""
    if yearly_hours_worked <= 0:
        raise ValueError("Yearly hours worked must be positive.")
    return round_money(to_decimal(yearly_profit) / Decimal(yearly_hours_worked))


def monthly_freelancer_cost(
    *,
    headcount: int,
    hours_per_week: Decimal,
    hourly_rate: Decimal,
    platform_fee_percent: Decimal = Decimal(0),
) -> Decimal:
    """headcount × hours a week × 52/12 × rate × (1 + fee %), rounded half-up to cents once."""
    numerator = (
        Decimal(headcount)
        * to_decimal(hours_per_week)
        * 52
        * to_decimal(hourly_rate)
        * (HUNDRED + to_decimal(platform_fee_percent))
    )
    return round_money(numerator / (Decimal(12) * HUNDRED))


def budget_plan(
    *,
    currency: str,
    headcount: int,
    hours_per_week: Decimal,
    hourly_rate: Decimal,
    platform_fee_percent: Decimal = Decimal(0),
    inhouse_monthly_cost: Decimal = Decimal(0),
    yearly_profit: Decimal | None = None,
    yearly_hours_worked: int = 2080,
    monthly_budget: Decimal | None = None,
    tickets_per_week: int = 0,
) -> BudgetPlan:
    """The planned monthly freelancer cost against the in-house cost it replaces (difference > 0 saves money)."""
    cost = monthly_freelancer_cost(
        headcount=headcount,
        hours_per_week=hours_per_week,
        hourly_rate=hourly_rate,
        platform_fee_percent=platform_fee_percent,
    )
    without_fee = monthly_freelancer_cost(
        headcount=headcount, hours_per_week=hours_per_week, hourly_rate=hourly_rate
    )
    inhouse = round_money(inhouse_monthly_cost or 0)
    cost_per_ticket = None
    if tickets_per_week:
        cost_per_ticket = round_money(cost * 12 / (Decimal(tickets_per_week) * 52))
    return BudgetPlan(
        currency=currency,
        owner_hourly_value=(
            owner_hourly_value(yearly_profit=yearly_profit, yearly_hours_worked=yearly_hours_worked)
            if yearly_profit is not None and yearly_hours_worked
            else None
        ),
        monthly_hours=round_money(Decimal(headcount) * to_decimal(hours_per_week) * WEEKS_PER_MONTH),
        monthly_freelancer_cost=cost,
        monthly_platform_fee=cost - without_fee,
        inhouse_monthly_cost=inhouse,
        monthly_difference=inhouse - cost,
        monthly_budget=round_money(monthly_budget) if monthly_budget is not None else None,
        cost_per_ticket=cost_per_ticket,
    )
