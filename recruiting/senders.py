"""What the outbox tells recruiting: a candidate message's sent_at is the moment the mail server took it."""

from core.models import OutboxMessage
from core.outbox import register_delivery_listener
from recruiting.models import Message


@register_delivery_listener("recruiting.message")
def message_delivered(outbox_message: OutboxMessage) -> None:
    if outbox_message.status == OutboxMessage.Status.SENT:
        Message.objects.filter(pk=outbox_message.subject_id, sent_at__isnull=True).update(
            sent_at=outbox_message.sent_at
        )
