import os

import pytest

from core.db import is_postgresql
from tests.imapserver import imap_server, imap_server_session  # noqa: F401 — the real IMAP server (dovecot)
from tests.mailserver import smtp_server  # noqa: F401 — the real SMTP server fixture, for every test folder


@pytest.fixture(autouse=True)
def _fresh_caches_and_mail(settings):
    from django.core.cache import caches

    settings.SITE_URL = "http://testserver"
    for cache in caches.all(initialized_only=True):
        cache.clear()  # throttle counters (the apply form) start at zero in every test


def session_verify_two_factor(client, user):
    """Mark the client's session as having passed a second factor (a confirmed TOTP device, as a real login)."""
    from accounts.two_factor import session_mark_verified

    session_mark_verified(session=client.session, user=user)


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """client.force_login skips the login form, so it skips the second step too: for users who must use
    two-factor sign-in (managers, admins) it also marks the session verified, as logging in with a code does.
    Tests marked two_factor get the bare force_login; two_factor_login verifies anyone (e.g. a freelancer)."""
    if request.node.get_closest_marker("two_factor"):
        return
    from django.test import Client

    from accounts.two_factor import two_factor_required_for

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if two_factor_required_for(user):
            session_verify_two_factor(self, user)
        _warm_user_cache(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _warm_user_cache(client, user):
    """The user and the device the session names read into the cache (accounts/user_cache.py), as a real sign-in
    and its first request leave them: every request of the test then reads the same (none) of those rows."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.user_cache import user_cache_warm

    user_cache_warm(model=type(user), pk=user.pk, persistent_id=client.session.get(DEVICE_ID_SESSION_KEY))


@pytest.fixture
def two_factor_login():
    """Log a user in with a session that passed the second factor: two_factor_login(client, user)."""

    def login(client, user):
        client.force_login(user)
        session_verify_two_factor(client, user)
        _warm_user_cache(client, user)

    return login


@pytest.fixture
def on_postgres():
    if not is_postgresql():
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.fixture
def real_broker():
    """Celery publishing to the Redis of CELERY_BROKER_URL instead of running tasks eagerly (tests marked redis)."""
    from config.celery import app

    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = os.environ["CELERY_BROKER_URL"]
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous


def pytest_collection_modifyitems(config, items):
    on_postgres = is_postgresql()
    on_redis = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)"))
        if "redis" in item.keywords and not on_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set CELERY_BROKER_URL=redis://…)"))
