import datetime
from decimal import Decimal

import pytest

from payments.earnings import earnings_for, hour_lines
from payments.models import TimeEntry
from tests.payments.factories import TimeEntryFactory

D = datetime.date


def test_each_line_is_rounded_half_up_to_cents():
    # given 3 × 0.25 h at 12.33/h = 9.2475 → 9.25 (half-up), not 9.24 (banker's)
    lines = hour_lines(days=[(D(2026, 3, 2), Decimal("0.75"))], base_rate=Decimal("12.33"), changes=[])
    assert [(line.hours, line.rate, line.amount) for line in lines] == [
        (Decimal("0.75"), Decimal("12.33"), Decimal("9.25"))
    ]


def test_rounding_is_per_line_not_on_the_total():
    # given two rate ranges each ending in half a cent
    days = [(D(2026, 3, 2), Decimal("0.25")), (D(2026, 3, 5), Decimal("0.25"))]
    lines = hour_lines(days=days, base_rate=Decimal("10.02"), changes=[(D(2026, 3, 4), Decimal("10.06"))])
    # then 0.25 × 10.02 = 2.505 → 2.51 and 0.25 × 10.06 = 2.515 → 2.52 (the exact sum 5.02 would differ)
    assert [line.amount for line in lines] == [Decimal("2.51"), Decimal("2.52")]


def test_a_mid_period_rate_change_splits_the_lines_by_day():
    days = [(D(2026, 3, d), Decimal("4")) for d in (2, 3, 4, 5, 6)]
    lines = hour_lines(days=days, base_rate=Decimal("20.00"), changes=[(D(2026, 3, 5), Decimal("22.50"))])
    assert [(line.date_from, line.date_to, line.hours, line.rate, line.amount) for line in lines] == [
        (D(2026, 3, 2), D(2026, 3, 4), Decimal("12"), Decimal("20.00"), Decimal("240.00")),
        (D(2026, 3, 5), D(2026, 3, 6), Decimal("8"), Decimal("22.50"), Decimal("180.00")),
    ]


def test_rate_changes_before_the_period_set_the_rate_and_later_ones_do_not():
    days = [(D(2026, 3, 2), Decimal("1"))]
    changes = [(D(2026, 1, 1), Decimal("25.00")), (D(2026, 4, 1), Decimal("30.00"))]
    assert hour_lines(days=days, base_rate=Decimal("20.00"), changes=changes)[0].rate == Decimal("25.00")


@pytest.mark.django_db
def test_earnings_for_sums_entries_per_day_and_contract(contract, ended_period_days):
    from contracts.models import RateChange

    RateChange.objects.create(
        contract=contract,
        effective_date=ended_period_days[7],
        hourly_rate=Decimal("21.10"),
        reason="evaluation",
    )
    for day in ended_period_days[5:10]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("1.25"))
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("0.50"))
    TimeEntryFactory(
        contract=contract, date=ended_period_days[6], hours=Decimal("3"), status=TimeEntry.Status.DRAFT
    )

    result = earnings_for(TimeEntry.objects.filter(status=TimeEntry.Status.APPROVED))

    earning = result[(contract.freelancer_id, contract.program_id)]
    assert [(line.hours, line.rate, line.amount) for line in earning.lines] == [
        (Decimal("3.50"), Decimal("20.00"), Decimal("70.00")),  # days 5, 6: 2 × 1.75 h
        (Decimal("5.25"), Decimal("21.10"), Decimal("110.78")),  # days 7, 8, 9: 3 × 1.75 h; 110.775 → 110.78
    ]
    assert earning.hours == Decimal("8.75")
    assert earning.amount == Decimal("180.78")


@pytest.mark.django_db
def test_pay_by_cuts_lines_at_pay_periods_and_rate_changes_before_the_window_set_the_rate(contract, anchor):
    from contracts.models import RateChange
    from payments.earnings import worked_days

    # given a raise before the first period, and 0.25 h at the start and at the end of two pay periods
    RateChange.objects.create(
        contract=contract,
        effective_date=anchor - datetime.timedelta(days=30),
        hourly_rate=Decimal("10.02"),
        reason="evaluation",
    )
    for day in (anchor, anchor + datetime.timedelta(days=13), anchor + datetime.timedelta(days=14)):
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("0.25"))

    # when the hours are priced as one report
    work = worked_days(TimeEntry.objects.all())
    pay = work.pay_by(lambda day: None)

    # then each pay period is a line of its own: 0.50 h × 10.02 = 5.01 and 0.25 h × 10.02 = 2.505 → 2.51
    assert [
        [line.amount for line in lines]
        for _, lines in sorted(work.lines_by(lambda day: None).items(), key=lambda item: item[0][2])
    ] == [[Decimal("5.01")], [Decimal("2.51")]]
    assert (pay[(None, "USD")].hours, pay[(None, "USD")].amount) == (Decimal("0.75"), Decimal("7.52"))
