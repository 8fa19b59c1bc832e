import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, OutboxMessage
from core.outbox import outbox_deliver_due
from dashboard.models import WeeklySummary
from dashboard.schedules import SCHEDULES
from dashboard.services import last_full_week, weekly_summaries_due, weekly_summary_send
from dashboard.tasks import weekly_summary_send_all_task
from programs.models import Program
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.dashboard.conftest import FIRST
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _share_link(body: str) -> str:
    start = body.index("http://testserver/summary/")
    return body[start:].split()[0].replace("http://testserver", "")


def test_the_summary_goes_to_the_programs_managers_once(
    program, manager, worked_week, mailoutbox, client, django_capture_on_commit_callbacks
):
    second = ManagerFactory(email="oliver@example.test")
    program.managers.add(second, UserFactory(email="gone@example.test", is_active=False, role="manager"))

    with django_capture_on_commit_callbacks(execute=True):
        summary = weekly_summary_send(program_id=program.pk, week_start=FIRST)
        again = weekly_summary_send(program_id=program.pk, week_start=FIRST)

    assert again.pk == summary.pk and WeeklySummary.objects.count() == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert sorted(message.to) == ["maya@example.test", "oliver@example.test"]
    assert "Support: weekly summary" in message.subject
    assert "SLA attainment (%): 66.7 (target at least (≥) 90.00; off target" in message.body
    assert "- Freelancer cost (USD): 154.00" in message.body
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    metrics = {m["label"]: m for m in summary.data["metrics"]}
    assert metrics["CSAT (%)"]["actual"] == "75.0" and metrics["CSAT (%)"]["colour"] == "amber"
    assert AuditLog.objects.filter(verb="dashboard.weekly_summary_sent").count() == 1

    # The share link shows the snapshot to anyone who has it, read-only and not indexed.
    response = client.get(_share_link(message.body))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "66.7" in response.content.decode()
    assert client.get(_share_link(message.body)[:-3] + "xyz/").status_code == 404
    assert client.get(reverse("dashboard:weekly_summary", args=["nope"])).status_code == 404
    assert len(summary.token_hash) == 64 and summary.token_hash not in message.body


def test_a_week_must_start_on_a_monday(program):
    with pytest.raises(ValueError, match="Monday"):
        weekly_summary_send(program_id=program.pk, week_start=FIRST + datetime.timedelta(days=1))
    assert not WeeklySummary.objects.exists()


def test_a_mail_server_that_is_down_delays_the_summary_and_loses_nothing(
    program, worked_week, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        summary = weekly_summary_send(program_id=program.pk, week_start=FIRST)
    assert summary.sent_at is not None
    queued = OutboxMessage.objects.get(subject_id=str(summary.pk))
    assert queued.status == OutboxMessage.Status.QUEUED and queued.attempts == 1

    smtp_server.start()
    later = timezone.now() + datetime.timedelta(hours=1)
    assert outbox_deliver_due(now=later) == 1 and outbox_deliver_due(now=later) == 0
    assert [str(m["Subject"]) for m in smtp_server.messages] == [
        f"Support: weekly summary, {summary.data['period']}"
    ]


def test_the_monday_job_covers_each_active_program_once(
    program, mailoutbox, django_capture_on_commit_callbacks
):
    monday_morning = datetime.datetime(2026, 3, 9, 7, tzinfo=datetime.UTC)
    ProgramFactory(status=Program.Status.DRAFT)
    assert last_full_week(program=program, now=monday_morning) == FIRST
    assert weekly_summaries_due(now=monday_morning) == [(program.pk, FIRST)]
    weekly_summary_send(program_id=program.pk, week_start=FIRST)
    assert weekly_summaries_due(now=monday_morning) == []
    assert SCHEDULES[0]["task"] == "dashboard.tasks.weekly_summary_send_all_task"
    assert SCHEDULES[0]["crontab"]["day_of_week"] == "1"


def test_task_and_command_run_the_same_code(
    program, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_summary_send_all_task() == 1
    assert len(mailoutbox) == 1
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_weekly_summaries", stdout=out)  # nothing left to send this week
    assert len(mailoutbox) == 1 and "0 summary(ies)" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_weekly_summaries", "--program", program.slug, "--week", "2026-03-02", stdout=out)
    assert len(mailoutbox) == 2
    assert WeeklySummary.objects.get(week_start=FIRST).data["headline"][0] == ["Tickets in", "0"]


def test_the_command_rejects_bad_input(program):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Monday"):
        call_command("send_weekly_summaries", "--week", "2026-03-03")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_weekly_summaries", "--week", "next week")
    with pytest.raises(CommandError, match="No program"):
        call_command("send_weekly_summaries", "--program", "nope")
    assert not WeeklySummary.objects.exists()
