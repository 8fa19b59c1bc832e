import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract, OffboardingItem, RateChange
from contracts.selectors import standing_get
from core.errors import DomainError
from payments.models import Adjustment
from reviews.errors import ReviewError
from reviews.models import Evaluation
from reviews.services import evaluation_create
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)


@pytest.fixture
def setup():
    program, manager, _ = program_with_scorecard()
    freelancer, contract = contracted_freelancer(
        program, start_date=datetime.date(2025, 6, 1), currency="USD"
    )
    return program, manager, freelancer, contract


def evaluate(setup, outcome, **kwargs):
    program, manager, freelancer, _ = setup
    kwargs.setdefault("summary", "Good month.")
    return evaluation_create(
        program=program,
        freelancer=freelancer,
        actor=manager,
        period_start=START,
        period_end=END,
        outcome=outcome,
        **kwargs,
    )


def test_keep_records_the_numbers_and_changes_nothing(setup):
    evaluation = evaluate(setup, "keep", private_notes="Watch the escalations.")
    assert evaluation.metrics["tickets_solved"] == 0
    assert evaluation.metrics["qa_average"] is None and evaluation.metrics["cost_per_ticket"] is None
    assert not Adjustment.objects.exists() and not RateChange.objects.exists()


def test_recognize_with_a_bonus_creates_a_payment_adjustment(setup):
    evaluation = evaluate(setup, "recognize", bonus_amount=Decimal("75.005"))
    adjustment = Adjustment.objects.get()
    assert (adjustment.kind, adjustment.amount, adjustment.currency) == ("bonus", Decimal("75.01"), "USD")
    assert adjustment.freelancer == setup[2] and adjustment.program == setup[0]
    assert evaluation.adjustment_id == adjustment.pk
    assert adjustment.source_key == f"reviews:evaluation:{evaluation.pk}"


def test_recognize_without_a_bonus_pays_nothing(setup):
    evaluate(setup, "recognize")
    assert not Adjustment.objects.exists()


def test_rate_adjustment_creates_a_rate_change(setup):
    evaluation = evaluate(
        setup,
        "rate_adjustment",
        new_hourly_rate=Decimal("22.50"),
        rate_effective_date=datetime.date(2026, 3, 1),
    )
    change = RateChange.objects.get()
    assert (change.contract, change.hourly_rate, change.effective_date, change.reason) == (
        setup[3],
        Decimal("22.50"),
        datetime.date(2026, 3, 1),
        "evaluation",
    )
    assert evaluation.rate_change_id == change.pk


def test_rate_adjustment_below_the_floor_is_refused_and_nothing_is_recorded(setup):
    from tests.contracts.factories import RateFloorFactory

    RateFloorFactory(program=setup[0], minimum_hourly_rate=Decimal("18.00"))
    with pytest.raises(DomainError):
        evaluate(
            setup,
            "rate_adjustment",
            new_hourly_rate=Decimal("15.00"),
            rate_effective_date=datetime.date(2026, 3, 1),
        )
    assert not Evaluation.objects.exists() and not RateChange.objects.exists()


def test_promotion_moves_the_freelancer_to_tier_2(setup):
    evaluation = evaluate(setup, "promote")
    freelancer = setup[2]
    assert standing_get(freelancer_id=freelancer.pk, program_id=setup[0].pk).tier == 2
    assert (evaluation.tier_before, evaluation.tier_after) == (1, 2)
    with pytest.raises(ReviewError, match="already tier 2"):
        evaluate(setup, "promote")


def test_promotion_without_an_active_contract_is_refused(setup):
    program, manager, _, _ = setup
    outsider = FreelancerFactory()
    contracted_freelancer(program, freelancer=outsider, status=Contract.Status.ENDED)
    with pytest.raises(ReviewError, match="no active contract"):
        evaluation_create(
            program=program,
            freelancer=outsider,
            actor=manager,
            period_start=START,
            period_end=END,
            outcome="promote",
            summary="Great",
        )
    assert standing_get(freelancer_id=outsider.pk, program_id=program.pk).tier == 1
    assert not Evaluation.objects.exists()


