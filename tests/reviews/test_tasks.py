"""The reviews jobs as Celery runs them (reviews/tasks.py): each task calls its service with the real clock and
returns its summary; run twice, it does nothing the second time."""

import datetime

import pytest
from django.utils import timezone

from programs.models import Announcement
from reviews import tasks
from reviews.models import AnnouncementDelivery, CsatSurvey, NpsRound, ReviewAssignment, ReviewSettings
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import (
    answered_ticket,
    contracted_freelancer,
    program_with_scorecard,
    solved_ticket,
    stakeholder,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return program_with_scorecard()


def test_sampling_task_samples_last_weeks_solved_tickets_once(program):
    program, manager, _ = program
    ReviewSettings.objects.create(program=program, sample_mode="count", sample_size=2)
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    a_week_ago = timezone.now() - datetime.timedelta(days=7)  # always in last week, whatever today is
    for minutes in range(3):
        solved_ticket(program, freelancer, solved_at=a_week_ago + datetime.timedelta(minutes=minutes))

    assert tasks.review_sampling_run_task.delay().get() == {"programs": 1, "assignments": 2}
    assert tasks.review_sampling_run_task() == {"programs": 1, "assignments": 0}
    assert set(ReviewAssignment.objects.values_list("freelancer_id", "reviewer_id")) == {
        (freelancer.pk, manager.pk)
    }


def test_csat_task_surveys_a_solved_and_answered_ticket_once(
    program, mailoutbox, django_capture_on_commit_callbacks
):
    program, _, _ = program
    ticket = answered_ticket(program, FreelancerFactory(), requester_email="sam@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.csat_sweep_task() == {"sent": 1, "skipped": 0}
        assert tasks.csat_sweep_task() == {"sent": 0, "skipped": 0}
    assert CsatSurvey.objects.get().ticket == ticket
    assert [m.to for m in mailoutbox] == [["sam@example.test"]]


def test_zendesk_csat_task_without_zendesk_programs_calls_nobody(program):
    # No program has a Zendesk connection: nothing is pulled and nothing is called (respx would refuse a call).
    assert tasks.csat_zendesk_pull_task() == {}


def test_nps_task_invites_each_stakeholder_once_a_week(
    program, mailoutbox, django_capture_on_commit_callbacks
):
    program, _, _ = program
    stakeholder(program, "dana@customer.test")
    stakeholder(program, "quiet@customer.test", receives_nps=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.nps_send_weekly_task() == {"rounds": 1, "invitations": 1}
        assert tasks.nps_send_weekly_task() == {"rounds": 1, "invitations": 0}
    assert [m.to for m in mailoutbox] == [["dana@customer.test"]]
    assert NpsRound.objects.get().program == program


def test_silence_task_looks_at_each_active_contract(program):
    program, _, _ = program
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    freelancer.user.last_login = timezone.now()
    freelancer.user.save()
    summary = tasks.silence_check_task()
    assert summary["checked"] == 1
    assert set(summary) == {"checked", "check_ins", "managers_notified"}


def test_announcement_tasks_email_a_published_announcement_once(
    program, mailoutbox, django_capture_on_commit_callbacks
):
    program, manager, _ = program
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    announcement = Announcement.objects.create(
        program=program,
        author=manager,
        kind="known_bug",
        title="Tracking links broken",
        body="Use the macro.",
        published_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.announcements_send_task() == {"announcements": 1, "emails": 1}
        assert tasks.announcements_send_task() == {"announcements": 0, "emails": 0}
        assert tasks.announcement_send_task(announcement.pk) is None  # already sent: the delivery is unique
    assert [m.to for m in mailoutbox] == [[freelancer.user.email]]
    assert AnnouncementDelivery.objects.get().announcement == announcement


def test_announcement_task_of_a_draft_or_a_missing_announcement_sends_nothing(program, mailoutbox):
    program, manager, _ = program
    draft = Announcement.objects.create(program=program, author=manager, title="Draft", body="Not yet.")
    assert tasks.announcement_send_task(draft.pk) is None
    assert tasks.announcement_send_task(draft.pk + 1000) is None
    assert not AnnouncementDelivery.objects.exists() and mailoutbox == []
