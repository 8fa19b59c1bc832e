SCHEDULES = [
    {
        "name": "queues: route waiting tickets, SLA warnings and breaches",
        "task": "queues.tasks.queues_sweep_task",
        "every_seconds": 60,
        "description": "Routes waiting tickets, hands over tickets from freelancers off shift, warns before and "
        "flags SLA breaches. Same code as `manage.py queues_sweep`.",
    },
]
