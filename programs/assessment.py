"""“Is it time to outsource?”: rank an owner's tasks by what outsourcing each one is worth.

Pure functions over plain values (Decimals, bools), like programs.planning, whose owner_hourly_value prices the
owner's hour (the one rule: yearly value ÷ yearly working hours, rounded to cents).

For each task:
    hours freed per week = minutes each × times per week ÷ 60          (rounded half-up to 0.01 h)
    value per week       = hours freed × the owner's hourly value      (rounded half-up to cents)
    cost per week        = hours freed × the freelancer's hourly cost  (rounded half-up to cents)
    score                = value per week − cost per week
Ranked by score (highest first); at equal score the tasks the owner would stop doing come first, then those
they do not enjoy, then the order they were logged in. A task in the 20 % that brings 80 % of the value is
flagged “keep yourself” and never recommended, whatever its score. Totals count the recommended tasks;
a month is 52 ÷ 12 weeks (planning.WEEKS_PER_MONTH).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.money import round_money, to_decimal
from programs.planning import WEEKS_PER_MONTH, owner_hourly_value

SIXTY = Decimal(60)
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class TaskInput:
    key: int
    task: str
    minutes_each: Decimal
    times_per_week: Decimal
    skill_needed: str = ""
    enjoys: bool = False
    high_value: bool = False
    would_stop: bool = False
    chosen: bool = False


@dataclass(frozen=True)
class RankedTask:
    rank: int
    task: TaskInput
    hours_per_week: Decimal
    value_per_week: Decimal
    cost_per_week: Decimal
    score: Decimal
    keep_yourself: bool

    @property
    def recommended(self) -> bool:
        """Worth outsourcing: it frees more value than it costs and is not one of the 20 % to keep."""
        return not self.keep_yourself and self.score > 0


@dataclass(frozen=True)
class Ranking:
    currency: str
    hourly_value: Decimal
    freelancer_hourly_cost: Decimal
    tasks: list[RankedTask]
    hours_freed_per_week: Decimal
    net_value_per_week: Decimal
    hours_freed_per_month: Decimal
    net_value_per_month: Decimal
    chosen_hours_per_week: Decimal

    @property
    def recommended(self) -> list[RankedTask]:
        return [row for row in self.tasks if row.recommended]


def task_hours_per_week(*, minutes_each: Decimal, times_per_week: Decimal) -> Decimal:
    """minutes × times ÷ 60, to 0.01 h: 5 min × 40 a week = 3.33 h."""
    minutes, times = to_decimal(minutes_each), to_decimal(times_per_week)
    if minutes < 0 or times < 0:
        raise ValueError("Minutes and times per week cannot be negative.")
    return (minutes * times / SIXTY).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def assessment_rank(
    *,
    tasks: Iterable[TaskInput],
    yearly_value: Decimal,
    yearly_working_hours: int,
    freelancer_hourly_cost: Decimal,
    currency: str = "USD",
) -> Ranking:
    """The tasks ranked by what outsourcing them is worth (see the module docstring for the arithmetic)."""
    hourly_value = owner_hourly_value(yearly_profit=yearly_value, yearly_hours_worked=yearly_working_hours)
    freelancer_cost = round_money(freelancer_hourly_cost)
    if freelancer_cost < 0:
        raise ValueError("The freelancer's hourly cost cannot be negative.")
    scored = []
    for position, task in enumerate(tasks):
        hours = task_hours_per_week(minutes_each=task.minutes_each, times_per_week=task.times_per_week)
        value = round_money(hours * hourly_value)
        cost = round_money(hours * freelancer_cost)
        scored.append((position, task, hours, value, cost, value - cost))
    scored.sort(key=lambda row: (-row[5], not row[1].would_stop, row[1].enjoys, row[0]))
    ranked = [
        RankedTask(
            rank=rank,
            task=task,
            hours_per_week=hours,
            value_per_week=value,
            cost_per_week=cost,
            score=score,
            keep_yourself=task.high_value,
        )
        for rank, (_position, task, hours, value, cost, score) in enumerate(scored, start=1)
    ]
    recommended = [row for row in ranked if row.recommended]
    hours_freed = sum((row.hours_per_week for row in recommended), Decimal("0.00"))
    net_value = sum((row.score for row in recommended), Decimal("0.00"))
    return Ranking(
        currency=currency,
        hourly_value=hourly_value,
        freelancer_hourly_cost=freelancer_cost,
        tasks=ranked,
        hours_freed_per_week=hours_freed,
        net_value_per_week=net_value,
        hours_freed_per_month=round_money(hours_freed * WEEKS_PER_MONTH),
        net_value_per_month=round_money(net_value * WEEKS_PER_MONTH),
        chosen_hours_per_week=sum((row.hours_per_week for row in ranked if row.task.chosen), Decimal("0.00")),
    )


@dataclass(frozen=True)
class ChartBar:
    label: str
    score: Decimal
    x: Decimal  # where the bar starts, in % of the chart's width
    width: Decimal  # in % of the chart's width
    y: int
    positive: bool
    keep_yourself: bool


def score_chart(ranking: Ranking, *, row_height: int = 28) -> tuple[list[ChartBar], Decimal, int]:
    """Horizontal bars of each task's score for an inline SVG: (bars, the zero line's x in %, the height in px).

    Bars scale to the largest |score|; negative scores grow left of the zero line."""
    scores = [row.score for row in ranking.tasks]
    most = max((s for s in scores if s > 0), default=Decimal(0))
    least = min((s for s in scores if s < 0), default=Decimal(0))
    span = most - least
    zero = (-least / span * 100).quantize(HUNDREDTH) if span else Decimal(0)
    bars = []
    for index, row in enumerate(ranking.tasks):
        width = (abs(row.score) / span * 100).quantize(HUNDREDTH) if span else Decimal(0)
        x = zero if row.score >= 0 else zero - width
        bars.append(
            ChartBar(
                label=row.task.task,
                score=row.score,
                x=x,
                width=width,
                y=index * row_height,
                positive=row.score >= 0,
                keep_yourself=row.keep_yourself,
            )
        )
    return bars, zero, max(len(bars), 1) * row_height
