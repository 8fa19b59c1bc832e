"""API authentication (its own module: DRF imports it while its settings load, before rest_framework.views)."""

from functools import cache

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core.rawsql import fetch_one, select_columns


@cache
def _token_user_sql() -> str:
    user_model = get_user_model()
    # names from the models' metadata; the key is a parameter
    return (
        f"SELECT {select_columns(user_model, 'u')} FROM {user_model._meta.db_table} u "  # noqa: S608
        f"JOIN {Token._meta.db_table} t ON t.user_id = u.{user_model._meta.pk.column} WHERE t.key = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`, same answers), with the token's user read by
    one plain SELECT: building the ORM's join cost more than the query itself, on every API request."""

    def token_user(self, key: str):
        """The token's user (None: no such token), from the database; a subclass may read it from a cache."""
        found = fetch_one(_token_user_sql(), [key], get_user_model())
        return None if found is None else found[0]

    def authenticate_credentials(self, key):
        user = self.token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user_id=user.pk)
        token.user = user
        return user, token
