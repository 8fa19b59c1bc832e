from django.conf import settings
from django.core.management.base import BaseCommand

from recruiting.services import applications_anonymise


class Command(BaseCommand):
    help = "Anonymise rejected/withdrawn applications older than RECRUITING_ANONYMISE_AFTER_DAYS (the monthly job)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Override the age in days (default {settings.RECRUITING_ANONYMISE_AFTER_DAYS}).",
        )

    def handle(self, *args, days=None, **options):
        self.stdout.write(f"applications anonymised: {applications_anonymise(older_than_days=days)}")
