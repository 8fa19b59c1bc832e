"""A vault one-time link that leads nowhere gets the branded page, DEBUG on or off: unknown 404, used or
expired 410, and what was submitted is never shown."""

import datetime

import pytest
from django.utils import timezone

from contracts.models import CredentialRequestLink, VaultCredential
from contracts.services import credential_link_create
from tests.accounts.factories import ManagerFactory
from tests.contracts.factories import ProgramToolFactory
from tests.core.test_dead_ends import assert_branded_dead_end, without_csrf
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

DEBUG = pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
SUBMIT = {"submitted_by_name": "Ida", "username": "agent@acme.test", "password": "pw-123"}


@pytest.fixture
def link_path():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager], name="Acme Secret Program")
    tool = ProgramToolFactory(program=program, name="Zendesk")
    _link, url = credential_link_create(program=program, tool=tool, label="Agent login", actor=manager)
    return url.replace("http://testserver", "")


@DEBUG
def test_an_unknown_vault_link_is_a_branded_404_that_tells_nothing(client, settings, debug, link_path):
    settings.DEBUG = debug
    first = assert_branded_dead_end(client.get(link_path[:-2] + "x/"), status=404, state="unknown")
    second = assert_branded_dead_end(
        client.post("/vault/submit/made-up/", SUBMIT), status=404, state="unknown"
    )
    assert "Acme Secret Program" not in first and "Zendesk" not in first and "Agent login" not in first
    assert without_csrf(first) == without_csrf(second)
    assert not VaultCredential.objects.exists()


@DEBUG
def test_a_used_vault_link_says_so_and_never_shows_the_secret(client, settings, debug, link_path):
    settings.DEBUG = debug
    assert client.post(link_path, SUBMIT).status_code == 200
    html = assert_branded_dead_end(client.get(link_path), status=410, state="used")
    assert (
        "This one-time link has already been used" in html and "Ask the person who sent you the link" in html
    )
    assert "pw-123" not in html and "agent@acme.test" not in html
    assert_branded_dead_end(client.post(link_path, {**SUBMIT, "password": "again"}), status=410, state="used")
    assert VaultCredential.objects.count() == 1


@DEBUG
def test_an_expired_vault_link_says_so_and_stores_nothing(client, settings, debug, link_path):
    settings.DEBUG = debug
    CredentialRequestLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    html = assert_branded_dead_end(client.get(link_path), status=410, state="expired")
    assert "This one-time link has expired" in html
    assert_branded_dead_end(client.post(link_path, SUBMIT), status=410, state="expired")
    assert not VaultCredential.objects.exists()


def test_a_link_spent_between_opening_and_sending_gets_the_used_page(client, link_path, monkeypatch):
    """The page was opened while the link worked; someone used it before this POST's turn: the service refuses,
    and the page says it was used (not a form error, not a 500)."""
    from contracts import selectors

    as_opened = CredentialRequestLink.objects.get()  # still unused when the page read it
    monkeypatch.setattr(selectors, "credential_link_for_token", lambda *, token: as_opened)
    CredentialRequestLink.objects.update(used_at=timezone.now())  # spent in between
    assert_branded_dead_end(client.post(link_path, SUBMIT), status=410, state="used")
    assert not VaultCredential.objects.exists()
