"""Backfill and reconcile: read Zendesk's cursor-based incremental ticket export since the last sync and repair
what a missed webhook left behind (a ticket never received, a solve or an assignment made in Zendesk).

Safe to run twice: intake is idempotent and each repair compares the state first. Zendesk is read outside
any transaction; each ticket is applied in its own.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from channels.models import ProgramChannel, ZendeskConnection
from channels.zendesk.client import ZendeskClient
from channels.zendesk.inbound import ZendeskTicket, apply_assignment, apply_status, ticket_take_in
from core.errors import DomainError
from core.models import OutboxMessage
from core.outbox import DeliveryError
from queues.models import Ticket

logger = logging.getLogger(__name__)
BACKFILL = datetime.timedelta(days=30)  # a first sync imports the tickets of the last 30 days still open
OVERLAP = datetime.timedelta(minutes=1)
OPEN_STATUSES = {"new", "open", "pending", "hold"}


@dataclass
class ReconcileResult:
    seen: int = 0
    created: int = 0
    repaired: int = 0
    failed: int = 0


def zendesk_reconcile(*, connection: ZendeskConnection, now=None, max_pages: int = 20) -> ReconcileResult:
    now = now or timezone.now()
    start = (connection.last_sync_at or now - BACKFILL) - OVERLAP
    result = ReconcileResult()
    cursor = None
    with ZendeskClient.for_connection(connection) as client:
        for _page in range(max_pages):
            page = client.tickets_incremental(start_time=int(start.timestamp()), cursor=cursor)
            users = {u.get("id"): u for u in page.get("users", [])}
            for item in page.get("tickets", []):
                result.seen += 1
                _reconcile_one(connection=connection, item=item, requester=users.get(item.get("requester_id")),
                               result=result)
            cursor = page.get("after_cursor")
            if page.get("end_of_stream") or not cursor:
                break
    ZendeskConnection.objects.filter(pk=connection.pk).update(last_sync_at=now)
    return result


def _reconcile_one(*, connection, item: dict, requester: dict | None, result: ReconcileResult) -> None:
    program = connection.program
    zendesk = ZendeskTicket.from_json(item, requester)
    status = (zendesk.status or "").lower()
    try:
        with transaction.atomic():
            ticket = Ticket.objects.filter(program=program, external_id=zendesk.zendesk_id).first()
            if ticket is None:
                if status not in OPEN_STATUSES or item.get("status") == "deleted":
                    return
                ticket, created = ticket_take_in(program=program, zendesk=zendesk)
                result.created += int(created)
            elif _changes_on_their_way(ticket):
                return  # Zendesk has not heard of Flexdesk's latest changes yet: do not undo them
            before = (ticket.status, ticket.assignee_id, ticket.inhouse_assignee_id)
            apply_status(ticket=ticket, status=status)
            if zendesk.assignee_id:
                apply_assignment(program=program, ticket=Ticket.objects.get(pk=ticket.pk),
                                 zendesk_user_id=zendesk.assignee_id)
            after = Ticket.objects.filter(pk=ticket.pk).values_list("status", "assignee_id", "inhouse_assignee_id").get()
            result.repaired += int(after != before)
    except DomainError as exc:
        result.failed += 1
        logger.warning("channels: could not reconcile Zendesk ticket %s of %s: %s", zendesk.zendesk_id, program,
                       exc.message)


def _changes_on_their_way(ticket: Ticket) -> bool:
    return OutboxMessage.objects.filter(
        ordering_key=f"zendesk-ticket:{ticket.pk}",
        status__in=[OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING, OutboxMessage.Status.FAILED],
    ).exists()


def zendesk_reconcile_all(*, now=None) -> dict[str, ReconcileResult | str]:
    """Every program whose channel is Zendesk (the every-10-minutes job)."""
    done: dict[str, ReconcileResult | str] = {}
    connections = ZendeskConnection.objects.filter(
        program__channel_setting__kind=ProgramChannel.Kind.ZENDESK).select_related("program")
    for connection in connections:
        if not connection.can_call_api:
            continue
        try:
            done[connection.program.slug] = zendesk_reconcile(connection=connection, now=now)
        except DeliveryError as exc:
            logger.warning("channels: reconcile of %s stopped: %s", connection.program, exc.reason)
            done[connection.program.slug] = exc.reason
    return done
