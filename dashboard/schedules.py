SCHEDULES = [
    {
        "name": "dashboard: weekly summary e-mail",
        "task": "dashboard.tasks.weekly_summary_send_all_task",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "1"},
        "description": "Mondays 07:00 UTC: e-mail each active program's managers the summary of the last full week "
        "(program time zone). Sent once per program and week. Same code: manage.py send_weekly_summaries.",
    },
    {
        "name": "dashboard: daily rollups of the last 45 days",
        "task": "dashboard.tasks.dashboard_rollups_refresh_recent_task",
        "crontab": {"minute": "*/5"},
        "description": "Every 5 minutes: rewrite each active program's daily rollups of its last 45 finished days "
        "(program time zone), so late CSAT answers and time entries reach the dashboard, today's row up to now, and "
        "the snapshot of open tickets and shifts. Days not covered are read live. Same code: manage.py "
        "refresh_dashboard_rollups (add --start/--end to backfill).",
    },
]
