"""Signed-in requests read the session, the user and their verified device from the cache (accounts/user_cache.py),
and every change to the user or their devices takes effect on the very next request."""

import threading
from typing import cast

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_issue
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


# --- API tokens (accounts.authentication: the token's user from the cache) -------------------------------

API = "/api/v1/tickets/"


def _token_client(user: User) -> tuple[APIClient, Token]:
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(API).status_code == 200  # fills the cache
    return api, token


def test_an_api_request_reads_no_token_or_user_row():
    api, _token = _token_client(cast(User, ManagerFactory()))
    with CaptureQueriesContext(connection) as captured:
        assert api.get(API).status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements and not any(Token._meta.db_table in sql for sql in statements)
    # without the copies, the token is read again (so the check above means something)
    caches[settings.USER_CACHE_ALIAS].clear()
    with CaptureQueriesContext(connection) as captured:
        assert api.get(API).status_code == 200
    assert any(Token._meta.db_table in query["sql"] for query in captured.captured_queries)


def test_a_deleted_token_answers_401_at_once():
    api, token = _token_client(cast(User, ManagerFactory()))
    token.delete()
    assert api.get(API).status_code == 401


def test_a_token_deleted_by_a_queryset_answers_401_at_once():
    manager = cast(User, ManagerFactory())
    api, _token = _token_client(manager)
    Token.objects.filter(user=manager).delete()
    assert api.get(API).status_code == 401


def test_a_replaced_token_stops_and_the_new_one_works():
    manager = cast(User, ManagerFactory())
    api, old = _token_client(manager)
    key = api_token_issue(user=manager)
    assert api.get(API).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(API).status_code == 200


@pytest.mark.parametrize("how", ["save", "update", "delete"])
def test_a_deactivated_or_deleted_user_is_refused_at_once(how):
    manager = cast(User, ManagerFactory())
    api, _token = _token_client(manager)
    if how == "save":
        manager.is_active = False
        manager.save()
    elif how == "update":
        User.objects.filter(pk=manager.pk).update(is_active=False)
    else:
        manager.delete()
    assert api.get(API).status_code == 401


def test_an_unknown_token_answers_401_and_is_not_remembered_as_someone():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get(API).status_code == 401
    token = Token.objects.create(user=cast(User, ManagerFactory()), key="0" * 40)
    assert token.key == "0" * 40 and api.get(API).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_token_copy_read_before_its_deletion_committed_is_never_used():
    """Another request reads the token while its deletion is not yet committed, and caches what it saw; once
    the deletion commits, that copy must not be served."""
    manager = cast(User, ManagerFactory())
    token = Token.objects.create(user=manager)
    seen = []

    def another_request():
        try:
            other = APIClient()
            other.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            seen.append(other.get(API).status_code)
        finally:
            connections.close_all()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with transaction.atomic():
        Token.objects.filter(pk=token.pk).delete()
        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join()
        assert seen == [200]  # the committed row still held the token
    assert api.get(API).status_code == 401
