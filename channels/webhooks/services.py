"""Writes for outbound webhook endpoints: register, rotate the secret, deactivate, delete, retry a delivery.

A signing secret is generated here, returned once to the caller (the page shows it once) and stored
encrypted; nothing else ever reads it back for display. Audit rows never carry it.
"""

from __future__ import annotations

import secrets

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from channels.errors import ChannelError
from channels.models import WebhookEndpoint
from core.audit import audit_record
from core.models import OutboxMessage
from core.outbox import outbox_retry
from programs.models import Program


def webhook_secret_generate() -> str:
    return secrets.token_urlsafe(32)


def _full_clean(endpoint: WebhookEndpoint) -> None:
    try:
        endpoint.full_clean()
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise ChannelError(problems[0], field=None if field == "__all__" else field) from exc


@transaction.atomic
def webhook_endpoint_create(
    *, program: Program, actor, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once, never again)."""
    secret = webhook_secret_generate()
    endpoint = WebhookEndpoint(
        program=program,
        url=(url or "").strip(),
        description=(description or "").strip(),
        event_types=[value for value in WebhookEndpoint.Event.values if value in set(event_types or [])],
        created_by=actor,
    )
    endpoint.signing_secret = secret
    _full_clean(endpoint)
    endpoint.save()
    audit_record(
        actor=actor,
        verb="channels.webhook_created",
        target=endpoint,
        url=endpoint.url,
        event_types=endpoint.event_types,
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor) -> str:
    """A new signing secret, at once: deliveries sent from now on are signed with it. Returned once."""
    secret = webhook_secret_generate()
    endpoint.signing_secret = secret
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret_encrypted", "secret_rotated_at", "updated_at"])
    audit_record(actor=actor, verb="channels.webhook_secret_rotated", target=endpoint)
    return secret


def _cancel_pending(endpoint: WebhookEndpoint, why: str) -> int:
    """Deliveries to the endpoint that have not gone yet are given up (cancelled, so the log says so).
    A queued row is claimed only while queued (core.outbox), so none of these is sent after this."""
    return OutboxMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(WebhookEndpoint),
        subject_id=str(endpoint.pk),
        status__in=[OutboxMessage.Status.QUEUED, OutboxMessage.Status.FAILED],
    ).update(
        status=OutboxMessage.Status.CANCELLED, next_attempt_at=None, last_error=why, updated_at=timezone.now()
    )


@transaction.atomic
def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, actor, active: bool) -> WebhookEndpoint:
    """Deactivate (no new deliveries; the ones not sent yet are cancelled) or activate again."""
    if endpoint.is_active == active:
        return endpoint
    if active:
        _full_clean(endpoint)  # the address is checked again: rules may have changed since
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active", "updated_at"])
    cancelled = 0 if active else _cancel_pending(endpoint, "Cancelled: the endpoint was deactivated.")
    audit_record(
        actor=actor,
        verb="channels.webhook_activated" if active else "channels.webhook_deactivated",
        target=endpoint,
        cancelled=cancelled,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    """Remove the endpoint; what it had not received yet is cancelled (the program's deliveries page keeps it)."""
    cancelled = _cancel_pending(endpoint, "Cancelled: the endpoint was deleted.")
    audit_record(
        actor=actor,
        verb="channels.webhook_deleted",
        target=endpoint.program,
        url=endpoint.url,
        endpoint_id=endpoint.pk,
        cancelled=cancelled,
    )
    endpoint.delete()


def webhook_delivery_retry(*, endpoint: WebhookEndpoint, message_id: int, actor) -> OutboxMessage:
    """Send a failed delivery of this endpoint again now. OutboxMessage.DoesNotExist if it is not one of its."""
    from channels.webhooks.selectors import webhook_deliveries

    if not webhook_deliveries(endpoint=endpoint).filter(pk=message_id).exists():
        raise OutboxMessage.DoesNotExist
    if not endpoint.is_active:
        raise ChannelError("Activate the endpoint first.")
    return outbox_retry(message_id=message_id, actor=actor, program_ids=[endpoint.program_id])
