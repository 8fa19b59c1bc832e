from celery import shared_task


@shared_task
def outbox_deliver_task(message_id: int) -> str:
    """Send one outbox message (core.outbox.outbox_deliver). Idempotent."""
    from core.outbox import outbox_deliver

    return outbox_deliver(message_id=message_id)


@shared_task
def outbox_deliver_due_task() -> int:
    """Every minute: send what is due — retries whose time came, messages whose task never reached a worker."""
    from core.outbox import outbox_deliver_due

    return outbox_deliver_due()
