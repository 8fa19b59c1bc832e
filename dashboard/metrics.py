"""The dashboard's own arithmetic: target colours, trends, NPS (percentages and ratios come from core.metrics).

Target colours (documented on the page too):
- green: the actual value meets the target (≥ for "at least", ≤ for "at most");
- amber: it misses, but by no more than 10 % of the target (AMBER_TOLERANCE), e.g. CSAT 82 against
  "at least 90" is amber (the line is 81), first response 1.1 h against "at most 1 h" is amber;
- red: it misses by more than that;
- grey: no data for the period (nothing to compare, never a division by zero).
"""

from dataclasses import dataclass
from decimal import Decimal

# percent, ratio, quantize and to_decimal have one home, core.metrics; re-exported for the dashboard's modules.
from core.metrics import ONE_DECIMAL, TWO_DECIMALS, percent, quantize, ratio, to_decimal

__all__ = [
    "ONE_DECIMAL",
    "TWO_DECIMALS",
    "percent",
    "quantize",
    "ratio",
    "to_decimal",
    "nps",
    "seconds_to_hours",
    "target_colour",
    "trend",
    "Trend",
]

AMBER_TOLERANCE = Decimal("0.10")

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
AT_LEAST, AT_MOST = "at_least", "at_most"


def seconds_to_hours(seconds, places: Decimal = TWO_DECIMALS) -> Decimal | None:
    value = to_decimal(seconds)
    return None if value is None else ratio(value, 3600, places)


def nps(promoters: int, passives: int, detractors: int) -> Decimal | None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6), one decimal; None with no answers."""
    total = (promoters or 0) + (passives or 0) + (detractors or 0)
    return percent((promoters or 0) - (detractors or 0), total)


def target_colour(actual, target, direction: str) -> str:
    actual, target = to_decimal(actual), to_decimal(target)
    if actual is None or target is None:
        return GREY
    slack = abs(target) * AMBER_TOLERANCE
    if direction == AT_MOST:
        if actual <= target:
            return GREEN
        return AMBER if actual <= target + slack else RED
    if actual >= target:
        return GREEN
    return AMBER if actual >= target - slack else RED


@dataclass(frozen=True)
class Trend:
    delta: Decimal | None
    state: str  # "better", "worse", "same" or "none"

    @property
    def arrow(self) -> str:
        if self.delta is None or self.delta == 0:
            return "→"
        return "↑" if self.delta > 0 else "↓"


def trend(current, previous, direction: str) -> Trend:
    """The change from the previous period, and whether that is better for a metric with this direction."""
    current, previous = to_decimal(current), to_decimal(previous)
    if current is None or previous is None:
        return Trend(None, "none")
    delta = current - previous
    if delta == 0:
        return Trend(delta, "same")
    better = delta > 0 if direction == AT_LEAST else delta < 0
    return Trend(delta, "better" if better else "worse")
