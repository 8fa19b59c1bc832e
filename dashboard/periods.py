"""The period a dashboard shows: last 7 days, last 30 days, a pay period, or a custom range.

A period is a run of whole days in the program's time zone; queries use the UTC instants
of its first midnight and of the midnight after its last day, [start_at, end_at). The
"previous period" for trends is the run of the same number of days just before it.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

MAX_DAYS = 366
DEFAULT_KEY = "30d"
CHOICES = [
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("pay", "A pay period"),
    ("custom", "Custom range"),
]
PAY_PERIOD_DAYS = 14


@dataclass(frozen=True)
class Period:
    key: str
    first_day: datetime.date
    last_day: datetime.date
    zone: datetime.tzinfo
    label: str

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start_at(self) -> datetime.datetime:
        return _midnight(self.first_day, self.zone)

    @property
    def end_at(self) -> datetime.datetime:
        return _midnight(self.last_day + datetime.timedelta(days=1), self.zone)

    @property
    def day_list(self) -> list[datetime.date]:
        return [self.first_day + datetime.timedelta(days=n) for n in range(self.days)]

    def previous(self) -> "Period":
        last = self.first_day - datetime.timedelta(days=1)
        first = last - datetime.timedelta(days=self.days - 1)
        return Period(
            key="previous",
            first_day=first,
            last_day=last,
            zone=self.zone,
            label=f"{first:%d %b %Y} – {last:%d %b %Y}",
        )

    def query_params(self) -> dict[str, str]:
        """What to put in a link (CSV exports, the freelancer page) to show the same period."""
        if self.key == "custom":
            return {"period": "custom", "start": self.first_day.isoformat(), "end": self.last_day.isoformat()}
        if self.key == "pay":
            return {"period": "pay", "pay_start": self.first_day.isoformat()}
        return {"period": self.key}


def _midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def _range(key: str, first: datetime.date, last: datetime.date, zone, label: str | None = None) -> Period:
    return Period(
        key=key,
        first_day=first,
        last_day=last,
        zone=zone,
        label=label or f"{first:%d %b %Y} – {last:%d %b %Y}",
    )


def last_days(days: int, *, today: datetime.date, zone, key: str | None = None) -> Period:
    first = today - datetime.timedelta(days=days - 1)
    return _range(
        key or f"{days}d", first, today, zone, f"Last {days} days ({first:%d %b} – {today:%d %b %Y})"
    )


def pay_period_starts(
    *, anchor: datetime.date | None, today: datetime.date, count: int = 8
) -> list[datetime.date]:
    """Start days of the current pay period and the `count - 1` before it (newest first)."""
    if anchor is None:
        return []
    offset = (today - anchor).days // PAY_PERIOD_DAYS
    current = anchor + datetime.timedelta(days=offset * PAY_PERIOD_DAYS)
    return [current - datetime.timedelta(days=PAY_PERIOD_DAYS * n) for n in range(count)]


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def parse_period(
    params, *, zone, pay_anchor: datetime.date | None = None, today: datetime.date | None = None
) -> tuple[Period, str | None]:
    """The period asked for in `params` (a QueryDict or dict), or the default with a message saying why not.

    Returns (period, error). error is None when the request was understood.
    """
    today = today or timezone.now().astimezone(zone).date()
    default = last_days(30, today=today, zone=zone)
    key = (params.get("period") or DEFAULT_KEY).strip()
    if key == "7d":
        return last_days(7, today=today, zone=zone), None
    if key == "30d":
        return default, None
    if key == "pay":
        if pay_anchor is None:
            return default, "This program has no pay schedule yet, so there is no pay period to show."
        starts = pay_period_starts(anchor=pay_anchor, today=today, count=27)
        wanted = _parse_date(params.get("pay_start")) if params.get("pay_start") else starts[0]
        if wanted not in starts:
            return default, "That is not the start of one of this program's pay periods (the last year's)."
        last = wanted + datetime.timedelta(days=PAY_PERIOD_DAYS - 1)
        return _range("pay", wanted, last, zone, f"Pay period {wanted:%d %b} – {last:%d %b %Y}"), None
    if key == "custom":
        first, last = _parse_date(params.get("start")), _parse_date(params.get("end"))
        if first is None or last is None:
            return default, "Give a start and an end date (YYYY-MM-DD) for a custom range."
        if last < first:
            return default, "The end of the range is before its start."
        if (last - first).days + 1 > MAX_DAYS:
            return default, f"A custom range covers at most {MAX_DAYS} days."
        return _range("custom", first, last, zone), None
    return default, "Unknown period; showing the last 30 days."
