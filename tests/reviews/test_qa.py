import datetime
from decimal import Decimal

import pytest

from core.errors import DomainError
from reviews.errors import ReviewError
from reviews.models import Dispute, Review, ReviewAssignment
from reviews.selectors import calibration_report, qa_averages
from reviews.services import (
    calibration_session_close,
    calibration_session_create,
    dispute_resolve,
    review_dispute,
    review_submit,
)
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard, solved_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    program, manager, criteria = program_with_scorecard()
    freelancer, _ = contracted_freelancer(program)
    return program, manager, criteria, freelancer


def ratings(criteria, *values):
    return {c.pk: v for c, v in zip(criteria, values, strict=True)}


def test_score_is_the_weighted_result_on_a_0_to_100_scale(setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    # weights 2, 3, 1 on a 0–4 scale: (2×4/4 + 3×2/4 + 1×4/4) / 6 × 100 = 75
    review = review_submit(
        ticket=ticket,
        reviewer=manager,
        ratings=ratings(criteria, 4, 2, 4),
        comments={criteria[1].pk: "Wrong order number"},
    )
    assert review.score == Decimal("75.00")
    assert review.original_score == Decimal("75.00")
    assert review.critical_fail is False
    assert review.freelancer == freelancer
    assert review.criterion_scores.get(criterion=criteria[1]).comment == "Wrong order number"


def test_score_rounds_half_up_to_two_decimals(setup):
    program, manager, criteria, freelancer = setup
    # (2×3/4 + 3×3/4 + 1×1/4) / 6 × 100 = 4/6 × 100 = 66.666… → 66.67
    review = review_submit(
        ticket=solved_ticket(program, freelancer), reviewer=manager, ratings=ratings(criteria, 3, 3, 1)
    )
    assert review.score == Decimal("66.67")


def test_a_critical_fail_sets_the_review_to_zero(setup):
    program, manager, criteria, freelancer = setup
    review = review_submit(
        ticket=solved_ticket(program, freelancer), reviewer=manager, ratings=ratings(criteria, 4, 4, 0)
    )
    assert review.score == Decimal("0.00")
    assert review.critical_fail is True
    assert review.passed is False


def test_zero_on_a_non_critical_criterion_only_costs_its_weight(setup):
    program, manager, criteria, freelancer = setup
    review = review_submit(
        ticket=solved_ticket(program, freelancer), reviewer=manager, ratings=ratings(criteria, 0, 4, 4)
    )
    assert review.score == Decimal("66.67")
    assert review.critical_fail is False


@pytest.mark.parametrize("bad", [5, -1, "x", ""])
def test_a_rating_outside_the_scale_is_a_field_error_and_nothing_is_stored(setup, bad):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    with pytest.raises(ReviewError) as error:
        review_submit(ticket=ticket, reviewer=manager, ratings=ratings(criteria, 4, bad, 4))
    assert error.value.field == f"rating_{criteria[1].pk}"
    assert not Review.objects.exists()


def test_a_ticket_is_reviewed_once(setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    review_submit(ticket=ticket, reviewer=manager, ratings=ratings(criteria, 4, 4, 4))
    with pytest.raises(ReviewError, match="already been reviewed"):
        review_submit(ticket=ticket, reviewer=manager, ratings=ratings(criteria, 1, 1, 1))
    assert Review.objects.count() == 1


def test_submitting_closes_the_assignment(setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    assignment = ReviewAssignment.objects.create(
        program=program,
        ticket=ticket,
        freelancer=freelancer,
        reviewer=manager,
        week_start=datetime.date(2026, 1, 5),
    )
    review = review_submit(ticket=ticket, reviewer=manager, ratings=ratings(criteria, 4, 4, 4))
    assignment.refresh_from_db()
    assert assignment.status == ReviewAssignment.Status.DONE
    assert review.assignment == assignment


# --- review screen --------------------------------------------------------------------------------------------


def test_review_screen_shows_thread_and_scorecard_and_saves(client, setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer, subject="Parcel lost in transit")
    client.force_login(manager)
    page = client.get(f"/manage/reviews/tickets/{ticket.pk}/")
    assert page.status_code == 200
    assert b"Parcel lost in transit" in page.content and b"Escalated correctly" in page.content
    data = {f"rating_{c.pk}": "4" for c in criteria} | {"comment": "Great"}
    response = client.post(f"/manage/reviews/tickets/{ticket.pk}/", data)
    review = Review.objects.get()
    assert response.status_code == 302 and response.url == f"/manage/reviews/{review.pk}/"
    assert review.score == Decimal("100.00")


def test_review_screen_answers_a_score_outside_the_scale_with_a_field_error(client, setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    client.force_login(manager)
    data = {f"rating_{c.pk}": "4" for c in criteria} | {f"rating_{criteria[0].pk}": "9"}
    response = client.post(f"/manage/reviews/tickets/{ticket.pk}/", data)
    assert response.status_code == 400
    assert "must be rated from 0 to 4" in response.content.decode()
    assert not Review.objects.exists()


def test_reviewing_a_ticket_of_another_program_is_not_found(client, setup):
    program, manager, criteria, freelancer = setup
    other_program, _, other_criteria = program_with_scorecard()
    other_ticket = solved_ticket(other_program, FreelancerFactory())
    client.force_login(manager)
    assert client.get(f"/manage/reviews/tickets/{other_ticket.pk}/").status_code == 404
    data = {f"rating_{c.pk}": "4" for c in other_criteria}
    assert client.post(f"/manage/reviews/tickets/{other_ticket.pk}/", data).status_code == 404
    assert not Review.objects.exists()


# --- disputes ------------------------------------------------------------------------------------------------


@pytest.fixture
def review(setup):
    program, manager, criteria, freelancer = setup
    return review_submit(
        ticket=solved_ticket(program, freelancer), reviewer=manager, ratings=ratings(criteria, 2, 2, 4)
    )


def test_freelancer_disputes_once_through_the_portal(client, review):
    client.force_login(review.freelancer.user)
    page = client.get(f"/portal/reviews/{review.pk}/")
    assert page.status_code == 200 and b"Dispute this review" in page.content
    first = client.post(f"/portal/reviews/{review.pk}/", {"comment": "I escalated as the rules say."})
    assert first.status_code == 302
    second = client.post(f"/portal/reviews/{review.pk}/", {"comment": "Again!"})
    assert second.status_code == 400
    assert Dispute.objects.get().comment == "I escalated as the rules say."
    with pytest.raises(ReviewError, match="disputed once"):
        review_dispute(review=review, freelancer=review.freelancer, comment="Once more")


def test_a_freelancer_cannot_see_or_dispute_someone_elses_review(client, review):
    other = FreelancerFactory()
    client.force_login(other.user)
    assert client.get(f"/portal/reviews/{review.pk}/").status_code == 404
    assert client.post(f"/portal/reviews/{review.pk}/", {"comment": "x"}).status_code == 404
    with pytest.raises(ReviewError):
        review_dispute(review=review, freelancer=other, comment="mine?")
    assert not Dispute.objects.exists()


def test_manager_partly_accepts_a_dispute_and_changes_the_score(review, setup):
    manager = setup[1]
    dispute = review_dispute(review=review, freelancer=review.freelancer, comment="Accuracy was right.")
    dispute_resolve(
        dispute=dispute,
        actor=manager,
        outcome=Dispute.Outcome.PARTLY_ACCEPTED,
        new_score="70",
        note="Half right.",
    )
    review.refresh_from_db()
    dispute.refresh_from_db()
    assert review.score == Decimal("70.00") and review.original_score == Decimal("58.33")
    assert (dispute.status, dispute.outcome, dispute.score_before, dispute.score_after) == (
        "resolved",
        "partly_accepted",
        Decimal("58.33"),
        Decimal("70.00"),
    )
    assert dispute.resolved_by == manager
    with pytest.raises(DomainError):
        dispute_resolve(dispute=dispute, actor=manager, outcome="accepted", note="again")


def test_a_rejected_dispute_keeps_the_score(review, setup):
    manager = setup[1]
    dispute = review_dispute(review=review, freelancer=review.freelancer, comment="Unfair.")
    with pytest.raises(ReviewError, match="keeps the score"):
        dispute_resolve(dispute=dispute, actor=manager, outcome="rejected", new_score="90", note="No")
    dispute_resolve(dispute=dispute, actor=manager, outcome="rejected", note="The macro was not used.")
    review.refresh_from_db()
    assert review.score == Decimal("58.33")
    assert Dispute.objects.get().score_after == Decimal("58.33")


def test_dispute_resolution_needs_a_manager_of_the_program(client, review, setup):
    dispute = review_dispute(review=review, freelancer=review.freelancer, comment="Unfair.")
    agent = UserFactory(agent=True)
    review.program.managers.add(agent)
    client.force_login(agent)
    assert client.post(f"/manage/reviews/disputes/{dispute.pk}/", {"outcome": "accepted"}).status_code == 403
    client.force_login(ManagerFactory())
    assert client.get(f"/manage/reviews/disputes/{dispute.pk}/").status_code == 404
    client.force_login(setup[1])
    response = client.post(
        f"/manage/reviews/disputes/{dispute.pk}/",
        {"outcome": "accepted", "new_score": "80", "resolution_note": "Agreed."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.score == Decimal("80.00")


# --- calibration -----------------------------------------------------------------------------------------------


def test_calibration_scores_are_blind_never_count_and_show_strict_and_lenient(client, setup):
    program, manager, criteria, freelancer = setup
    second = UserFactory(agent=True)
    third = UserFactory(agent=True)
    program.managers.add(second, third)
    ticket = solved_ticket(program, freelancer)
    session = calibration_session_create(
        program=program, ticket=ticket, title="Tone check", reviewers=[manager, second, third], actor=manager
    )
    review_submit(
        ticket=ticket, reviewer=manager, ratings=ratings(criteria, 4, 4, 4), calibration_session=session
    )
    # Blind: a reviewer who has not scored yet does not see the others' scores.
    client.force_login(second)
    page = client.get(f"/manage/reviews/calibration/{session.pk}/").content.decode()
    assert "Your scores (blind)" in page and "100.00" not in page
    review_submit(
        ticket=ticket, reviewer=second, ratings=ratings(criteria, 2, 2, 4), calibration_session=session
    )
    review_submit(
        ticket=ticket, reviewer=third, ratings=ratings(criteria, 3, 3, 4), calibration_session=session
    )
    with pytest.raises(ReviewError):
        review_submit(
            ticket=ticket, reviewer=third, ratings=ratings(criteria, 3, 3, 4), calibration_session=session
        )
    calibration_session_close(session=session, actor=manager)

    report = calibration_report(session=session)
    assert report["mean_score"] == Decimal("79.17")  # 100, 58.33, 79.17
    verdicts = {row.reviewer.pk: row.verdict for row in report["deviations"]}
    assert verdicts == {manager.pk: "lenient", second.pk: "strict", third.pk: "in line"}
    tone = report["spreads"][0]
    assert (tone.low, tone.high, tone.spread, tone.mean) == (2, 4, 2, Decimal("3.00"))
    # Calibration never counts in the QA average; a QA review of the same ticket still can be made.
    now = ticket.solved_at + datetime.timedelta(days=1)
    assert qa_averages(program_id=program.pk, start=now - datetime.timedelta(days=30), end=now) == {}
    review_submit(ticket=ticket, reviewer=manager, ratings=ratings(criteria, 4, 4, 4))
    averages = qa_averages(
        program_id=program.pk, start=now - datetime.timedelta(days=30), end=now + datetime.timedelta(days=30)
    )
    assert averages[freelancer.pk]["average"] == Decimal("100.0")
    assert averages[freelancer.pk]["count"] == 1
    client.force_login(second)
    assert "strictly" in client.get(f"/manage/reviews/calibration/{session.pk}/").content.decode()


def test_calibration_needs_two_reviewers_of_the_program(setup):
    program, manager, criteria, freelancer = setup
    ticket = solved_ticket(program, freelancer)
    with pytest.raises(ReviewError):
        calibration_session_create(
            program=program, ticket=ticket, title="", reviewers=[manager], actor=manager
        )
    with pytest.raises(ReviewError):
        calibration_session_create(
            program=program, ticket=ticket, title="", reviewers=[manager, ManagerFactory()], actor=manager
        )
