from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import api_token_get_or_issue, api_token_issue
from accounts.errors import AccountError
from accounts.models import User


class Command(BaseCommand):
    help = "Print the API token of a manager (made if missing). The token sees only the programs they manage."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--rotate", action="store_true", help="Replace an existing token with a new one.")

    def handle(self, *args, email, rotate=False, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        try:
            key = api_token_issue(user=user) if rotate else api_token_get_or_issue(user=user)[0]
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
