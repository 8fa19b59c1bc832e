import datetime

from celery import shared_task

from dashboard.services import (
    dashboard_rollups_refresh,
    dashboard_snapshot_refresh,
    dashboard_today_refresh,
    rollups_due,
    weekly_summaries_due,
    weekly_summary_send,
)


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


@shared_task
def dashboard_rollups_refresh_task(program_id: int, start_day: str, end_day: str) -> int:
    """Rewrite one program's daily rollups of [start_day, end_day] (ISO dates) and its snapshot (open tickets, this
    week's and next week's shifts). Idempotent."""
    written = dashboard_rollups_refresh(
        program_id=program_id,
        start_day=datetime.date.fromisoformat(start_day),
        end_day=datetime.date.fromisoformat(end_day),
    )
    dashboard_snapshot_refresh(program_id=program_id)
    dashboard_today_refresh(program_id=program_id)
    return written


@shared_task
def dashboard_rollups_refresh_recent_task() -> int:
    """Every few minutes: one task per active program for its last ROLLUP_WINDOW_DAYS finished days."""
    due = rollups_due()
    for program_id, first, last in due:
        dashboard_rollups_refresh_task.delay(program_id, first.isoformat(), last.isoformat())
    return len(due)
