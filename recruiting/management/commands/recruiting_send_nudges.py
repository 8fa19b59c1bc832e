from django.core.management.base import BaseCommand

from recruiting.services import nudges_send


class Command(BaseCommand):
    help = "Send the 'checking in' nudge to candidates silent in the trial-task stage (the daily job)."

    def handle(self, *args, **options):
        self.stdout.write(f"nudges sent: {nudges_send()}")
