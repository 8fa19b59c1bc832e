from celery import shared_task


@shared_task
def zendesk_reconcile_task() -> dict:
    """Repair what missed webhooks left behind, for every Zendesk program (safe to run twice)."""
    from channels.zendesk.reconcile import zendesk_reconcile_all

    return {slug: getattr(found, "__dict__", found) for slug, found in zendesk_reconcile_all().items()}
