SCHEDULES = [
    {
        "name": "recruiting: candidate follow-up nudges",
        "task": "recruiting.tasks.application_nudges_send_task",
        "crontab": {"minute": "0", "hour": "14"},
        "description": "Daily: one 'checking in' message to candidates silent in the trial-task stage.",
    },
    {
        "name": "recruiting: interview reminders",
        "task": "recruiting.tasks.interview_reminders_send_task",
        "every_seconds": 900,
        "description": "Every 15 minutes: the 24-hour reminder (with its calendar event) to the candidate and the "
        "interviewer of each interview starting within a day (`manage.py interview_reminders_send`).",
    },
    {
        "name": "recruiting: anonymise old rejected applications",
        "task": "recruiting.tasks.applications_anonymise_task",
        "crontab": {"minute": "30", "hour": "3", "day_of_month": "1"},
        "description": "Monthly: personal data of rejected/withdrawn applications older than "
        "RECRUITING_ANONYMISE_AFTER_DAYS is removed.",
    },
]

# Candidate e-mails go through the outbox now (core's every-minute delivery job sends and retries them).
RETIRED = ["recruiting: deliver pending candidate messages"]
