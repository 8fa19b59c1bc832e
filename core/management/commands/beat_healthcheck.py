import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Exit 0 if Celery beat is scheduling: an enabled periodic task was sent within --max-age seconds "
        "(beat's database scheduler records each send's last_run_at; it writes them at least every 3 minutes, "
        "and several jobs run every minute). The beat container's health check."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=600, help="seconds (default 600)")

    def handle(self, *args, max_age: int, **options):
        from django_celery_beat.models import PeriodicTask

        last = (
            PeriodicTask.objects.filter(enabled=True, last_run_at__isnull=False)
            .order_by("-last_run_at")
            .values_list("last_run_at", flat=True)
            .first()
        )
        if last is None:
            raise CommandError("beat has not sent any enabled periodic task yet")
        age = timezone.now() - last
        if age > datetime.timedelta(seconds=max_age):
            raise CommandError(f"beat's last send was {int(age.total_seconds())} s ago (limit {max_age} s)")
        self.stdout.write(f"ok: last send {int(age.total_seconds())} s ago")
