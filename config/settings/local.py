"""Developer machine: DEBUG on, safe defaults, nothing to configure."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-dev-only-not-secret-9b1f6e0c2d")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# A fixed development key so seeded credentials stay readable across restarts.
# Production has no default (see production.py).
VAULT_KEYS = env.list("FLEXDESK_VAULT_KEYS", default=["b9GFvleSUT9MgUklqTJ6VVIim9d8lleys7Wvd2Fqduw="])
# The seeded demo users (…@demo.test, a reserved domain no real address uses) skip two-factor sign-in, so the
# demo stays two commands. Production forces this off.
TWO_FACTOR_DEMO_EXEMPT = env.bool("TWO_FACTOR_DEMO_EXEMPT", default=True)
# The demo's incoming-mail folder: drop a .eml file here and the every-minute poll makes it a ticket or a reply
# (README, the shared mailbox "On this machine"); files move to processed/ or rejected/ and are never read again.
FLEXDESK_MAIL_DROP_DIR = env("FLEXDESK_MAIL_DROP_DIR", default=str(BASE_DIR / "var" / "mail-drop"))
