"""Settings shared by every environment.

Everything that differs between machines comes from the environment through
django-environ's typed readers; the defaults here let a newcomer run the app
with nothing set (SQLite, an embedded Celery broker, console e-mail).
"""

from pathlib import Path

import environ

from core.cache import cache_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Apps, in the order of DESIGN.md's table: a lower app never imports a higher one.
# seed_demo and setup_periodic_tasks walk the apps in this order.
LOCAL_APPS = [
    "core",
    "accounts",
    "programs",
    "contracts",
    "recruiting",
    "queues",
    "channels",
    "payments",
    "reviews",
    "dashboard",
]
INSTALLED_APPS = [
    # django.contrib.admin, with a default site that asks for two-factor sign-in (accounts/admin_site.py).
    "accounts.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "anymail",  # the e-mail provider's inbound webhook (channels.mailbox.webhook)
    *LOCAL_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, with the session's device read through the cache (accounts/user_cache.py)
    "accounts.middleware.OTPMiddleware",
    # Cache-Control: private, no-store on every rendered page (pay and personal data); static files are
    # answered by WhiteNoise above and keep their long cache.
    "core.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # Last, as django-axes asks: it needs the request after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
            ],
            # Django's {% url %}, reversing each URL written out in a template once per process
            "builtins": ["core.templatetags.cached_url"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# PostgreSQL's JIT compiles any query its planner costs above jit_above_cost, which routing's per-freelancer counts
# reach once freelancers have long histories: 5 ms of compiling for a 1 ms query (docs/adr/0031). Off for our
# connections unless DATABASE_JIT=true; a pooler that refuses the `options` startup parameter (pgbouncer without
# ignore_startup_parameters = options) wants DATABASE_JIT=true and `jit = off` in postgresql.conf instead.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool(
    "DATABASE_JIT", default=False
):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Lockout after repeated failures comes first, as django-axes requires.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the signed-in user read through the cache (accounts/user_cache.py)
    "accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account (not an IP range) after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# Each entry is its own counter: one account, and one client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

# Two-factor sign-in (django-otp; rules in accounts/two_factor.py): required for support managers and admins,
# and for a freelancer's vault reveal. TWO_FACTOR_DEMO_EXEMPT (local settings only) spares the @demo.test users.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
TWO_FACTOR_DEMO_EXEMPT = False
OTP_TOTP_ISSUER = "Flexdesk"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # admins see that a device exists, never its secret

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["config.formats"]  # one date format per locale (config/formats/en/formats.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # uploads are served only through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Content-Security-Policy (django-csp): only the app's own files run; no inline script, no inline style.
# Page behaviour lives in static/js/ (data-* attributes), chart data travels in json_script elements, htmx
# runs with eval off (meta htmx-config in base.html). The API docs use drf-spectacular's split view, whose
# init script is a file of its own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: EMAIL_URL picks the backend (console by default, smtp+tls://… in production).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Flexdesk <flexdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer must not hold a worker (or, with eager tasks, a request) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# A folder of incoming mail the every-minute mailbox poll also reads (channels.mailbox.dropfolder): each .eml
# dropped there (or delivered to its Maildir new/) becomes a ticket or a reply. Empty: off (local.py sets one).
FLEXDESK_MAIL_DROP_DIR = env("FLEXDESK_MAIL_DROP_DIR", default="")
# The outbox (core.outbox): attempts before a message is "failed" (backoff 30 s doubling to hourly: about
# 6 hours in all), and how long a "sending" claim may last before the sweep takes it back.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=300)
# Outbound webhooks (channels.webhooks.targets): off, endpoints must be https and public (no SSRF); on (and
# always with DEBUG), http:// and local hosts are allowed, for a receiver on this machine or a local fake.
OUTBOUND_WEBHOOKS_ALLOW_LOCAL = env.bool("OUTBOUND_WEBHOOKS_ALLOW_LOCAL", default=False)
# Absolute links in e-mails (invitations, surveys, trial tasks).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Inbound mail through Mailgun's route forward() (channels.mailbox.webhook, django-anymail): each POST is signed
# with the webhook signing key (HMAC-SHA256 of timestamp + token); without a key the endpoint refuses every
# request. WEBHOOK_SECRET ("user:password") adds HTTP basic auth in front, when the route URL carries it.
ANYMAIL = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}

