"""SLA arithmetic in business time: pure functions, no database.

A *policy* is anything with `zone` (a ZoneInfo) and `weekly_minutes` (None for 24/7, else seven lists of
(start_minute, end_minute) in local wall-clock time, Monday first) — QueueSettings is one; tests pass a
small dataclass. Local intervals are turned into UTC one day at a time, so a day on which the clocks
change simply has a shorter or longer interval: arithmetic stays right across daylight-saving changes.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = datetime.UTC
# Searching further than this for business time means the policy has none (guards against endless loops).
MAX_SEARCH_DAYS = 400


@dataclass(frozen=True)
class Policy:
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    weekly_minutes: list | None = None


def _local(day: datetime.date, minute: int, zone: ZoneInfo) -> datetime.datetime:
    """Wall-clock `minute` of local `day` as an aware UTC datetime (24:00 is the next midnight)."""
    base = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    if minute >= 24 * 60:
        next_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)
        return next_day.astimezone(UTC)
    wall = base.replace(hour=minute // 60, minute=minute % 60)
    moment = wall.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        # The wall time exists (when it exists twice, on fall back, fold=0 picks its first occurrence).
        return moment
    return _clocks_change_after(wall, zone)


def _clocks_change_after(wall: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The first moment that exists after `wall`, a wall time the clocks skipped (spring forward): the
    moment they changed. Read with the offset after the change (fold=1) the skipped wall time lies before
    the change, with the offset before it (fold=0) after: the change is the first second in between whose
    offset differs from the earlier one's (found by halving: a gap is a few hours at most)."""
    low = int(wall.replace(fold=1).timestamp())
    high = int(wall.replace(fold=0).timestamp())
    before = datetime.datetime.fromtimestamp(low, UTC).astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.datetime.fromtimestamp(high, UTC)


def business_intervals(
    start_utc: datetime.datetime, policy, *, days: int = MAX_SEARCH_DAYS
) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """UTC intervals of business time that end after `start_utc`, in order (clipped to start at it)."""
    weekly = policy.weekly_minutes
    if weekly is None:
        yield start_utc, start_utc + datetime.timedelta(days=days)
        return
    zone = policy.zone
    local_day = start_utc.astimezone(zone).date() - datetime.timedelta(days=1)
    for offset in range(days + 2):
        day = local_day + datetime.timedelta(days=offset)
        for start_min, end_min in sorted(weekly[day.weekday()]):
            begin, end = _local(day, start_min, zone), _local(day, end_min, zone)
            if end <= start_utc or end <= begin:
                continue
            yield max(begin, start_utc), end


def add_business_time(start_utc: datetime.datetime, amount: datetime.timedelta, policy) -> datetime.datetime:
    """The moment `amount` of business time after `start_utc` has passed."""
    if start_utc.tzinfo is None:
        raise ValueError("start_utc must be timezone-aware")
    remaining = amount
    if policy.weekly_minutes is None:
        return start_utc + remaining
    for begin, end in business_intervals(start_utc, policy):
        length = end - begin
        if remaining <= length:
            if remaining == datetime.timedelta(0):
                return begin
            return begin + remaining
        remaining -= length
    raise ValueError("The policy has no business hours.")


def add_business_minutes(start_utc: datetime.datetime, minutes: int, policy) -> datetime.datetime:
    """The moment `minutes` of business time after `start_utc` have passed."""
    return add_business_time(start_utc, datetime.timedelta(minutes=minutes), policy)


def business_seconds_between(a: datetime.datetime, b: datetime.datetime, policy) -> int:
    """Business seconds from a to b (0 when b is not after a)."""
    if b <= a:
        return 0
    if policy.weekly_minutes is None:
        return int((b - a).total_seconds())
    total = datetime.timedelta(0)
    days = (b - a).days + 2
    for begin, end in business_intervals(a, policy, days=days):
        if begin >= b:
            break
        total += min(end, b) - begin
    return int(total.total_seconds())


def is_business_time(moment: datetime.datetime, policy) -> bool:
    if policy.weekly_minutes is None:
        return True
    for begin, _end in business_intervals(moment, policy, days=2):
        return begin <= moment
    return False


# --- the SLA state a ticket shows: one rule for the badges (Ticket.sla_state) and the queue filters ----------

# A deadline this close is a warning (the badge turns amber; the queues' "Due within 15 min").
SLA_WARNING_WINDOW = datetime.timedelta(minutes=15)
# (state, label) for the filters; "none": no deadline to meet (not active, or no clock running).
SLA_STATES = [
    ("breached", "Breached"),
    ("warning", "Due within 15 min"),
    ("ok", "On track"),
    ("none", "No deadline"),
]
DEADLINE_STATES = ("breached", "warning", "ok")


def sla_state_window(
    state: str, now: datetime.datetime
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The deadlines (after, until] of a ticket in `state` at `now` (None: unbounded on that side).

    The one definition of breached / warning / ok: sla_state_at reads it for one ticket, and the queue selectors
    turn it into a filter (queues.selectors.sla_state_filter)."""
    if state == "breached":
        return None, now
    if state == "warning":
        return now, now + SLA_WARNING_WINDOW
    if state == "ok":
        return now + SLA_WARNING_WINDOW, None
    raise ValueError(f"Not a deadline state: {state!r}")


def sla_state_at(due: datetime.datetime | None, now: datetime.datetime, *, active: bool = True) -> str:
    """breached / warning / ok / none for a ticket whose current deadline is `due`."""
    if not active or due is None:
        return "none"
    for state in DEADLINE_STATES:
        after, until = sla_state_window(state, now)
        if (after is None or due > after) and (until is None or due <= until):
            return state
    return "none"  # not reached: the windows cover every moment
