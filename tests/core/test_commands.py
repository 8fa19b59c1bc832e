"""`manage.py outbox_deliver_due`: the every-minute outbox sweep, run once."""

import io

import pytest
from django.core.management import call_command

from core.models import OutboxMessage
from core.outbox import email_enqueue

pytestmark = pytest.mark.django_db


def deliver_due():
    out = io.StringIO()
    call_command("outbox_deliver_due", stdout=out)
    return out.getvalue().strip()


def test_outbox_deliver_due_sends_what_the_broker_missed_once(mailoutbox):
    # Written in a transaction whose on-commit delivery never ran (the broker missed it): the sweep sends it.
    message = email_enqueue(to=["customer@example.test"], subject="Hello", body="Body text")
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.QUEUED

    assert deliver_due() == "sent 1 message(s)"
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT
    assert [m.to for m in mailoutbox] == [["customer@example.test"]]
    assert deliver_due() == "sent 0 message(s)"
    assert len(mailoutbox) == 1
