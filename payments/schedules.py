SCHEDULES = [
    {
        "name": "payments: payout run for the period that ended",
        "task": "payments.tasks.payout_runs_due_task",
        "crontab": {"minute": "15", "hour": "6"},
        "description": "Daily check; starts (or resumes) the run of each program's pay period once it has ended.",
    },
]
