"""API tokens for /api/v1/: issued, listed and revoked by support managers in /manage/ and by `issue_api_token`.

A token is DRF's authtoken Token (core.authentication reads it): one per in-house user, and it sees what that user
sees (the programs they manage). DRF keeps the key as it is, so it is shown once, right after it is issued;
lists show only its first characters. Issuing for a user who has one replaces it (the old key stops working).
"""

from django.db import transaction
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from accounts.errors import AccountError
from accounts.models import User
from core.audit import audit_record

SHOWN_PREFIX = 6


def api_token_users(*, manager: User) -> QuerySet[User]:
    """Whose tokens a support manager looks after: active in-house users who manage one of the same programs."""
    users = User.objects.filter(is_active=True, role__in=[User.Role.MANAGER, User.Role.AGENT])
    if not manager.is_superuser:
        users = users.filter(managed_programs__in=manager.managed_programs.all())
    return users.distinct().order_by("email")


def api_token_list(*, manager: User) -> list[dict]:
    """Each of those users with their token's prefix and date (None without one). Two queries."""
    users = list(api_token_users(manager=manager))
    tokens = {t.user_id: t for t in Token.objects.filter(user__in=[u.pk for u in users])}
    return [
        {
            "user": user,
            "prefix": tokens[user.pk].key[:SHOWN_PREFIX] if user.pk in tokens else None,
            "created": tokens[user.pk].created if user.pk in tokens else None,
        }
        for user in users
    ]


@transaction.atomic
def api_token_issue(*, user: User, actor: User | None = None) -> str:
    """A new token for `user`, replacing the one they had; returns the key, to be shown once."""
    if not (user.is_active and user.is_inhouse):
        raise AccountError("API tokens are for active support managers and in-house agents.", field="user")
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit_record(
        actor=actor,
        verb="api_token.replaced" if replaced else "api_token.issued",
        target=user,
        prefix=token.key[:SHOWN_PREFIX],
    )
    return token.key


def api_token_get_or_issue(*, user: User, actor: User | None = None) -> tuple[str, bool]:
    """The user's token, issued if missing: (key, issued now). For the command, which prints the key."""
    token = Token.objects.filter(user=user).first()
    if token is not None:
        return token.key, False
    return api_token_issue(user=user, actor=actor), True


@transaction.atomic
def api_token_revoke(*, user: User, actor: User | None = None) -> bool:
    """Revoke the user's token at once; False when they had none (nothing changed)."""
    deleted = Token.objects.filter(user=user).delete()[0] > 0
    if deleted:
        audit_record(actor=actor, verb="api_token.revoked", target=user)
    return deleted
