"""Signed-in requests read the session, the user and their verified device from the cache (accounts/user_cache.py),
and every change to the user or their devices takes effect on the very next request."""

import threading
from typing import cast

import pytest
from django.db import connections, transaction
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.accounts.factories import ManagerFactory

pytestmark = pytest.mark.django_db

HOME = "/accounts/home/"  # sends a manager to /manage/ by role, and runs no query of its own
LOGIN = "/accounts/login/"


def _signed_in_manager(client) -> User:
    manager = cast(User, ManagerFactory())
    client.force_login(manager)  # with a verified second factor (tests/conftest.py)
    response = client.get(HOME)  # fills the cache
    assert response.status_code == 302 and response.url == "/manage/"
    return manager


def test_a_signed_in_request_reads_no_session_user_or_device_row(client, django_assert_num_queries):
    _signed_in_manager(client)
    with django_assert_num_queries(0):
        response = client.get(HOME)
    assert response.status_code == 302 and response.url == "/manage/"
    assert client.get("/manage/").status_code == 200  # the cached device still counts as the second factor


def test_a_deactivated_user_is_signed_out_on_the_next_request(client):
    manager = _signed_in_manager(client)
    manager.is_active = False
    manager.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_user_deactivated_by_an_update_is_signed_out_on_the_next_request(client):
    """QuerySet.update() sends no signal; UserQuerySet.update forgets the copies itself."""
    manager = _signed_in_manager(client)
    User.objects.filter(pk=manager.pk).update(is_active=False)
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_role_change_takes_effect_on_the_next_request(client):
    manager = _signed_in_manager(client)
    manager.role = User.Role.FREELANCER
    manager.save(update_fields=["role"])
    assert client.get("/manage/").status_code == 403
    User.objects.filter(pk=manager.pk).update(role=User.Role.MANAGER)
    assert client.get("/manage/").status_code == 200


def test_a_new_password_signs_out_the_other_sessions(client):
    manager = _signed_in_manager(client)
    manager.set_password("another-pass-5678")
    manager.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_removed_device_no_longer_counts_as_the_second_factor(client):
    manager = _signed_in_manager(client)
    assert client.get("/manage/").status_code == 200
    TOTPDevice.objects.filter(user=manager).delete()
    response = client.get("/manage/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/setup/")


def test_an_unconfirmed_device_no_longer_counts_as_the_second_factor(client):
    manager = _signed_in_manager(client)
    device = TOTPDevice.objects.get(user=manager)
    device.confirmed = False
    device.save()
    response = client.get("/manage/")
    assert response.status_code == 302 and "/accounts/" in response.url


def test_logging_out_ends_the_cached_session(client):
    _signed_in_manager(client)
    other = Client()
    other.cookies = client.cookies  # the same session, from another tab
    assert client.post("/accounts/logout/").status_code == 302
    response = other.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.django_db(transaction=True)
def test_a_copy_read_before_the_change_committed_is_never_used(client):
    """A request on another connection reads the user while the deactivation is not yet committed, so it sees
    them active and caches that; once the change commits, that copy must not be served."""
    manager = _signed_in_manager(client)
    seen = []

    def another_request():
        try:
            other = Client()
            other.cookies = client.cookies
            seen.append(other.get(HOME).url)
        finally:
            connections.close_all()

    with transaction.atomic():
        User.objects.filter(pk=manager.pk).update(is_active=False)
        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join()
        assert seen == ["/manage/"]  # the committed row still said active
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
