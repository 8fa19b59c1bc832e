from django.core.management.base import BaseCommand

from queues.services.sweep import queues_sweep


class Command(BaseCommand):
    help = "Route waiting tickets, hand over from freelancers off shift, SLA warnings and breaches (the every-minute job)."

    def handle(self, *args, **options):
        result = queues_sweep()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.items()))
