"""The off-cycle payout of a leaving freelancer: the regular run's pricing, made early, never paid twice."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract, RateChange
from core.models import AuditLog
from payments.errors import PaymentsError
from payments.models import Adjustment, Payout, PayoutLine, PayPeriod, TimeEntry
from payments.services import (
    pay_period_for,
    payout_off_cycle_create,
    payout_run_execute,
    payout_run_start,
    time_entry_approve,
    time_entry_send_back,
)
from tests.contracts.factories import ContractFactory
from tests.payments.factories import AdjustmentFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def current(anchor):
    """The first day of the open period (period 3: this week and next)."""
    return anchor + datetime.timedelta(days=28)


def day(current, n):
    return current + datetime.timedelta(days=n)


def worked(program, *, end_date=None, current, rate=Decimal("20.00")):
    """A contract with 6 days of 4.25 h approved in the current period, a raise on day 4, a bonus and a deduction."""
    contract = ContractFactory(
        program=program,
        hourly_rate=rate,
        currency="USD",
        start_date=datetime.date(2020, 1, 1),
        end_date=end_date,
        hours_per_week=Decimal("20"),
        weekly_hour_cap=Decimal("30"),
    )
    RateChange.objects.create(
        contract=contract, effective_date=day(current, 3), hourly_rate=Decimal("22.35"), reason="evaluation"
    )
    for n in range(6):
        TimeEntryFactory(contract=contract, date=day(current, n), hours=Decimal("4.25"))
    AdjustmentFactory(freelancer=contract.freelancer, program=program, kind="bonus", amount=Decimal("25.00"))
    AdjustmentFactory(
        freelancer=contract.freelancer, program=program, kind="deduction", amount=Decimal("-5.50")
    )
    return contract


def run_period(program, period, today):
    run = payout_run_start(program=program, period=period, today=today, enqueue=False)
    return payout_run_execute(run_id=run.pk)


def money(payout):
    lines = [
        (line.kind, line.hours, line.rate, line.amount)
        for line in payout.lines.order_by("kind", "date_from", "amount")
    ]
    return (
        payout.hours,
        payout.hours_amount,
        payout.adjustments_amount,
        payout.total,
        payout.payout_amount,
        lines,
    )


def test_the_off_cycle_payout_is_priced_as_the_regular_run_and_that_run_does_not_pay_it_again(
    program, manager, current
):
    leaving = worked(program, end_date=day(current, 6), current=current)
    staying = worked(program, current=current)  # the same work, paid by the regular run
    late = TimeEntryFactory(
        contract=leaving, date=day(current, 5), hours=Decimal("3"), status=TimeEntry.Status.SUBMITTED
    )

    # when the leaving freelancer is paid off-cycle on their last day
    payout, created = payout_off_cycle_create(
        program=program, freelancer=leaving.freelancer, created_by=manager, today=day(current, 6)
    )

    # then: approved hours at each day's rate, rounded per line, plus the adjustments; the unapproved entry is out
    assert created and payout.run is None and payout.status == Payout.Status.DRAFT
    payout.refresh_from_db()
    assert money(payout) == (
        Decimal("25.50"),
        Decimal("539.96"),
        Decimal("19.50"),
        Decimal("559.46"),
        Decimal("559.46"),
        [
            ("adjustment", None, None, Decimal("-5.50")),
            ("adjustment", None, None, Decimal("25.00")),
            ("hours", Decimal("12.75"), Decimal("20.00"), Decimal("255.00")),
            ("hours", Decimal("12.75"), Decimal("22.35"), Decimal("284.96")),  # 284.9625 → 284.96
        ],
    )
    assert TimeEntry.objects.paid_by(payout).count() == 6
    assert Adjustment.objects.filter(payout=payout).count() == 2
    period = PayPeriod.objects.get(pk=payout.period_id)
    assert (period.start_date, period.status) == (current, PayPeriod.Status.OPEN)  # open for everyone else
    assert AuditLog.objects.filter(verb="payout.off_cycle_created", actor=manager).count() == 1

    # pressing again changes nothing
    again, created_again = payout_off_cycle_create(
        program=program, freelancer=leaving.freelancer, created_by=manager, today=day(current, 6)
    )
    assert (again.pk, created_again) == (payout.pk, False)
    assert (Payout.objects.count(), PayoutLine.objects.count()) == (1, 4)

    # an entry approved after the payout is paid by a correction (3 h × 22.35), not silently by the payout
    late = time_entry_approve(entry=late, approved_by=manager)
    late.refresh_from_db()
    assert late.correction.amount == Decimal("67.05")
    assert "after its payout was made" in late.correction.reason
    assert TimeEntry.objects.paid_by(payout).count() == 6
    # and an entry the payout paid cannot be taken back but by a correction
    paid_entry = TimeEntry.objects.paid_by(payout).first()
    with pytest.raises(PaymentsError, match="already paid"):
        time_entry_send_back(entry=paid_entry, sent_back_by=manager, comment="wrong day")

    # when the period's regular run comes, it pays the others and leaves the leaver's paid period alone
    run = run_period(program, period, today=day(current, 15))
    assert run.created_count == 1
    assert Payout.objects.filter(freelancer=leaving.freelancer, period=period).count() == 1
    regular = Payout.objects.get(freelancer=staying.freelancer, period=period)
    assert money(regular) == money(payout)  # the same work comes to the same cents either way
    payout.refresh_from_db()
    assert money(payout)[3] == Decimal("559.46")

    # the late entry is paid once, in the next period's run, by its correction
    next_period = pay_period_for(program=program, day=day(current, 14))
    run_period(program, next_period, today=day(current, 29))
    final = Payout.objects.get(freelancer=leaving.freelancer, period=next_period)
    assert (final.hours, final.total) == (Decimal("0"), Decimal("67.05"))
    assert not Payout.objects.filter(freelancer=staying.freelancer, period=next_period).exists()
    paid_to_leaver = sum(Payout.objects.filter(freelancer=leaving.freelancer).values_list("total", flat=True))
    assert paid_to_leaver == Decimal("559.46") + Decimal("67.05")


def test_a_freelancer_who_is_not_leaving_is_refused_and_nothing_changes(program, manager, current):
    staying = worked(program, current=current)
    with pytest.raises(PaymentsError, match="is not leaving"):
        payout_off_cycle_create(
            program=program, freelancer=staying.freelancer, created_by=manager, today=day(current, 6)
        )
    assert not Payout.objects.exists()
    assert not Adjustment.objects.filter(payout__isnull=False).exists()
    assert PayPeriod.objects.get(program=program, start_date=current).status == PayPeriod.Status.OPEN


def test_nothing_to_pay_is_refused_and_nothing_changes(program, manager, current):
    contract = ContractFactory(
        program=program,
        status=Contract.Status.ENDED,
        start_date=datetime.date(2020, 1, 1),
        end_date=day(current, 2),
    )
    TimeEntryFactory(contract=contract, date=day(current, 1), status=TimeEntry.Status.SUBMITTED)
    with pytest.raises(PaymentsError, match="no approved time or adjustment to pay"):
        payout_off_cycle_create(
            program=program, freelancer=contract.freelancer, created_by=manager, today=day(current, 4)
        )
    assert not Payout.objects.exists()
    assert not AuditLog.objects.filter(verb="payout.off_cycle_created").exists()


def test_a_last_day_in_a_period_that_ended_points_to_that_periods_run(program, manager, anchor, current):
    contract = ContractFactory(
        program=program,
        status=Contract.Status.TERMINATED,
        start_date=datetime.date(2020, 1, 1),
        end_date=anchor + datetime.timedelta(days=20),
    )
    TimeEntryFactory(contract=contract, date=anchor + datetime.timedelta(days=18))
    with pytest.raises(PaymentsError, match="start the payout run of that period"):
        payout_off_cycle_create(
            program=program, freelancer=contract.freelancer, created_by=manager, today=day(current, 2)
        )
    assert not Payout.objects.exists()


def test_a_terminated_contract_without_an_end_date_is_leaving_and_paid_for_the_current_period(
    program, manager, current
):
    contract = worked(program, current=current)
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.TERMINATED)
    payout, created = payout_off_cycle_create(
        program=program, freelancer=contract.freelancer, created_by=manager, today=day(current, 8)
    )
    assert created and payout.total == Decimal("559.46")


def test_a_raise_into_days_paid_off_cycle_is_refused_unless_confirmed_then_paid_by_an_exact_correction(
    program, manager, current
):
    from contracts.errors import ContractError
    from contracts.services import rate_change_create

    leaving = worked(program, end_date=day(current, 6), current=current)
    payout, _ = payout_off_cycle_create(
        program=program, freelancer=leaving.freelancer, created_by=manager, today=day(current, 6)
    )
    # the period is still open, but this freelancer's pay for it is fixed
    with pytest.raises(ContractError, match="already paid out"):
        rate_change_create(
            contract=leaving,
            effective_date=day(current, 4),
            hourly_rate=Decimal("25.00"),
            reason="correction",
            approved_by=manager,
        )
    rate_change_create(
        contract=leaving,
        effective_date=day(current, 4),
        hourly_rate=Decimal("25.00"),
        reason="correction",
        approved_by=manager,
        confirm_paid_period=True,
    )
    # repriced per line as the payout was: 255.00 + 4.25 h × 22.35 (94.99) + 8.5 h × 25.00 (212.50) = 562.49,
    # against 539.96 paid
    correction = Adjustment.objects.get(payout__isnull=True, kind=Adjustment.Kind.CORRECTION)
    assert correction.amount == Decimal("22.53")
    payout.refresh_from_db()
    assert payout.total == Decimal("559.46")  # the payout itself never changes
