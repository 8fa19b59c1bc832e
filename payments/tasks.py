import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def payout_run_execute_task(run_id: int) -> None:
    """Do or resume a payout run. A failure is recorded on the run; the daily check resumes it."""
    from payments.services import payout_run_execute

    try:
        payout_run_execute(run_id=run_id)
    except Exception:  # recorded on the run (status failed, error message); never lost
        logger.exception("payout run %s stopped; it will be resumed", run_id)


@shared_task
def payout_runs_due_task() -> None:
    """Daily: run the pay period that just ended for every active program (no-op when already done)."""
    from payments.services import payout_runs_due

    payout_runs_due()


@shared_task
def payout_statement_send_task(payout_id: int) -> None:
    from payments.services import payout_statement_send

    payout_statement_send(payout_id=payout_id)
