SCHEDULES = [
    {
        "name": "reviews: weekly QA sampling",
        "task": "reviews.tasks.review_sampling_run_task",
        "crontab": {"minute": "0", "hour": "5", "day_of_week": "1"},
        "description": "Samples last week's solved tickets per freelancer for QA review. `manage.py reviews_sample`.",
    },
    {
        "name": "reviews: weekly NPS survey",
        "task": "reviews.tasks.nps_send_weekly_task",
        "crontab": {"minute": "0", "hour": "14", "day_of_week": "1"},
        "description": "E-mails each program's stakeholders the NPS question. `manage.py reviews_nps_send`.",
    },
    {
        "name": "reviews: CSAT surveys for solved tickets",
        "task": "reviews.tasks.csat_sweep_task",
        "every_seconds": 600,
        "description": "Sends CSAT surveys for newly solved tickets. `manage.py reviews_csat_sweep`.",
    },
    {
        "name": "reviews: pull Zendesk satisfaction ratings",
        "task": "reviews.tasks.csat_zendesk_pull_task",
        "every_seconds": 3600,
        "description": "For programs that chose Zendesk's own CSAT: pulls its satisfaction ratings in (idempotent by "
        "rating id). `manage.py reviews_csat_zendesk_pull`.",
    },
    {
        "name": "reviews: daily silence check-in",
        "task": "reviews.tasks.silence_check_task",
        "crontab": {"minute": "30", "hour": "7"},
        "description": "Checks in with quiet freelancers. `manage.py reviews_silence_check`.",
    },
    {
        "name": "reviews: announcement e-mails",
        "task": "reviews.tasks.announcements_send_task",
        "every_seconds": 300,
        "description": "E-mails newly published announcements. `manage.py reviews_announcements_send`.",
    },
]
