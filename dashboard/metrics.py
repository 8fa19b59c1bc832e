"""Arithmetic the dashboard shares: percentages, ratios, target colours and trends. Pure functions, exact Decimals.

Target colours (documented on the page too):
- green: the actual value meets the target (≥ for "at least", ≤ for "at most");
- amber: it misses, but by no more than 10 % of the target (AMBER_TOLERANCE), e.g. CSAT 82 against
  "at least 90" is amber (the line is 81), first response 1.1 h against "at most 1 h" is amber;
- red: it misses by more than that;
- grey: no data for the period (nothing to compare, never a division by zero).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

AMBER_TOLERANCE = Decimal("0.10")
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
AT_LEAST, AT_MOST = "at_least", "at_most"


def to_decimal(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Aggregates such as PERCENTILE_CONT come back as floats; go through str so 0.1 stays 0.1.
        return Decimal(repr(value))
    return Decimal(value)


def quantize(value, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    value = to_decimal(value)
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def percent(part, whole, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    """part / whole × 100, half-up to one decimal; None when whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def ratio(numerator, denominator, places: Decimal = TWO_DECIMALS) -> Decimal | None:
    """numerator / denominator half-up; None when the denominator is 0 or unknown (no division by zero)."""
    if numerator is None or not denominator:
        return None
    return (to_decimal(numerator) / to_decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def seconds_to_hours(seconds, places: Decimal = TWO_DECIMALS) -> Decimal | None:
    if seconds is None:
        return None
    return (to_decimal(seconds) / Decimal(3600)).quantize(places, rounding=ROUND_HALF_UP)


def nps(promoters: int, passives: int, detractors: int) -> Decimal | None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6), one decimal; None with no answers."""
    total = (promoters or 0) + (passives or 0) + (detractors or 0)
    if not total:
        return None
    return (Decimal(promoters - detractors) * 100 / Decimal(total)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


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
