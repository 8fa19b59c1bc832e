from django.core.management.base import BaseCommand

from core.outbox import outbox_deliver_due


class Command(BaseCommand):
    help = "Send outbox messages that are due (the same code as the every-minute scheduled job)."

    def handle(self, *args, **options):
        sent = outbox_deliver_due()
        self.stdout.write(f"sent {sent} message(s)")
