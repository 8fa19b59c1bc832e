import os

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _fresh_caches_and_mail(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
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
    on_postgres = connection.vendor == "postgresql"
    on_redis = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)"))
        if "redis" in item.keywords and not on_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set CELERY_BROKER_URL=redis://…)"))
