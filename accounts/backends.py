"""The authentication backend: Django's ModelBackend, with the signed-in user read through the cache."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.user_cache import user_cached_get


class UserBackend(ModelBackend):
    """ModelBackend (e-mail and password; inactive users cannot sign in), except that the user a session names is
    read from the cache on each request (accounts/user_cache.py says when a copy may be used)."""

    def get_user(self, user_id: Any) -> Any:
        from django.contrib.auth import get_user_model

        user = user_cached_get(model=get_user_model(), pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
