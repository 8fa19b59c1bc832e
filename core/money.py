"""Money is Decimal with a currency code beside it, rounded half-up to cents per line."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")

CURRENCIES = [
    ("USD", "US dollar"),
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("CAD", "Canadian dollar"),
    ("AUD", "Australian dollar"),
    ("PHP", "Philippine peso"),
    ("INR", "Indian rupee"),
    ("BRL", "Brazilian real"),
    ("MXN", "Mexican peso"),
    ("PLN", "Polish złoty"),
    ("ZAR", "South African rand"),
    ("NGN", "Nigerian naira"),
    ("KES", "Kenyan shilling"),
    ("UAH", "Ukrainian hryvnia"),
    ("CHF", "Swiss franc"),
]
CURRENCY_CODES = {code for code, _ in CURRENCIES}


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or string.")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Not a number: {value!r}")


def round_money(value) -> Decimal:
    """Round half-up to cents: 2.345 → 2.35, 2.344 → 2.34."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount, currency: str) -> str:
    return f"{round_money(amount):,.2f} {currency}"


class MoneyField(models.DecimalField):
    """An amount of money: 14 digits, 2 after the point. Keep a currency field beside it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCIES)
        kwargs.setdefault("default", "USD")
        super().__init__(*args, **kwargs)
