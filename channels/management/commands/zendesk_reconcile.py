from django.core.management.base import BaseCommand

from channels.zendesk.reconcile import zendesk_reconcile_all


class Command(BaseCommand):
    help = "Reconcile every Zendesk program's tickets changed since the last sync (the every-10-minutes job)."

    def handle(self, *args, **options):
        for slug, found in zendesk_reconcile_all().items():
            self.stdout.write(f"{slug}: {found}")
