"""Backfill and reconcile: read Zendesk's cursor-based incremental ticket export since the last sync and repair
what a missed webhook left behind (a ticket never received, a status, an assignment, a priority or tags changed
in Zendesk).

The export is GET /api/v2/incremental/tickets/cursor.json?start_time=… for the first page, then ?cursor=<the
page's after_cursor> until a page says end_of_stream. A first sync (the backfill when a program is connected:
`zendesk_backfill`, run after the connection is saved) starts BACKFILL ago and imports the tickets still open
(new, open, pending, on hold) through queues' one intake; later syncs start a minute before the last one.
`last_sync_at` only moves as far as the export was read: a sync stopped by Zendesk's rate limit (ten export
requests a minute) or by `max_pages` resumes where it stopped, not after it.

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
from channels.zendesk.inbound import (
    ZendeskTicket,
    apply_assignment,
    apply_priority,
    apply_status,
    apply_tags,
    ticket_take_in,
    zendesk_ticket_in,
)
from core.errors import DomainError
from core.models import OutboxMessage
from core.outbox import DeliveryError
from queues.models import Ticket
from queues.services.intake import MAX_BATCH, IntakeBatchError, TicketIn, tickets_intake
from queues.services.routing import enqueue_route

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
    read_up_to = None  # the newest change read so far: where the next sync resumes if this one stops early
    try:
        with ZendeskClient.for_connection(connection) as client:
            for _page in range(max_pages):
                page = client.tickets_incremental(start_time=int(start.timestamp()), cursor=cursor)
                users = {u.get("id"): u for u in page.get("users", [])}
                first_new = _take_in_new(
                    connection=connection, items=page.get("tickets", []), users=users, result=result
                )
                for item in page.get("tickets", []):
                    result.seen += 1
                    _reconcile_one(
                        connection=connection,
                        item=item,
                        requester=users.get(item.get("requester_id")),
                        result=result,
                    )
                    read_up_to = max(filter(None, [read_up_to, _changed_at(item)]), default=None)
                if first_new is not None:  # the new tickets, repaired: route them (coalesced per program)
                    enqueue_route(first_new, connection.program.pk)
                cursor = page.get("after_cursor")
                if page.get("end_of_stream") or not cursor:
                    read_up_to = now  # read to the end
                    break
    finally:  # also when Zendesk stopped answering part way: what was read stays read
        if read_up_to is not None:
            ZendeskConnection.objects.filter(pk=connection.pk).update(last_sync_at=min(read_up_to, now))
    return result


def _changed_at(item: dict) -> datetime.datetime | None:
    """When the exported ticket last changed: the export's generated_timestamp (its order), else updated_at."""
    stamp = item.get("generated_timestamp")
    if isinstance(stamp, int | float) and stamp > 0:
        return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(str(item.get("updated_at") or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def zendesk_backfill(*, connection_id: int, now=None) -> ReconcileResult | None:
    """The first sync of a newly connected program: import its open tickets (the last BACKFILL of the export).
    None (nothing done) when the program is not a Zendesk program that can call the API, or was synced already
    (the every-10-minutes reconcile takes it from there). Safe to run twice."""
    connection = (
        ZendeskConnection.objects.filter(
            pk=connection_id, program__channel_setting__kind=ProgramChannel.Kind.ZENDESK
        )
        .select_related("program")
        .first()
    )
    if connection is None or not connection.can_call_api or connection.last_sync_at is not None:
        return None
    return zendesk_reconcile(connection=connection, now=now)


def _take_in_new(*, connection, items: list[dict], users: dict, result: ReconcileResult) -> int | None:
    """The page's open tickets Flexdesk has not received yet, taken in through queues' batch intake (MAX_BATCH
    an INSERT). Routing is enqueued once the page's repairs (status, assignee, priority, tags: _reconcile_one,
    which then finds these tickets) are applied, as it was when each ticket came in and was repaired in one
    transaction. A ticket that cannot be taken in is left to _reconcile_one, which logs and counts it.
    Returns the id of the first ticket taken in (None: none was)."""
    program = connection.program
    ids = [str(item.get("id") or "").strip() for item in items]
    known = set(
        Ticket.objects.filter(program=program, external_id__in=[i for i in ids if i]).values_list(
            "external_id", flat=True
        )
    )
    wanted: list[TicketIn] = []
    for item in items:
        zendesk = ZendeskTicket.from_json(item, users.get(item.get("requester_id")))
        status = (zendesk.status or "").lower()
        if zendesk.zendesk_id in known or status not in OPEN_STATUSES or item.get("status") == "deleted":
            continue
        try:
            wanted.append(zendesk_ticket_in(program=program, zendesk=zendesk))
        except DomainError:
            continue
    first_new = None
    for start in range(0, len(wanted), MAX_BATCH):
        batch = wanted[start : start + MAX_BATCH]
        try:
            answered = tickets_intake(
                program=program, tickets=batch, source=Ticket.Source.ZENDESK, route=False
            )
        except IntakeBatchError as exc:  # leave the bad ones to _reconcile_one, take the others in
            batch = [item for index, item in enumerate(batch) if index not in exc.errors]
            answered = tickets_intake(
                program=program, tickets=batch, source=Ticket.Source.ZENDESK, route=False
            )
        for ticket, created in answered:
            result.created += int(created)
            if created and first_new is None:
                first_new = ticket.pk
    return first_new


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
            state = ("status", "assignee_id", "inhouse_assignee_id", "priority", "tags")
            before = tuple(getattr(ticket, name) for name in state)
            apply_status(ticket=ticket, status=status)
            if zendesk.assignee_id:
                apply_assignment(
                    program=program,
                    ticket=Ticket.objects.get(pk=ticket.pk),
                    zendesk_user_id=zendesk.assignee_id,
                )
            # priority and tags are Zendesk's alone (Flexdesk never sends them), so its state is the truth; the
            # group is not repaired from the state: a ticket sent back to the freelancers stays in the in-house
            # group in Zendesk, and only a move there (the webhook) escalates
            if zendesk.priority:
                apply_priority(ticket=Ticket.objects.get(pk=ticket.pk), priority=zendesk.priority)
            if "tags" in item:
                apply_tags(
                    program=program,
                    ticket=Ticket.objects.get(pk=ticket.pk),
                    detail={"tags": item["tags"]},
                    event={},
                )
            after = Ticket.objects.filter(pk=ticket.pk).values_list(*state).get()
            result.repaired += int(after != before)
    except DomainError as exc:
        result.failed += 1
        logger.warning(
            "channels: could not reconcile Zendesk ticket %s of %s: %s",
            zendesk.zendesk_id,
            program,
            exc.message,
        )


def _changes_on_their_way(ticket: Ticket) -> bool:
    return OutboxMessage.objects.filter(
        ordering_key=f"zendesk-ticket:{ticket.pk}",
        status__in=[OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING, OutboxMessage.Status.FAILED],
    ).exists()


def zendesk_reconcile_all(*, now=None) -> dict[str, ReconcileResult | str]:
    """Every program whose channel is Zendesk (the every-10-minutes job); also forgets old webhook receipts."""
    from channels.zendesk.inbound import webhook_receipts_prune

    webhook_receipts_prune(now=now)
    done: dict[str, ReconcileResult | str] = {}
    connections = ZendeskConnection.objects.filter(
        program__channel_setting__kind=ProgramChannel.Kind.ZENDESK
    ).select_related("program")
    for connection in connections:
        if not connection.can_call_api:
            continue
        try:
            done[connection.program.slug] = zendesk_reconcile(connection=connection, now=now)
        except DeliveryError as exc:
            logger.warning("channels: reconcile of %s stopped: %s", connection.program, exc.reason)
            done[connection.program.slug] = exc.reason
    return done
