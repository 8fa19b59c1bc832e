"""Intake: API, webhook and CSV all land here. Idempotent on (program, external_id)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.models import Program, TicketType
from queues.errors import IntakeError
from queues.models import Ticket
from queues.services.common import policy_for, refresh_next_due, tags_clean
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
    tags: list[str] | None = None,
) -> tuple[Ticket, bool]:
    """Take a ticket in; returns (ticket, created). The same (program, external_id) again returns the
    existing ticket and changes nothing. Routing is enqueued after commit. `actor` (the API token's user, the
    importing manager) is kept as the ticket's received_by.

    New tickets are the common case, so the insert is tried first and the unique (program, external_id)
    constraint answers "seen before" (no look-up query per ticket); a delivery that breaks a rule is first
    checked against an existing ticket, so a repeated delivery always answers with the existing one.
    """
    external_id = str(external_id).strip()
    if not external_id:
        raise IntakeError("An external id is required.", field="external_id")
    try:
        if ticket_type is not None and ticket_type.program_id != program.pk:
            raise IntakeError("This ticket type belongs to another program.", field="ticket_type")
        ticket = _new_ticket(
            program=program,
            external_id=external_id,
            subject=subject,
            body=body,
            requester_email=requester_email,
            requester_name=requester_name,
            channel=channel,
            ticket_type=ticket_type,
            language=language,
            priority=priority,
            source=source,
            created_at=created_at,
            tags=tags,
        )
    except (IntakeError, ValidationError):
        existing = _existing(program=program, external_id=external_id)
        if existing is None:
            raise
        return existing, False
    if actor is not None and getattr(actor, "is_authenticated", False):
        ticket.received_by = actor
    try:
        _insert(ticket)
    except IntegrityError:
        # Delivered before (or another delivery of the same ticket won the race): answer with that one.
        existing = _existing(program=program, external_id=external_id)
        if existing is None:
            raise
        return existing, False
    if route:
        enqueue_route(ticket.pk, program.pk)  # when the caller's transaction commits (at once without one)
    return ticket, True


def _insert(ticket: Ticket) -> None:
    """One INSERT: the ticket row is the whole intake (its timeline's first line is drawn from it).

    Outside a transaction it runs alone in autocommit (no BEGIN/COMMIT round trips); inside one (a CSV
    import) it gets a savepoint, so a repeated external id does not break the caller's transaction.
    """
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            ticket.save(force_insert=True)
    else:
        ticket.save(force_insert=True)


def _existing(*, program: Program, external_id: str) -> Ticket | None:
    return Ticket.objects.filter(program=program, external_id=external_id).first()


def _new_ticket(
    *,
    program,
    external_id,
    subject,
    body,
    requester_email,
    requester_name,
    channel,
    ticket_type,
    language,
    priority,
    source,
    created_at,
    tags=None,
) -> Ticket:
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
        tags=tags_clean(tags),
        tier=ticket_type.tier if ticket_type is not None else 1,
        created_at=created_at,
        sla_due_at=add_business_minutes(created_at, policy.first_response_minutes, policy),
        resolution_due_at=add_business_minutes(created_at, policy.resolution_minutes, policy),
    )
    refresh_next_due(ticket)
    # program/type are objects we resolved; the unique pair is guarded by the constraint (see ticket_intake).
    # No validation here queries the database (no foreign key but those excluded is set).
    ticket.full_clean(exclude=["program", "ticket_type"], validate_constraints=False)
    return ticket
