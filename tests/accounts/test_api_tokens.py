"""API tokens issued, listed and revoked by a support manager in /manage/ (DRF's token: shown once)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_get_or_issue, api_token_issue
from accounts.errors import AccountError
from accounts.models import User
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    manager = ManagerFactory()
    colleague = ManagerFactory()
    agent = UserFactory(role=User.Role.AGENT)
    program = ProgramFactory(slug="shop", managers=[manager, colleague, agent])
    return program, manager, colleague, agent


def api_status(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/tickets/").status_code


def test_a_manager_issues_a_token_shown_once_listed_by_prefix_then_revokes_it(client, team):
    program, manager, colleague, _ = team
    client.force_login(manager)

    response = client.post(f"/manage/api-tokens/{colleague.pk}/issue/")
    key = Token.objects.get(user=colleague).key
    page = response.content.decode()
    assert response.status_code == 200 and key in page and "will not be shown again" in page
    assert "no-store" in response["Cache-Control"]
    assert api_status(key) == 200

    listing = client.get("/manage/api-tokens/").content.decode()
    assert key not in listing and f"<code>{key[:6]}…</code>" in listing
    assert colleague.email in listing and manager.email in listing

    # issuing again replaces the key: the old one stops working
    client.post(f"/manage/api-tokens/{colleague.pk}/issue/")
    new_key = Token.objects.get(user=colleague).key
    assert new_key != key and api_status(key) == 401 and api_status(new_key) == 200

    response = client.post(f"/manage/api-tokens/{colleague.pk}/revoke/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"{colleague}'s API token is revoked: it stops working now."
    ]
    assert not Token.objects.filter(user=colleague).exists() and api_status(new_key) == 401
    again = client.post(f"/manage/api-tokens/{colleague.pk}/revoke/", follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        f"{colleague} has no API token: nothing was changed."
    ]
    assert list(
        AuditLog.objects.filter(target_id=str(colleague.pk), verb__startswith="api_token.")
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == ["api_token.issued", "api_token.replaced", "api_token.revoked"]


def test_someone_outside_the_managers_programs_is_not_found(client, team):
    _, manager, _, _ = team
    stranger = ManagerFactory()
    ProgramFactory(managers=[stranger])
    client.force_login(manager)
    assert client.post(f"/manage/api-tokens/{stranger.pk}/issue/").status_code == 404
    assert client.post(f"/manage/api-tokens/{stranger.pk}/revoke/").status_code == 404
    assert stranger.email not in client.get("/manage/api-tokens/").content.decode()
    assert not Token.objects.exists()


def test_an_agent_is_refused_and_sees_no_link(client, team):
    _, manager, _, agent = team
    client.force_login(agent)
    assert client.get("/manage/api-tokens/").status_code == 403
    assert client.post(f"/manage/api-tokens/{agent.pk}/issue/").status_code == 403
    assert "/manage/api-tokens/" not in client.get("/manage/reviews/").content.decode()
    assert not Token.objects.exists()
    client.force_login(manager)
    assert "/manage/api-tokens/" in client.get("/manage/reviews/").content.decode()


def test_tokens_are_for_active_inhouse_users_only():
    freelancer = FreelancerFactory()
    with pytest.raises(AccountError, match="active support managers and in-house agents"):
        api_token_issue(user=freelancer.user)
    retired = ManagerFactory(is_active=False)
    with pytest.raises(AccountError):
        api_token_issue(user=retired)
    assert not Token.objects.exists()


def test_the_commands_service_keeps_an_existing_token(team):
    _, manager, _, _ = team
    key, issued = api_token_get_or_issue(user=manager)
    assert issued
    assert api_token_get_or_issue(user=manager) == (key, False)
