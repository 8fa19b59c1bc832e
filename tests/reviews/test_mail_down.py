"""With the mail server down, reviews' e-mails are kept and go out once, when it is back (real SMTP on loopback)."""

import datetime

import pytest
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_deliver_due
from programs.models import Announcement
from reviews.models import CsatSurvey, ThankYouNote
from reviews.services import announcements_send, csat_sweep
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import answered_ticket, contracted_freelancer, program_with_scorecard

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(hours=1)


def _deliver_when_back(smtp_server, expected: int):
    queued = OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED)
    assert queued.count() == expected and all(m.attempts == 1 and m.last_error for m in queued)
    assert smtp_server.messages == []
    smtp_server.start()
    assert outbox_deliver_due(now=timezone.now() + LATER) == expected
    assert outbox_deliver_due(now=timezone.now() + LATER * 2) == 0  # nothing twice
    assert len(smtp_server.messages) == expected


def test_a_thank_you_note_with_the_mail_server_down_is_saved_and_sent_later(
    client, smtp_server, django_capture_on_commit_callbacks
):
    program, manager, _ = program_with_scorecard()
    freelancer, _contract = contracted_freelancer(program, start_date=datetime.date(2026, 1, 5))
    smtp_server.stop()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manage/reviews/leaderboard/?program={program.slug}",
            {"program": program.slug, "freelancer": freelancer.pk, "message": "Great week!"},
        )
    assert response.status_code == 302  # not a 500: the note is saved and its e-mail waits
    assert ThankYouNote.objects.filter(freelancer=freelancer).count() == 1
    _deliver_when_back(smtp_server, 1)
    assert smtp_server.messages[0]["To"] == freelancer.user.email


def test_the_csat_sweep_with_the_mail_server_down_loses_no_survey(
    smtp_server, django_capture_on_commit_callbacks
):
    program = program_with_scorecard()[0]
    answered_ticket(program, FreelancerFactory(), requester_email="jo@example.test")
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        assert csat_sweep() == {"sent": 1, "skipped": 0}
        assert csat_sweep() == {"sent": 0, "skipped": 0}
    survey = CsatSurvey.objects.get()
    assert OutboxMessage.objects.get().subject == survey
    _deliver_when_back(smtp_server, 1)
    assert "/survey/csat/" in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_an_announcement_with_the_mail_server_down_reaches_every_freelancer_once(
    smtp_server, django_capture_on_commit_callbacks
):
    program, manager, _ = program_with_scorecard()
    contracted_freelancer(program, start_date=datetime.date(2026, 1, 5))
    contracted_freelancer(program, start_date=datetime.date(2026, 1, 5))
    now = timezone.now()
    Announcement.objects.create(
        program=program,
        author=manager,
        kind="known_bug",
        title="Tracking links broken",
        body="Use the macro.",
        published_at=now - datetime.timedelta(minutes=5),
    )
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        assert announcements_send(now=now) == {"announcements": 1, "emails": 2}
        assert announcements_send(now=now) == {"announcements": 0, "emails": 0}
    _deliver_when_back(smtp_server, 2)
    assert all("Tracking links broken" in subject for subject in smtp_server.subjects())
