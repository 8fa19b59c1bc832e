from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from contracts.services import vault_rotate
from contracts.vault import UndecryptableSecret, generate_key, multi_fernet
from core.discovery import app_modules


class Command(BaseCommand):
    help = (
        "Re-encrypt every vault credential with the newest key. To rotate: put a new key first in "
        "FLEXDESK_VAULT_KEYS (keep the old ones after it), run this command, then remove the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Print a new Fernet key and exit.")

    def handle(self, *args, generate=False, **options):
        if generate:
            self.stdout.write(generate_key())
            return
        try:
            multi_fernet()
            count = vault_rotate()
            # Other apps that encrypt with the vault keys (payments: bank accounts) re-encrypt theirs too, so
            # dropping the old key afterwards loses nothing. Each has a `vault_rotation` module with rotate().
            others = [module.rotate() for _app, module in app_modules("vault_rotation")]
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc))
        except UndecryptableSecret as exc:
            raise CommandError(
                f"{exc} Nothing after the failing batch was changed; add the old key back and retry."
            )
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} credential(s) with the newest key."))
        for label, rotated in others:
            self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} {label} with the newest key."))
