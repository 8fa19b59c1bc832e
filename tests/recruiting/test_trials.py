import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from programs.models import QACriterion, QAScorecard
from recruiting.errors import RecruitingError
from recruiting.models import Application, Message, TrialTask
from recruiting.selectors import paid_trial_tasks_payable, trial_scores_for_freelancers
from recruiting.services import trial_task_grade, trial_task_send
from tests.accounts.factories import FreelancerFactory
from tests.recruiting.factories import ApplicationFactory, TrialTaskFactory

pytestmark = pytest.mark.django_db


def test_sending_a_trial_moves_the_candidate_and_emails_the_private_link(
    manager, posting, mailoutbox, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(
        posting=posting, stage=Application.Stage.SCREENING, full_name="Ana Reyes"
    )
    with django_capture_on_commit_callbacks(execute=True):
        trial = trial_task_send(
            application=application,
            sent_by=manager,
            instructions="Answer these.",
            support_questions=["Where is my order?"],
            is_paid=True,
            amount="25",
            currency="USD",
            deadline=timezone.now() + datetime.timedelta(days=3),
        )
    application.refresh_from_db()
    assert application.stage == Application.Stage.TRIAL_TASK
    assert trial.amount == Decimal("25.00")
    assert len(trial.token) >= 40
    assert trial.expires_at > trial.deadline
    assert len(mailoutbox) == 1
    assert f"/trial/{trial.token}/" in mailoutbox[0].body
    assert Message.objects.filter(application=application, kind="follow_up").count() == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"is_paid": True, "amount": None}, "how much"),
        ({"is_paid": True, "amount": "0"}, "above zero"),
        ({"deadline": timezone.now() - datetime.timedelta(hours=1)}, "future"),
        ({"support_questions": ["  "]}, "support question"),
    ],
)
def test_bad_trial_input_is_refused_and_changes_nothing(manager, posting, kwargs, message):
    application = ApplicationFactory(posting=posting, stage=Application.Stage.SCREENING)
    arguments = {
        "application": application,
        "sent_by": manager,
        "instructions": "Do it.",
        "support_questions": ["Q1"],
        "is_paid": False,
        "amount": None,
        "currency": "USD",
        "deadline": timezone.now() + datetime.timedelta(days=2),
        **kwargs,
    }
    with pytest.raises(RecruitingError, match=message):
        trial_task_send(**arguments)
    application.refresh_from_db()
    assert application.stage == Application.Stage.SCREENING
    assert not TrialTask.objects.exists()


def test_the_candidate_submits_once_through_the_private_link(client):
    trial = TrialTaskFactory()
    url = f"/trial/{trial.token}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"answer_0": "It ships Monday.", "answer_1": ""})
    assert "Please answer this question." in response.content.decode()
    trial.refresh_from_db()
    assert trial.status == TrialTask.Status.SENT
    response = client.post(url, {"answer_0": "It ships Monday.", "answer_1": "Here is a reset link."})
    assert response.status_code == 200
    trial.refresh_from_db()
    assert trial.status == TrialTask.Status.SUBMITTED
    assert trial.answers[1] == {"question": "I can't log in.", "answer": "Here is a reset link."}
    assert trial.application.__class__.objects.get(pk=trial.application_id).candidate_replied_at is not None
    again = client.post(url, {"answer_0": "changed", "answer_1": "changed"})
    assert "already submitted" in again.content.decode()
    trial.refresh_from_db()
    assert trial.answers[0]["answer"] == "It ships Monday."


def test_unknown_links_are_404_and_expired_or_cancelled_ones_410(client):
    assert client.get("/trial/not-a-real-token/").status_code == 404
    expired = TrialTaskFactory(
        deadline=timezone.now() - datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert client.get(f"/trial/{expired.token}/").status_code == 410
    assert client.post(f"/trial/{expired.token}/", {"answer_0": "a", "answer_1": "b"}).status_code == 410
    expired.refresh_from_db()
    assert expired.status == TrialTask.Status.SENT
    cancelled = TrialTaskFactory(status=TrialTask.Status.CANCELLED)
    assert client.get(f"/trial/{cancelled.token}/").status_code == 410


def test_trial_answers_are_shown_escaped(client, manager_client, posting):
    trial = TrialTaskFactory(application=ApplicationFactory(posting=posting, stage="trial_task"))
    client.post(f"/trial/{trial.token}/", {"answer_0": "<img src=x onerror=alert(1)>", "answer_1": "ok"})
    page = manager_client.get(f"/manage/recruiting/applications/{trial.application_id}/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_grading_without_a_scorecard_uses_the_rubric(manager, posting):
    trial = TrialTaskFactory(
        application=ApplicationFactory(posting=posting, stage="trial_task"), status="submitted"
    )
    trial_task_grade(
        trial_task=trial,
        graded_by=manager,
        ratings={"accuracy": 4, "tone": 3, "clarity": 4, "completeness": 2},
        notes="Good",
    )
    trial.refresh_from_db()
    assert trial.score == Decimal("81.25")
    assert Application.objects.get(pk=trial.application_id).trial_score == Decimal("81.25")


def test_grading_uses_the_programs_scorecard_when_there_is_one(manager, posting):
    scorecard = QAScorecard.objects.create(program=posting.program, scale_max=4)
    accuracy = QACriterion.objects.create(scorecard=scorecard, name="Accuracy", weight=3)
    tone = QACriterion.objects.create(scorecard=scorecard, name="Tone", weight=1)
    trial = TrialTaskFactory(
        application=ApplicationFactory(posting=posting, stage="trial_task"), status="submitted"
    )
    # (3 × 4/4 + 1 × 2/4) / 4 × 100 = 87.5
    trial_task_grade(trial_task=trial, graded_by=manager, ratings={str(accuracy.pk): 4, str(tone.pk): 2})
    trial.refresh_from_db()
    assert trial.score == Decimal("87.50")


def test_grading_an_unsubmitted_trial_is_refused(manager):
    from core.errors import DomainError

    trial = TrialTaskFactory()
    with pytest.raises(DomainError, match="cannot move from “Sent” to “Graded”"):
        trial_task_grade(
            trial_task=trial,
            graded_by=manager,
            ratings={"accuracy": 4, "tone": 4, "clarity": 4, "completeness": 4},
        )


def test_graded_paid_trials_of_every_candidate_and_trial_scores_for_other_apps(posting):
    freelancer = FreelancerFactory()
    hired = ApplicationFactory(
        posting=posting, stage="hired", freelancer=freelancer, trial_score=Decimal("90.00")
    )
    paid = TrialTaskFactory(application=hired, status="graded", submitted_at=timezone.now())
    TrialTaskFactory(
        application=hired, is_paid=False, amount=None, status="graded", submitted_at=timezone.now()
    )
    TrialTaskFactory(application=hired, status="sent")  # not done: nothing to pay
    not_hired = ApplicationFactory(posting=posting, stage="interview", freelancer=None)
    TrialTaskFactory(application=not_hired, status="submitted", submitted_at=timezone.now())  # not graded yet
    graded_not_hired = TrialTaskFactory(application=not_hired, status="graded", submitted_at=timezone.now())
    rows = list(paid_trial_tasks_payable(program_id=posting.program_id))
    assert set(rows) == {paid, graded_not_hired}
    assert rows[0].amount == Decimal("25.00") and rows[0].currency == "USD"
    assert trial_scores_for_freelancers(program_id=posting.program_id, freelancer_ids=[freelancer.pk]) == {
        freelancer.pk: Decimal("90.00")
    }
