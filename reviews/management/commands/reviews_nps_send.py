from django.core.management.base import BaseCommand

from reviews.services import nps_send_weekly


class Command(BaseCommand):
    help = "E-mail this week's NPS question to every program's stakeholders (the weekly job). Same code as the Celery task."

    def handle(self, *args, **options):
        result = nps_send_weekly()
        self.stdout.write(f"reviews_nps_send: {result}")
