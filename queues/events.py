"""The ticket timeline, written explicitly inside each service (never by signals).

Every saved timeline row is also published (core.events, kind TICKET_EVENTS) inside the same transaction,
so a higher app (channels) can turn it into a delivery to the program's helpdesk without queues knowing it.
"""

from collections.abc import Sequence

from django.utils import timezone

from core.events import publish
from queues.models import Ticket, TicketEvent

TICKET_EVENTS = "queues.ticket_events"


def events_publish(events: Sequence[TicketEvent]) -> None:
    """Tell the listeners about timeline rows just saved (each knows its ticket as it is now)."""
    if events:
        publish(TICKET_EVENTS, events=list(events))


def event_build(*, ticket: Ticket, kind: str, actor=None, message: str = "", at=None, **data) -> TicketEvent:
    """An unsaved timeline row (for bulk_create); event_record saves one."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        message=message[:500],
        data=data,
        created_at=at or timezone.now(),
    )


def event_created(ticket: Ticket) -> TicketEvent:
    """The timeline's first line, drawn from the ticket itself (intake writes no event row: see Ticket.received_by)."""
    return TicketEvent(
        ticket=ticket,
        kind=TicketEvent.Kind.CREATED,
        actor_id=ticket.received_by_id,
        message=f"Received via {ticket.get_source_display()}.",
        data={"source": ticket.source},
        created_at=ticket.created_at,
    )


def event_record(*, ticket: Ticket, kind: str, actor=None, message: str = "", at=None, **data) -> TicketEvent:
    event = event_build(ticket=ticket, kind=kind, actor=actor, message=message, at=at, **data)
    event.save(force_insert=True)
    events_publish([event])
    return event
