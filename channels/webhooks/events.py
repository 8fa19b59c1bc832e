"""Queues' timeline events become outbound webhook deliveries (one outbox message per subscribed endpoint).

queues publishes every timeline row inside the transaction of the change (core.events); this listener runs
there too and writes rows only: for each active endpoint of the ticket's program subscribed to the event's
type, one "webhook.post" outbox message holding the JSON document to send. The document is complete when
written (a retry sends what was true then); its "id" (the delivery id) and the signature are added at send
time (channels.webhooks.delivery).

Unlike the Zendesk listener, changes that came from Zendesk are delivered too: the other system has not seen
them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model

from accounts.models import Freelancer
from channels.models import WebhookEndpoint
from core.outbox import outbox_enqueue
from programs.models import Program
from queues.models import QueueSettings, TicketEvent, TicketMessage

K = TicketEvent.Kind
E = WebhookEndpoint.Event
KIND = "webhook.post"

# The timeline kinds each webhook event type is made of.
EVENT_TYPE_OF = {
    K.ROUTED: E.ROUTED,
    K.ASSIGNED: E.ROUTED,
    K.REASSIGNED: E.ROUTED,
    K.REPLIED: E.REPLIED,
    K.NOTE: E.NOTED,
    K.SENT_BACK: E.NOTED,  # the in-house team's guidance is an internal note
    K.ESCALATED: E.ESCALATED,
    K.STATUS: E.STATUS_CHANGED,
    K.SOLVED: E.STATUS_CHANGED,
    K.REOPENED: E.STATUS_CHANGED,
}
STATUS_AFTER = {K.SOLVED: "solved", K.REOPENED: "open"}


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 in UTC with "Z", as the API writes moments."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def ticket_events_to_webhooks(*, events: list[TicketEvent]) -> None:
    """The core.events listener: inside the change's transaction, a constant number of queries per publish."""
    typed = [(event, EVENT_TYPE_OF[event.kind]) for event in events if event.kind in EVENT_TYPE_OF]
    if not typed:
        return
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in (
        WebhookEndpoint.objects.filter(
            program_id__in={event.ticket.program_id for event, _type in typed}, is_active=True
        )
        .only("pk", "program_id", "url", "event_types")
        .order_by("pk")
    ):
        endpoints[endpoint.program_id].append(endpoint)
    deliveries = [
        (event, event_type, endpoint)
        for event, event_type in typed
        for endpoint in endpoints.get(event.ticket.program_id, ())
        if event_type in (endpoint.event_types or [])
    ]
    if not deliveries:
        return
    context = _Context([event for event, _type, _endpoint in deliveries])
    documents: dict[int, dict] = {}
    for event, event_type, endpoint in deliveries:
        key = id(event)
        if key not in documents:
            documents[key] = webhook_document(event, event_type, context)
        ticket = event.ticket
        outbox_enqueue(
            kind=KIND,
            payload={"endpoint_id": endpoint.pk, "document": documents[key]},
            summary=f"{event_type} #{ticket.pk} to {endpoint.url}",
            program_id=ticket.program_id,
            about=endpoint,
            ordering_key=f"webhook:{endpoint.pk}:ticket:{ticket.pk}",
            dedupe_key=f"webhook:{endpoint.pk}:event:{event.pk}" if event.pk else None,
        )


class _Context:
    """What the documents of one publish need, read in a constant number of queries."""

    def __init__(self, events: list[TicketEvent]):
        tickets = [event.ticket for event in events]
        self.slugs = dict(
            Program.objects.filter(pk__in={t.program_id for t in tickets}).values_list("pk", "slug")
        )
        message_ids = {e.data.get("message_id") for e in events if (e.data or {}).get("message_id")}
        self.messages = TicketMessage.objects.in_bulk(list(message_ids)) if message_ids else {}
        freelancer_ids = {t.assignee_id for t in tickets if t.assignee_id}
        self.freelancer_users = (
            dict(Freelancer.objects.filter(pk__in=list(freelancer_ids)).values_list("pk", "user_id"))
            if freelancer_ids
            else {}
        )
        user_ids = (
            {t.inhouse_assignee_id for t in tickets}
            | set(self.freelancer_users.values())
            | {m.author_id for m in self.messages.values()}
        )
        user_ids.discard(None)
        self.people = (
            {
                pk: {"name": display_name or email, "email": email}
                for pk, display_name, email in get_user_model()
                .objects.filter(pk__in=list(user_ids))
                .values_list("pk", "display_name", "email")
            }
            if user_ids
            else {}
        )

    def person(self, user_id: int | None) -> dict | None:
        return self.people.get(user_id) if user_id else None

    def assignee(self, ticket) -> dict | None:
        if ticket.assignee_id:
            return self.person(self.freelancer_users.get(ticket.assignee_id))
        return self.person(ticket.inhouse_assignee_id)


def webhook_document(event: TicketEvent, event_type: str, context: _Context) -> dict:
    """The JSON document of one event (without its delivery id), as channels.webhooks.schema documents it."""
    ticket, data = event.ticket, event.data or {}
    body: dict = {
        "ticket": {
            "id": ticket.pk,
            "external_id": ticket.external_id,
            "subject": ticket.subject,
            "status": ticket.status,
            "queue": ticket.queue,
            "assignee": context.assignee(ticket),
        }
    }
    if event_type == E.ROUTED:
        body["change"] = event.kind  # routed, assigned or reassigned
        body["reason"] = event.message
    elif event_type in (E.REPLIED, E.NOTED):
        message = context.messages.get(data.get("message_id"))
        body["message"] = (
            None
            if message is None
            else {
                "id": message.pk,
                "body": message.body,
                "author": context.person(message.author_id),
                "created_at": iso(message.created_at),
            }
        )
    elif event_type == E.ESCALATED:
        reason = data.get("reason", "")
        body["escalation"] = {
            "reason": reason,
            "reason_label": QueueSettings.for_program(ticket.program).reason_label(reason),
            "note": data.get("note", ""),
        }
    elif event_type == E.STATUS_CHANGED:
        body["status"] = STATUS_AFTER.get(event.kind) or data.get("status") or ticket.status
    return {
        "type": str(event_type),
        "created_at": iso(event.created_at),
        "program": context.slugs.get(ticket.program_id, ""),
        "data": body,
    }
