import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import Freelancer, User
from core.errors import TransitionNotAllowed, check_transition
from core.locks import lock_rows
from core.money import round_money, to_decimal
from programs.models import Program

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FLEXDESK_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_settings_load_in_each_mode(module):
    result = _run_manage("check", DJANGO_SETTINGS_MODULE=module)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="x.example.com",
        FLEXDESK_VAULT_KEYS="a",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_broker():
    """The embedded filesystem broker is one machine's (`make run`): production's processes must share Redis."""
    result = _run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_ALLOWED_HOSTS="x.example.com",
        FLEXDESK_VAULT_KEYS="a",
        CELERY_BROKER_URL="",
    )
    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" * 60,
        FLEXDESK_VAULT_KEYS="a",
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x9" * 30,
        DJANGO_ALLOWED_HOSTS="flexdesk.example.com",
        FLEXDESK_VAULT_KEYS="b9GFvleSUT9MgUklqTJ6VVIim9d8lleys7Wvd2Fqduw=",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("cache_url", ["", "locmemcache://"])
def test_production_refuses_to_start_without_a_shared_cache(cache_url):
    """Sessions and signed-in users are cached: gunicorn's workers must share the cache (accounts/user_cache.py)."""
    result = _run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_ALLOWED_HOSTS="x.example.com",
        FLEXDESK_VAULT_KEYS="a",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL=cache_url,
    )
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_money_rounds_half_up_to_cents_and_refuses_floats():
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("2.344")) == Decimal("2.34")
    assert round_money("-2.345") == Decimal("-2.35")
    with pytest.raises(TypeError):
        to_decimal(2.5)


def test_check_transition_names_both_states():
    transitions = {"draft": {"sent"}}
    check_transition(transitions, "draft", "sent")
    with pytest.raises(TransitionNotAllowed, match="draft.*ended"):
        check_transition(transitions, "draft", "ended")


@pytest.mark.django_db(transaction=True)
def test_lock_rows_needs_a_transaction_and_orders_by_pk():
    a = User.objects.create_user("b@example.test")
    b = User.objects.create_user("a@example.test")
    with pytest.raises(RuntimeError):
        lock_rows(User.objects.all())
    with transaction.atomic():
        assert [u.pk for u in lock_rows(User.objects.order_by("-email"))] == sorted([a.pk, b.pk])


@pytest.mark.django_db
def test_healthz_answers_json(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_checks_a_real_redis_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    def counts():
        from django.apps import apps

        return {
            m._meta.label: m.objects.count()
            for m in apps.get_models()
            if m._meta.app_label in settings.LOCAL_APPS
        }

    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert Program.objects.get(slug="demo").name == "Demo Support"
    assert Program.objects.get(slug="acme").managers.filter(email="manager2@demo.test").exists()
    assert Freelancer.objects.filter(user__email__startswith="freelancer").count() == 8
    assert User.objects.get(email="manager@demo.test").check_password("demo")


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_unless_forced(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Program.objects.filter(slug="demo").exists()


@pytest.mark.django_db
def test_setup_periodic_tasks_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    from core.schedules import default_schedules

    call_command("setup_periodic_tasks", stdout=io.StringIO())
    first = PeriodicTask.objects.count()
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    assert PeriodicTask.objects.count() == first == len(default_schedules())
