SCHEDULES = [
    {
        "name": "recruiting: candidate follow-up nudges",
        "task": "recruiting.tasks.application_nudges_send_task",
        "crontab": {"minute": "0", "hour": "14"},
        "description": "Daily: one 'checking in' message to candidates silent in the trial-task stage.",
    },
    {
        "name": "recruiting: deliver pending candidate messages",
        "task": "recruiting.tasks.messages_deliver_pending_task",
        "crontab": {"minute": "*/15"},
        "description": "Sends candidate e-mails whose delivery was never queued.",
    },
    {
        "name": "recruiting: anonymise old rejected applications",
        "task": "recruiting.tasks.applications_anonymise_task",
        "crontab": {"minute": "30", "hour": "3", "day_of_month": "1"},
        "description": "Monthly: personal data of rejected/withdrawn applications older than "
                       "RECRUITING_ANONYMISE_AFTER_DAYS is removed.",
    },
]
