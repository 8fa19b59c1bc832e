from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from core.discovery import app_modules


class Command(BaseCommand):
    help = (
        "Build (or bring up to date) the demo data: programs 'Demo Support' and 'Acme Weekend Cover' "
        "with their managers and freelancers. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo writes demo logins with a known password; refusing with DEBUG off. Use --force."
            )
        # Each app's demo.seed(context) runs in layering order and may read what lower apps put in context.
        context: dict = {"stdout": self.stdout}
        # Demo people have made-up addresses: whatever the seeding would e-mail (invitations, contract
        # notices) is dropped, and Celery runs in-process so nothing waits for a worker.
        from config.celery import app as celery_app

        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = (
            True  # nothing seeding enqueues reaches a worker (its e-mails would go)
        )
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                for app, module in app_modules("demo"):
                    module.seed(context)
                    self.stdout.write(f"  seeded {app}")
        finally:
            celery_app.conf.task_always_eager = eager
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Log in at {settings.SITE_URL.rstrip('/')}/ with password 'demo':"
            )
        )
        for email, what in context.get("logins", []):
            self.stdout.write(f"  {email:<28} {what}")
