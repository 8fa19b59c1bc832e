"""Hours worked in a week, for the weekly hour cap.

Time entries belong to payments, which sits above contracts and queues; routing
(queues) must still know who has reached their cap. So contracts owns the question
and payments registers the answer at start-up (payments.apps.ready). With no
provider registered, nobody has worked any hours.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal

HoursProvider = Callable[..., dict[int, Decimal]]
_provider: HoursProvider | None = None


def register_hours_provider(provider: HoursProvider) -> None:
    """provider(*, program_id, freelancer_ids, week_start, week_end) -> {freelancer_id: hours}."""
    global _provider
    _provider = provider


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday around `day`."""
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def hours_worked_in_week(
    *, program_id: int, freelancer_ids: Iterable[int], day: datetime.date
) -> dict[int, Decimal]:
    ids = list(freelancer_ids)
    if _provider is None or not ids:
        return dict.fromkeys(ids, Decimal("0"))
    start, end = week_bounds(day)
    found = _provider(program_id=program_id, freelancer_ids=ids, week_start=start, week_end=end)
    return {fid: found.get(fid, Decimal("0")) for fid in ids}
