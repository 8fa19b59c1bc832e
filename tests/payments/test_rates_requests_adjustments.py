import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.errors import MissingExchangeRate, PaymentsError
from payments.models import Adjustment, ExchangeRate, Payout, PayoutRequest
from payments.services import (
    adjustment_create,
    exchange_rate_on,
    exchange_rate_set,
    exchange_rates_import_csv,
    payout_request_approve,
    payout_request_create,
    payout_request_decline,
    payout_run_execute,
    payout_run_start,
)
from tests.payments.factories import ExchangeRateFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date


def test_an_exchange_rate_of_zero_or_less_is_refused():
    for rate in ("0", "-1", "abc"):
        with pytest.raises(PaymentsError) as info:
            exchange_rate_set(base_currency="USD", quote_currency="EUR", on_date=TODAY(), rate=rate)
        assert info.value.field == "rate"
    assert not ExchangeRate.objects.exists()


def test_csv_import_is_all_or_nothing_and_names_the_bad_line():
    good = b"date,base,quote,rate\n2026-03-02,USD,EUR,0.92\n2026-03-02,USD,PLN,3.95\n"
    bad = good + b"2026-03-03,USD,EUR,0\n"
    with pytest.raises(PaymentsError, match="Line 3: An exchange rate must be more than zero"):
        exchange_rates_import_csv(data=bad)
    assert not ExchangeRate.objects.exists()
    with pytest.raises(PaymentsError, match="not UTF-8"):
        exchange_rates_import_csv(data=b"\xff\xfe\x00binary")
    assert exchange_rates_import_csv(data=good) == 2
    assert exchange_rates_import_csv(data=good) == 2  # re-import updates, does not duplicate
    assert ExchangeRate.objects.count() == 2


def test_the_rate_of_the_run_date_or_the_week_before_is_used_never_an_older_one():
    ExchangeRateFactory(on_date=TODAY() - datetime.timedelta(days=3), rate=Decimal("0.9"))
    assert exchange_rate_on(base_currency="USD", quote_currency="EUR", on=TODAY()) == (
        Decimal("0.9"),
        TODAY() - datetime.timedelta(days=3),
    )
    with pytest.raises(MissingExchangeRate, match="No exchange rate USD→EUR"):
        exchange_rate_on(base_currency="USD", quote_currency="EUR", on=TODAY() + datetime.timedelta(days=6))
    with pytest.raises(MissingExchangeRate):
        exchange_rate_on(base_currency="EUR", quote_currency="USD", on=TODAY())  # no inverse guessing
    assert exchange_rate_on(base_currency="USD", quote_currency="USD", on=TODAY())[0] == Decimal("1")


def test_adjustment_create_is_the_interface_reviews_uses(freelancer, program, contract, manager):
    bonus = adjustment_create(
        freelancer=freelancer,
        program=program,
        kind="bonus",
        amount=Decimal("50"),
        currency="USD",
        reason="Top CSAT in March",
        created_by=manager,
        source_key="reviews:bonus:1",
    )
    again = adjustment_create(
        freelancer=freelancer,
        program=program,
        kind="bonus",
        amount=Decimal("50"),
        currency="USD",
        reason="Top CSAT in March",
        created_by=manager,
        source_key="reviews:bonus:1",
    )
    assert bonus.pk == again.pk and bonus.amount == Decimal("50.00")
    deduction = adjustment_create(
        freelancer=freelancer,
        program=program,
        kind="deduction",
        amount="12.5",
        currency="USD",
        reason="Equipment",
        created_by=manager,
    )
    assert deduction.amount == Decimal("-12.50")
    with pytest.raises(PaymentsError, match="paid in USD"):
        adjustment_create(
            freelancer=freelancer,
            program=program,
            kind="bonus",
            amount="5",
            currency="EUR",
            reason="x",
            created_by=manager,
        )
    with pytest.raises(TypeError):
        adjustment_create(
            freelancer=freelancer,
            program=program,
            kind="bonus",
            amount=5.5,
            currency="USD",
            reason="x",
            created_by=manager,
        )
    with pytest.raises(PaymentsError, match="positive"):
        adjustment_create(
            freelancer=freelancer,
            program=program,
            kind="bonus",
            amount="-5",
            currency="USD",
            reason="x",
            created_by=manager,
        )
    assert Adjustment.objects.count() == 2


def test_a_request_above_the_available_balance_is_refused(freelancer, program, contract, anchor):
    TimeEntryFactory(
        contract=contract, date=anchor + datetime.timedelta(days=29), hours=Decimal("5")
    )  # 100.00
    with pytest.raises(PaymentsError, match="at most 100.00 USD"):
        payout_request_create(freelancer=freelancer, program=program, amount="100.01")
    assert not PayoutRequest.objects.exists()
    payout_request_create(freelancer=freelancer, program=program, amount="60")
    with pytest.raises(PaymentsError, match="at most 40.00 USD"):
        payout_request_create(freelancer=freelancer, program=program, amount="41")


def test_an_approved_request_is_an_advance_deducted_from_the_next_payout(
    freelancer, program, contract, manager, ended_period_days
):
    freelancer.payout_currency = "EUR"
    freelancer.save()
    ExchangeRateFactory(rate=Decimal("0.9"))
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("10"))  # 200.00 USD
    request = payout_request_create(freelancer=freelancer, program=program, amount="75.00", note="Rent")

    request = payout_request_approve(request=request, decided_by=manager)

    assert request.status == PayoutRequest.Status.APPROVED
    assert (request.exchange_rate, request.payout_amount) == (Decimal("0.9"), Decimal("67.50"))
    assert request.advance.amount == Decimal("-75.00")
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get()
    assert (payout.hours_amount, payout.adjustments_amount, payout.total) == (
        Decimal("200.00"),
        Decimal("-75.00"),
        Decimal("125.00"),
    )


def test_approving_without_an_exchange_rate_changes_nothing(freelancer, program, contract, manager, anchor):
    freelancer.payout_currency = "EUR"
    freelancer.save()
    TimeEntryFactory(contract=contract, date=anchor + datetime.timedelta(days=29), hours=Decimal("5"))
    request = payout_request_create(freelancer=freelancer, program=program, amount="10")
    with pytest.raises(MissingExchangeRate):
        payout_request_approve(request=request, decided_by=manager)
    request.refresh_from_db()
    assert request.status == PayoutRequest.Status.PENDING
    assert not Adjustment.objects.exists()


def test_declining_needs_a_reason(freelancer, program, contract, manager, anchor):
    TimeEntryFactory(contract=contract, date=anchor + datetime.timedelta(days=29), hours=Decimal("5"))
    request = payout_request_create(freelancer=freelancer, program=program, amount="10")
    with pytest.raises(PaymentsError, match="reason"):
        payout_request_decline(request=request, decided_by=manager, reason=" ")
    payout_request_decline(request=request, decided_by=manager, reason="Payday is Friday")
    request.refresh_from_db()
    assert (request.status, request.decision_reason) == (PayoutRequest.Status.DECLINED, "Payday is Friday")
