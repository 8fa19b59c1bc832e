import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from recruiting.models import Application, Message, Referral, StageChange, TrialTask
from recruiting.services import applications_anonymise, message_log_reply, nudges_send
from recruiting.tasks import application_nudges_send_task
from tests.accounts.factories import FreelancerFactory
from tests.recruiting.factories import ApplicationFactory, TrialTaskFactory

pytestmark = pytest.mark.django_db


def _waiting(posting, days, **kwargs):
    application = ApplicationFactory(
        posting=posting,
        stage="trial_task",
        stage_changed_at=timezone.now() - datetime.timedelta(days=days),
        **kwargs,
    )
    TrialTaskFactory(application=application)
    return application


def test_the_nudge_goes_once_to_silent_candidates_after_n_days(
    posting, mailoutbox, django_capture_on_commit_callbacks
):
    silent = _waiting(posting, days=4, email="silent@example.test")
    _waiting(posting, days=2, email="recent@example.test")  # not yet: default is 3 days
    with django_capture_on_commit_callbacks(execute=True):
        assert application_nudges_send_task() == 1
    assert [m.to for m in mailoutbox] == [["silent@example.test"]]
    assert "/trial/" in mailoutbox[0].body
    silent.refresh_from_db()
    assert silent.nudged_at is not None
    assert Message.objects.filter(application=silent, kind="nudge").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_send() == 0
        call_command("recruiting_send_nudges", stdout=io.StringIO())
    assert len(mailoutbox) == 1


def test_no_nudge_for_those_who_answered(posting, manager, mailoutbox, django_capture_on_commit_callbacks):
    submitted = _waiting(posting, days=5)
    submitted.trial_tasks.update(status=TrialTask.Status.SUBMITTED, submitted_at=timezone.now())
    replied = _waiting(posting, days=5)
    message_log_reply(application=replied, body="I'll send it tomorrow!", logged_by=manager)
    ApplicationFactory(
        posting=posting, stage="interview", stage_changed_at=timezone.now() - datetime.timedelta(days=9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_send() == 0
    assert mailoutbox == []


def test_the_nudge_delay_is_per_posting(posting, mailoutbox, django_capture_on_commit_callbacks):
    posting.nudge_after_days = 7
    posting.save()
    _waiting(posting, days=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert nudges_send() == 0
        assert nudges_send(now=timezone.now() + datetime.timedelta(days=3)) == 1


def test_anonymisation_removes_personal_data_and_keeps_stages_and_scores(
    posting, manager, settings, django_capture_on_commit_callbacks
):
    settings.RECRUITING_ANONYMISE_AFTER_DAYS = 180
    old = ApplicationFactory(
        posting=posting,
        stage="rejected",
        full_name="Ana Reyes",
        email="ana@example.test",
        profile_url="https://example.test/ana",
        score="61.50",
        final_score="61.50",
        trial_score="80.00",
        stage_changed_at=timezone.now() - datetime.timedelta(days=181),
    )
    old.resume.save("cv.pdf", ContentFile(b"%PDF-1.7"), save=True)
    resume_name = old.resume.name
    StageChange.objects.create(application=old, from_stage="applied", to_stage="rejected", changed_by=manager)
    TrialTaskFactory(application=old, status="submitted", answers=[{"question": "Q", "answer": "private"}])
    Message.objects.create(application=old, subject="Hi Ana", body="Dear Ana", to_email="ana@example.test")
    referral = Referral.objects.create(
        posting=posting,
        referrer=FreelancerFactory(),
        full_name="Ana Reyes",
        email="ana@example.test",
        note="Ana is great",
        application=old,
    )
    recent = ApplicationFactory(
        posting=posting, stage="withdrawn", stage_changed_at=timezone.now() - datetime.timedelta(days=10)
    )
    active = ApplicationFactory(
        posting=posting, stage="screening", stage_changed_at=timezone.now() - datetime.timedelta(days=400)
    )

    storage = Application._meta.get_field("resume").storage
    assert storage.exists(resume_name)
    with django_capture_on_commit_callbacks(execute=True):
        assert applications_anonymise() == 1

    old.refresh_from_db()
    assert old.full_name == "Anonymised candidate"
    assert old.email == "" and old.profile_url == "" and not old.resume
    assert all(a["answer"] == "" for a in old.answers)
    assert str(old.final_score) == "61.50" and str(old.trial_score) == "80.00"
    assert old.stage == "rejected" and old.stage_changes.count() == 1
    assert old.trial_tasks.get().answers == []
    assert Message.objects.get(application=old).body == "(removed)"
    referral.refresh_from_db()  # the referral named them too; its address stays unique per posting
    assert (referral.full_name, referral.note) == ("Anonymised candidate", "")
    assert referral.email == f"anonymised-{referral.pk}@referral.invalid"
    assert not storage.exists(resume_name)
    recent.refresh_from_db()
    active.refresh_from_db()
    assert recent.anonymised_at is None and active.anonymised_at is None
    assert applications_anonymise() == 0  # idempotent


def test_anonymisation_age_comes_from_settings_and_the_command_runs_it(posting, settings):
    ApplicationFactory(
        posting=posting, stage="rejected", stage_changed_at=timezone.now() - datetime.timedelta(days=40)
    )
    settings.RECRUITING_ANONYMISE_AFTER_DAYS = 60
    assert applications_anonymise() == 0
    settings.RECRUITING_ANONYMISE_AFTER_DAYS = 30
    out = io.StringIO()
    call_command("recruiting_anonymise", stdout=out)
    assert "anonymised: 1" in out.getvalue()


def test_two_anonymised_applications_to_the_same_posting_do_not_clash(posting):
    for _ in range(2):
        ApplicationFactory(
            posting=posting, stage="withdrawn", stage_changed_at=timezone.now() - datetime.timedelta(days=365)
        )
    assert applications_anonymise() == 2
    assert Application.objects.filter(email="").count() == 2
