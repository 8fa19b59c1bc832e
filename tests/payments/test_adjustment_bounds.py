"""Adjustments have a per-program bound, payouts far above the usual are flagged, and an early payment
never exceeds what was actually earned."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from payments.errors import PaymentsError
from payments.models import Adjustment, Payout, PayoutRequest, PaySchedule
from payments.services import adjustment_create, payout_request_create, payout_run_execute, payout_run_start
from tests.contracts.factories import ContractFactory
from tests.payments.factories import ExchangeRateFactory, PayPeriodFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

BILLION = Decimal("1000000000.00")


def bonus(program, freelancer, manager, amount, **kwargs):
    return adjustment_create(
        freelancer=freelancer,
        program=program,
        kind=Adjustment.Kind.BONUS,
        amount=amount,
        currency=kwargs.pop("currency", "USD"),
        reason="Great quarter",
        created_by=manager,
        **kwargs,
    )


def run_last_ended(program):
    run = payout_run_start(program=program, enqueue=False)
    return payout_run_execute(run_id=run.pk)


# ------------------------------------------------------------------ the limit


def test_a_billion_bonus_is_refused_with_a_message_and_nothing_is_saved(program, freelancer, manager):
    with pytest.raises(PaymentsError) as error:
        bonus(program, freelancer, manager, BILLION)

    assert error.value.message == (
        "1,000,000,000.00 USD is above the program's limit of 1,000.00 USD per adjustment. "
        "Check the amount; to add it anyway, tick “confirm” and give the reason."
    )
    assert error.value.field == "amount"
    assert not Adjustment.objects.exists()


def test_the_limit_holds_both_ways_and_at_the_exact_bound(program, freelancer, manager):
    assert bonus(program, freelancer, manager, Decimal("1000.00")).amount == Decimal("1000.00")
    with pytest.raises(PaymentsError):
        bonus(program, freelancer, manager, Decimal("1000.01"))
    with pytest.raises(PaymentsError):
        adjustment_create(
            freelancer=freelancer,
            program=program,
            kind=Adjustment.Kind.DEDUCTION,
            amount=Decimal("1500.00"),
            currency="USD",
            reason="Equipment",
            created_by=manager,
        )
    assert Adjustment.objects.count() == 1


def test_the_limit_is_per_program(program, freelancer, manager):
    PaySchedule.objects.filter(program=program).update(adjustment_limit=Decimal("50.00"))
    with pytest.raises(PaymentsError) as error:
        bonus(program, freelancer, manager, Decimal("60.00"))
    assert "above the program's limit of 50.00 USD" in error.value.message


def test_a_confirmation_needs_a_reason(program, freelancer, manager):
    with pytest.raises(PaymentsError) as error:
        bonus(program, freelancer, manager, BILLION, confirm_over_limit=True, over_limit_reason=" ")
    assert error.value.field == "over_limit_reason"
    assert not Adjustment.objects.exists()


def test_a_confirmed_large_adjustment_is_recorded_and_its_payout_flagged(
    program, contract, freelancer, manager, ended_period_days
):
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("2.00"))
    adjustment = bonus(
        program,
        freelancer,
        manager,
        Decimal("1500.00"),
        confirm_over_limit=True,
        over_limit_reason="Annual bonus approved by the CFO",
    )

    assert adjustment.over_limit_reason == "Annual bonus approved by the CFO"
    audit = AuditLog.objects.get(verb="adjustment.created")
    assert (
        audit.data["over_limit"] == "1,500.00 USD is above the program's limit of 1,000.00 USD per adjustment"
    )
    assert audit.data["over_limit_reason"] == "Annual bonus approved by the CFO"

    run_last_ended(program)
    payout = Payout.objects.get()
    assert payout.total == Decimal("1540.00")
    assert (
        "Bonus of 1,500.00 USD is above the program's adjustment limit "
        "(confirmed: Annual bonus approved by the CFO)."
    ) in payout.anomalies


def test_an_adjustment_in_another_currency_is_compared_at_todays_rate(program, manager):
    eur_contract = ContractFactory(program=program, currency="EUR", start_date=datetime.date(2020, 1, 1))
    freelancer = eur_contract.freelancer
    with pytest.raises(PaymentsError) as error:
        bonus(program, freelancer, manager, Decimal("10.00"), currency="EUR")
    assert "there is no USD→EUR exchange rate to compare this amount with it" in error.value.message

    ExchangeRateFactory(
        base_currency="USD", quote_currency="EUR", rate=Decimal("0.90000000"), on_date=timezone.now().date()
    )
    assert bonus(program, freelancer, manager, Decimal("900.00"), currency="EUR").amount == Decimal("900.00")
    with pytest.raises(PaymentsError) as error:
        bonus(program, freelancer, manager, Decimal("900.01"), currency="EUR")
    assert "limit of 1,000.00 USD (about 900.00 EUR)" in error.value.message


def test_the_adjustments_page_asks_for_the_confirmation_then_records_it(client, program, freelancer, manager):
    url = reverse("payments:adjustments")
    data = {
        "program": program.pk,
        "freelancer": freelancer.pk,
        "kind": "bonus",
        "amount": "1000000000.00",
        "reason": "Great quarter",
    }
    client.force_login(manager)
    assert 'type="hidden" name="confirm_over_limit"' in client.get(url).content.decode()

    response = client.post(url, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "1,000,000,000.00 USD is above the program&#x27;s limit of 1,000.00 USD per adjustment" in html
    assert 'type="checkbox" name="confirm_over_limit"' in html
    assert not Adjustment.objects.exists()

    response = client.post(
        url, {**data, "amount": "1200.00", "confirm_over_limit": "on", "over_limit_reason": "Holiday cover"}
    )
    assert response.status_code == 302
    assert Adjustment.objects.get().over_limit_reason == "Holiday cover"


# ------------------------------------------------------------------ payout anomaly flags


def test_a_payout_above_the_programs_threshold_is_flagged(program, contract, ended_period_days):
    PaySchedule.objects.filter(program=program).update(payout_anomaly_threshold=Decimal("400.00"))
    for day in ended_period_days[:6]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("4.25"))  # 25.50 h × 20.00 = 510.00

    run_last_ended(program)

    assert (
        "The total 510.00 USD is above the program's anomaly threshold of 400.00 USD."
        in Payout.objects.get().anomalies
    )


def test_a_payout_below_the_threshold_and_the_usual_is_not_flagged(program, contract, ended_period_days):
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("4.00"))
    run_last_ended(program)
    flags = " ".join(Payout.objects.get().anomalies)
    assert "threshold" not in flags and "typical" not in flags and "limit" not in flags


def test_a_payout_far_above_the_freelancers_usual_is_flagged(
    program, contract, freelancer, anchor, ended_period_days
):
    for number, start in enumerate([anchor - datetime.timedelta(days=14), anchor]):
        Payout.objects.create(
            program=program,
            freelancer=freelancer,
            status=Payout.Status.PAID,
            currency="USD",
            payout_currency="USD",
            total=Decimal("100.00"),
            payout_amount=Decimal("100.00"),
            period=PayPeriodFactory(program=program, start_date=start),
            reference=f"EARLIER-{number}",
        )
    for day in ended_period_days[:4]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("4.00"))  # 16 h × 20.00 = 320.00

    run_last_ended(program)

    payout = Payout.objects.get(reference__startswith="FD")
    assert (
        "The total 320.00 USD is more than 3 times this freelancer's typical payout (100.00 USD)."
        in payout.anomalies
    )


# ------------------------------------------------------------------ early payment is bounded by what was earned


def test_an_early_payment_cannot_exceed_what_was_earned(
    program, contract, freelancer, manager, ended_period_days
):
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("4.25"))  # 85.00 USD earned
    with pytest.raises(PaymentsError):  # the slip that would have inflated the balance is refused first
        bonus(program, freelancer, manager, BILLION)

    with pytest.raises(PaymentsError) as error:
        payout_request_create(freelancer=freelancer, program=program, amount=Decimal("42427.75"))

    assert error.value.message == "You can request at most 85.00 USD (your available balance)."
    assert not PayoutRequest.objects.exists()
    assert payout_request_create(
        freelancer=freelancer, program=program, amount=Decimal("85.00")
    ).amount == Decimal("85.00")
