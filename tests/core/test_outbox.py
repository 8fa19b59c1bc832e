"""The outbox against a real SMTP server on loopback: nothing lost while it is down, nothing sent twice."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditLog, OutboxMessage
from core.outbox import (
    REMOVED,
    DeliveryError,
    backoff_seconds,
    email_enqueue,
    outbox_cancel,
    outbox_deliver,
    outbox_deliver_due,
    outbox_enqueue,
    outbox_retry,
    register_sender,
)
from core.schedules import default_schedules
from tests.accounts.factories import ManagerFactory

pytestmark = pytest.mark.django_db(transaction=True)

S = OutboxMessage.Status
LATER = datetime.timedelta(hours=2)


def _mail(to="customer@example.test", **extra):
    return email_enqueue(to=[to], subject=extra.pop("subject", "Hello"), body="Body text", **extra)


def test_a_message_is_sent_after_commit_and_only_then_marked_sent(smtp_server):
    with transaction.atomic():
        message = _mail(html_body="<p>Body</p>", reply_to=["recruiter@example.test"])
        assert message.status == S.QUEUED and smtp_server.messages == []

    message.refresh_from_db()
    assert message.status == S.SENT and message.sent_at is not None and message.attempts == 1
    [received] = smtp_server.messages
    assert received["To"] == "customer@example.test"
    assert received["Reply-To"] == "recruiter@example.test"
    assert received["Message-ID"] == message.payload["headers"]["Message-ID"] == message.result["message_id"]
    assert received.get_body(("html",)).get_content().strip() == "<p>Body</p>"


def test_a_rolled_back_change_sends_nothing(smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        _mail()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists() and smtp_server.messages == []


def test_mail_server_down_loses_nothing_and_sends_once_when_it_returns(smtp_server):
    smtp_server.stop()
    with transaction.atomic():
        message = _mail()  # the caller's work commits; sending fails after commit without raising

    message.refresh_from_db()
    assert message.status == S.QUEUED and message.attempts == 1
    assert "Connection refused" in message.last_error or "Errno" in message.last_error
    wait = (message.next_attempt_at - message.updated_at).total_seconds()
    assert 29 <= wait <= 31  # the first retry waits 30 s

    assert outbox_deliver_due() == 0  # not due yet: nothing is tried early
    smtp_server.start()
    assert outbox_deliver_due(now=timezone.now() + LATER) == 1
    assert outbox_deliver_due(now=timezone.now() + LATER) == 0
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2
    assert len(smtp_server.messages) == 1


def test_backoff_doubles_to_hourly_and_the_last_attempt_fails_for_good(smtp_server, settings):
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_server.stop()
    message = _mail()
    for _ in range(3):
        outbox_deliver_due(now=timezone.now() + LATER)
    message.refresh_from_db()
    assert message.status == S.FAILED and message.attempts == 3 and message.next_attempt_at is None
    assert outbox_deliver_due(now=timezone.now() + LATER * 10) == 0


def test_a_refused_recipient_fails_at_once_and_a_retry_sends_it(smtp_server):
    smtp_server.refuse("nobody@example.test")
    message = _mail(to="nobody@example.test")
    message.refresh_from_db()
    assert message.status == S.FAILED and message.attempts == 1
    assert "550" in message.last_error and "nobody@example.test" in message.last_error

    smtp_server.refused.clear()
    manager = ManagerFactory()
    outbox_retry(message_id=message.pk, actor=manager)
    message.refresh_from_db()
    assert message.status == S.SENT and len(smtp_server.messages) == 1
    assert AuditLog.objects.filter(verb="outbox.retried", actor=manager).count() == 1
    with pytest.raises(DomainError, match="Only a failed message"):
        outbox_retry(message_id=message.pk, actor=manager)


def test_retry_and_cancel_are_scoped_to_the_callers_programs(smtp_server):
    smtp_server.refuse("nobody@example.test")
    message = _mail(to="nobody@example.test", program_id=7)
    with pytest.raises(OutboxMessage.DoesNotExist):
        outbox_retry(message_id=message.pk, program_ids=[8])
    with pytest.raises(OutboxMessage.DoesNotExist):
        outbox_cancel(message_id=message.pk, program_ids=[8])
    outbox_cancel(message_id=message.pk, program_ids=[7])
    assert OutboxMessage.objects.get(pk=message.pk).status == S.CANCELLED


def test_the_same_dedupe_key_writes_one_message(smtp_server):
    first = _mail(dedupe_key="statement:1")
    second = _mail(dedupe_key="statement:1", subject="Other")
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1 and len(smtp_server.messages) == 1


def test_a_sensitive_message_keeps_no_text_once_sent(smtp_server):
    message = _mail(sensitive=True)
    message.refresh_from_db()
    assert message.status == S.SENT and message.payload["body"] == REMOVED
    assert smtp_server.messages[0].get_body(("plain",)).get_content().strip() == "Body text"


def test_a_worker_that_died_while_sending_is_taken_over_by_the_sweep(smtp_server):
    smtp_server.stop()
    message = _mail()
    OutboxMessage.objects.filter(pk=message.pk).update(status=S.SENDING, claimed_at=timezone.now() - LATER)
    smtp_server.start()
    assert outbox_deliver_due() == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == S.SENT and len(smtp_server.messages) == 1


def test_a_broker_that_is_down_leaves_the_message_for_the_sweep(smtp_server, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr("core.tasks.outbox_deliver_task.delay", broker_down)
    message = _mail()
    assert OutboxMessage.objects.get(pk=message.pk).status == S.QUEUED and smtp_server.messages == []
    monkeypatch.undo()
    assert outbox_deliver_due() == 1 and len(smtp_server.messages) == 1


def test_the_sweep_is_a_scheduled_job():
    assert any(
        item["task"] == "core.tasks.outbox_deliver_due_task" and item["every_seconds"] == 60
        for item in default_schedules()
    )


# --- order and the sender contract, with a sender that records what it was given ----------------------

CALLS: list[tuple[int, str]] = []
ANSWERS: list = []


@register_sender("test.recorder", label="Test recorder")
def _recorder(message):
    answer = ANSWERS.pop(0) if ANSWERS else None
    if isinstance(answer, Exception):
        raise answer
    CALLS.append((message.pk, message.payload["step"]))
    return {"remote_id": message.payload["step"]}


@pytest.fixture
def recorder():
    CALLS.clear()
    ANSWERS.clear()
    return CALLS


def _step(step, key="ticket:1"):
    return outbox_enqueue(kind="test.recorder", payload={"step": step}, ordering_key=key)


def test_messages_with_one_ordering_key_go_out_in_order_after_a_failure(recorder):
    ANSWERS.append(DeliveryError("503 from the other side", retry_after=120))
    with transaction.atomic():
        reply, solve = _step("reply"), _step("solve")
        other = _step("other ticket", key="ticket:2")

    # The reply failed for now (Retry-After honoured); the solve waits behind it; another ticket is not held up.
    assert recorder == [(other.pk, "other ticket")]
    reply.refresh_from_db()
    assert (
        reply.status == S.QUEUED and 119 <= (reply.next_attempt_at - reply.updated_at).total_seconds() <= 121
    )
    assert outbox_deliver(message_id=solve.pk) == "waiting"

    outbox_deliver_due(now=timezone.now() + LATER)
    assert [step for _, step in recorder] == ["other ticket", "reply", "solve"]
    assert OutboxMessage.objects.get(pk=solve.pk).result == {"remote_id": "solve"}


def test_a_permanent_error_fails_at_once_and_holds_the_rest_of_its_order_until_cancelled(recorder):
    ANSWERS.append(DeliveryError("403 Forbidden: the token may not do this", permanent=True))
    first = _step("reply")
    second = _step("solve")
    assert OutboxMessage.objects.get(pk=first.pk).status == S.FAILED
    assert OutboxMessage.objects.get(pk=second.pk).status == S.QUEUED and recorder == []
    outbox_cancel(message_id=first.pk)
    assert recorder == [(second.pk, "solve")]


def test_an_unknown_kind_is_refused_when_written():
    with pytest.raises(ValueError, match="No sender"):
        outbox_enqueue(kind="nothing.here", payload={})
