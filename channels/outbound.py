"""What Zendesk must learn about a ticket: queues' timeline events become outbox messages.

queues publishes every timeline row inside the transaction of the change (queues.events, core.events); for a
program whose channel is Zendesk this listener writes one outbox message per event that Zendesk must know
about, in that same transaction, keyed per ticket so they go out in order (channels.senders sends them).

Changes that came from Zendesk itself (a comment, a solve, an assignment made there) are applied inside
`changes_from_zendesk()`, and nothing is sent back for them: Zendesk already has them.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from accounts.models import Freelancer
from core.outbox import outbox_enqueue
from core.rawsql import PreparedQuery
from queues.destinations import ReplyDestination
from queues.models import QueueSettings, TicketEvent, TicketMessage

_from_zendesk: ContextVar[bool] = ContextVar("changes_from_zendesk", default=False)

ZENDESK_DESTINATION = ReplyDestination(
    name="Zendesk",
    reply_help="Sent to the customer as your public comment in Zendesk.",
    note_help="Added to the Zendesk ticket as a private comment; the customer does not see it.",
)

K = TicketEvent.Kind
HANDLED = {
    K.ROUTED,
    K.TAKEN,
    K.ASSIGNED,
    K.REASSIGNED,
    K.REPLIED,
    K.NOTE,
    K.ESCALATED,
    K.SENT_BACK,
    K.STATUS,
    K.SOLVED,
    K.REOPENED,
}


@contextlib.contextmanager
def changes_from_zendesk():
    """Apply what Zendesk told us without telling Zendesk again."""
    token = _from_zendesk.set(True)
    try:
        yield
    finally:
        _from_zendesk.reset(token)


def zendesk_ticket_id(ticket) -> int | None:
    """The Zendesk id of a ticket of a Zendesk program: its external id, when that is a Zendesk ticket number."""
    value = str(ticket.external_id or "").strip()
    return int(value) if value.isdigit() else None


def _zendesk_connections(program_ids) -> dict:
    from channels.models import ProgramChannel, ZendeskConnection

    return {
        c.program_id: c
        for c in ZendeskConnection.objects.filter(
            program_id__in=list(program_ids), program__channel_setting__kind=ProgramChannel.Kind.ZENDESK
        )
    }


@functools.cache
def _program_channel() -> PreparedQuery:
    """The program's channel that replies go out through (not API-only), with its mailbox connection: read by
    every ticket page, so compiled once (core.rawsql.PreparedQuery)."""
    from channels.models import ProgramChannel

    return PreparedQuery(
        lambda program_id: (
            ProgramChannel.objects.filter(program=program_id)
            .exclude(kind=ProgramChannel.Kind.API)
            .select_related("program__mailbox_connection")
            .order_by("pk")[:1]
        ),
        "program_id",
    )


def reply_destination(*, program, ticket=None) -> ReplyDestination | None:
    """Where the program's replies go (one query): Zendesk, the requester's inbox, or None (API only)."""
    from channels.mailbox.outbound import mailbox_destination
    from channels.models import ProgramChannel

    found = _program_channel().objects(program_id=program.pk)
    channel = found[0] if found else None
    if channel is None:
        return None
    if channel.kind == ProgramChannel.Kind.ZENDESK:
        return ZENDESK_DESTINATION
    connection = getattr(channel.program, "mailbox_connection", None)
    return mailbox_destination(connection=connection, ticket=ticket) if connection is not None else None


def ticket_events_deliver(*, events: list[TicketEvent]) -> None:
    """The core.events listener: runs inside the change's transaction, writes rows only (no call to Zendesk)."""
    if _from_zendesk.get():
        return
    candidates = [e for e in events if e.kind in HANDLED and zendesk_ticket_id(e.ticket) is not None]
    if not candidates:
        return
    connections = _zendesk_connections({e.ticket.program_id for e in candidates})
    candidates = [e for e in candidates if e.ticket.program_id in connections]
    if not candidates:
        return
    context = _Context(candidates)
    for event in candidates:
        built = _build(event, connections[event.ticket.program_id], context)
        if built is None:
            continue
        kind, update, comment, about, summary = built
        ticket = event.ticket
        outbox_enqueue(
            kind=kind,
            payload={
                "program_id": ticket.program_id,
                "ticket_id": ticket.pk,
                "zendesk_ticket_id": zendesk_ticket_id(ticket),
                "update": update,
                "comment": comment,
            },
            summary=f"Zendesk #{zendesk_ticket_id(ticket)}: {summary}",
            program_id=ticket.program_id,
            about=about or ticket,
            ordering_key=f"zendesk-ticket:{ticket.pk}",
            dedupe_key=f"zendesk:event:{event.pk}" if event.pk else None,
        )


