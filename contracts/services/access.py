"""Tool access grants (requested → granted → revoked) and the offboarding checklist."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.errors import ContractError
from contracts.models import Contract, OffboardingItem, ToolAccessGrant
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from programs.models import ProgramTool

OPEN_GRANT_STATUSES = (ToolAccessGrant.Status.REQUESTED, ToolAccessGrant.Status.GRANTED)


@transaction.atomic
def access_grant_request(*, contract: Contract, tool: ProgramTool, actor, note: str = "") -> ToolAccessGrant:
    """Ask for access to one of the program's tools for this contract (an open request is returned as is)."""
    contract = lock_one(Contract.objects.filter(pk=contract.pk))
    if tool.program_id != contract.program_id:
        raise ContractError("That tool belongs to another program.", field="tool")
    if contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
        raise ContractError("Tool access is for signed or active contracts.", code="grant_status")
    existing = ToolAccessGrant.objects.filter(
        contract=contract, tool=tool, status__in=OPEN_GRANT_STATUSES
    ).first()
    if existing is not None:
        return existing
    grant = ToolAccessGrant(
        contract=contract, tool=tool, requested_at=timezone.now(), requested_by=actor, note=note.strip()[:200]
    )
    grant.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError:
        return ToolAccessGrant.objects.get(contract=contract, tool=tool, status__in=OPEN_GRANT_STATUSES)
    audit_record(actor=actor, verb="tool_access.requested", target=grant, tool=tool.name)
    return grant


@transaction.atomic
def access_grant_grant(*, grant: ToolAccessGrant, actor) -> ToolAccessGrant:
    """Access was given in the tool; the freelancer may now reveal the tool's vault credentials."""
    grant = lock_one(ToolAccessGrant.objects.filter(pk=grant.pk).select_related("contract", "tool"))
    if grant.status == ToolAccessGrant.Status.GRANTED:
        return grant
    check_transition(
        ToolAccessGrant.TRANSITIONS, grant.status, ToolAccessGrant.Status.GRANTED, label="tool access"
    )
    if grant.contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
        raise ContractError(
            "Access can only be granted under a signed or active contract.", code="grant_status"
        )
    grant.status = ToolAccessGrant.Status.GRANTED
    grant.granted_at = timezone.now()
    grant.granted_by = actor
    grant.save(update_fields=["status", "granted_at", "granted_by", "updated_at"])
    audit_record(actor=actor, verb="tool_access.granted", target=grant, tool=grant.tool.name)
    return grant


@transaction.atomic
def access_grant_revoke(*, grant: ToolAccessGrant, actor, reason: str = "") -> ToolAccessGrant:
    """Revoke at once: from this moment the freelancer can no longer reveal the tool's credentials."""
    grant = lock_one(ToolAccessGrant.objects.filter(pk=grant.pk).select_related("tool"))
    if grant.status == ToolAccessGrant.Status.REVOKED:
        return grant
    check_transition(
        ToolAccessGrant.TRANSITIONS, grant.status, ToolAccessGrant.Status.REVOKED, label="tool access"
    )
    now = timezone.now()
    grant.status = ToolAccessGrant.Status.REVOKED
    grant.revoked_at = now
    grant.revoked_by = actor
    if reason.strip():
        grant.note = reason.strip()[:200]
    grant.save(update_fields=["status", "revoked_at", "revoked_by", "note", "updated_at"])
    OffboardingItem.objects.filter(grant=grant, done_at__isnull=True).update(done_at=now, done_by=actor)
    audit_record(
        actor=actor, verb="tool_access.revoked", target=grant, tool=grant.tool.name, reason=reason.strip()
    )
    return grant


def offboarding_checklist_create(
    *, contract: Contract, actor=None, worked: bool = True
) -> list[OffboardingItem]:
    """What must happen when a contract ends: revoke each grant, approve final hours, pay the final payout.

    Requests never granted are withdrawn at once (there is no access to take back). Safe to call twice.
    """
    items = []
    position = 0
    for grant in ToolAccessGrant.objects.filter(
        contract=contract, status__in=OPEN_GRANT_STATUSES
    ).select_related("tool"):
        if grant.status == ToolAccessGrant.Status.REQUESTED:
            access_grant_revoke(grant=grant, actor=actor, reason="Contract ended before access was granted")
            continue
        position += 1
        item, _ = OffboardingItem.objects.get_or_create(
            grant=grant,
            defaults={
                "contract": contract,
                "kind": OffboardingItem.Kind.REVOKE_ACCESS,
                "position": position,
                "title": f"Revoke {grant.tool.name} access ({grant.tool.access_level})",
            },
        )
        items.append(item)
    if worked:
        for kind, title in (
            (OffboardingItem.Kind.FINAL_TIME_ENTRIES, "Approve the final time entries"),
            (OffboardingItem.Kind.FINAL_PAYOUT, "Pay the final payout"),
        ):
            position += 1
            item, _ = OffboardingItem.objects.get_or_create(
                contract=contract, kind=kind, defaults={"title": title, "position": position}
            )
            items.append(item)
    if items:
        audit_record(actor=actor, verb="contract.offboarding_started", target=contract, items=len(items))
    return items


@transaction.atomic
def offboarding_item_complete(*, item: OffboardingItem, actor) -> OffboardingItem:
    """Tick an offboarding item. Ticking a 'revoke access' item revokes the grant in Flexdesk too."""
    item = lock_one(OffboardingItem.objects.filter(pk=item.pk))
    if item.done_at is not None:
        return item
    if item.grant is not None and item.grant.status != ToolAccessGrant.Status.REVOKED:
        access_grant_revoke(grant=item.grant, actor=actor, reason="Offboarding")
        item.refresh_from_db()
        if item.done_at is not None:
            return item
    item.done_at = timezone.now()
    item.done_by = actor
    item.save(update_fields=["done_at", "done_by", "updated_at"])
    audit_record(actor=actor, verb="contract.offboarding_item_done", target=item.contract, item=item.title)
    return item
