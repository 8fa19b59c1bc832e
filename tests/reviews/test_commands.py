"""The reviews management commands: each runs the same service as its scheduled job and prints its summary."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from programs.models import Announcement
from reviews.models import AnnouncementDelivery, CsatSurvey, NpsInvitation, ReviewAssignment, ReviewSettings
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import (
    answered_ticket,
    contracted_freelancer,
    program_with_scorecard,
    solved_ticket,
    stakeholder,
)

pytestmark = pytest.mark.django_db


def run(name):
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def program():
    return program_with_scorecard()


def test_reviews_sample_assigns_last_weeks_tickets(program):
    program, _, _ = program
    ReviewSettings.objects.create(program=program, sample_mode="count", sample_size=1)
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    solved_ticket(program, freelancer, solved_at=timezone.now() - datetime.timedelta(days=7))
    assert run("reviews_sample") == "reviews_sample: {'programs': 1, 'assignments': 1}"
    assert ReviewAssignment.objects.get().freelancer == freelancer
    assert run("reviews_sample") == "reviews_sample: {'programs': 1, 'assignments': 0}"


def test_reviews_csat_sweep_sends_the_survey(program, mailoutbox, django_capture_on_commit_callbacks):
    program, _, _ = program
    answered_ticket(program, FreelancerFactory(), requester_email="sam@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert run("reviews_csat_sweep") == "reviews_csat_sweep: {'sent': 1, 'skipped': 0}"
    assert CsatSurvey.objects.get().status == "sent"
    assert [m.to for m in mailoutbox] == [["sam@example.test"]]


def test_reviews_csat_zendesk_pull_prints_nothing_without_zendesk_programs(program):
    assert run("reviews_csat_zendesk_pull") == ""


def test_reviews_nps_send_invites_the_stakeholders(program, mailoutbox, django_capture_on_commit_callbacks):
    program, _, _ = program
    stakeholder(program, "dana@customer.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert run("reviews_nps_send") == "reviews_nps_send: {'rounds': 1, 'invitations': 1}"
    assert NpsInvitation.objects.get().email == "dana@customer.test"
    assert len(mailoutbox) == 1


def test_reviews_silence_check_reports_what_it_checked(program):
    program, _, _ = program
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    freelancer.user.last_login = timezone.now()
    freelancer.user.save()
    assert run("reviews_silence_check").startswith("reviews_silence_check: {'checked': 1, ")


def test_reviews_announcements_send_emails_once(program, mailoutbox, django_capture_on_commit_callbacks):
    program, manager, _ = program
    contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    Announcement.objects.create(
        program=program,
        author=manager,
        title="New macro",
        body="Use it.",
        published_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            run("reviews_announcements_send")
            == "reviews_announcements_send: {'announcements': 1, 'emails': 1}"
        )
        assert (
            run("reviews_announcements_send")
            == "reviews_announcements_send: {'announcements': 0, 'emails': 0}"
        )
    assert AnnouncementDelivery.objects.count() == 1 and len(mailoutbox) == 1
