"""The dashboard's pay is what payouts pay: both price hours with payments' one pay rule, line by line."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import RateChange
from dashboard.periods import Period
from dashboard.selectors.costs import cost_by_freelancer, cost_report, spend_by_program
from dashboard.services import dashboard_rollups_refresh
from payments.models import Payout
from payments.services import payout_run_execute, payout_run_start
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayScheduleFactory, TimeEntryFactory, anchor_for_tests
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_the_cost_of_a_pay_period_with_a_mid_period_rate_change_is_its_payouts_to_the_cent():
    # given a pay period that ended, two contracts, and a raise on the fourth day of one of them, with every
    # rate range ending in half a cent (0.25 h × 10.02 = 2.505, 0.25 h × 10.06 = 2.515)
    anchor = anchor_for_tests()
    program = ProgramFactory(currency="USD", time_zone="UTC")
    PayScheduleFactory(program=program, anchor_date=anchor)
    days = [anchor + datetime.timedelta(days=14 + i) for i in range(14)]
    ana = ContractFactory(
        program=program, hourly_rate=Decimal("10.02"), currency="USD", start_date=datetime.date(2020, 1, 1)
    )
    ben = ContractFactory(
        program=program, hourly_rate=Decimal("10.02"), currency="USD", start_date=datetime.date(2020, 1, 1)
    )
    RateChange.objects.create(
        contract=ana, effective_date=days[3], hourly_rate=Decimal("10.06"), reason="evaluation"
    )
    for contract, day in [(ana, days[1]), (ana, days[5]), (ben, days[2])]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("0.25"))

    # when the period is paid and the dashboard reports on the same days
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    paid = {payout.freelancer_id: payout.hours_amount for payout in Payout.objects.filter(program=program)}
    period = Period(key="custom", first_day=days[0], last_day=days[-1], zone=program.zone, label="pay period")
    report = cost_report(program=program, period=period)

    # then the pay lines round half-up each (2.51 + 2.52 and 2.51), not the total (7.525 exactly, which would round to 7.53)
    assert paid == {ana.freelancer_id: Decimal("5.03"), ben.freelancer_id: Decimal("2.51")}
    assert report.current.pay == sum(paid.values()) == Decimal("7.54")
    assert {
        fid: row["pay"] for fid, row in cost_by_freelancer(program=program, period=period).items()
    } == paid
    assert spend_by_program(programs=[program], ranges={program.pk: (days[0], days[-1])})[program.pk] == {
        "USD": Decimal("7.54")
    }
    # and so is the cost from the rollups, once the days are rolled up (hours per rate range, priced by the rule)
    dashboard_rollups_refresh(program_id=program.pk, start_day=period.previous().first_day, end_day=days[-1])
    rolled = cost_report(program=program, period=period)
    assert rolled.figures_up_to is not None and rolled.current.pay == Decimal("7.54")
