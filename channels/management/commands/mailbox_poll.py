from django.core.management.base import BaseCommand

from channels.mailbox.dropfolder import dropfolder_read
from channels.mailbox.imap import mailbox_poll_all


class Command(BaseCommand):
    help = (
        "Read every shared mailbox's new mail (IMAP) and the local drop folder (FLEXDESK_MAIL_DROP_DIR) into "
        "tickets and replies: the every-minute job, run once."
    )

    def handle(self, *args, **options):
        for slug, result in mailbox_poll_all().items():
            line = f"{slug}: {result.stored} read"
            if result.rejected_unread:
                line += f", {result.rejected_unread} too large (left in the mailbox)"
            if result.skipped:
                line += f" (skipped: {result.skipped})"
            if result.error:
                line += f"; error: {result.error}"
            self.stdout.write(line)
        drop = dropfolder_read()
        if drop.skipped:
            self.stdout.write(f"drop folder: {drop.skipped}")
        else:
            self.stdout.write(
                f"drop folder {drop.folder}: {drop.processed} taken in, {drop.rejected} rejected"
            )
        for error in drop.errors:
            self.stderr.write(f"drop folder: {error}")
