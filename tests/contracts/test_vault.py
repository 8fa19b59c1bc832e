import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from contracts.checks import vault_keys_check
from contracts.errors import VaultError
from contracts.models import (
    Contract,
    CredentialRequestLink,
    CredentialReveal,
    ToolAccessGrant,
    VaultCredential,
)
from contracts.selectors import credential_link_get, credentials_for_contract
from contracts.services import (
    access_grant_revoke,
    credential_link_create,
    credential_reveal,
    credential_reveal_fields,
    credential_store,
    credential_submit_via_link,
)
from contracts.vault import decrypt_secret
from core.models import AuditLog
from tests.contracts.factories import ContractFactory, ProgramToolFactory, ToolAccessGrantFactory

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Zendesk-pa55!"


@pytest.fixture
def tool(program):
    return ProgramToolFactory(program=program, name="Zendesk")


@pytest.fixture
def credential(program, tool, manager):
    return credential_store(
        program=program,
        tool=tool,
        label="Shared login",
        username="team@example.com",
        password=PASSWORD,
        notes="2FA via Slack",
        actor=manager,
    )


@pytest.fixture
def grant(program, tool):
    return ToolAccessGrantFactory(contract=ContractFactory(program=program), tool=tool)


def test_credentials_are_encrypted_at_rest_and_round_trip(credential):
    stored = VaultCredential.objects.get(pk=credential.pk)
    assert PASSWORD not in stored.ciphertext and "team@example.com" not in stored.ciphertext
    assert decrypt_secret(stored.ciphertext) == {
        "username": "team@example.com",
        "password": PASSWORD,
        "notes": "2FA via Slack",
    }
    assert PASSWORD not in str(AuditLog.objects.filter(verb="vault.credential_stored").values_list("data"))


def test_missing_key_fails_loudly_and_stores_nothing(program, tool, manager, settings):
    settings.VAULT_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FLEXDESK_VAULT_KEYS"):
        credential_store(program=program, tool=tool, label="x", password=PASSWORD, actor=manager)
    assert not VaultCredential.objects.exists()


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], [Fernet.generate_key().decode(), "short"]])
def test_start_up_check_reports_a_missing_or_invalid_key_without_echoing_it(settings, keys):
    settings.VAULT_KEYS = keys
    errors = vault_keys_check()
    assert errors and errors[0].id == "contracts.E001"
    assert all("not-a-fernet-key" not in e.msg for e in errors)


def test_start_up_check_passes_with_valid_keys(settings):
    settings.VAULT_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    assert vault_keys_check() == []


def test_rotation_re_encrypts_everything_with_the_newest_key(credential, settings):
    old_key = settings.VAULT_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.VAULT_KEYS = [new_key, old_key]
    out = io.StringIO()

    call_command("rotate_vault_key", stdout=out)

    assert "Re-encrypted 1 credential" in out.getvalue()
    credential.refresh_from_db()
    assert credential.rotated_at is not None
    settings.VAULT_KEYS = [new_key]  # the old key can now be dropped
    assert decrypt_secret(credential.ciphertext)["password"] == PASSWORD
    assert Fernet(new_key.encode()).decrypt(credential.ciphertext.encode())


def test_reveal_with_an_active_grant_is_logged(credential, grant):
    freelancer = grant.contract.freelancer
    assert (
        credential_reveal(credential=credential, freelancer=freelancer, ip_address="198.51.100.3") == PASSWORD
    )

    reveal = CredentialReveal.objects.get()
    assert (reveal.freelancer, reveal.user, reveal.ip_address, reveal.grant) == (
        freelancer,
        freelancer.user,
        "198.51.100.3",
        grant,
    )
    log = AuditLog.objects.get(verb="vault.credential_revealed")
    assert log.actor == freelancer.user and PASSWORD not in str(log.data)


def test_reveal_without_a_grant_is_refused_and_the_refusal_is_audited(credential, program):
    # Changed on purpose (issue #14): a refused reveal used to leave no trace; now every refusal is audited,
    # while no CredentialReveal (a reveal that happened) is recorded and the secret appears nowhere.
    stranger = ContractFactory(program=program).freelancer
    with pytest.raises(VaultError):
        credential_reveal_fields(credential=credential, freelancer=stranger, ip_address="198.51.100.9")
    assert not CredentialReveal.objects.exists()
    assert not AuditLog.objects.filter(verb="vault.credential_revealed").exists()
    log = AuditLog.objects.get(verb="vault.reveal_refused")
    assert (log.actor, log.target_id, log.ip_address, log.data["reason"]) == (
        stranger.user,
        str(credential.pk),
        "198.51.100.9",
        "no_grant",
    )
    assert PASSWORD not in str(log.data)


def test_revoking_the_grant_removes_access_at_once(credential, grant, manager):
    freelancer = grant.contract.freelancer
    assert list(credentials_for_contract(contract=grant.contract)) == [credential]

    access_grant_revoke(grant=grant, actor=manager)

    assert list(credentials_for_contract(contract=grant.contract)) == []
    with pytest.raises(VaultError):
        credential_reveal(credential=credential, freelancer=freelancer, ip_address=None)
    assert AuditLog.objects.filter(verb="vault.reveal_refused", actor=freelancer.user).count() == 1


def test_an_ended_contract_loses_access_even_before_offboarding(credential, grant):
    Contract.objects.filter(pk=grant.contract_id).update(status=Contract.Status.ENDED)
    grant.refresh_from_db()
    assert grant.status == ToolAccessGrant.Status.GRANTED
    with pytest.raises(VaultError):
        credential_reveal(credential=credential, freelancer=grant.contract.freelancer, ip_address=None)


# ---------------------------------------------------------------- one-time links


def _token(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_link_stores_only_a_hash_and_works_once(
    program, tool, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link, url = credential_link_create(
            program=program, tool=tool, label="Agent login", actor=manager, recipient_email="it@customer.test"
        )
    token = _token(url)
    assert token not in link.token_hash and len(token) >= 40
    assert mailoutbox[0].to == ["it@customer.test"] and url in mailoutbox[0].body

    credential = credential_submit_via_link(
        token=token, username="agent", password=PASSWORD, submitted_by_name="Ida from IT"
    )
    assert credential.source == VaultCredential.Source.LINK and credential.submitted_by_name == "Ida from IT"
    assert decrypt_secret(credential.ciphertext)["password"] == PASSWORD

    with pytest.raises(VaultError):
        credential_submit_via_link(token=token, username="x", password="y")
    assert VaultCredential.objects.count() == 1
    assert credential_link_get(token=token) is None


def test_expired_or_tampered_links_do_not_work(program, tool, manager):
    link, url = credential_link_create(program=program, tool=tool, label="Agent login", actor=manager)
    token = _token(url)
    assert credential_link_get(token=token) == link
    assert credential_link_get(token=token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    CredentialRequestLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert credential_link_get(token=token) is None
    with pytest.raises(VaultError):
        credential_submit_via_link(token=token, username="x", password="y")
    assert not VaultCredential.objects.exists()


def test_admin_lists_metadata_only(admin_client, credential):
    response = admin_client.get("/admin/contracts/vaultcredential/")
    assert response.status_code == 200
    assert "Shared login" in response.content.decode()
    assert (
        credential.ciphertext not in response.content.decode() and PASSWORD not in response.content.decode()
    )
    detail = admin_client.get(f"/admin/contracts/vaultcredential/{credential.pk}/change/").content.decode()
    assert credential.ciphertext not in detail and PASSWORD not in detail
