"""An evaluation's outcome obeys the pay rules of contracts and payments: a new rate outside the program's pay
range, one taking effect in paid days, or a bonus above the adjustment limit is refused with the rule's message
and nothing is recorded; confirmed with a reason, it goes through and the reason is kept."""

import datetime
from decimal import Decimal

import pytest

from contracts.errors import RateChangeInPaidPeriod, RateOutOfRange
from contracts.models import RateChange
from core.models import AuditLog
from payments.errors import PaymentsError
from payments.models import Adjustment, Payout, PayPeriod
from payments.services import payout_run_execute, payout_run_start
from programs.models import CandidateProfile
from reviews.models import Evaluation
from reviews.services import evaluation_create
from tests.payments.factories import PayScheduleFactory, TimeEntryFactory, anchor_for_tests
from tests.reviews.factories import contracted_freelancer, program_with_scorecard

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
EFFECTIVE = datetime.date(2026, 3, 1)


@pytest.fixture
def setup():
    program, manager, _ = program_with_scorecard()
    freelancer, contract = contracted_freelancer(
        program, start_date=datetime.date(2025, 6, 1), currency="USD", hourly_rate=Decimal("15.00")
    )
    CandidateProfile.objects.create(
        program=program, pay_min=Decimal("12.00"), pay_max=Decimal("18.00"), pay_currency="USD"
    )
    PayScheduleFactory(program=program, anchor_date=anchor_for_tests(), adjustment_limit=Decimal("100.00"))
    return program, manager, freelancer, contract


def evaluate(setup, outcome, **kwargs):
    program, manager, freelancer, _ = setup
    return evaluation_create(
        program=program,
        freelancer=freelancer,
        actor=manager,
        period_start=START,
        period_end=END,
        outcome=outcome,
        summary="Good month.",
        **kwargs,
    )


def url(setup):
    program, _, freelancer, _ = setup
    return f"/manage/reviews/evaluations/{program.slug}/{freelancer.pk}/new/"


# ------------------------------------------------------------------ rate adjustment outside the pay range


def test_a_rate_above_the_range_is_refused_on_the_rate_field_and_nothing_is_recorded(setup):
    with pytest.raises(RateOutOfRange) as error:
        evaluate(setup, "rate_adjustment", new_hourly_rate=Decimal("30.00"), rate_effective_date=EFFECTIVE)

    assert error.value.message == (
        "30.00 USD per hour is above the program's pay range, which goes up to 18.00 USD. "
        "Check the amount; to use it anyway, tick “confirm” and give the reason."
    )
    assert (error.value.field, error.value.code) == ("new_hourly_rate", "rate_out_of_range")
    assert not Evaluation.objects.exists() and not RateChange.objects.exists()


def test_a_confirmed_rate_without_a_reason_is_still_refused(setup):
    with pytest.raises(RateOutOfRange) as error:
        evaluate(
            setup,
            "rate_adjustment",
            new_hourly_rate=Decimal("30.00"),
            rate_effective_date=EFFECTIVE,
            confirm_out_of_range=True,
            out_of_range_reason="  ",
        )
    assert error.value.field == "out_of_range_reason"
    assert not Evaluation.objects.exists() and not RateChange.objects.exists()


def test_a_confirmed_rate_is_recorded_with_its_reason_on_the_rate_change_and_in_the_audit(setup):
    evaluation = evaluate(
        setup,
        "rate_adjustment",
        new_hourly_rate=Decimal("30.00"),
        rate_effective_date=EFFECTIVE,
        confirm_out_of_range=True,
        out_of_range_reason="Bilingual night shifts, agreed with finance",
    )

    change = RateChange.objects.get()
    assert evaluation.rate_change_id == change.pk
    assert (change.hourly_rate, change.out_of_range_reason) == (
        Decimal("30.00"),
        "Bilingual night shifts, agreed with finance",
    )
    audit = AuditLog.objects.get(verb="contract.rate_changed")
    assert (
        audit.data["out_of_range"]
        == "30.00 USD per hour is above the program's pay range, which goes up to 18.00 USD"
    )
    assert audit.data["out_of_range_reason"] == "Bilingual night shifts, agreed with finance"


# ------------------------------------------------------------------ rate adjustment into paid days


