"""The worksheet as a reader sees it: seven sections, how complete each is, and the plans derived from it.

Everything here works on a program fetched by selectors.program_worksheet_get (every section and row
prefetched), so building the page does not query per row.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from programs import planning
from programs.models import Program


def section_of(program: Program, name: str):
    """The program's one-per-program section (schedule, budget…) or None when it is not filled yet."""
    try:
        return getattr(program, name)
    except ObjectDoesNotExist:
        return None


@dataclass
class Section:
    key: str
    number: int | None
    title: str
    missing: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.missing


# key (also the edit page's URL part), number on the worksheet (None: an extra), title
SECTIONS = [
    ("outcome", 1, "Desired outcome"),
    ("scope", 2, "Scope of work"),
    ("schedule", 3, "When help is needed"),
    ("candidates", 4, "Who you want"),
    ("support", 5, "How freelancers are supported"),
    ("behind-the-scenes", 6, "Behind the scenes"),
    ("success", 7, "What success looks like"),
    ("budget", None, "Budget"),
    ("onboarding", None, "Onboarding checklist"),
    ("stakeholders", None, "Stakeholders"),
]
SECTION_TITLES = {key: title for key, _number, title in SECTIONS}


def worksheet_sections(program: Program) -> list[Section]:
    """Each section with what it still misses (empty list: done). Uses prefetched rows only."""
    schedule = section_of(program, "schedule")
    profile = section_of(program, "candidate_profile")
    plan = section_of(program, "support_plan")
    scorecard = section_of(program, "scorecard")
    behind = section_of(program, "behind_the_scenes")
    budget = section_of(program, "budget")
    missing = {key: [] for key, _n, _t in SECTIONS}

    if not program.outcome.strip():
        missing["outcome"].append("Describe what the program is for.")
    if not program.ticket_types.all():
        missing["scope"].append("Add the ticket types in scope.")
    if not program.channels:
        missing["scope"].append("Pick the channels freelancers support.")
    if schedule is None:
        missing["schedule"].append("Set hours, headcount and the queue-ready date.")
    if profile is None:
        missing["candidates"].append("Describe the candidate profile.")
    elif profile.pay_min is None and profile.pay_max is None:
        missing["candidates"].append("Give a pay range.")
    if not program.platforms.all():
        missing["candidates"].append("Add where freelancers will be found.")
    if plan is None:
        missing["support"].append("Say who reviews tickets and how often.")
    if scorecard is None or not scorecard.criteria.all():
        missing["support"].append("Define the QA scorecard's criteria.")
    if behind is None:
        missing["behind-the-scenes"].append("Describe security, escalation and working hours.")
    if not program.tools.all():
        missing["behind-the-scenes"].append("List the tools and the access each needs.")
    if not program.training_materials.all():
        missing["behind-the-scenes"].append("Add training materials.")
    if not program.success_metrics.all():
        missing["success"].append("Add success metrics with targets.")
    if budget is None:
        missing["budget"].append("Set the planned rate and the in-house cost.")
    if not program.onboarding_steps.all():
        missing["onboarding"].append("Add the onboarding steps.")
    if not program.stakeholders.all():
        missing["stakeholders"].append("Add the customer contacts who get the NPS survey.")
    return [Section(key, number, title, missing[key]) for key, number, title in SECTIONS]


def activation_problems(*, has_ticket_types: bool, has_schedule: bool, has_metrics: bool) -> list[str]:
    """Why a program may not become active: scope, schedule and success metrics must not be empty."""
    problems = []
    if not has_ticket_types:
        problems.append("scope (no ticket types)")
    if not has_schedule:
        problems.append("schedule (no hours, headcount or queue-ready date)")
    if not has_metrics:
        problems.append("success metrics (none yet)")
    return problems


@dataclass
class Plans:
    timeline: planning.Timeline | None = None
    capacity: planning.CapacityPlan | None = None
    budget: planning.BudgetPlan | None = None
    planned_headcount: int | None = None
    owner_hourly_value: object = None

    @property
    def headcount_gap(self) -> int | None:
        """Capacity headcount − planned headcount (> 0: the worksheet plans too few freelancers)."""
        if self.capacity is None or self.planned_headcount is None:
            return None
        return self.capacity.headcount - self.planned_headcount


def worksheet_plans(program: Program, *, today: datetime.date) -> Plans:
    """Timeline, capacity and budget from the program's schedule and budget (whatever of them is filled)."""
    schedule = section_of(program, "schedule")
    budget = section_of(program, "budget")
    plans = Plans()
    if budget is not None and budget.yearly_profit is not None:
        plans.owner_hourly_value = planning.owner_hourly_value(
            yearly_profit=budget.yearly_profit, yearly_hours_worked=budget.yearly_hours_worked
        )
    if schedule is None:
        return plans
    plans.planned_headcount = schedule.freelancers_needed
    if schedule.tickets_per_week:
        plans.capacity = planning.capacity_plan(
            tickets_per_week=schedule.tickets_per_week,
            average_handle_minutes=schedule.average_handle_minutes,
            target_occupancy_percent=schedule.target_occupancy_percent,
            hours_per_freelancer=schedule.hours_per_week,
            training_yield_percent=schedule.training_yield_percent,
            ramp_percents=schedule.ramp_percents,
            queue_ready_date=schedule.queue_ready_date,
        )
    productive = schedule.freelancers_needed
    starts = planning.ceil_ratio(productive * planning.HUNDRED, schedule.training_yield_percent)
    plans.timeline = planning.timeline_plan(
        queue_ready_date=schedule.queue_ready_date,
        today=today,
        training_days=schedule.training_days,
        posting_days=schedule.posting_days,
        trial_days=schedule.trial_days,
        interview_days=schedule.interview_days,
        offer_days=schedule.offer_days,
        ramp_percents=schedule.ramp_percents,
        starts_needed=starts,
        productive_needed=productive,
    )
    if budget is not None:
        plans.budget = planning.budget_plan(
            currency=program.currency,
            headcount=schedule.freelancers_needed,
            hours_per_week=schedule.hours_per_week,
            hourly_rate=budget.planned_hourly_rate,
            platform_fee_percent=budget.platform_fee_percent,
            inhouse_monthly_cost=budget.inhouse_monthly_cost,
            yearly_profit=budget.yearly_profit,
            yearly_hours_worked=budget.yearly_hours_worked,
            monthly_budget=budget.monthly_budget,
            tickets_per_week=schedule.tickets_per_week,
        )
    return plans
