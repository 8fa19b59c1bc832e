SCHEDULES = [
    {
        "name": "dashboard: weekly summary e-mail",
        "task": "dashboard.tasks.weekly_summary_send_all_task",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "1"},
        "description": "Mondays 07:00 UTC: e-mail each active program's managers the summary of the last full week "
        "(program time zone). Sent once per program and week. Same code: manage.py send_weekly_summaries.",
    },
]
