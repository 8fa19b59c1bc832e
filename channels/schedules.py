SCHEDULES = [
    {
        "name": "channels: reconcile Zendesk tickets changed since the last sync",
        "task": "channels.tasks.zendesk_reconcile_task",
        "every_seconds": 600,
        "description": "Reads Zendesk's incremental ticket export and repairs what a missed webhook left behind "
                       "(a ticket never received, a solve or assignment made in Zendesk). Same code as "
                       "`manage.py zendesk_reconcile`.",
    },
]
