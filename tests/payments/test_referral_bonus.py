"""The referral bonus: paid to the referrer once, as a bonus adjustment, after the referred freelancer's N hours."""

from decimal import Decimal

import pytest

from payments.models import Adjustment, Payout
from payments.services import payout_run_execute, payout_run_start
from payments.services.referral_bonuses import referral_bonuses_sync
from recruiting.models import Application, Referral, ReferralBonus
from tests.contracts.factories import ContractFactory
from tests.payments.factories import ExchangeRateFactory, TimeEntryFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bonus(program):
    return ReferralBonus.objects.create(
        program=program, amount=Decimal("75.50"), currency="USD", after_hours=Decimal("10")
    )


@pytest.fixture
def hired(program, contract):
    """`contract`'s freelancer was hired through an application a colleague referred."""
    referrer_contract = ContractFactory(program=program, currency="USD")
    application = ApplicationFactory(
        posting=PostingFactory(program=program),
        stage=Application.Stage.HIRED,
        freelancer=contract.freelancer,
        referred_by=referrer_contract.freelancer,
    )
    referral = Referral.objects.create(
        posting=application.posting,
        referrer=referrer_contract.freelancer,
        full_name=application.full_name,
        email=application.email,
        application=application,
    )
    return referral, contract


def test_no_bonus_before_the_hours_then_exactly_once_after_them(program, bonus, hired, ended_period_days):
    referral, contract = hired
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("6.00"))
    TimeEntryFactory(
        contract=contract, date=ended_period_days[1], hours=Decimal("3.75"), status="submitted"
    )  # not approved: does not count
    assert referral_bonuses_sync(program=program) == 0
    assert not Adjustment.objects.exists()

    TimeEntryFactory(contract=contract, date=ended_period_days[2], hours=Decimal("4.00"))  # 10.00 approved
    assert referral_bonuses_sync(program=program) == 1
    assert referral_bonuses_sync(program=program) == 0  # safe to run twice
    adjustment = Adjustment.objects.get()
    assert adjustment.freelancer == referral.referrer
    assert adjustment.kind == Adjustment.Kind.BONUS
    assert (adjustment.amount, adjustment.currency) == (Decimal("75.50"), "USD")
    assert adjustment.source_key == f"recruiting:referral:{referral.pk}"


def test_the_payout_run_pays_the_bonus_to_the_referrer(program, bonus, hired, ended_period_days):
    referral, contract = hired
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("10.00"))
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get(freelancer=referral.referrer)
    assert payout.total == Decimal("75.50")
    assert Adjustment.objects.filter(freelancer=referral.referrer).count() == 1


def test_a_bonus_in_another_currency_is_converted_at_todays_rate_half_up_to_cents(
    program, hired, ended_period_days
):
    referral, contract = hired
    ReferralBonus.objects.create(
        program=program, amount=Decimal("50.00"), currency="EUR", after_hours=Decimal("1")
    )
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("1.00"))
    assert referral_bonuses_sync(program=program) == 0  # no EUR→USD rate yet: waits, nothing lost
    ExchangeRateFactory(base_currency="EUR", quote_currency="USD", rate=Decimal("1.08333"))
    assert referral_bonuses_sync(program=program) == 1
    assert Adjustment.objects.get().amount == Decimal("54.17")  # 54.1665 half-up


def test_no_bonus_without_a_hire_an_active_rule_or_for_a_self_referral(
    program, bonus, hired, ended_period_days
):
    referral, contract = hired
    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("12.00"))
    Application.objects.filter(pk=referral.application_id).update(stage=Application.Stage.OFFER)
    assert referral_bonuses_sync(program=program) == 0
    Application.objects.filter(pk=referral.application_id).update(stage=Application.Stage.HIRED)
    ReferralBonus.objects.filter(pk=bonus.pk).update(is_active=False)
    assert referral_bonuses_sync(program=program) == 0
    ReferralBonus.objects.filter(pk=bonus.pk).update(is_active=True)
    Referral.objects.filter(pk=referral.pk).update(referrer=contract.freelancer)
    assert referral_bonuses_sync(program=program) == 0
    assert not Adjustment.objects.exists()
