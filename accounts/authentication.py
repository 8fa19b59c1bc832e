"""The API's token authentication with the token's user read from the cache (accounts.user_cache).

core.authentication reads the token's user with one SELECT on every API request; here a current copy of the
token and of its user answer without a query. A revoked or replaced token, a deactivated or changed user, stops
working on the next request (their versions are replaced when the rows are written: accounts.user_cache).
"""

from django.contrib.auth import get_user_model

from accounts.user_cache import token_user_cached_get
from core.authentication import TokenAuthentication as DatabaseTokenAuthentication


class TokenAuthentication(DatabaseTokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`, same answers), the user from the cache."""

    def token_user(self, key: str):
        return token_user_cached_get(model=get_user_model(), key=key, load=super().token_user)
