from django.core.management.base import BaseCommand

from queues.counters import counters_compact


class Command(BaseCommand):
    help = "Fold the in-house queue's headline counters into one row per number (the every-minute job)."

    def handle(self, *args, **options):
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counters_compact().items()))
