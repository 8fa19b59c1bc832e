from celery import shared_task


@shared_task
def zendesk_reconcile_task() -> dict:
    """Repair what missed webhooks left behind, for every Zendesk program (safe to run twice)."""
    from channels.zendesk.reconcile import zendesk_reconcile_all

    return {slug: getattr(found, "__dict__", found) for slug, found in zendesk_reconcile_all().items()}


@shared_task
def zendesk_backfill_task(connection_id: int) -> dict | str:
    """A newly connected program's first sync: import its open Zendesk tickets (safe to run twice: a program
    synced already is left to the periodic reconcile). Zendesk being down is logged, not raised: the
    every-10-minutes reconcile does the same first sync."""
    import logging

    from channels.zendesk.reconcile import zendesk_backfill
    from core.outbox import DeliveryError

    try:
        found = zendesk_backfill(connection_id=connection_id)
    except DeliveryError as exc:
        logging.getLogger(__name__).warning(
            "channels: backfill of Zendesk connection %s stopped: %s", connection_id, exc.reason
        )
        return exc.reason
    return found.__dict__ if found is not None else "nothing to do"


@shared_task
def mailbox_poll_task() -> dict:
    """Read every shared mailbox's new mail (IMAP) and the local drop folder (safe to run twice: a lease per
    mailbox, the last UID read, and files moved once read)."""
    from channels.mailbox.dropfolder import dropfolder_read
    from channels.mailbox.imap import mailbox_poll_all

    return {
        "imap": {slug: result.__dict__ for slug, result in mailbox_poll_all().items()},
        "drop": dropfolder_read().__dict__,
    }