def test_a_rate_taking_effect_in_paid_days_needs_the_confirmation(setup):
    program, manager, _, _ = setup
    anchor = anchor_for_tests()
    freelancer, contract = contracted_freelancer(
        program, start_date=datetime.date(2020, 1, 1), currency="USD", hourly_rate=Decimal("15.00")
    )
    TimeEntryFactory(contract=contract, date=anchor, hours=Decimal("4.00"))
    period = PayPeriod.objects.get(program=program, start_date=anchor)
    payout_run_execute(run_id=payout_run_start(program=program, period=period, enqueue=False).pk)
    Payout.objects.filter(period=period).update(status=Payout.Status.PAID)
    arguments = {
        "program": program,
        "freelancer": freelancer,
        "actor": manager,
        "period_start": START,
        "period_end": END,
        "outcome": "rate_adjustment",
        "summary": "Raise",
        "new_hourly_rate": Decimal("16.00"),
        "rate_effective_date": anchor,
    }

    with pytest.raises(RateChangeInPaidPeriod) as error:
        evaluation_create(**arguments)
    assert (error.value.field, error.value.code) == ("rate_effective_date", "rate_change_paid_period")
    assert not Evaluation.objects.exists() and not RateChange.objects.exists()

    evaluation_create(**arguments, confirm_paid_period=True)
    change = RateChange.objects.get()
    assert change.paid_period_confirmed
    # 4 h already paid at 15.00; at 16.00 they are worth 4.00 more, paid as a correction next time
    assert Adjustment.objects.get(kind=Adjustment.Kind.CORRECTION).amount == Decimal("4.00")


# ------------------------------------------------------------------ recognition bonus above the limit


def test_a_bonus_above_the_limit_is_refused_on_the_bonus_field_and_nothing_is_recorded(setup):
    with pytest.raises(PaymentsError) as error:
        evaluate(setup, "recognize", bonus_amount=Decimal("250.00"))

    assert error.value.message == (
        "250.00 USD is above the program's limit of 100.00 USD per adjustment. "
        "Check the amount; to add it anyway, tick “confirm” and give the reason."
    )
    assert (error.value.field, error.value.code) == ("bonus_amount", "adjustment_over_limit")
    assert not Evaluation.objects.exists() and not Adjustment.objects.exists()


def test_a_confirmed_bonus_is_recorded_with_its_reason(setup):
    with pytest.raises(PaymentsError) as error:
        evaluate(setup, "recognize", bonus_amount=Decimal("250.00"), confirm_over_limit=True)
    assert error.value.field == "over_limit_reason"
    assert not Adjustment.objects.exists()

    evaluation = evaluate(
        setup,
        "recognize",
        bonus_amount=Decimal("250.00"),
        confirm_over_limit=True,
        over_limit_reason="Quarter's best CSAT, approved by the CFO",
    )

    adjustment = Adjustment.objects.get()
    assert evaluation.adjustment_id == adjustment.pk
    assert (adjustment.amount, adjustment.over_limit_reason) == (
        Decimal("250.00"),
        "Quarter's best CSAT, approved by the CFO",
    )
    audit = AuditLog.objects.get(verb="adjustment.created")
    assert audit.data["over_limit_reason"] == "Quarter's best CSAT, approved by the CFO"


# ------------------------------------------------------------------ the page


def test_the_page_hides_the_confirmations_until_a_rule_asks_then_records_the_confirmed_bonus(client, setup):
    client.force_login(setup[1])
    page = client.get(url(setup)).content.decode()
    assert 'type="hidden" name="confirm_over_limit"' in page
    assert 'type="hidden" name="confirm_out_of_range"' in page
    data = {
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "outcome": "recognize",
        "summary": "Best month yet",
        "bonus_amount": "250.00",
    }

    response = client.post(url(setup), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "250.00 USD is above the program&#x27;s limit of 100.00 USD per adjustment" in html
    assert 'type="checkbox" name="confirm_over_limit"' in html
    assert 'name="over_limit_reason"' in html and 'type="hidden" name="over_limit_reason"' not in html
    assert 'type="hidden" name="confirm_out_of_range"' in html  # only the group the error asks for appears
    assert not Evaluation.objects.exists() and not Adjustment.objects.exists()

    response = client.post(
        url(setup), {**data, "confirm_over_limit": "on", "over_limit_reason": "Approved by the CFO"}
    )
    assert response.status_code == 302
    assert Adjustment.objects.get().over_limit_reason == "Approved by the CFO"


def test_the_page_asks_to_confirm_an_out_of_range_rate_then_records_it(client, setup):
    client.force_login(setup[1])
    data = {
        "period_start": "2026-02-01",
        "period_end": "2026-02-28",
        "outcome": "rate_adjustment",
        "summary": "Raise",
        "new_hourly_rate": "30.00",
        "rate_effective_date": "2026-03-01",
    }

    response = client.post(url(setup), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "30.00 USD per hour is above the program&#x27;s pay range" in html
    assert 'type="checkbox" name="confirm_out_of_range"' in html
    assert not RateChange.objects.exists()

    response = client.post(
        url(setup), {**data, "confirm_out_of_range": "on", "out_of_range_reason": "Night shifts"}
    )
    assert response.status_code == 302
    assert RateChange.objects.get().out_of_range_reason == "Night shifts"
