from django.core.management.base import BaseCommand

from reviews.services import announcements_send


class Command(BaseCommand):
    help = "E-mail newly published announcements (the 5-minute job). Same code as the Celery task."

    def handle(self, *args, **options):
        result = announcements_send()
        self.stdout.write(f"reviews_announcements_send: {result}")
