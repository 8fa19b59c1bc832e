"""Developer machine: DEBUG on, safe defaults, nothing to configure."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-dev-only-not-secret-9b1f6e0c2d")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# A fixed development key so seeded credentials stay readable across restarts.
# Production has no default (see production.py).
VAULT_KEYS = env.list("FLEXDESK_VAULT_KEYS", default=["b9GFvleSUT9MgUklqTJ6VVIim9d8lleys7Wvd2Fqduw="])
# The seeded demo users (…@demo.test, a reserved domain no real address uses) skip two-factor sign-in, so the
# demo stays two commands. Production forces this off.
TWO_FACTOR_DEMO_EXEMPT = env.bool("TWO_FACTOR_DEMO_EXEMPT", default=True)
