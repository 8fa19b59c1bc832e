"""The credentials vault: store encrypted, reveal to freelancers with a grant (logged), one-time customer links.

Secrets are never written to logs, audit data or exception messages.
"""

import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer
from contracts.errors import VaultError
from contracts.models import (
    Contract,
    CredentialRequestLink,
    CredentialReveal,
    ToolAccessGrant,
    VaultCredential,
)
from contracts.selectors import credential_link_state
from contracts.vault import decrypt_secret, encrypt_secret, rotate_ciphertext
from core.audit import audit_record
from core.links import LinkState
from core.locks import lock_one
from core.outbox import email_enqueue
from core.tokens import token_digest, token_new
from programs.models import Program, ProgramTool
from programs.services import program_stakeholders_add

LINK_VALIDITY = datetime.timedelta(days=7)


def _payload(username: str, password: str, notes: str) -> dict:
    if not (password or "").strip() and not (username or "").strip():
        raise VaultError("Enter at least a username or a password.", field="password")
    return {"username": (username or "").strip(), "password": password or "", "notes": (notes or "").strip()}


@transaction.atomic
def credential_store(
    *,
    program: Program,
    tool: ProgramTool,
    label: str,
    username: str = "",
    password: str = "",
    notes: str = "",
    actor=None,
    source: str = VaultCredential.Source.MANAGER,
    submitted_by_name: str = "",
) -> VaultCredential:
    """Encrypt and store credentials for one of the program's tools (fails, storing nothing, without a vault key)."""
    if tool.program_id != program.pk:
        raise VaultError("That tool belongs to another program.", field="tool")
    credential = VaultCredential(
        program=program,
        tool=tool,
        label=(label or "").strip() or tool.name,
        ciphertext=encrypt_secret(_payload(username, password, notes)),
        source=source,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        submitted_by_name=(submitted_by_name or "").strip()[:150],
    )
    credential.full_clean()
    credential.save()
    audit_record(
        actor=actor, verb="vault.credential_stored", target=credential, tool=tool.name, source=source
    )
    return credential


@transaction.atomic
def credential_replace(
    *, credential: VaultCredential, username: str, password: str, notes: str = "", actor
) -> VaultCredential:
    """New secret for an existing entry (e.g. the customer changed the password)."""
    credential = lock_one(VaultCredential.objects.filter(pk=credential.pk))
    credential.ciphertext = encrypt_secret(_payload(username, password, notes))
    credential.save(update_fields=["ciphertext", "updated_at"])
    audit_record(actor=actor, verb="vault.credential_replaced", target=credential)
    return credential


@transaction.atomic
def credential_delete(*, credential: VaultCredential, actor) -> None:
    audit_record(actor=actor, verb="vault.credential_deleted", target=credential)
    credential.delete()


def _active_grant(*, credential: VaultCredential, freelancer: Freelancer) -> ToolAccessGrant | None:
    return (
        ToolAccessGrant.objects.select_for_update()
        .filter(
            contract__freelancer=freelancer,
            contract__program_id=credential.program_id,
            contract__status=Contract.Status.ACTIVE,
            tool_id=credential.tool_id,
            status=ToolAccessGrant.Status.GRANTED,
        )
        .order_by("pk")
        .first()
    )


def credential_reveal_fields(
    *, credential: VaultCredential, freelancer: Freelancer, ip_address: str | None
) -> dict:
    """Decrypt for a freelancer with an active grant for the tool, recording the reveal.

    Raises VaultError otherwise, after recording the refusal: the audit row is written outside the reveal's
    transaction, so the refusal's rollback does not take it along.
    """
    try:
        return _credential_reveal(credential=credential, freelancer=freelancer, ip_address=ip_address)
    except VaultError as error:
        credential_reveal_refused(
            freelancer=freelancer,
            credential_id=credential.pk,
            ip_address=ip_address,
            reason=error.code or "refused",
        )
        raise


def credential_reveal_refused(
    *, freelancer: Freelancer, credential_id: int, ip_address: str | None, reason: str
) -> None:
    """Every refused reveal leaves an audit row: no grant, an ended contract, a credential outside the
    freelancer's contracts, or an id that names no credential at all (then the row has no target)."""
    credential = VaultCredential.objects.filter(pk=credential_id).first()
    audit_record(
        actor=freelancer.user,
        verb="vault.reveal_refused",
        target=credential,
        ip_address=ip_address,
        reason=reason,
        credential_id=str(credential_id),
    )


