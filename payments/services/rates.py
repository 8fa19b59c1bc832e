"""Exchange rates: a table kept in admin or imported from CSV. A missing rate is an error, never a guess."""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.audit import audit_record
from core.money import CURRENCY_CODES, round_money, to_decimal
from payments.errors import MissingExchangeRate, PaymentsError
from payments.models import ExchangeRate

# A rate up to this many days old still counts as "the rate of the run date" (weekends, bank holidays).
RATE_MAX_AGE_DAYS = 7
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 10_000


def _clean_rate(value) -> Decimal:
    try:
        rate = to_decimal(value)
    except (ValueError, TypeError):
        raise PaymentsError("The rate must be a number, e.g. 0.92.", field="rate")
    if not rate.is_finite() or rate <= 0:
        raise PaymentsError("An exchange rate must be more than zero.", field="rate")
    return rate


def _clean_currency(code: str, field: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCY_CODES:
        raise PaymentsError(f"Unknown currency “{code}”.", field=field)
    return code


@transaction.atomic
def exchange_rate_set(
    *,
    base_currency: str,
    quote_currency: str,
    on_date: datetime.date,
    rate,
    actor=None,
    source: str = ExchangeRate.Source.MANUAL,
) -> ExchangeRate:
    """Record (or correct) the rate of a currency pair on a date."""
    base = _clean_currency(base_currency, "base_currency")
    quote = _clean_currency(quote_currency, "quote_currency")
    if base == quote:
        raise PaymentsError("Pick two different currencies.", field="quote_currency")
    rate = _clean_rate(rate)
    existing = ExchangeRate.objects.filter(base_currency=base, quote_currency=quote, on_date=on_date).first()
    obj = existing or ExchangeRate(base_currency=base, quote_currency=quote, on_date=on_date)
    obj.rate = rate
    obj.source = source
    obj.full_clean()
    obj.save()
    if source == ExchangeRate.Source.MANUAL:
        audit_record(actor=actor, verb="exchange_rate.set", target=obj, rate=str(rate))
    return obj


def exchange_rates_import_csv(*, data: bytes, actor=None) -> int:
    """Import rows `date,base,quote,rate` (a header row is allowed). All rows or none.

    Returns how many rates were written. Any bad row raises PaymentsError naming its line.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise PaymentsError("The file is larger than 1 MB.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PaymentsError("The file is not UTF-8 text; export it as CSV.", field="file")
    if "\x00" in text:
        raise PaymentsError("The file is not a CSV text file.", field="file")
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() == "date":
        rows = rows[1:]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise PaymentsError(
            "The file has no rates. Expected lines like: 2026-03-02,USD,EUR,0.92", field="file"
        )
    if len(rows) > MAX_IMPORT_ROWS:
        raise PaymentsError(f"At most {MAX_IMPORT_ROWS} rates per file.", field="file")
    parsed = []
    for number, row in enumerate(rows, start=1):
        try:
            if len(row) != 4:
                raise PaymentsError("expected 4 columns: date, base, quote, rate")
            try:
                on_date = datetime.date.fromisoformat(row[0].strip())
            except ValueError:
                raise PaymentsError(f"“{row[0].strip()[:20]}” is not a date (YYYY-MM-DD)")
            base = _clean_currency(row[1], "base_currency")
            quote = _clean_currency(row[2], "quote_currency")
            if base == quote:
                raise PaymentsError("base and quote are the same currency")
            try:
                rate = _clean_rate(Decimal(row[3].strip()))
            except InvalidOperation:
                raise PaymentsError("the rate is not a number")
        except PaymentsError as error:
            raise PaymentsError(f"Line {number}: {error.message}. Nothing was imported.", field="file")
        parsed.append((on_date, base, quote, rate))
    with transaction.atomic():
        for on_date, base, quote, rate in parsed:
            exchange_rate_set(
                base_currency=base,
                quote_currency=quote,
                on_date=on_date,
                rate=rate,
                source=ExchangeRate.Source.CSV,
            )
        audit_record(actor=actor, verb="exchange_rate.imported", count=len(parsed))
    return len(parsed)


def exchange_rates_on(*, pairs, on: datetime.date) -> dict[tuple[str, str], ExchangeRate]:
    """The rate in force on `on` for each (base, quote) pair, in one query; pairs without one are absent."""
    pairs = {(b, q) for b, q in pairs if b != q}
    if not pairs:
        return {}
    found: dict[tuple[str, str], ExchangeRate] = {}
    candidates = ExchangeRate.objects.filter(
        base_currency__in={b for b, _ in pairs},
        quote_currency__in={q for _, q in pairs},
        on_date__lte=on,
        on_date__gte=on - datetime.timedelta(days=RATE_MAX_AGE_DAYS),
    ).order_by("-on_date")
    for rate in candidates:
        key = (rate.base_currency, rate.quote_currency)
        if key in pairs and key not in found:
            found[key] = rate
    return found


def exchange_rate_on(
    *, base_currency: str, quote_currency: str, on: datetime.date
) -> tuple[Decimal, datetime.date]:
    """(rate, date of the rate) to convert base → quote on a date; 1 for the same currency."""
    if base_currency == quote_currency:
        return Decimal("1"), on
    rate = exchange_rates_on(pairs=[(base_currency, quote_currency)], on=on).get(
        (base_currency, quote_currency)
    )
    if rate is None:
        raise MissingExchangeRate(
            missing_rate_message(base_currency, quote_currency, on), code="missing_rate"
        )
    return rate.rate, rate.on_date


def missing_rate_message(base: str, quote: str, on: datetime.date) -> str:
    return (
        f"No exchange rate {base}→{quote} for {on:%Y-%m-%d} (or the {RATE_MAX_AGE_DAYS} days before). "
        "Add it under Payments → Exchange rates (or import a CSV), then resume the run."
    )


def money_convert(*, amount, from_currency: str, to_currency: str, on: datetime.date) -> Decimal | None:
    """`amount` in another currency at the rate in force on `on`, rounded to cents; None without a rate.

    Registered as contracts' converter (contracts.conversion) and used to compare amounts with
    program bounds kept in the program currency. Payouts convert with exchange_rate_on instead: there
    a missing rate is an error.
    """
    try:
        rate, _on = exchange_rate_on(base_currency=from_currency, quote_currency=to_currency, on=on)
    except MissingExchangeRate:
        return None
    return round_money(to_decimal(amount) * rate)
