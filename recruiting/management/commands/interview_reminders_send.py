from django.core.management.base import BaseCommand

from recruiting.services import interview_reminders_send


class Command(BaseCommand):
    help = "Send the 24-hour interview reminders that are due (the every-15-minutes job; safe to run twice)."

    def handle(self, *args, **options):
        self.stdout.write(f"interview reminders sent: {interview_reminders_send()}")