@transaction.atomic
def _credential_reveal(
    *, credential: VaultCredential, freelancer: Freelancer, ip_address: str | None
) -> dict:
    grant = _active_grant(credential=credential, freelancer=freelancer)
    if grant is None:
        raise VaultError("You have no active access to this tool.", code="no_grant")
    secret = decrypt_secret(credential.ciphertext)
    CredentialReveal.objects.create(
        credential=credential,
        freelancer=freelancer,
        user=freelancer.user,
        grant=grant,
        revealed_at=timezone.now(),
        ip_address=ip_address,
    )
    audit_record(
        actor=freelancer.user, verb="vault.credential_revealed", target=credential, ip_address=ip_address
    )
    return secret


def credential_reveal(*, credential: VaultCredential, freelancer: Freelancer, ip_address: str | None) -> str:
    """The password (see credential_reveal_fields for username and notes too); the reveal is recorded."""
    return credential_reveal_fields(credential=credential, freelancer=freelancer, ip_address=ip_address)[
        "password"
    ]


@transaction.atomic
def credential_link_create(
    *,
    program: Program,
    tool: ProgramTool,
    label: str,
    actor,
    recipient_name: str = "",
    recipient_email: str = "",
    valid_for: datetime.timedelta = LINK_VALIDITY,
) -> tuple[CredentialRequestLink, str]:
    """A single-use, expiring link for a customer to submit credentials. Returns (link, url); only the hash is kept."""
    if tool.program_id != program.pk:
        raise VaultError("That tool belongs to another program.", field="tool")
    token, digest = token_new()
    link = CredentialRequestLink(
        program=program,
        tool=tool,
        label=(label or "").strip() or tool.name,
        recipient_name=recipient_name.strip(),
        recipient_email=recipient_email.strip(),
        token_hash=digest,
        expires_at=timezone.now() + valid_for,
        created_by=actor,
    )
    link.full_clean()
    link.save()
    url = settings.SITE_URL + reverse("contracts:vault_submit", kwargs={"token": token})
    audit_record(
        actor=actor,
        verb="vault.link_created",
        target=link,
        tool=tool.name,
        expires_at=link.expires_at.isoformat(),
    )
    if link.recipient_email:
        body = render_to_string(
            "contracts/email/credential_link.txt", {"link": link, "url": url, "sender": actor}
        )
        recipient = link.recipient_email
        email_enqueue(
            to=[recipient],
            subject=f"Please share the {tool.name} login for {program.name}",
            body=body,
            reply_to=[actor.email] if getattr(actor, "email", "") else None,
            program_id=program.pk,
            about=link,
            sensitive=True,
        )
    return link, url


@transaction.atomic
def credential_submit_via_link(
    *,
    token: str,
    username: str,
    password: str,
    notes: str = "",
    submitted_by_name: str = "",
    ip_address: str | None = None,
    stakeholders: Iterable[Mapping[str, str]] = (),
) -> VaultCredential:
    """The customer submits through the link; the link is then spent. A wrong, used or expired token raises.

    `stakeholders` are the customer contacts (name, e-mail, role) the page asks for beside the login: they
    become the program's stakeholders (weekly NPS, the read-only stakeholder page, the welcome e-mail)."""
    found = CredentialRequestLink.objects.filter(token_hash=token_digest(token or "")).values_list(
        "pk", flat=True
    )
    link = (
        lock_one(CredentialRequestLink.objects.filter(pk__in=list(found)).select_related("program", "tool"))
        if found
        else None
    )
    if link is None or credential_link_state(link=link) != LinkState.OPEN:
        raise VaultError("This link is not valid any more.", code="link_invalid")
    credential = credential_store(
        program=link.program,
        tool=link.tool,
        label=link.label,
        username=username,
        password=password,
        notes=notes,
        actor=None,
        source=VaultCredential.Source.LINK,
        submitted_by_name=submitted_by_name or link.recipient_name,
    )
    link.used_at = timezone.now()
    link.credential = credential
    link.save(update_fields=["used_at", "credential", "updated_at"])
    added = program_stakeholders_add(program=link.program, contacts=stakeholders, source="vault link")
    audit_record(verb="vault.link_used", target=link, ip_address=ip_address, stakeholders_added=len(added))
    return credential


def vault_rotate(*, batch_size: int = 200) -> int:
    """Re-encrypt every credential with the newest key (the first of settings.VAULT_KEYS). Returns the count."""
    count = 0
    ids = list(VaultCredential.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            now = timezone.now()
            for credential in (
                VaultCredential.objects.select_for_update()
                .filter(pk__in=ids[start : start + batch_size])
                .order_by("pk")
            ):
                credential.ciphertext = rotate_ciphertext(credential.ciphertext)
                credential.rotated_at = now
                credential.save(update_fields=["ciphertext", "rotated_at", "updated_at"])
                count += 1
    if count:
        audit_record(verb="vault.rotated", credentials=count)
    return count
