from django.core.management.base import BaseCommand

from reviews.services import silence_check


class Command(BaseCommand):
    help = "Check in with quiet freelancers (the daily job). Same code as the Celery task."

    def handle(self, *args, **options):
        result = silence_check()
        self.stdout.write(f"reviews_silence_check: {result}")
