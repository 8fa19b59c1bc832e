"""Intake: API, webhook, CSV and the Zendesk backfill all land here. Idempotent on (program, external_id).

One ticket (`ticket_intake`) is a batch of one (`tickets_intake`): every ticket is built and checked by
`_new_ticket` and written by `_insert`, one multi-row INSERT … ON CONFLICT DO NOTHING, so the unique
(program, external_id) constraint answers "seen before" without a look-up and without an error that would
break the caller's transaction. Routing is enqueued once per batch, after commit (docs/adr/0029).
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import NOT_PROVIDED, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from programs.models import Program, TicketType
from queues.counters import SHARE_FIELDS, counters_insert, share_of
from queues.errors import IntakeError
from queues.models import QueueSettings, Ticket
from queues.services.common import policy_for, refresh_next_due, tags_clean
from queues.services.routing import enqueue_route
from queues.sla import add_business_minutes

# Tickets one batch takes in (the batch API's limit; the CSV import and the backfill send batches this size).
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class TicketIn:
    """One ticket as a source hands it to intake (what ticket_intake takes as keyword arguments)."""

    external_id: str
    subject: str
    body: str
    requester_email: str
    requester_name: str = ""
    channel: str = "email"
    ticket_type: TicketType | None = None
    language: str = "en"
    priority: str = Ticket.Priority.NORMAL
    created_at: datetime.datetime | None = None
    tags: Sequence[str] | None = None


class IntakeBatchError(IntakeError):
    """Items of a batch broke a rule, so nothing of the batch was taken in. `errors` maps each bad item's
    index to its error (an IntakeError or a model ValidationError); the API answers
    {"tickets": {"<index>": {field: [messages]}}}."""

    def __init__(self, errors: dict[int, IntakeError | ValidationError]):
        self.errors = errors
        first = min(errors)
        super().__init__(
            f"Item {first} of the batch (and {len(errors) - 1} more) broke a rule; nothing was taken in."
            if len(errors) > 1
            else f"Item {first} of the batch broke a rule; nothing was taken in.",
            field="tickets",
        )

    def as_dict(self) -> dict:
        return {
            "tickets": {
                str(index): intake_error_fields(error) for index, error in sorted(self.errors.items())
            }
        }


def intake_error_fields(error: IntakeError | ValidationError) -> dict[str, list[str]]:
    """An intake error as the API answers it: {field: [messages]}."""
    if isinstance(error, ValidationError):
        return error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    return error.as_dict()


def ticket_type_resolve(*, program: Program, value: str | None) -> TicketType | None:
    """A ticket type of the program by slug or name (case-insensitive); None for an empty value.

    Raises IntakeError(field="ticket_type") for a value the program does not know.
    """
    found = ticket_types_resolve(program=program, values=[value]).get(ticket_type_key(value))
    if isinstance(found, IntakeError):
        raise found
    return found


def ticket_type_key(value: str | None) -> str:
    """How a ticket type's slug or name is matched: stripped, case-insensitive ("" for none)."""
    return str(value or "").strip().upper()


