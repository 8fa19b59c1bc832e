import datetime
from decimal import Decimal

import pytest

from dashboard.metrics import nps, percent, ratio, seconds_to_hours, target_colour, trend
from dashboard.periods import last_days, parse_period

UTC = datetime.UTC
TODAY = datetime.date(2026, 3, 15)


def test_percent_and_ratio_round_half_up_and_never_divide_by_zero():
    assert percent(2, 3) == Decimal("66.7")
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 → 6.3, half-up
    assert percent(0, 0) is None
    assert percent(None, 5) is None
    assert ratio(Decimal("154.00"), 2) == Decimal("77.00")
    assert ratio(Decimal("10"), 3) == Decimal("3.33")
    assert ratio(Decimal("10"), 0) is None
    assert seconds_to_hours(1800) == Decimal("0.50")
    assert seconds_to_hours(None) is None


def test_nps_is_promoters_minus_detractors_over_all_answers():
    assert nps(2, 1, 1) == Decimal("25.0")
    assert nps(0, 0, 3) == Decimal("-100.0")
    assert nps(0, 0, 0) is None


@pytest.mark.parametrize(
    ("actual", "target", "direction", "colour"),
    [
        ("90", "90", "at_least", "green"),
        ("95", "90", "at_least", "green"),
        ("81", "90", "at_least", "amber"),  # the amber line is 90 − 10 % of 90 = 81
        ("80.9", "90", "at_least", "red"),
        ("1", "1", "at_most", "green"),
        ("1.1", "1", "at_most", "amber"),  # 1 + 10 % of 1
        ("1.11", "1", "at_most", "red"),
        ("-36", "-40", "at_least", "green"),
        ("-44", "-40", "at_least", "amber"),  # slack is 10 % of |target|
        ("1", "0", "at_most", "red"),  # a zero target leaves no amber band
        (None, "90", "at_least", "grey"),
    ],
)
def test_target_colour(actual, target, direction, colour):
    assert target_colour(None if actual is None else Decimal(actual), Decimal(target), direction) == colour


def test_trend_knows_which_way_is_better():
    assert trend(Decimal("66.7"), Decimal("100.0"), "at_least").state == "worse"
    assert trend(Decimal("66.7"), Decimal("100.0"), "at_least").delta == Decimal("-33.3")
    assert trend(Decimal("0.5"), Decimal("1.0"), "at_most").state == "better"
    assert trend(Decimal("3"), Decimal("3"), "at_most").state == "same"
    assert trend(None, Decimal("3"), "at_most").state == "none"
    assert trend(Decimal("3"), None, "at_most").delta is None


def test_periods_are_whole_local_days_and_the_previous_one_has_the_same_length():
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    period = last_days(7, today=TODAY, zone=zone)
    assert (period.first_day, period.last_day) == (datetime.date(2026, 3, 9), TODAY)
    assert period.start_at == datetime.datetime(2026, 3, 9, 5, tzinfo=UTC)
    assert period.end_at == datetime.datetime(2026, 3, 16, 5, tzinfo=UTC)
    previous = period.previous()
    assert (previous.first_day, previous.last_day, previous.days) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 8),
        7,
    )


def test_parse_period_understands_each_choice():
    assert parse_period({"period": "7d"}, zone=UTC, today=TODAY)[0].days == 7
    assert parse_period({}, zone=UTC, today=TODAY) == (last_days(30, today=TODAY, zone=UTC), None)
    custom, error = parse_period(
        {"period": "custom", "start": "2026-02-01", "end": "2026-02-10"}, zone=UTC, today=TODAY
    )
    assert error is None and (custom.first_day, custom.days) == (datetime.date(2026, 2, 1), 10)
    pay, error = parse_period({"period": "pay"}, zone=UTC, pay_anchor=datetime.date(2026, 1, 5), today=TODAY)
    assert error is None and (pay.first_day, pay.last_day) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 15),
    )
    older, error = parse_period(
        {"period": "pay", "pay_start": "2026-02-16"},
        zone=UTC,
        pay_anchor=datetime.date(2026, 1, 5),
        today=TODAY,
    )
    assert error is None and older.first_day == datetime.date(2026, 2, 16)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "fortnight"}, "Unknown period"),
        (
            {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
            "end of the range is before its start",
        ),
        ({"period": "custom", "start": "2026-03-10"}, "Give a start and an end date"),
        ({"period": "custom", "start": "yesterday", "end": "2026-03-01"}, "Give a start and an end date"),
        ({"period": "custom", "start": "2024-01-01", "end": "2026-03-01"}, "at most 366 days"),
        ({"period": "pay"}, "no pay schedule"),
        ({"period": "pay", "pay_start": "2026-02-17"}, "not the start of one of this program's pay periods"),
    ],
)
def test_bad_period_falls_back_to_the_default_with_a_clear_message(params, message):
    anchor = datetime.date(2026, 1, 5) if params.get("pay_start") else None
    period, error = parse_period(params, zone=UTC, pay_anchor=anchor, today=TODAY)
    assert period == last_days(30, today=TODAY, zone=UTC)
    assert message in error
