from django.core.management.base import BaseCommand

from core.schedules import periodic_tasks_setup


class Command(BaseCommand):
    help = "Register (or update) every app's default Celery beat schedules in the database."

    def handle(self, *args, **options):
        for line in periodic_tasks_setup():
            self.stdout.write(line)
