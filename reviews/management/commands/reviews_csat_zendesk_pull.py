from django.core.management.base import BaseCommand

from reviews.services import csat_zendesk_pull_all


class Command(BaseCommand):
    help = (
        "Pull Zendesk's satisfaction ratings of the programs that chose them (the hourly job). Same code as the "
        "Celery task."
    )

    def handle(self, *args, **options):
        for slug, found in csat_zendesk_pull_all().items():
            self.stdout.write(f"{slug}: {found}")
