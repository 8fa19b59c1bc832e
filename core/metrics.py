"""The arithmetic every report shares: percentages, ratios, medians. Pure functions on exact Decimals
(the median aggregate in SQL is core.db.Median, with the other database-specific code).

One home for these rules (the dashboard, reviews and queues' reporting all call them), so a percentage or a
median means the same on every page. Rounding is half-up; "nothing to divide by" is None, never an error.
"""

import statistics
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """A number as a Decimal (None stays None); floats go through their shortest repr, so 0.1 stays 0.1."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Aggregates such as PERCENTILE_CONT come back as floats.
        return Decimal(repr(value))
    return Decimal(value)


def quantize(value: Any, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    """The value half-up to `places` (one decimal by default); None stays None."""
    number = to_decimal(value)
    return None if number is None else number.quantize(places, rounding=ROUND_HALF_UP)


def percent(part: Any, whole: Any, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    """part / whole × 100, half-up to `places` (one decimal by default); None when whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def ratio(numerator: Any, denominator: Any, places: Decimal = TWO_DECIMALS) -> Decimal | None:
    """numerator / denominator half-up to `places`; None when the denominator is 0 or unknown."""
    top, bottom = to_decimal(numerator), to_decimal(denominator)
    if top is None or not bottom:
        return None
    return (top / bottom).quantize(places, rounding=ROUND_HALF_UP)


def median(values: Iterable[Any]) -> Any:
    """The median of the values that are not None (the mean of the two middle ones for an even count, as
    statistics.median computes it), or None when there are none."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None
