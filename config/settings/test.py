"""Test run: fast hashing, in-memory mail, eager Celery unless a broker is given."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests call tasks eagerly; the Redis integration tests build their own connection
# from CELERY_BROKER_URL and are skipped without it.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
VAULT_KEYS = ["-G41B51jCrX7jLhcNcUz9MKgRnvfgXPLTZYhE3iDU8A="]
# Local fakes receive the outbound webhooks; tests of the SSRF guard turn this off.
OUTBOUND_WEBHOOKS_ALLOW_LOCAL = True
AXES_ENABLED = True
# Tests prove the two-factor rules: required, nobody exempt (tests/conftest.py verifies force_login sessions).
TWO_FACTOR_REQUIRED = True
TWO_FACTOR_DEMO_EXEMPT = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
