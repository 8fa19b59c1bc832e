"""Converting an hourly rate into another currency, to compare it with the program's pay range.

Exchange rates belong to payments, which sits above contracts. So contracts owns the question
and payments registers the answer at start-up (payments.apps.ready), as for contracts.hours.
With no converter, or no exchange rate for the day, the answer is None: the caller must treat the
amount as not comparable, never as within range.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

Converter = Callable[..., Decimal | None]
_converter: Converter | None = None


def register_converter(converter: Converter) -> None:
    """converter(*, amount, from_currency, to_currency, on) -> the amount in `to_currency`, or None."""
    global _converter
    _converter = converter


def convert(*, amount: Decimal, from_currency: str, to_currency: str, on: datetime.date) -> Decimal | None:
    if from_currency == to_currency:
        return amount
    if _converter is None:
        return None
    return _converter(amount=amount, from_currency=from_currency, to_currency=to_currency, on=on)
