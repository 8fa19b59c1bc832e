"""Production: every secret from the environment, no defaults for them."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env
from core.cache import cache_config


def _required(name, reader=env.str):
    try:
        value = reader(name)
    except ImproperlyConfigured:
        raise ImproperlyConfigured(f"Set the {name} environment variable: production has no default for it.")
    if not value:
        raise ImproperlyConfigured(f"The {name} environment variable is empty: production needs a value.")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = _required("DJANGO_ALLOWED_HOSTS", env.list)
VAULT_KEYS = _required("FLEXDESK_VAULT_KEYS", env.list)
# The embedded filesystem broker serves one machine (`make run`); production's web, worker and beat share Redis.
CELERY_BROKER_URL = _required("CELERY_BROKER_URL")
# Sessions and signed-in users are read from the cache (base.py, CACHES): every gunicorn worker and Celery
# process must see the same one, or a process would keep serving a user another deactivated or logged out.
CACHES = {"default": cache_config(env.cache_url_config(_required("CACHE_URL")))}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache the processes share (redis://…): sessions and signed-in users are cached."
    )
# Never read from the environment: no one is exempt from two-factor sign-in in production.
TWO_FACTOR_DEMO_EXEMPT = False
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp+tls://localhost:587")
vars().update(EMAIL_CONFIG)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
