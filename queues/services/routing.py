"""Routing, the database side: load what routing reads, decide (queues.routing_rules, pure), apply.

The rules themselves (which queue, who is eligible, who wins, why a ticket waits) are in
queues/routing_rules.py, without queries. This module, for one program's tickets in one transaction:

1. locks the tickets (only theirs, in id order) and reads them with their type, and each program once with
   its escalation rules (`_lock_tickets`; the intake task picks and locks its new tickets in one statement);
2. reads the program's queue-ready freelancers once (`candidate_rows`: one compiled query, core.rawsql's
   PreparedQuery, with each one's load, last assignment, weekly cap, languages, skills, weekly slots and the
   availability changes in force now), who a higher app bars (core.routing_filters) and who reached their
   weekly hour cap (one hours query, none when nobody has a cap);
3. locks the eligible freelancers with room in id order and counts their load again under the locks, so
   routers running at once never overbook anyone and never deadlock (they wait for freelancers in one order,
   and none waits for a ticket while holding a freelancer: tickets are locked first);
4. `decide()` (pure) gives each ticket its queue, freelancer or reason to wait;
5. `apply()` writes them: the same explicit fields for every routed ticket in one UPDATE (core.db.update_rows),
   the counters in one statement and one multi-row INSERT of timeline rows.

A ticket reaches routing through a task enqueued after commit (enqueue_route; queues.tasks coalesces a
burst per program, docs/adr/0023 says why) and, as the backstop, the every-minute sweep
(queues.services.sweep).
"""

