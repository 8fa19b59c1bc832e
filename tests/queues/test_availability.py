import datetime
from zoneinfo import ZoneInfo

import pytest

from queues.availability import weekly_hours_in_zone

NY, MANILA, UTC = ZoneInfo("America/New_York"), ZoneInfo("Asia/Manila"), ZoneInfo("UTC")
WINTER, SUMMER = datetime.date(2027, 1, 6), datetime.date(2027, 7, 7)


@pytest.mark.parametrize(
    ("weekday", "start", "end", "from_zone", "to_zone", "on", "expected"),
    [
        # the same zone: unchanged
        (2, 9 * 60, 17 * 60, NY, NY, WINTER, [(2, 9 * 60, 17 * 60)]),
        # New York 09-17 is Manila 22-06 in winter (13 hours ahead): split at Manila's midnight
        (0, 9 * 60, 17 * 60, NY, MANILA, WINTER, [(0, 22 * 60, 24 * 60), (1, 0, 6 * 60)]),
        # ... and 21-05 in summer (12 hours ahead: New York keeps daylight time, Manila does not)
        (0, 9 * 60, 17 * 60, NY, MANILA, SUMMER, [(0, 21 * 60, 24 * 60), (1, 0, 5 * 60)]),
        # Sunday evening in New York is Monday morning in Manila: the week wraps
        (6, 20 * 60, 24 * 60, NY, MANILA, WINTER, [(0, 9 * 60, 13 * 60)]),
        # Manila's Monday morning is Sunday evening UTC
        (0, 5 * 60, 9 * 60, MANILA, UTC, WINTER, [(6, 21 * 60, 24 * 60), (0, 0, 60)]),
        # half-hour zones keep their minutes
        (3, 10 * 60, 12 * 60, ZoneInfo("Asia/Kolkata"), UTC, WINTER, [(3, 4 * 60 + 30, 6 * 60 + 30)]),
    ],
)
def test_weekly_hours_in_another_zone(weekday, start, end, from_zone, to_zone, on, expected):
    assert (
        weekly_hours_in_zone(
            weekday=weekday, start_minute=start, end_minute=end, from_zone=from_zone, to_zone=to_zone, on=on
        )
        == expected
    )
