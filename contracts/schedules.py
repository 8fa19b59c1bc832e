SCHEDULES = [
    {
        "name": "contracts: end reminders and expiry",
        "task": "contracts.tasks.contract_expiry_process_task",
        "crontab": {"minute": "15", "hour": "5"},
        "description": "Start signed contracts whose start date came, remind managers 14 and 3 days before a "
        "fixed-term end, end contracts whose end date has passed. Same code: manage.py process_contract_expiry.",
    },
]
