from django.core.management.base import BaseCommand

from reviews.services import csat_sweep


class Command(BaseCommand):
    help = "Send CSAT surveys for newly solved tickets (the 10-minute job). Same code as the Celery task."

    def handle(self, *args, **options):
        result = csat_sweep()
        self.stdout.write(f"reviews_csat_sweep: {result}")
