"""Dates and times typed in by people and other systems (CSV cells, query parameters), parsed strictly."""

import datetime
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime

from core.errors import DomainError

# Real UTC offsets run from -12:00 to +14:00; anything beyond is a typing mistake.
MAX_UTC_OFFSET = datetime.timedelta(hours=14)
EXAMPLE = "2026-03-01T09:30:00Z"


def parse_aware_datetime(
    value: str, *, field: str, default_zone: ZoneInfo | datetime.tzinfo
) -> datetime.datetime:
    """The moment `value` (ISO 8601) names, as an aware UTC datetime; a value without an offset is read as
    wall-clock time in `default_zone`.

    Raises DomainError on `field` for text that is no date and time, a date that is not on the calendar
    (2026-02-30, month 13), an offset beyond ±14 hours, or a moment outside the years 1–9999 in UTC.
    """
    text = (value or "").strip()
    try:
        parsed = parse_datetime(text)
    except ValueError:  # well formed, but not on the calendar or the clock
        raise DomainError(f"{field} is not a real date and time: “{text[:40]}”.", field=field, code="invalid")
    if parsed is None:
        raise DomainError(f"{field} is not a date and time (use {EXAMPLE}).", field=field, code="invalid")
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DomainError(f"{field} has a UTC offset beyond ±14 hours.", field=field, code="invalid")
    if offset is None:
        parsed = parsed.replace(tzinfo=default_zone)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise DomainError(f"{field} is out of range.", field=field, code="invalid")
