SCHEDULES = [
    {
        "name": "channels: poll shared mailboxes",
        "task": "channels.tasks.mailbox_poll_task",
        "every_seconds": 60,
        "description": "Reads the new messages of every shared-mailbox program's IMAP folder (and the local drop "
        "folder, FLEXDESK_MAIL_DROP_DIR) into tickets and replies; flags them in the mailbox. Same "
        "code as `manage.py mailbox_poll`.",
    },
    {
        "name": "channels: reconcile Zendesk tickets changed since the last sync",
        "task": "channels.tasks.zendesk_reconcile_task",
        "every_seconds": 600,
        "description": "Reads Zendesk's incremental ticket export and repairs what a missed webhook left behind "
        "(a ticket never received, a solve or assignment made in Zendesk). Same code as "
        "`manage.py zendesk_reconcile`.",
    },
]
