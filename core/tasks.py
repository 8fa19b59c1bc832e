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


def delay_after_commit(task, *args, **kwargs) -> None:
    """Enqueue `task` when the current transaction commits (at once without one). A broker that is down is
    logged, not raised: the change is saved, and the periodic job that does the same work picks it up."""
    import logging

    from django.db import transaction

    def _publish():
        try:
            task.delay(*args, **kwargs)
        except Exception:
            logging.getLogger(__name__).warning(
                "could not enqueue %s%r; its periodic job will do it", task.name, args, exc_info=True
            )

    transaction.on_commit(_publish)