def test_performance_plan_needs_goals_and_a_later_review_date(setup):
    with pytest.raises(ReviewError) as error:
        evaluate(setup, "performance_plan", plan_review_date=datetime.date(2026, 4, 1))
    assert error.value.field == "plan_goals"
    with pytest.raises(ReviewError):
        evaluate(setup, "performance_plan", plan_goals="QA ≥ 85", plan_review_date=START)
    evaluation = evaluate(
        setup, "performance_plan", plan_goals="QA ≥ 85", plan_review_date=datetime.date(2026, 4, 1)
    )
    assert evaluation.plan_goals == "QA ≥ 85"


def test_ending_the_contract_terminates_it_with_offboarding(setup):
    evaluate(setup, "end_contract", end_date=datetime.date(2026, 3, 5), end_reason="Two plans missed.")
    contract = setup[3]
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED
    assert contract.ended_on == datetime.date(2026, 3, 5)
    assert "Two plans missed." in contract.end_reason
    assert OffboardingItem.objects.filter(contract=contract, kind="final_payout").exists()


def test_every_outcome_is_visible_to_the_freelancer_but_not_private_notes(client, setup):
    evaluation = evaluate(
        setup,
        "recognize",
        bonus_amount=Decimal("50"),
        summary="Best CSAT this month.",
        private_notes="SECRET-NOTE",
    )
    client.force_login(setup[2].user)
    listing = client.get("/portal/evaluations/").content.decode()
    assert "Recognize" in listing
    page = client.get(f"/portal/evaluations/{evaluation.pk}/").content.decode()
    assert "Best CSAT this month." in page and "50.00 USD" in page
    assert "SECRET-NOTE" not in page
    client.force_login(FreelancerFactory().user)
    assert client.get(f"/portal/evaluations/{evaluation.pk}/").status_code == 404


def test_evaluation_page_prefills_and_records_through_the_form(client, setup):
    program, manager, freelancer, _ = setup
    client.force_login(manager)
    page = client.get(f"/manage/reviews/evaluations/{program.slug}/{freelancer.pk}/new/")
    assert page.status_code == 200 and "QA average" in page.content.decode()
    response = client.post(
        f"/manage/reviews/evaluations/{program.slug}/{freelancer.pk}/new/",
        {
            "period_start": "2026-02-01",
            "period_end": "2026-02-28",
            "outcome": "promote",
            "summary": "Well done",
        },
    )
    assert response.status_code == 302
    assert standing_get(freelancer_id=freelancer.pk, program_id=program.pk).tier == 2


def test_evaluating_a_freelancer_of_another_program_is_not_found(client, setup):
    program, manager, _, _ = setup
    other_program, _, _ = program_with_scorecard()
    stranger, _ = contracted_freelancer(other_program)
    client.force_login(manager)
    assert client.get(f"/manage/reviews/evaluations/{program.slug}/{stranger.pk}/new/").status_code == 404
    assert (
        client.get(f"/manage/reviews/evaluations/{other_program.slug}/{stranger.pk}/new/").status_code == 404
    )


def test_metrics_count_the_period(setup):
    from reviews.selectors import evaluation_metrics
    from tests.payments.factories import TimeEntryFactory
    from tests.reviews.factories import solved_ticket

    program, _, freelancer, contract = setup
    moment = datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC)
    for n in range(4):
        ticket = solved_ticket(program, freelancer, solved_at=moment + datetime.timedelta(hours=n))
        ticket.resolution_seconds = 3600 * (n + 1)
        ticket.save()
    TimeEntryFactory(contract=contract, date=datetime.date(2026, 2, 10), hours=Decimal("3.00"))
    metrics = evaluation_metrics(program=program, freelancer_id=freelancer.pk, start_date=START, end_date=END)
    assert metrics["tickets_solved"] == 4
    assert metrics["hours_worked"] == "3.00"
    assert metrics["cost_per_ticket"] == "15.00"  # 3 h × 20.00 / 4
    assert metrics["resolution_median_hours"] == "2.5"