# Celery. Without CELERY_BROKER_URL, an embedded broker that needs no server: kombu's filesystem transport
# on folders under var/celery (docs/adr/0004-embedded-broker.md); `make run` starts a worker and beat on it.
# CELERY_BROKER_URL=redis://… uses Redis. Tasks run in the worker; in-process (eager) only when
# CELERY_TASK_ALWAYS_EAGER is set (seed_demo's run in `make run`) and in tests.
CELERY_BROKER_URL = (
    env("CELERY_BROKER_URL", default="") or "filesystem://localhost/"
)  # no server: the folders below
CELERY_BROKER_FOLDER = Path(env("CELERY_BROKER_FOLDER", default=str(BASE_DIR / "var" / "celery")))
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing to a broker that is down must not hang a request: fail fast, the
# database row stays the source of truth and a periodic job picks the work up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder of message files that publishers write and the worker reads (config/celery.py creates it);
    # the worker looks every half second, which also keeps its warm shutdown on Ctrl-C short.
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "polling_interval": 0.5,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only (the API takes nothing else), parsed with a depth limit: bad bodies are 400s.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Flexdesk API",
    "DESCRIPTION": "Push tickets in from your helpdesk and read their state.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The enum hook first (drf-spectacular's default), then ours: the JSON errors every operation can answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.error_responses_hook",
        "channels.webhooks.schema.webhooks_docs_hook",
    ],
    # OpenAPI 3.1 for its "webhooks": what Flexdesk POSTs to the endpoints managers register (channels.webhooks).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        "channels.webhooks.schema.ROUTED",
        "channels.webhooks.schema.REPLIED",
        "channels.webhooks.schema.NOTED",
        "channels.webhooks.schema.ESCALATED",
        "channels.webhooks.schema.STATUS_CHANGED",
    ],
}

# The cache holds sessions (in front of the database: cached_db), the signed-in users and their two-factor
# devices (accounts/user_cache.py) and throttle counters (the public apply form). Per process by default, for
# one process (runserver, tests); with several processes (gunicorn workers, a Celery worker that writes users)
# it must be shared, CACHE_URL=redis://…/1, or one process would keep a copy another changed or logged out.
# production.py requires a shared one (docs/adr/0031-cached-sessions-and-users.md).
# core.cache.RedisCache is Django's, keeping its client between operations.
CACHES = {"default": cache_config(env.cache("CACHE_URL", default="locmemcache://"))}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
USER_CACHE_ALIAS = "default"
# The pages' hottest reads (core.rawsql.PreparedQuery) run as statements prepared on the PostgreSQL server, planned
# once per connection. Off (false) behind a connection pooler that cannot keep prepared statements (pgbouncer in
# transaction mode before 1.21).
DATABASE_SERVER_PREPARE = env.bool("DATABASE_SERVER_PREPARE", default=True)
# Throttles count per client address (core.throttle.client_address): REMOTE_ADDR, or behind a reverse proxy
# that puts the client in a header, that header's META key (HTTP_X_REAL_IP); only a proxy you run may set it.
CLIENT_ADDRESS_META_KEY = env("CLIENT_ADDRESS_META_KEY", default="REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "core.throttle.client_address"
# Applications one client address may send through the public apply form ("count/period": 10/h, 5/10m).
RECRUITING_APPLY_RATE = env("RECRUITING_APPLY_RATE", default="5/10m")

# Recruiting: rejected/withdrawn applications are anonymised after this many days (monthly job).
RECRUITING_ANONYMISE_AFTER_DAYS = env.int("RECRUITING_ANONYMISE_AFTER_DAYS", default=180)

# Credentials vault (contracts): comma-separated Fernet keys, newest first.
VAULT_KEYS = env.list("FLEXDESK_VAULT_KEYS", default=[])

# Logs go to standard output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
