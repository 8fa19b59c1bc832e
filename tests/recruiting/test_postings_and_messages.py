from decimal import Decimal

import pytest

from core.errors import DomainError
from programs.models import CandidateProfile
from recruiting.errors import RecruitingError
from recruiting.models import DEFAULT_SCREENING_QUESTIONS, Application, Message, Posting
from recruiting.placeholders import render_placeholders
from recruiting.services import (
    message_send,
    message_template_save,
    posting_close,
    posting_create,
    posting_open,
    posting_update,
)
from tests.accounts.factories import SkillFactory
from tests.recruiting.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_new_posting_form_is_prefilled_from_the_candidate_profile(manager_client, posting):
    profile = CandidateProfile.objects.create(
        program=posting.program,
        pay_min=Decimal("12"),
        pay_max=Decimal("18"),
        pay_currency="USD",
        time_zones="UTC-6 to UTC+8",
        hours_per_week=Decimal("20"),
    )
    skill = SkillFactory(slug="billing")
    profile.skills.set([skill])
    response = manager_client.get(f"/manage/recruiting/programs/{posting.program.slug}/postings/new/")
    initial = response.context["form"].initial
    assert initial["pay_min"] == Decimal("12.00") and initial["pay_max"] == Decimal("18.00")
    assert initial["skills"] == [skill.pk]
    assert initial["time_zones"] == "UTC-6 to UTC+8"
    assert initial["screening_questions"] == DEFAULT_SCREENING_QUESTIONS


def test_create_open_close_and_repost_keeps_applications_and_history(manager, posting):
    new = posting_create(program=posting.program, created_by=manager, title="Chat agent", summary="Chats.")
    assert new.status == Posting.Status.DRAFT and new.screening_questions == DEFAULT_SCREENING_QUESTIONS
    posting_open(posting=new, opened_by=manager)
    application = ApplicationFactory(posting=new)
    posting_close(posting=new, closed_by=manager)
    with pytest.raises(DomainError):
        posting_close(posting=new, closed_by=manager)
    posting_open(posting=new, opened_by=manager)
    new.refresh_from_db()
    assert new.status == Posting.Status.OPEN
    assert list(new.applications.all()) == [application]
    assert [e.kind for e in new.events.order_by("at", "id")] == ["created", "opened", "closed", "reposted"]


def test_a_weight_change_rescores_every_application(manager, posting):
    application = ApplicationFactory(
        posting=posting,
        score_speed=Decimal("100"),
        score_effort=Decimal("50"),
        score_skills=Decimal("0"),
        score_credibility=Decimal("0"),
    )
    posting_update(
        posting=posting,
        updated_by=manager,
        weight_speed=1,
        weight_effort=1,
        weight_skills=0,
        weight_credibility=0,
    )
    application.refresh_from_db()
    # the posting asks for no skills or languages: skills match 100, but its weight is 0 → (100 + 50) / 2
    assert application.score == Decimal("75.00")
    assert application.final_score == Decimal("75.00")


def test_all_weights_zero_is_refused(manager, posting):
    with pytest.raises(Exception, match="weight"):
        posting_update(
            posting=posting,
            updated_by=manager,
            weight_speed=0,
            weight_effort=0,
            weight_skills=0,
            weight_credibility=0,
        )


def test_placeholders_are_substituted_as_plain_text_never_as_template_code():
    text = "Hi {{ candidate_first_name }}, {{ posting_title }} {% load x %} {{ unknown }} {{ candidate_name.__class__ }}"
    out = render_placeholders(text, {"candidate_first_name": "{% evil %}", "posting_title": "Agent"})
    assert out == "Hi {% evil %}, Agent {% load x %} {{ unknown }} {{ candidate_name.__class__ }}"


def test_a_template_with_an_unknown_placeholder_is_refused(manager, posting):
    with pytest.raises(RecruitingError, match="secret_key"):
        message_template_save(
            program=posting.program, kind="offer", subject="Offer", body="{{ secret_key }}", saved_by=manager
        )


def test_messages_are_filled_sent_after_commit_and_kept_on_the_timeline(
    manager, posting, mailoutbox, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(posting=posting, full_name="Ana Reyes")
    message_template_save(
        program=posting.program,
        kind="rejection",
        subject="About {{ posting_title }}",
        body="Hi {{ candidate_first_name }}, from {{ manager_name }} at {{ program_name }}.",
        saved_by=manager,
    )
    from recruiting.services import message_preview

    subject, body = message_preview(application=application, kind="rejection", sender=manager)
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            application=application, subject=subject, body=body, sent_by=manager, kind="rejection"
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert message.body == f"Hi Ana, from {manager.get_full_name()} at {posting.program.name}."
    assert mailoutbox[0].subject == f"About {posting.title}"
    assert mailoutbox[0].reply_to == [manager.email]  # the candidate answers the recruiter, not a no-reply
    message.refresh_from_db()
    assert message.sent_at is not None
    assert Message.objects.filter(application=application).count() == 1


def test_a_candidate_message_counts_as_sent_only_once_the_mail_server_took_it(
    manager, posting, smtp_server, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from core.outbox import outbox_deliver_due

    application = ApplicationFactory(posting=posting, full_name="Ana Reyes")
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(application=application, subject="Hello", body="Hi Ana", sent_by=manager)
    message.refresh_from_db()
    assert message.sent_at is None
    smtp_server.start()
    assert outbox_deliver_due(now=timezone.now() + timezone.timedelta(hours=1)) == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert smtp_server.messages[0]["Reply-To"] == manager.email


def test_a_trial_link_message_without_a_trial_is_refused(manager, posting):
    application = ApplicationFactory(posting=posting)
    with pytest.raises(RecruitingError, match="trial task first"):
        message_send(application=application, subject="Trial", body="{{ trial_link }}", sent_by=manager)
    assert not Message.objects.exists()


def test_message_page_prefills_the_template(manager_client, posting):
    application = ApplicationFactory(posting=posting, full_name="Ana Reyes", stage=Application.Stage.OFFER)
    response = manager_client.get(f"/manage/recruiting/applications/{application.pk}/message/?kind=offer")
    assert response.status_code == 200
    assert "Hi Ana," in response.context["form"].initial["body"]


def test_template_pages_work(manager_client, posting):
    slug = posting.program.slug
    assert manager_client.get(f"/manage/recruiting/programs/{slug}/templates/").status_code == 200
    response = manager_client.post(
        f"/manage/recruiting/programs/{slug}/templates/nudge/",
        {"subject": "Hi", "body": "Checking in, {{ candidate_first_name }}"},
    )
    assert response.status_code == 302
    assert manager_client.get(f"/manage/recruiting/programs/{slug}/templates/nope/").status_code == 404
