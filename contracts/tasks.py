from celery import shared_task

from contracts.services import contract_expiry_process


@shared_task
def contract_expiry_process_task() -> dict:
    """Daily: start signed contracts whose day came, end-date reminders (14 and 3 days), end expired contracts."""
    return contract_expiry_process()
