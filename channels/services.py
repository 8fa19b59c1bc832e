"""Channel writes: a program's channel, its Zendesk connection, and the people mapping.

Calls to Zendesk (test connection, people look-ups) happen outside any database transaction; what they
found is then written in one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels.errors import ChannelError
from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from channels.zendesk.client import ZendeskClient
from contracts.models import Contract
from core.audit import audit_record
from core.outbox import DeliveryError
from programs.models import Program

logger = logging.getLogger(__name__)
# Contracts whose freelancer works (or is about to work) the program's tickets.
WORKING_CONTRACTS = (Contract.Status.SENT, Contract.Status.SIGNED, Contract.Status.ACTIVE)


def zendesk_connection_for(program: Program) -> ZendeskConnection:
    """The program's saved connection, or an unsaved empty one (reads never write)."""
    try:
        return program.zendesk_connection
    except ZendeskConnection.DoesNotExist:
        return ZendeskConnection(program=program)


def channel_kind_of(program: Program) -> str:
    row = ProgramChannel.objects.filter(program=program).values_list("kind", flat=True).first()
    return row or ProgramChannel.Kind.API


@transaction.atomic
def zendesk_connection_save(
    *,
    program: Program,
    actor,
    channel_kind: str,
    subdomain: str,
    base_url: str,
    api_email: str,
    api_token: str,
    webhook_signing_secret: str,
    in_house_group_id: int | None,
    routing_tag: str,
) -> ZendeskConnection:
    """Save the program's channel and Zendesk settings. A blank secret keeps the stored one (the form never shows
    it again); the secrets are encrypted with the vault's keys.

    The save that connects the program (Zendesk becomes its channel with working API settings, never synced
    before) starts the backfill of its open tickets after commit (channels.tasks.zendesk_backfill_task)."""
    if channel_kind not in ProgramChannel.Kind.values:
        raise ChannelError("Pick Zendesk, shared mailbox or API only.", field="channel_kind")
    connection = zendesk_connection_for(program)
    was_connected = channel_kind_of(program) == ProgramChannel.Kind.ZENDESK and connection.can_call_api
    connection.subdomain = (subdomain or "").strip().lower()
    connection.base_url = (base_url or "").strip()
    connection.api_email = (api_email or "").strip()
    if api_token:
        connection.api_token = api_token.strip()
    if webhook_signing_secret:
        connection.webhook_signing_secret = webhook_signing_secret.strip()
    connection.in_house_group_id = in_house_group_id
    connection.routing_tag = (routing_tag or "").strip()
    if channel_kind == ProgramChannel.Kind.ZENDESK and not connection.api_url:
        raise ChannelError(
            "Give the Zendesk subdomain (or a base URL) to use Zendesk as the channel.", field="subdomain"
        )
    connection.full_clean()
    connection.save()
    ProgramChannel.objects.update_or_create(program=program, defaults={"kind": channel_kind})
    audit_record(
        actor=actor,
        verb="channels.zendesk_saved",
        target=program,
        channel=channel_kind,
        api_url=connection.api_url,
    )  # never the secrets
    if (
        channel_kind == ProgramChannel.Kind.ZENDESK
        and connection.can_call_api
        and not was_connected
        and connection.last_sync_at is None
    ):
        _backfill_after_commit(connection.pk)
    return connection


def _backfill_after_commit(connection_id: int) -> None:
    def _publish():
        from channels.tasks import zendesk_backfill_task

        try:
            zendesk_backfill_task.delay(connection_id)
        except Exception:  # the broker is down: the every-10-minutes reconcile does the same first sync
            logger.warning(
                "channels: could not enqueue the backfill of Zendesk connection %s",
                connection_id,
                exc_info=True,
            )

    transaction.on_commit(_publish)


def _client(connection: ZendeskConnection) -> ZendeskClient:
    if not connection.pk or not connection.can_call_api:
        raise ChannelError("Save the subdomain, the API user's e-mail and the API token first.")
    try:
        return ZendeskClient.for_connection(connection)
    except DeliveryError as exc:
        raise ChannelError(exc.reason) from exc


def zendesk_connection_test(*, program: Program, actor) -> dict:
    """Ask Zendesk whose token this is. Raises ChannelError with Zendesk's exact error."""
    connection = zendesk_connection_for(program)
    try:
        with _client(connection) as client:
            user = client.me()
    except DeliveryError as exc:
        raise ChannelError(f"The connection does not work: {exc.reason}") from exc
    who = f"{user.get('name') or ''} <{user.get('email') or ''}> ({user.get('role') or 'no role'})".strip()
    with transaction.atomic():
        ZendeskConnection.objects.filter(pk=connection.pk).update(
            connected_as=who[:200], connected_at=connection.connected_at or timezone.now()
        )
        audit_record(actor=actor, verb="channels.zendesk_tested", target=program, user_id=user.get("id"))
    return user


def program_people(program: Program) -> list:
    """Everyone who works the program's tickets: its in-house team and its contracted freelancers."""
    User = get_user_model()
    freelancer_users = Contract.objects.filter(program=program, status__in=WORKING_CONTRACTS).values(
        "freelancer__user_id"
    )
    team = program.managers.values("pk")
    return list(
        User.objects.filter(Q(pk__in=freelancer_users) | Q(pk__in=team), is_active=True).order_by("email")
    )


@dataclass(frozen=True)
class MappingResult:
    matched: int
    unmatched: int


def zendesk_people_refresh(*, program: Program, actor) -> MappingResult:
    """Match every person of the program to their Zendesk user by e-mail (one look-up each, outside a transaction)."""
    connection = zendesk_connection_for(program)
    people = program_people(program)
    found: dict[int, dict | None] = {}
    try:
        with _client(connection) as client:
            for person in people:
                found[person.pk] = client.user_search_by_email(person.email)
    except DeliveryError as exc:
        raise ChannelError(f"Zendesk could not be asked: {exc.reason}") from exc
    now = timezone.now()
    with transaction.atomic():
        for person in people:
            user = found.get(person.pk)
            zendesk_id = int(user["id"]) if user and user.get("id") else None
            ZendeskUserMap.objects.update_or_create(
                program=program,
                user=person,
                defaults={
                    "zendesk_user_id": zendesk_id,
                    "zendesk_name": (user or {}).get("name", "")[:200],
                    "matched_at": now if zendesk_id else None,
                    "checked_at": now,
                },
            )
        ZendeskUserMap.objects.filter(program=program).exclude(user__in=[p.pk for p in people]).delete()
        audit_record(actor=actor, verb="channels.zendesk_people_refreshed", target=program)
    matched = sum(1 for p in people if found.get(p.pk))
    return MappingResult(matched=matched, unmatched=len(people) - matched)