class _Context:
    """What the events of one publish need, read in a constant number of queries."""

    def __init__(self, events: list[TicketEvent]):
        from channels.models import ZendeskUserMap

        message_ids = {e.data.get("message_id") for e in events if e.data.get("message_id")}
        self.messages = TicketMessage.objects.in_bulk(list(message_ids)) if message_ids else {}
        freelancer_ids = {e.data.get("freelancer_id") for e in events if e.data.get("freelancer_id")}
        self.freelancer_users = (
            dict(Freelancer.objects.filter(pk__in=list(freelancer_ids)).values_list("pk", "user_id"))
            if freelancer_ids
            else {}
        )
        user_ids = (
            {e.actor_id for e in events if e.actor_id}
            | set(self.freelancer_users.values())
            | {e.data.get("user_id") for e in events if e.data.get("user_id")}
        )
        user_ids.discard(None)
        rows = ZendeskUserMap.objects.filter(
            program_id__in={e.ticket.program_id for e in events},
            user_id__in=list(user_ids),
            zendesk_user_id__isnull=False,
        ).values_list("program_id", "user_id", "zendesk_user_id")
        self.zendesk_users = {(program_id, user_id): zid for program_id, user_id, zid in rows}

    def zendesk_user(self, program_id: int, user_id: int | None) -> int | None:
        return self.zendesk_users.get((program_id, user_id)) if user_id else None


def _build(event: TicketEvent, connection, context: _Context):
    """(sender kind, ticket fields, comment or None, row the message is about, summary), or None."""
    ticket, data, program_id = event.ticket, event.data or {}, event.ticket.program_id
    group_id = connection.in_house_group_id
    if event.kind in (K.ROUTED, K.REASSIGNED, K.TAKEN) and data.get("freelancer_id"):
        user_id = context.freelancer_users.get(data["freelancer_id"])
        zendesk_user = context.zendesk_user(program_id, user_id)
        if zendesk_user is None:
            return (
                None  # not matched to a Zendesk user: the settings page says so; Zendesk keeps its assignee
            )
        update = {"assignee_id": zendesk_user}
        if connection.routing_tag:
            update["additional_tags"] = [connection.routing_tag]
        return "zendesk.assign", update, None, None, f"assign to {ticket.assignee or 'the freelancer'}"
    if event.kind == K.ROUTED and data.get("queue") == "inhouse":
        if not group_id:
            return None
        return (
            "zendesk.assign",
            {"group_id": group_id, "assignee_id": None},
            None,
            None,
            "to the in-house group",
        )
    if event.kind in (K.ASSIGNED, K.REASSIGNED) and data.get("user_id"):
        zendesk_user = context.zendesk_user(program_id, data["user_id"])
        if zendesk_user is None:
            return None
        update = {"assignee_id": zendesk_user, **({"group_id": group_id} if group_id else {})}
        return "zendesk.assign", update, None, None, "assign to an in-house agent"
    if event.kind in (K.REPLIED, K.NOTE):
        message = context.messages.get(data.get("message_id"))
        if message is None:
            return None
        public = event.kind == K.REPLIED
        comment = {"body": message.body, "public": public}
        author = context.zendesk_user(program_id, message.author_id)
        if author is not None:
            comment["author_id"] = author
        return (
            ("zendesk.reply" if public else "zendesk.note"),
            {},
            comment,
            message,
            ("public reply" if public else "internal note"),
        )
    if event.kind == K.ESCALATED:
        reason = QueueSettings.for_program(ticket.program).reason_label(data.get("reason", ""))
        body = f"Escalated to the in-house team from Flexdesk: {reason}."
        if data.get("note"):
            body += f"\n\nHand-off note:\n{data['note']}"
        update = {"assignee_id": None, **({"group_id": group_id} if group_id else {})}
        return (
            "zendesk.escalate",
            update,
            {"body": body, "public": False},
            None,
            "escalate to the in-house group",
        )
    if event.kind == K.SENT_BACK:
        message = context.messages.get(data.get("message_id"))
        comment = {"body": message.body, "public": False} if message is not None else None
        return "zendesk.status", {"status": "open"}, comment, None, "sent back to the freelancers"
    if event.kind == K.STATUS and data.get("status") == "pending":
        return "zendesk.status", {"status": "pending"}, None, None, "pending"
    if event.kind == K.SOLVED:
        return "zendesk.status", {"status": "solved"}, None, None, "solved"
    if event.kind == K.REOPENED:
        return "zendesk.status", {"status": "open"}, None, None, "reopened"
    return None