def ticket_types_resolve(
    *, program: Program, values: Iterable[str | None]
) -> dict[str, TicketType | IntakeError]:
    """Each non-empty value's ticket type of the program, by slug, else by name (both case-insensitive), in
    one query; keyed by ticket_type_key(value). A value the program does not know maps to the
    IntakeError(field="ticket_type") it raises for one ticket (raised by ticket_type_resolve)."""
    wanted = {ticket_type_key(v): str(v).strip() for v in values if ticket_type_key(v)}
    if not wanted:
        return {}
    types = list(TicketType.objects.filter(program=program))  # in its ordering, as .first() picked
    by_slug: dict[str, TicketType] = {}
    by_name: dict[str, TicketType] = {}
    for ticket_type in types:
        by_slug.setdefault(ticket_type_key(ticket_type.slug), ticket_type)
        by_name.setdefault(ticket_type_key(ticket_type.name), ticket_type)
    found: dict[str, TicketType | IntakeError] = {}
    for key, value in wanted.items():
        match = by_slug.get(key) or by_name.get(key)
        found[key] = match or IntakeError(
            f"“{value}” is not a ticket type of {program.name}.", field="ticket_type"
        )
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

    A batch of one (tickets_intake): a ticket that breaks a rule raises its IntakeError or ValidationError,
    unless it was received before, when the existing ticket answers.
    """
    item = TicketIn(
        external_id=external_id,
        subject=subject,
        body=body,
        requester_email=requester_email,
        requester_name=requester_name,
        channel=channel,
        ticket_type=ticket_type,
        language=language,
        priority=priority,
        created_at=created_at,
        tags=tags,
    )
    try:
        return tickets_intake(program=program, tickets=[item], source=source, actor=actor, route=route)[0]
    except IntakeBatchError as exc:
        raise exc.errors[0] from None


def tickets_intake(
    *,
    program: Program,
    tickets: Sequence[TicketIn],
    source: str = Ticket.Source.API,
    actor=None,
    route: bool = True,
) -> list[tuple[Ticket, bool]]:
    """Take up to MAX_BATCH tickets of one program in, all or none; returns (ticket, created) per item, in
    order. Each item is taken as if it were sent alone, in order: an external id received before (or earlier
    in the batch) answers with that ticket and changes nothing, also when the item breaks a rule now.

    Any other item that breaks a rule raises IntakeBatchError (every bad item's index and error) and nothing
    is written. The new tickets are one multi-row INSERT; routing is enqueued once, after commit.
    """
    if len(tickets) > MAX_BATCH:
        raise IntakeError(f"At most {MAX_BATCH} tickets at once.", field="tickets")
    if not tickets:
        return []
    policy = policy_for(program)
    now = timezone.now()
    deadlines: dict[datetime.datetime, tuple[datetime.datetime, datetime.datetime]] = {}
    received_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    new: dict[str, Ticket] = {}  # by external id, in item order
    errors: dict[int, IntakeError | ValidationError] = {}
    external_ids: list[str] = []
    for index, item in enumerate(tickets):
        external_id = str(item.external_id).strip()
        external_ids.append(external_id)
        if external_id in new:
            continue  # the same ticket again, later in the batch: answered with the first
        try:
            if not external_id:
                raise IntakeError("An external id is required.", field="external_id")
            new[external_id] = _new_ticket(
                item,
                external_id=external_id,
                program=program,
                policy=policy,
                source=source,
                now=now,
                deadlines=deadlines,
                received_by=received_by,
            )
        except (IntakeError, ValidationError) as exc:
            errors[index] = exc
    existing: dict[str, Ticket] = {}
    if errors:
        # a delivery received before is answered with its ticket, even if it breaks a rule now
        existing = _existing(program=program, external_ids=[external_ids[i] for i in errors])
        errors = {i: e for i, e in errors.items() if external_ids[i] not in existing}
        if errors:
            raise IntakeBatchError(errors)
    inserted = _insert(list(new.values()))
    missing = [external_id for external_id, ticket in new.items() if ticket.pk is None]
    if missing:
        # received before (or another delivery of the same ticket won the race): answer with that one
        existing.update(_existing(program=program, external_ids=missing))
        lost = [external_id for external_id in missing if external_id not in existing]
        if lost:
            raise IntakeError(f"Ticket {lost[0]} could not be taken in; send it again.", field="external_id")
    if route and inserted:
        # once for the batch, when the caller's transaction commits (at once without one)
        enqueue_route(inserted[0].pk, program.pk)
    answered: list[tuple[Ticket, bool]] = []
    first_seen: set[str] = set()
    for external_id in external_ids:
        ticket = new.get(external_id)
        if ticket is not None and ticket.pk is not None:
            answered.append((ticket, external_id not in first_seen))
        else:
            answered.append((existing[external_id], False))
        first_seen.add(external_id)
    return answered


# The columns intake may write: every concrete field but the id the database gives. A batch leaves out the
# nullable ones that are empty on all its tickets and have no database default (the column is NULL anyway):
# about half of them on a new ticket, and each is a value to prepare, send and parse per row.
_INSERT_FIELDS = [field for field in Ticket._meta.concrete_fields if not field.primary_key]
_OMITTABLE = [field for field in _INSERT_FIELDS if field.null and field.db_default is NOT_PROVIDED]
# What a source gives intake, checked by full_clean; the other fields are intake's own values (defaults, the
# deadlines it computed) or objects it resolved (program, type, sender: validating them would query).
_CHECKED_FIELDS = {
    "external_id",
    "source",
    "subject",
    "body",
    "requester_email",
    "requester_name",
    "channel",
    "language",
    "priority",
    "tags",
    "tier",
    "created_at",
}
_UNCHECKED_FIELDS = [field.name for field in Ticket._meta.fields if field.name not in _CHECKED_FIELDS]
# id and external_id, then the columns counters_insert takes each inserted ticket's share of the counters from
_RETURNING = [Ticket._meta.pk, Ticket._meta.get_field("external_id"), *SHARE_FIELDS]
_UNIQUE = [Ticket._meta.get_field("program"), Ticket._meta.get_field("external_id")]


def _insert(tickets: list[Ticket]) -> list[Ticket]:
    """The one INSERT of intake: every new ticket of one program in one statement (the ticket row is the whole
    intake; its timeline's first line is drawn from it). Returns the tickets inserted, their ids set; a ticket
    whose (program, external_id) exists already is skipped by ON CONFLICT DO NOTHING and keeps pk None.

    The ORM's own insert (what save() and bulk_create() run: pre_save, the fields' database values; on
    PostgreSQL several rows go as one UNNEST of arrays) with the conflict clause and RETURNING id, external_id,
    compiled here and run by counters_insert, which adds the inserted tickets' share of the queue counters in
    the same statement (docs/adr/0029): one ticket is one statement, atomic without BEGIN/COMMIT; inside the
    caller's transaction (a CSV import) it is part of that. A conflict raises nothing, so it needs no savepoint.
    """
    if not tickets:
        return []
    using = Ticket._base_manager.db
    query = InsertQuery(Ticket, on_conflict=OnConflict.IGNORE, unique_fields=_UNIQUE)
    rows_to_insert: list[Model] = list(tickets)
    query.insert_values(_insert_fields(tickets), rows_to_insert)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = _RETURNING
    [(insert_sql, params)] = compiler.as_sql()
    rows = counters_insert(insert_sql, params, shares=[share_of(ticket) for ticket in tickets])
    ids = {row[1]: row[0] for row in rows}
    inserted = []
    for ticket in tickets:
        pk = ids.get(ticket.external_id)
        if pk is not None:
            ticket.pk = pk
            ticket._state.adding = False
            ticket._state.db = using
            inserted.append(ticket)
    return inserted


def _insert_fields(tickets: list[Ticket]) -> list:
    empty = {
        field for field in _OMITTABLE if all(getattr(ticket, field.attname) is None for ticket in tickets)
    }
    return [field for field in _INSERT_FIELDS if field not in empty]


def _existing(*, program: Program, external_ids: list[str]) -> dict[str, Ticket]:
    return {
        ticket.external_id: ticket
        for ticket in Ticket.objects.filter(program=program, external_id__in=set(external_ids))
    }


def _new_ticket(
    item: TicketIn,
    *,
    external_id: str,
    program: Program,
    policy: QueueSettings,
    source: str,
    now: datetime.datetime,
    deadlines: dict[datetime.datetime, tuple[datetime.datetime, datetime.datetime]],
    received_by=None,
) -> Ticket:
    """The ticket of one item, checked (full_clean) and ready to insert. `deadlines` keeps the SLA deadlines
    computed for each moment: a batch received at one moment computes them once."""
    ticket_type = item.ticket_type
    if ticket_type is not None and ticket_type.program_id != program.pk:
        raise IntakeError("This ticket type belongs to another program.", field="ticket_type")
    created_at = item.created_at or now
    if created_at not in deadlines:
        deadlines[created_at] = (
            add_business_minutes(created_at, policy.first_response_minutes, policy),
            add_business_minutes(created_at, policy.resolution_minutes, policy),
        )
    sla_due_at, resolution_due_at = deadlines[created_at]
    ticket = Ticket(
        program=program,
        external_id=external_id,
        source=source,
        subject=(item.subject or "").strip(),
        body=item.body or "",
        requester_email=(item.requester_email or "").strip(),
        requester_name=(item.requester_name or "").strip()[:150],
        channel=item.channel or "email",
        ticket_type=ticket_type,
        language=(item.language or "en").strip().lower(),
        priority=item.priority or Ticket.Priority.NORMAL,
        tags=tags_clean(item.tags),
        tier=ticket_type.tier if ticket_type is not None else 1,
        created_at=created_at,
        sla_due_at=sla_due_at,
        resolution_due_at=resolution_due_at,
        received_by=received_by,
    )
    refresh_next_due(ticket)
    # What the source gave (_CHECKED_FIELDS); the unique pair is guarded by the constraint (see _insert), so no
    # validation here queries the database.
    ticket.full_clean(exclude=_UNCHECKED_FIELDS, validate_unique=False, validate_constraints=False)
    return ticket
