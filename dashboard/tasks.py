import datetime

from celery import shared_task

from dashboard.services import weekly_summaries_due, weekly_summary_send


@shared_task
def weekly_summary_send_task(program_id: int, week_start: str) -> bool:
    """Send one program's summary of the week starting `week_start` (ISO date). Idempotent."""
    summary = weekly_summary_send(program_id=program_id, week_start=datetime.date.fromisoformat(week_start))
    return summary is not None


@shared_task
def weekly_summary_send_all_task() -> int:
    """Mondays: one task per active program whose last full week has no summary sent yet."""
    due = weekly_summaries_due()
    for program_id, week_start in due:
        weekly_summary_send_task.delay(program_id, week_start.isoformat())
    return len(due)
