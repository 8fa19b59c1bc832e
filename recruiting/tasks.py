import datetime

from celery import shared_task
from django.core.mail import send_mail
from django.utils import timezone

from recruiting.models import Message


@shared_task
def message_deliver_task(message_id: int) -> bool:
    """Send one candidate message by e-mail. Idempotent: sent_at is claimed before sending."""
    claimed = Message.objects.filter(
        pk=message_id, sent_at__isnull=True, direction=Message.Direction.OUTBOUND
    ).exclude(to_email="").update(sent_at=timezone.now())
    if not claimed:
        return False
    message = Message.objects.get(pk=message_id)
    try:
        send_mail(message.subject, message.body, None, [message.to_email])
    except Exception:
        # Leave it unsent so the next run (or a retry) can deliver it.
        Message.objects.filter(pk=message_id).update(sent_at=None)
        raise
    return True


@shared_task
def messages_deliver_pending_task() -> int:
    """Pick up messages whose delivery was never queued (e.g. the broker was down)."""
    cutoff = timezone.now() - datetime.timedelta(minutes=5)
    ids = list(
        Message.objects.filter(sent_at__isnull=True, direction=Message.Direction.OUTBOUND, created_at__lte=cutoff)
        .exclude(to_email="").values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if message_deliver_task(pk))


@shared_task
def application_nudges_send_task() -> int:
    from recruiting.services import nudges_send

    return nudges_send()


@shared_task
def applications_anonymise_task() -> int:
    from recruiting.services import applications_anonymise

    return applications_anonymise()
