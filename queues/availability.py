"""When a freelancer is on shift: weekly slots in their own time zone, plus one-off extra hours, minus away time.

Pure functions over already-loaded slots and changes (no queries), so routing can evaluate many freelancers
from one prefetch. Intervals are UTC (start, end) pairs.
"""

import datetime
from collections.abc import Iterable

from queues.sla import _local

Interval = tuple[datetime.datetime, datetime.datetime]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[list[datetime.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces = []
            for s, e in pieces:
                if hole_end <= s or hole_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < hole_start:
                    next_pieces.append((s, hole_start))
                if hole_end < e:
                    next_pieces.append((hole_end, e))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _applies(item, program_id) -> bool:
    return program_id is None or item.program_id is None or item.program_id == program_id


def availability_intervals(
    *,
    zone,
    slots,
    changes,
    start: datetime.datetime,
    end: datetime.datetime,
    program_id: int | None = None,
) -> list[Interval]:
    """Merged UTC intervals between start and end when the freelancer is available (for `program_id`)."""
    found: list[Interval] = []
    first_day = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last_day = end.astimezone(zone).date() + datetime.timedelta(days=1)
    by_weekday: dict[int, list] = {}
    for slot in slots:
        if _applies(slot, program_id):
            by_weekday.setdefault(slot.weekday, []).append(slot)
    day = first_day
    while day <= last_day:
        for slot in by_weekday.get(day.weekday(), ()):
            found.append((_local(day, slot.start_minute, zone), _local(day, slot.end_minute, zone)))
        day += datetime.timedelta(days=1)
    aways = []
    for change in changes:
        if change.kind == "extra" and _applies(change, program_id):
            found.append((change.starts_at, change.ends_at))
        elif change.kind == "away":
            aways.append((change.starts_at, change.ends_at))
    intervals = _subtract(_merge(found), _merge(aways))
    return [(max(s, start), min(e, end)) for s, e in intervals if e > start and s < end]


def is_on_shift(*, zone, slots, changes, at: datetime.datetime, program_id: int | None = None) -> bool:
    """Whether the freelancer is on shift at `at`, from slot and change objects: is_on_shift_rows decides."""
    return is_on_shift_rows(
        zone=zone,
        slots=[(s.weekday, s.start_minute, s.end_minute, s.program_id) for s in slots],
        changes=[(c.kind, c.starts_at, c.ends_at, c.program_id) for c in changes],
        at=at,
        program_id=program_id,
    )


def next_on_shift_at(
    *,
    zone,
    slots,
    changes,
    after: datetime.datetime,
    program_id: int | None = None,
    horizon_days: int = 14,
) -> datetime.datetime | None:
    """When the freelancer is next on shift after `after` (None when not within the horizon)."""
    intervals = availability_intervals(
        zone=zone,
        slots=slots,
        changes=changes,
        start=after,
        end=after + datetime.timedelta(days=horizon_days),
        program_id=program_id,
    )
    for s, _e in intervals:
        if s > after:
            return s
    return None


def shift_end_at(*, zone, slots, changes, at: datetime.datetime, program_id: int | None = None):
    """When the shift the freelancer is on at `at` ends (None when not on shift)."""
    intervals = availability_intervals(
        zone=zone,
        slots=slots,
        changes=changes,
        start=at,
        end=at + datetime.timedelta(days=8),
        program_id=program_id,
    )
    for s, e in intervals:
        if s <= at < e:
            return e
    return None


def slot_row(weekday, start, end, program_id) -> tuple[int, int, int, int | None]:
    """A weekly slot as is_on_shift_rows takes it: times (or 'HH:MM[:SS]' strings, as JSON gives them) become
    minutes after midnight, and an end of 00:00 is the end of the day."""
    return int(weekday), _minute_of_day(start), _minute_of_day(end) or 24 * 60, program_id


def clock_label(minute: int) -> str:
    """Minutes after midnight as "HH:MM" (24 * 60 is "24:00", the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute_of_day(value) -> int:
    if isinstance(value, datetime.time):
        return value.hour * 60 + value.minute
    hours, minutes = str(value).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def is_on_shift_rows(*, zone, slots, changes, at: datetime.datetime, program_id: int | None = None) -> bool:
    """The one on-shift predicate (routing, the hand-over, the queue page's badge), over plain rows.

    slots: (weekday, start_minute, end_minute, program_id) tuples; changes: (kind, starts_at, ends_at, program_id).
    On shift at `at` means: inside an applicable weekly slot or extra-hours change, and inside no away change
    (away time applies whatever its program, as in availability_intervals).
    """
    for kind, starts_at, ends_at, _program in changes:
        if kind == "away" and starts_at <= at < ends_at:
            return False
    for kind, starts_at, ends_at, change_program in changes:
        if (
            kind == "extra"
            and (program_id is None or change_program is None or change_program == program_id)
            and starts_at <= at < ends_at
        ):
            return True
    applicable = [s for s in slots if program_id is None or s[3] is None or s[3] == program_id]
    if not applicable:
        return False
    day = at.astimezone(zone).date() - datetime.timedelta(days=1)
    last_day = (at + datetime.timedelta(minutes=1)).astimezone(zone).date() + datetime.timedelta(days=1)
    while day <= last_day:
        weekday = day.weekday()
        for slot_weekday, start_minute, end_minute, _program in applicable:
            if slot_weekday == weekday and _local(day, start_minute, zone) <= at < _local(
                day, end_minute, zone
            ):
                return True
        day += datetime.timedelta(days=1)
    return False


def weekly_hours_in_zone(
    *, weekday: int, start_minute: int, end_minute: int, from_zone, to_zone, on: datetime.date
) -> list[tuple[int, int, int]]:
    """Weekly hours given in one time zone as weekly hours in another: [(weekday, start_minute, end_minute)].

    The hours are placed on the week of `on` (its weekday `weekday`, in `from_zone`) and converted at that
    day's offsets; hours that cross midnight in `to_zone` come back as two parts, one each side of it. An end
    of 24 * 60 is midnight at the end of the day.
    """
    day = on + datetime.timedelta(days=(weekday - on.weekday()) % 7)
    start = _local(day, start_minute, from_zone).astimezone(to_zone)
    end = _local(day, end_minute, from_zone).astimezone(to_zone)
    parts = []
    while start < end:
        next_midnight = datetime.datetime.combine(
            start.date() + datetime.timedelta(days=1), datetime.time(0), tzinfo=to_zone
        )
        part_end = min(end, next_midnight)
        end_min = 24 * 60 if part_end == next_midnight else part_end.hour * 60 + part_end.minute
        parts.append((start.weekday(), start.hour * 60 + start.minute, end_min))
        start = part_end
    return parts