import datetime
import json
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import transaction
from django.db.models import (
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, JSONArray
from django.utils import timezone

from accounts.models import Freelancer
from contracts.hours import hours_worked_in_week
from contracts.models import Contract, ProgramStanding
from contracts.selectors import queue_ready_freelancer_ids
from core.audit import audit_record
from core.db import JSONArrayAgg, update_rows
from core.rawsql import PreparedQuery
from core.routing_filters import routing_exclusions, routing_program_related
from programs.models import EscalationRule, Program, TicketType
from queues.availability import slot_row
from queues.counters import Share, counters_move, share_of
from queues.events import event_build, events_publish
from queues.models import AvailabilityChange, AvailabilitySlot, Presence, Ticket, TicketEvent
from queues.routing_rules import (
    FREELANCER,
    Candidate,
    Decision,
    EscalationRuleRow,
    Policy,
    WaitingTicket,
    decide,
    eligible,
    keyword_in,
    language_matches,
    may_take_more,
    queue_for,
)
from queues.services.common import DEADLINE_FIELDS, refresh_next_due, set_inhouse_due

logger = logging.getLogger(__name__)
# Tickets routed together in one transaction (route_new_tickets, the sweep): intake's MAX_BATCH, so a batch
# received is routed in one go. A transaction's fixed cost (the candidates, their locks and loads, the listeners'
# look-ups) is ~20 ms: at 200 a batch it was a third of routing's time (docs/adr/0029, 2026-12-04).
ROUTE_BATCH = 500
# What routing may change on a ticket, written for every ticket it routes (apply), with the deadline fields,
# in one UPDATE whatever the number of tickets and assignees.
ROUTED_FIELDS = (
    "routed_at",
    "queue",
    "assignee_id",
    "inhouse_assignee_id",
    "last_assigned_at",
    "inhouse_due_at",
    "updated_at",
)

__all__ = [
    "DEADLINE_FIELDS",
    "ROUTE_BATCH",
    "apply",
    "assign_to_freelancer",
    "candidate_rows",
    "decide",
    "enqueue_route",
    "enqueue_waiting_route",
    "freelancer_loads",
    "keyword_in",
    "language_matches",
    "required_skills",
    "route_new_tickets",
    "route_waiting",
    "routing_candidates",
    "ticket_route",
    "tickets_route",
    "waiting_ticket_ids",
]


def _rows_json(queryset: QuerySet, group_field: str, *fields: str) -> Subquery:
    """A correlated subquery answering the rows of `queryset` as one JSON array of arrays (NULL for none)."""
    return Subquery(
        queryset.order_by()
        .values(group_field)
        .annotate(rows=JSONArrayAgg(JSONArray(*fields)))
        .values("rows")[:1],
        output_field=JSONField(),
    )


def _load_subquery(ref: str = "pk") -> Coalesce:
    """New + open tickets assigned to the freelancer `ref` points at (the ticket_assignee_queue index)."""
    return Coalesce(
        Subquery(
            Ticket.objects.filter(assignee_id=OuterRef(ref), status__in=Ticket.LOAD_STATUSES)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


_CANDIDATE_COLUMNS = (
    "pk",
    "status",
    "program_tier",
    "program_channels",
    "presence",
    "time_zone",
    "max_open_tickets",
    "load",
    "last_assigned",
    "weekly_cap",
    "language_rows",
    "skill_rows",
    "slot_rows",
    "change_rows",
)


def _candidates_queryset(*, program_id: int, now: datetime.datetime) -> QuerySet:
    """The program's queue-ready freelancers (contracts' one definition, ADR 0012) with what the rules read.
    Nothing else is filtered here: eligibility is queues.routing_rules.ELIGIBILITY, evaluated on these rows."""
    slots = AvailabilitySlot.objects.filter(freelancer_id=OuterRef("pk")).filter(
        Q(program_id__isnull=True) | Q(program_id=program_id)
    )
    changes = AvailabilityChange.objects.filter(
        freelancer_id=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now
    )
    languages = Freelancer.languages.through.objects.filter(freelancer_id=OuterRef("pk"))
    skills = Freelancer.skills.through.objects.filter(freelancer_id=OuterRef("pk"))
    standing = ProgramStanding.objects.filter(program_id=program_id, freelancer_id=OuterRef("pk"))
    return (
        Freelancer.objects.filter(pk__in=queue_ready_freelancer_ids(program_id=program_id))
        .annotate(
            program_tier=Coalesce(Subquery(standing.values("tier")[:1]), Value(1)),
            program_channels=Subquery(standing.values("channels")[:1], output_field=JSONField()),
            presence=Coalesce(
                Subquery(Presence.objects.filter(user_id=OuterRef("user_id")).values("status")[:1]),
                Value(Presence.Status.OFFLINE),
            ),
            load=_load_subquery(),
            last_assigned=Subquery(
                Ticket.objects.filter(assignee_id=OuterRef("pk"), last_assigned_at__isnull=False)
                .order_by("-last_assigned_at")
                .values("last_assigned_at")[:1]
            ),
            weekly_cap=Subquery(
                Contract.objects.filter(
                    program_id=program_id, freelancer_id=OuterRef("pk"), status=Contract.Status.ACTIVE
                )
                .order_by("-pk")
                .values("weekly_hour_cap")[:1]
            ),
            language_rows=_rows_json(languages, "freelancer_id", "language__code"),
            skill_rows=_rows_json(skills, "freelancer_id", "skill_id"),
            slot_rows=_rows_json(slots, "freelancer_id", "weekday", "start_time", "end_time", "program_id"),
            change_rows=_rows_json(changes, "freelancer_id", "kind", "starts_at", "ends_at", "program_id"),
        )
        .order_by("pk")
        .values_list(*_CANDIDATE_COLUMNS)
    )


# Building and compiling that queryset was ~10 ms of every routing; only the program and `now` change.
_CANDIDATES = PreparedQuery(
    lambda program_id, now: _candidates_queryset(program_id=program_id, now=now),
    "program_id",
    moments=("now",),
)
# One freelancer's row of it ("Take next ticket", the portal's waiting list).
_CANDIDATE = PreparedQuery(
    lambda program_id, freelancer_id, now: _candidates_queryset(program_id=program_id, now=now).filter(
        pk=freelancer_id
    ),
    "program_id",
    "freelancer_id",
    moments=("now",),
)


def _json(value) -> list:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return value or []


def _moment(value) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def candidate_rows(
    *, program_id: int, now: datetime.datetime, freelancer_id: int | None = None
) -> list[dict]:
    """The candidate query's rows as dicts (one query); with freelancer_id, that freelancer's row only."""
    if freelancer_id is not None:
        found = _CANDIDATE.rows(program_id=program_id, freelancer_id=freelancer_id, now=now)
        return [dict(zip(_CANDIDATE_COLUMNS, row, strict=True)) for row in found]
    return [
        dict(zip(_CANDIDATE_COLUMNS, row, strict=True))
        for row in _CANDIDATES.rows(program_id=program_id, now=now)
    ]


def routing_candidates(
    program: Program,
    *,
    program_id: int,
    zone: datetime.tzinfo,
    now: datetime.datetime,
    freelancer_id: int | None = None,
) -> list[Candidate]:
    """The program's candidates with who a higher app bars and who reached their weekly hour cap."""
    rows = candidate_rows(program_id=program_id, now=now, freelancer_id=freelancer_id)
    barred = {
        fid: exclusion.reason
        for exclusion in routing_exclusions(program=program)
        for fid in exclusion.freelancer_ids
    }
    capped = {row["pk"]: row["weekly_cap"] for row in rows if row["weekly_cap"] is not None}
    worked = (
        hours_worked_in_week(
            program_id=program_id, freelancer_ids=capped.keys(), day=now.astimezone(zone).date()
        )
        if capped
        else {}
    )
    return [
        Candidate(
            id=row["pk"],
            status=row["status"],
            tier=row["program_tier"],
            channels=frozenset(_json(row["program_channels"])),
            online=row["presence"] == Presence.Status.ONLINE,
            language_codes=frozenset(
                str(code[0] if isinstance(code, list) else code).lower()
                for code in _json(row["language_rows"])
            ),
            skill_ids=frozenset(
                int(skill[0] if isinstance(skill, list) else skill) for skill in _json(row["skill_rows"])
            ),
            zone=zoneinfo.ZoneInfo(row["time_zone"] or "UTC"),
            slots=tuple(slot_row(*slot) for slot in _json(row["slot_rows"])),
            changes=tuple(
                (kind, _moment(starts_at), _moment(ends_at), change_program)
                for kind, starts_at, ends_at, change_program in _json(row["change_rows"])
            ),
            max_open_tickets=row["max_open_tickets"],
            load=row["load"],
            last_assigned=row["last_assigned"] and _moment(row["last_assigned"]),
            barred=barred.get(row["pk"], ""),
            at_weekly_cap=row["pk"] in capped and worked[row["pk"]] >= capped[row["pk"]],
        )
        for row in rows
    ]


def freelancer_loads(freelancer_ids: Iterable[int]) -> dict[int, int]:
    """{freelancer_id: new + open tickets assigned} in one query: a count per freelancer through the
    ticket_assignee_queue index (_load_subquery, as the candidates read it). One grouped count over all of them
    let PostgreSQL AND the assignee index with the status index, reading every active ticket's entry: 14 ms a
    routing batch at 1,000,000 tickets, against ~1 ms."""
    rows = Freelancer.objects.filter(pk__in=list(freelancer_ids)).annotate(load=_load_subquery())
    return dict(rows.values_list("pk", "load"))


def assign_to_freelancer(ticket: Ticket, freelancer: Freelancer, *, now: datetime.datetime) -> None:
    """The ticket's fields as routing sets them when it gives a ticket to a freelancer (a manager's
    reassignment, a take): the caller saves them."""
    ticket.assignee = freelancer
    ticket.queue = Ticket.Queue.FREELANCER
    ticket.inhouse_assignee = None
    ticket.last_assigned_at = now
    refresh_next_due(ticket)


def _lock_tickets(tickets: QuerySet, *, skip_locked: bool, limit: int | None = None) -> list[Ticket]:
    """Lock the rows of `tickets` (only theirs, the first `limit` in id order) and load what routing reads with
    them: the type, and each program once (_with_programs). With skip_locked, tickets another router holds are
    left out."""
    # core.locks.lock_rows would lock the joined rows too: FOR UPDATE OF the tickets only.
    locking = (
        tickets.select_related("ticket_type")
        .select_for_update(of=("self",), skip_locked=skip_locked)
        .order_by("pk")
    )
    found = list(locking[:limit] if limit is not None else locking)
    _with_programs(found)
    return found


def _with_programs(tickets: Sequence[Ticket]) -> None:
    """Give the tickets their program, one instance a program read in one query with its queue settings, the
    relations the routing filters read (core.routing_filters) and its escalation rules (escalation_rules_json).
    Joined to every ticket's row, the program was read, parsed and built once a ticket: a fifth of routing's
    CPU for a batch."""
    if not tickets:
        return
    rules = EscalationRule.objects.filter(program_id=OuterRef("pk"))
    programs = {
        program.pk: program
        for program in Program.objects.filter(pk__in={ticket.program_id for ticket in tickets})
        .select_related("queue_settings", *routing_program_related())
        .annotate(escalation_rules_json=_rows_json(rules, "program_id", "id", "ticket_type_id", "keyword"))
    }
    for ticket in tickets:
        ticket.program = programs[ticket.program_id]


def _needs_routing(ticket: Ticket) -> bool:
    return (
        ticket.is_active
        and not ticket.assignee_id
        and not (ticket.queue == Ticket.Queue.INHOUSE and ticket.routed_at)
    )


class _Typed(Protocol):
    """A ticket or a row of one: what required_skills reads."""

    @property
    def ticket_type_id(self) -> int | None: ...


def required_skills(tickets: Sequence[_Typed]) -> dict[int, frozenset[int]]:
    """{ticket_type_id: required skill ids} of the tickets' types (one query, none for untyped tickets)."""
    type_ids = {t.ticket_type_id for t in tickets if t.ticket_type_id}
    found: dict[int, set[int]] = defaultdict(set)
    if type_ids:
        for type_id, skill_id in TicketType.required_skills.through.objects.filter(
            tickettype_id__in=type_ids
        ).values_list("tickettype_id", "skill_id"):
            found[type_id].add(skill_id)
    return {type_id: frozenset(found[type_id]) for type_id in type_ids}


def _waiting(ticket: Ticket, required: dict[int, frozenset[int]]) -> WaitingTicket:
    ticket_type = ticket.ticket_type
    return WaitingTicket(
        id=ticket.pk,
        program_id=ticket.program_id,
        tier=ticket.tier,
        language=ticket.language or "",
        channel=ticket.channel or "",
        subject=ticket.subject or "",
        body=ticket.body or "",
        first_time=ticket.routed_at is None,
        due=ticket.next_due_at or ticket.created_at,
        ticket_type_id=ticket.ticket_type_id,
        type_name=ticket_type.name if ticket_type else "",
        type_for_freelancers=ticket_type.freelancers_allowed if ticket_type else True,
        required_skill_ids=required.get(ticket.ticket_type_id or 0, frozenset()),
    )


def _policy(tickets: Sequence[Ticket], *, exclude_ids: Iterable[int], quiet_when_waiting: bool) -> Policy:
    rows = _json(getattr(tickets[0].program, "escalation_rules_json", None))
    return Policy(
        program_id=tickets[0].program_id,
        escalation_rules=tuple(
            EscalationRuleRow(int(rid), type_id, keyword or "") for rid, type_id, keyword in rows
        ),
        channels=frozenset(tickets[0].program.channels or ()),
        exclude_ids=frozenset(exclude_ids),
        explain_repeat_waits=not quiet_when_waiting,
    )


def _lock_freelancers(ids: list[int]) -> tuple[dict[int, Freelancer], dict[int, int]]:
    """Lock these freelancers in id order; ({id: freelancer}, {id: load counted under the locks})."""
    if not ids:
        return {}, {}
    locked = {
        f.pk: f
        for f in Freelancer.objects.filter(pk__in=ids)
        .select_related("user")
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    counted = freelancer_loads(locked)
    return locked, {pk: counted.get(pk, 0) for pk in locked}


def apply(
    decisions: Sequence[Decision],
    *,
    tickets: dict[int, Ticket],
    freelancers: dict[int, Freelancer],
    now: datetime.datetime,
    actor=None,
    cause: str = "",
) -> None:
    """Write the decisions on the locked tickets: ROUTED_FIELDS and DEADLINE_FIELDS of every ticket routed, each
    its own values, in one UPDATE (core.db.update_rows), the queue counters by what moved (one statement), then
    the timeline rows in one INSERT. A ticket that only waits again changes nothing."""
    routed: list[Ticket] = []
    shares: list[tuple[Share | None, Share | None]] = []
    events: list[TicketEvent] = []
    for decision in decisions:
        ticket = tickets[decision.ticket_id]
        data: dict[str, Any]
        if decision.queue == Ticket.Queue.INHOUSE:
            message, data = f"To the in-house queue: {decision.reason}.", {"queue": decision.queue}
        elif decision.freelancer_id is not None:
            chosen = freelancers[decision.freelancer_id]
            message, data = f"Assigned to {chosen}: {decision.reason}.", {"freelancer_id": chosen.pk}
            if cause:  # what freed the work: someone came online, a promotion, a solved ticket
                message, data = f"{message[:-1]} ({cause}).", {**data, "cause": cause}
        else:
            message, data = f"Waiting in the program queue: {decision.reason}.", {}
        if decision.first_time or decision.freelancer_id is not None:
            before = share_of(ticket)
            if decision.first_time:
                ticket.routed_at, ticket.queue = now, decision.queue
            if decision.queue == Ticket.Queue.INHOUSE:
                set_inhouse_due(ticket, now=now)
            elif decision.freelancer_id is not None:
                ticket.assignee, ticket.queue, ticket.inhouse_assignee = chosen, Ticket.Queue.FREELANCER, None
                ticket.last_assigned_at = now
            refresh_next_due(ticket)
            ticket.updated_at = now
            routed.append(ticket)
            shares.append((before, share_of(ticket)))
        if not decision.record:
            continue
        kind = TicketEvent.Kind.WAITING if decision.waiting else TicketEvent.Kind.ROUTED
        events.append(
            event_build(
                ticket=ticket, kind=kind, actor=actor, at=now, message=message, reason=decision.reason, **data
            )
        )
        if actor is not None and kind == TicketEvent.Kind.ROUTED:
            # automatic routing is on the timeline; a person's is also audited
            audit_record(actor=actor, verb="ticket.routed", target=ticket, reason=decision.reason, **data)
    update_rows(Ticket, routed, (*ROUTED_FIELDS, *DEADLINE_FIELDS))
    counters_move(shares)
    TicketEvent.objects.bulk_create(events)
    events_publish(events)


def _route_program(
    tickets: list[Ticket],
    *,
    now: datetime.datetime,
    actor=None,
    exclude_ids: Iterable[int] = (),
    quiet_when_waiting: bool = False,
    cause: str = "",
) -> None:
    """Route one program's locked tickets: read the candidates, lock those who may take more, decide, apply."""
    policy = _policy(tickets, exclude_ids=exclude_ids, quiet_when_waiting=quiet_when_waiting)
    required = required_skills(tickets)
    waiting = [_waiting(ticket, required) for ticket in tickets]
    candidates: list[Candidate] = []
    freelancers: dict[int, Freelancer] = {}
    loads: dict[int, int] = {}
    # candidates only when a ticket may go to a freelancer (a batch that all goes in-house reads none)
    if any(not t.first_time or queue_for(t, policy)[0] == FREELANCER for t in waiting):
        program = tickets[0].program
        candidates = routing_candidates(program, program_id=program.pk, zone=program.zone, now=now)
        fits: dict[int, Candidate] = {}
        for kind_ticket in {t.kind: t for t in waiting}.values():
            fits.update((c.id, c) for c in eligible(kind_ticket, candidates, now=now, policy=policy))
        freelancers, loads = _lock_freelancers(may_take_more(fits.values()))
    limits = {pk: f.max_open_tickets for pk, f in freelancers.items()}
    decisions = decide(waiting, candidates, loads, now, policy, limits=limits)
    apply(
        decisions,
        tickets={t.pk: t for t in tickets},
        freelancers=freelancers,
        now=now,
        actor=actor,
        cause=cause,
    )


def _route_locked(
    tickets: list[Ticket],
    *,
    now: datetime.datetime,
    actor=None,
    exclude_ids: Iterable[int] = (),
    quiet_when_waiting: bool = False,
    cause: str = "",
) -> list[Ticket]:
    """Route the locked tickets that need it, one batch per program; returns those."""
    by_program: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if _needs_routing(ticket):
            by_program[ticket.program_id].append(ticket)
    for group in by_program.values():
        _route_program(
            group,
            now=now,
            actor=actor,
            exclude_ids=exclude_ids,
            quiet_when_waiting=quiet_when_waiting,
            cause=cause,
        )
    return [ticket for group in by_program.values() for ticket in group]


def ticket_route(
    *,
    ticket_id: int,
    actor=None,
    now: datetime.datetime | None = None,
    exclude_freelancer_ids: Iterable[int] = (),
    quiet_when_waiting: bool = False,
) -> Ticket | None:
    """Route one ticket (idempotent: an assigned, in-house or finished ticket is left as it is)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _lock_tickets(Ticket.objects.filter(pk=ticket_id), skip_locked=False)
        if not found:
            return None
        _route_locked(
            found,
            now=now,
            actor=actor,
            exclude_ids=exclude_freelancer_ids,
            quiet_when_waiting=quiet_when_waiting,
        )
        return found[0]


def tickets_route(
    *,
    ticket_ids: Iterable[int],
    now: datetime.datetime | None = None,
    quiet_when_waiting: bool = False,
    cause: str = "",
) -> list[Ticket]:
    """Route several tickets in one transaction (the sweep's waiting tickets); returns the ones it routed.
    Tickets another router holds right now, or that no longer need routing, are left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        return _route_locked(
            _lock_tickets(Ticket.objects.filter(pk__in=list(ticket_ids)), skip_locked=True),
            now=now,
            quiet_when_waiting=quiet_when_waiting,
            cause=cause,
        )


def route_new_tickets(*, program_id: int, now: datetime.datetime | None = None) -> int:
    """Route the program's tickets never routed yet, oldest first, up to ROUTE_BATCH in one transaction.

    The first task to run takes every new ticket of the program waiting at that moment, so a burst of intake
    is routed in a few transactions, and the later tasks find nothing new and stop after one statement (the
    ticket_unrouted index). Returns how many tickets this call routed.
    """
    now = now or timezone.now()
    new = Ticket.objects.filter(
        program_id=program_id, routed_at__isnull=True, status__in=Ticket.ACTIVE_STATUSES
    )
    with transaction.atomic():
        # one statement picks and locks them (LIMIT … FOR UPDATE SKIP LOCKED): a ticket another router holds
        # is passed over, and one it routed meanwhile is read again under the lock and left out
        found = [t for t in _lock_tickets(new, skip_locked=True, limit=ROUTE_BATCH) if t.routed_at is None]
        if not found:
            return 0
        return len(_route_locked(found, now=now))


def waiting_ticket_ids(*, program_id: int, limit: int = ROUTE_BATCH) -> list[int]:
    """The program's tickets waiting for a freelancer, most urgent first (the ticket_freelancer_waiting index)."""
    return list(
        Ticket.objects.filter(
            program_id=program_id,
            queue=Ticket.Queue.FREELANCER,
            assignee__isnull=True,
            status__in=Ticket.ACTIVE_STATUSES,
        )
        .order_by("next_due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def route_waiting(
    *, program_id: int, now: datetime.datetime | None = None, cause: str = "", explain: bool = False
) -> int:
    """Route the program's waiting tickets now (someone may take them); returns how many were assigned.
    With `explain`, a ticket that still waits gets a timeline line with today's reason."""
    ids = waiting_ticket_ids(program_id=program_id)
    if not ids:
        return 0
    routed = tickets_route(ticket_ids=ids, now=now, quiet_when_waiting=not explain, cause=cause)
    return len([t for t in routed if t.assignee_id])


def enqueue_waiting_route(program_id: int, cause: str = "") -> None:
    """After commit, route the program's waiting tickets (capacity was freed, or someone came online or was
    promoted). A broker that is down is logged: the every-minute sweep routes them."""

    def _publish() -> None:
        from queues.tasks import publish_waiting_route

        try:
            publish_waiting_route(program_id, cause)
        except Exception:
            logger.warning(
                "queues: could not enqueue routing of program %s's waiting tickets; the sweep will",
                program_id,
                exc_info=True,
            )

    transaction.on_commit(_publish)


def enqueue_route(ticket_id: int, program_id: int | None = None) -> None:
    """Route after commit through Celery (the one way a ticket reaches routing; the sweep is the backstop).
    A broker that is down is logged, not raised: the ticket is saved and the every-minute sweep routes it.

    With `program_id` (intake) the task routes the new ticket together with the program's other new tickets
    (route_new_tickets), and is not enqueued while one for the program waits already (queues.tasks, ADR 0023);
    without it (a ticket sent back to the queue) it routes just that ticket."""

    def _publish() -> None:
        from queues.tasks import publish_route

        try:
            publish_route(ticket_id, program_id)
        except Exception:
            logger.warning(
                "queues: could not enqueue routing of ticket %s; the sweep will route it",
                ticket_id,
                exc_info=True,
            )

    transaction.on_commit(_publish)
