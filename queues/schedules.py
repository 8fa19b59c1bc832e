SCHEDULES = [
    {
        "name": "queues: route waiting tickets, SLA warnings and breaches",
        "task": "queues.tasks.queues_sweep_task",
        "every_seconds": 60,
        "description": "Routes waiting tickets, hands over tickets from freelancers off shift, warns before and "
        "flags SLA breaches. Same code as `manage.py queues_sweep`.",
    },
    {
        "name": "queues: fold the headline counters",
        "task": "queues.tasks.queue_counters_compact_task",
        "every_seconds": 60,
        "description": "Folds the in-house queue's headline counters, which each database connection adds to "
        "in rows of its own, into one row per number (docs/adr/0030). Same code as "
        "`manage.py queue_counters_compact`.",
    },
    {
        "name": "queues: recount the headline counters",
        "task": "queues.tasks.queue_counters_repair_task",
        "crontab": {"minute": "7"},
        "description": "Recounts the in-house queue's headline counters from the tickets and fixes (and "
        "logs) any drift, e.g. after an edit in the admin or a bulk load. Same code as "
        "`manage.py queue_counters_repair`.",
    },
]
