import datetime
from zoneinfo import ZoneInfo

import pytest

from queues.sla import Policy, add_business_minutes, business_seconds_between, is_business_time

NY = ZoneInfo("America/New_York")
UTC = datetime.UTC
WEEKDAYS_9_17 = [[(9 * 60, 17 * 60)]] * 5 + [[], []]


def ny(*args):
    return datetime.datetime(*args, tzinfo=NY).astimezone(UTC)


def test_24_7_adds_elapsed_time_even_across_dst():
    policy = Policy(zone=NY, weekly_minutes=None)
    # 2026-03-08 02:00 NY: clocks jump forward. One hour of SLA is one real hour.
    start = ny(2026, 3, 8, 1, 30)
    assert add_business_minutes(start, 60, policy) - start == datetime.timedelta(hours=1)


def test_business_hours_carry_over_to_the_next_morning():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    # Thursday 16:30 + 60 business minutes = Friday 09:30
    assert add_business_minutes(ny(2026, 3, 5, 16, 30), 60, policy) == ny(2026, 3, 6, 9, 30)


def test_business_hours_skip_the_weekend():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    # Friday 16:00 + 120 min = Monday 10:00
    assert add_business_minutes(ny(2026, 3, 6, 16, 0), 120, policy) == ny(2026, 3, 9, 10, 0)


def test_ticket_arriving_at_night_starts_at_opening():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    assert add_business_minutes(ny(2026, 3, 10, 3, 0), 60, policy) == ny(2026, 3, 10, 10, 0)


def test_business_hours_across_spring_forward_keep_local_opening_time():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    # Friday 6 March 16:00 EST; DST starts Sunday 8 March. Monday opens 09:00 EDT = 13:00 UTC.
    due = add_business_minutes(ny(2026, 3, 6, 16, 0), 90, policy)
    assert due == datetime.datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    assert due.astimezone(NY).hour == 9


def test_round_the_clock_business_day_is_23_hours_on_spring_forward():
    policy = Policy(zone=NY, weekly_minutes=[[(0, 24 * 60)]] * 7)
    start, end = ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)
    assert business_seconds_between(start, end, policy) == 23 * 3600


def test_fall_back_day_has_25_business_hours():
    policy = Policy(zone=NY, weekly_minutes=[[(0, 24 * 60)]] * 7)
    assert business_seconds_between(ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0), policy) == 25 * 3600


def test_business_seconds_between_counts_only_open_hours():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    # Friday 16:00 → Monday 10:00 = 1 h Friday + 1 h Monday
    assert business_seconds_between(ny(2026, 3, 6, 16, 0), ny(2026, 3, 9, 10, 0), policy) == 2 * 3600
    assert business_seconds_between(ny(2026, 3, 9, 10, 0), ny(2026, 3, 6, 16, 0), policy) == 0


def test_add_and_between_agree():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    start = ny(2026, 3, 5, 11, 17)
    for minutes in (1, 59, 60, 400, 481, 2000):
        due = add_business_minutes(start, minutes, policy)
        assert business_seconds_between(start, due, policy) == minutes * 60


def test_is_business_time():
    policy = Policy(zone=NY, weekly_minutes=WEEKDAYS_9_17)
    assert is_business_time(ny(2026, 3, 5, 9, 0), policy)
    assert not is_business_time(ny(2026, 3, 5, 17, 0), policy)
    assert not is_business_time(ny(2026, 3, 7, 12, 0), policy)


def test_naive_start_is_refused_and_empty_policy_errors():
    with pytest.raises(ValueError):
        add_business_minutes(datetime.datetime(2026, 3, 5, 9, 0), 10, Policy(weekly_minutes=WEEKDAYS_9_17))
    with pytest.raises(ValueError):
        add_business_minutes(ny(2026, 3, 5, 9, 0), 10, Policy(zone=NY, weekly_minutes=[[]] * 7))


SUNDAY = 6  # 2026-03-08 and 2026-11-01, the days New York's clocks change, are Sundays.


def _sunday_only(start_minute, end_minute):
    weekly = [[] for _ in range(7)]
    weekly[SUNDAY] = [(start_minute, end_minute)]
    return weekly


def test_window_opening_in_the_skipped_hour_opens_when_the_clocks_change():
    # Given a 02:30–04:00 window on 2026-03-08, when 02:00 EST jumps to 03:00 EDT,
    # then it opens at 03:00 EDT (07:00 UTC), not 03:30, and holds one business hour.
    policy = Policy(zone=NY, weekly_minutes=_sunday_only(2 * 60 + 30, 4 * 60))
    night = datetime.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert add_business_minutes(night, 0, policy) == datetime.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert add_business_minutes(night, 10, policy) == datetime.datetime(2026, 3, 8, 7, 10, tzinfo=UTC)
    assert business_seconds_between(night, ny(2026, 3, 9, 0, 0), policy) == 3600
    assert is_business_time(datetime.datetime(2026, 3, 8, 7, 15, tzinfo=UTC), policy)


def test_window_closing_in_the_skipped_hour_closes_when_the_clocks_change():
    # 01:00–02:30 on 2026-03-08: open from 01:00 EST (06:00 UTC) until the jump at 07:00 UTC.
    policy = Policy(zone=NY, weekly_minutes=_sunday_only(60, 2 * 60 + 30))
    night = datetime.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert business_seconds_between(night, ny(2026, 3, 9, 0, 0), policy) == 3600
    assert add_business_minutes(night, 60, policy) == datetime.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert not is_business_time(datetime.datetime(2026, 3, 8, 7, 0, tzinfo=UTC), policy)


def test_window_across_the_repeated_hour_opens_at_its_first_occurrence():
    # 01:30–03:00 on 2026-11-01: 01:30 happens twice; the window opens at the first (01:30 EDT, 05:30 UTC)
    # and closes at 03:00 EST (08:00 UTC): two and a half real hours.
    policy = Policy(zone=NY, weekly_minutes=_sunday_only(90, 3 * 60))
    night = datetime.datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    assert add_business_minutes(night, 0, policy) == datetime.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert business_seconds_between(night, ny(2026, 11, 2, 0, 0), policy) == int(2.5 * 3600)
    assert add_business_minutes(night, 150, policy) == datetime.datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
