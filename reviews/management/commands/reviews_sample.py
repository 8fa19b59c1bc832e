from django.core.management.base import BaseCommand

from reviews.services import review_sampling_run


class Command(BaseCommand):
    help = "Sample last week's solved tickets for QA review (the weekly job). Same code as the Celery task."

    def handle(self, *args, **options):
        result = review_sampling_run()
        self.stdout.write(f"reviews_sample: {result}")
