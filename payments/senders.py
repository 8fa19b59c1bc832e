"""What the outbox tells payments: a statement counts as e-mailed once the mail server took it."""

from core.models import OutboxMessage
from core.outbox import register_delivery_listener
from payments.models import Payout


@register_delivery_listener("payments.payout")
def statement_delivered(outbox_message: OutboxMessage) -> None:
    if outbox_message.status == OutboxMessage.Status.SENT and (outbox_message.dedupe_key or "").startswith(
        "payout-statement:"
    ):
        Payout.objects.filter(pk=outbox_message.subject_id, statement_sent_at__isnull=True).update(
            statement_sent_at=outbox_message.sent_at
        )
