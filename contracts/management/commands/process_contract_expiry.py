from django.core.management.base import BaseCommand

from contracts.services import contract_expiry_process


class Command(BaseCommand):
    help = "Run the daily contracts job now: activations, end reminders (14 and 3 days) and expiry. Safe to run twice."

    def handle(self, *args, **options):
        summary = contract_expiry_process()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in summary.items()))
