"""Intake: API, webhook and CSV all land here. Idempotent on (program, external_id)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.models import Program, TicketType
from queues.errors import IntakeError
from queues.events import event_record
from queues.models import Ticket, TicketEvent
from queues.services.common import policy_for, refresh_next_due
from queues.services.routing import enqueue_route
from queues.sla import add_business_minutes


def ticket_type_resolve(*, program: Program, value: str | None) -> TicketType | None:
    """A ticket type of the program by slug or name (case-insensitive); None for an empty value.

    Raises IntakeError(field="ticket_type") for a value the program does not know.
    """
    value = (value or "").strip()
    if not value:
        return None
    found = (
        TicketType.objects.filter(program=program, slug__iexact=value).first()
        or TicketType.objects.filter(program=program, name__iexact=value).first()
    )
    if found is None:
        raise IntakeError(f"“{value}” is not a ticket type of {program.name}.", field="ticket_type")
    return found


@transaction.atomic
def ticket_intake(
    *,
    program: Program,
    external_id: str,
    subject: str,
    body: str,
    requester_email: str,
    requester_name: str = "",
    channel: str = "email",
    ticket_type: TicketType | None = None,
    language: str = "en",
    priority: str = Ticket.Priority.NORMAL,
    source: str = Ticket.Source.API,
    created_at: datetime.datetime | None = None,
    actor=None,
    route: bool = True,
) -> tuple[Ticket, bool]:
    """Take a ticket in; returns (ticket, created). The same (program, external_id) again returns the
    existing ticket and changes nothing. Routing is enqueued after commit."""
    external_id = str(external_id).strip()
    if not external_id:
        raise IntakeError("An external id is required.", field="external_id")
    existing = Ticket.objects.filter(program=program, external_id=external_id).first()
    if existing is not None:
        return existing, False
    if ticket_type is not None and ticket_type.program_id != program.pk:
        raise IntakeError("This ticket type belongs to another program.", field="ticket_type")
    created_at = created_at or timezone.now()
    policy = policy_for(program)
    ticket = Ticket(
        program=program,
        external_id=external_id,
        source=source,
        subject=(subject or "").strip(),
        body=body or "",
        requester_email=(requester_email or "").strip(),
        requester_name=(requester_name or "").strip()[:150],
        channel=channel or "email",
        ticket_type=ticket_type,
        language=(language or "en").strip().lower(),
        priority=priority or Ticket.Priority.NORMAL,
        tier=ticket_type.tier if ticket_type is not None else 1,
        created_at=created_at,
        sla_due_at=add_business_minutes(created_at, policy.first_response_minutes, policy),
        resolution_due_at=add_business_minutes(created_at, policy.resolution_minutes, policy),
    )
    refresh_next_due(ticket)
    # program/type are objects we resolved; the unique pair is guarded by the constraint below.
    ticket.full_clean(exclude=["program", "ticket_type"], validate_constraints=False)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # Another delivery of the same ticket won the race: answer with that one.
        return Ticket.objects.get(program=program, external_id=external_id), False
    event_record(ticket=ticket, kind=TicketEvent.Kind.CREATED, actor=actor, at=created_at,
                 message=f"Received via {ticket.get_source_display()}.", source=source)
    if route:
        enqueue_route(ticket.pk)
    return ticket, True
