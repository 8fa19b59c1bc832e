"""Pull as well as push (issue #19): "Take next ticket" hands the freelancer the eligible waiting ticket due
soonest; "Take" on one waiting ticket takes that one, or says which rule keeps them from it.

The rules are routing's (queues.routing_rules.ELIGIBILITY and capacity), evaluated on the same candidate row
routing reads, so a freelancer can take exactly what routing would give them, never more. The ticket and
the freelancer are locked in routing's order (ticket first, then freelancer), so a take never races a
routing into overbooking anyone.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Freelancer
from contracts.selectors import queue_ready_program_ids
from core.audit import audit_record
from core.routing_filters import routing_program_related
from programs.models import Channel, Program, TicketType
from queues.counters import counters_move, share_of
from queues.errors import QueueError
from queues.events import event_record
from queues.models import QueueSettings, Ticket, TicketEvent
from queues.routing_rules import ELIGIBILITY, Candidate, Policy, WaitingTicket, first_failed_rule
from queues.services.routing import (
    DEADLINE_FIELDS,
    ROUTED_FIELDS,
    assign_to_freelancer,
    freelancer_loads,
    required_skills,
    routing_candidates,
)

# Waiting tickets read per round while looking for one the freelancer may take.
SCAN_CHUNK = 50
SCAN_LIMIT = 1000

_TICKET_RULES = {"tier", "language", "channel", "skills"}  # the rules that depend on the ticket


def _explain(rule_name: str, ticket: WaitingTicket, candidate: Candidate) -> str:
    """Why this freelancer may not take this ticket, in their words."""
    return {
        "active": "Your account is not active, so you can't take tickets.",
        "tier": f"This ticket needs tier {ticket.tier}; you are tier {candidate.tier} in this program.",
        "language": f"This ticket is in “{ticket.language}”, which is not one of your languages.",
        "channel": f"This ticket came by {ticket.channel}, which you don't take in this program.",
        "skills": "This ticket's type needs skills that are not on your profile.",
        "on shift": "You are off shift. Take tickets during your hours (or add extra hours).",
        "online": "Set yourself online (top of the page) to take tickets.",
        "not barred": f"You can't take this program's tickets: {candidate.barred}.",
    }.get(rule_name, "You can't take this ticket.")


def _room(candidate: Candidate, load: int, limit: int) -> str:
    if candidate.at_weekly_cap:
        return "You reached your weekly hour cap in this program."
    if load >= limit:
        return (
            f"You have {load} open tickets and your limit is {limit}. Solve one, or set one pending on the "
            f"customer, first."
        )
    return ""


def _me(freelancer: Freelancer, program: Program, now) -> Candidate | None:
    found = routing_candidates(
        program, program_id=program.pk, zone=program.zone, now=now, freelancer_id=freelancer.pk
    )
    return found[0] if found else None


def _personal_refusal(candidate: Candidate, now, policy: Policy, *, extra_time: bool = False) -> str:
    """A rule that fails whatever the ticket (off shift, not online, …), as their message; "" when none."""
    probe = WaitingTicket(id=0, program_id=policy.program_id)
    for rule in ELIGIBILITY:
        if rule.name not in _TICKET_RULES and not rule.passes(probe, candidate, now, policy):
            if rule.name == "on shift" and extra_time:
                return "You are off shift. This program lets you work extra hours: set yourself online (top right)."
            return _explain(rule.name, probe, candidate)
    return ""


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the take reads it (and the portal's waiting list shows it)."""

    pk: int
    program_id: int
    program_name: str
    tier: int
    language: str
    channel: str
    subject: str
    next_due_at: datetime.datetime | None
    created_at: datetime.datetime
    ticket_type_id: int | None
    type_name: str
    type_for_freelancers: bool

    @property
    def channel_label(self) -> str:
        return dict(Channel.choices).get(self.channel, self.channel)

    def as_waiting_ticket(self, required: dict[int, frozenset[int]]) -> WaitingTicket:
        return WaitingTicket(
            id=self.pk,
            program_id=self.program_id,
            tier=self.tier,
            language=self.language or "",
            channel=self.channel or "",
            subject=self.subject,
            first_time=False,
            due=self.next_due_at or self.created_at,
            ticket_type_id=self.ticket_type_id,
            type_name=self.type_name,
            type_for_freelancers=self.type_for_freelancers,
            required_skill_ids=required.get(self.ticket_type_id or 0, frozenset()),
        )


def _waiting_sql(count: int, *, one: bool) -> str:
    """A hand-written SELECT (core.rawsql's reason: building the ORM query cost more than running it) over the
    partial index ticket_freelancer_waiting: the programs' tickets waiting for a freelancer, most urgent first."""
    ticket, program, ticket_type = Ticket._meta.db_table, Program._meta.db_table, TicketType._meta.db_table
    statuses = ", ".join(f"'{status}'" for status in Ticket.ACTIVE_STATUSES)
    # only table names and the model's own constants are put in the text; every value is a parameter
    return (
        f"SELECT t.id, t.program_id, p.name, t.tier, t.language, t.channel, t.subject, "  # noqa: S608
        f"t.next_due_at, t.created_at, t.ticket_type_id, COALESCE(tt.name, ''), COALESCE(tt.freelancers_allowed, TRUE) "
        f'FROM "{ticket}" t JOIN "{program}" p ON p.id = t.program_id '
        f'LEFT JOIN "{ticket_type}" tt ON tt.id = t.ticket_type_id '
        f"WHERE t.program_id IN ({', '.join(['%s'] * count)}) AND t.queue = '{Ticket.Queue.FREELANCER}' "
        f"AND t.assignee_id IS NULL AND t.status IN ({statuses}) AND t.routed_at IS NOT NULL "
        + ("AND t.id = %s" if one else "ORDER BY t.next_due_at ASC NULLS LAST, t.id ASC LIMIT %s OFFSET %s")
    )


def _moment(value) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    moment = datetime.datetime.fromisoformat(str(value))  # SQLite answers text
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _waiting_rows(program_ids: Sequence[int], *, offset: int, ticket_id: int | None) -> list[Waiting]:
    if not program_ids:
        return []
    ids = list(program_ids)
    params: list = [*ids, ticket_id] if ticket_id is not None else [*ids, SCAN_CHUNK, offset]
    with connection.cursor() as cursor:
        cursor.execute(_waiting_sql(len(ids), one=ticket_id is not None), params)
        rows = cursor.fetchall()
    return [
        Waiting(
            pk=r[0],
            program_id=r[1],
            program_name=r[2],
            tier=r[3],
            language=r[4],
            channel=r[5],
            subject=r[6],
            next_due_at=_moment(r[7]),
            created_at=_moment(r[8]) or timezone.now(),
            ticket_type_id=r[9],
            type_name=r[10],
            type_for_freelancers=bool(r[11]),
        )
        for r in rows
    ]


def _evaluate(freelancer: Freelancer, now) -> tuple[list[int], dict[int, Candidate | None], dict[int, str]]:
    """(their queue-ready program ids, their candidate row per program, what keeps them from any ticket there)."""
    ready = queue_ready_program_ids(freelancer_id=freelancer.pk)
    # with the relations the routing filters read (core.routing_filters), so they cost no query
    related = ("queue_settings", *routing_program_related())
    programs = (
        {p.pk: p for p in Program.objects.filter(pk__in=ready).select_related(*related)} if ready else {}
    )
    program_ids = sorted(programs)
    me: dict[int, Candidate | None] = {}
    refusals: dict[int, str] = {}
    for program in programs.values():
        candidate = me[program.pk] = _me(freelancer, program, now)
        if candidate is None:
            refusals[program.pk] = "You are not queue-ready in this program."
            continue
        policy = Policy(program_id=program.pk)
        extra = QueueSettings.for_program(program).allow_extra_time
        refusals[program.pk] = _personal_refusal(candidate, now, policy, extra_time=extra) or _room(
            candidate, candidate.load, candidate.max_open_tickets
        )
    return program_ids, me, refusals


def _refusal_for(row: Waiting, waiting: WaitingTicket, candidate: Candidate, now) -> str:
    if not waiting.type_for_freelancers:
        return "This ticket's type is for the in-house team."
    rule = first_failed_rule(waiting, candidate, now=now, policy=Policy(program_id=row.program_id))
    return _explain(rule.name, waiting, candidate) if rule is not None else ""


@dataclass(frozen=True)
class WaitingRow:
    ticket: Waiting
    refusal: str  # why they may not take this ticket ("" when they may, or when nothing is open to them)
    blocked: bool = False  # they may take nothing in its program now (off shift, not online, full)


def waiting_for_freelancer(
    *, freelancer: Freelancer, limit: int = 10, now: datetime.datetime | None = None
) -> tuple[list[WaitingRow], int, str]:
    """The first `limit` tickets waiting in the freelancer's programs, each with whether they may take it;
    how many are waiting in all; and what keeps them from taking any (off shift, not online, full), or ""."""
    now = now or timezone.now()
    program_ids, me, refusals = _evaluate(freelancer, now)
    if not program_ids:
        return [], 0, "You are not queue-ready in any program yet (contract and onboarding first)."
    rows = _waiting_rows(program_ids, offset=0, ticket_id=None)[:limit]
    total = _waiting_count(program_ids)
    required = required_skills(rows)
    found = []
    for row in rows:
        candidate = me.get(row.program_id)
        if refusals.get(row.program_id) or candidate is None:
            found.append(WaitingRow(ticket=row, refusal="", blocked=True))
            continue
        found.append(
            WaitingRow(ticket=row, refusal=_refusal_for(row, row.as_waiting_ticket(required), candidate, now))
        )
    blocking = "" if any(not refusals[p] for p in program_ids) else next(iter(refusals.values()), "")
    return found, total, blocking


WAITING_COUNT_CAP = 1000  # "1000+" is enough to know; counting a huge backlog exactly would cost the page


def _waiting_count(program_ids: Sequence[int]) -> int:
    return (
        Ticket.objects.filter(
            program_id__in=list(program_ids),
            queue=Ticket.Queue.FREELANCER,
            assignee__isnull=True,
            status__in=Ticket.ACTIVE_STATUSES,
            routed_at__isnull=False,
        )
        .values("pk")[:WAITING_COUNT_CAP]
        .count()
    )


def ticket_take(
    *, freelancer: Freelancer, ticket_id: int | None = None, now: datetime.datetime | None = None
) -> Ticket:
    """Give the freelancer the waiting ticket due soonest that they may take (or `ticket_id`, if they may).

    Raises QueueError with the reason when there is none, or when they may not take it (tier, language,
    channel, skills, shift, presence, capacity); nothing is assigned then."""
    now = now or timezone.now()
    program_ids, me, refusals = _evaluate(freelancer, now)
    if not program_ids:
        raise QueueError("You are not queue-ready in any program yet (contract and onboarding first).")
    open_programs = [pid for pid in program_ids if not refusals[pid]]
    if ticket_id is None and not open_programs:
        raise QueueError(next(iter(dict.fromkeys(refusals.values()))))
    offset, seen = 0, 0
    while seen < SCAN_LIMIT:
        rows = _waiting_rows(
            open_programs if ticket_id is None else program_ids, offset=offset, ticket_id=ticket_id
        )
        if not rows:
            break
        required = required_skills(rows)
        for row in rows:
            if refusals.get(row.program_id):
                raise QueueError(refusals[row.program_id])
            candidate = me[row.program_id]
            assert candidate is not None
            refusal = _refusal_for(row, row.as_waiting_ticket(required), candidate, now)
            if refusal:
                if ticket_id is not None:
                    raise QueueError(refusal)
                continue
            taken = _assign(row.pk, freelancer=freelancer, candidate=candidate, now=now)
            if taken is not None:
                return taken
            if ticket_id is not None:
                raise QueueError("Someone else just took this ticket.")
        if ticket_id is not None:
            break
        offset += SCAN_CHUNK
        seen += len(rows)
    if ticket_id is not None:
        raise QueueError("This ticket is not waiting for a freelancer any more.")
    raise QueueError(
        "No waiting ticket fits you right now (tier, languages, channels and skills). "
        "New ones come to you as they arrive."
    )


def _assign(ticket_id: int, *, freelancer: Freelancer, candidate: Candidate, now) -> Ticket | None:
    """Lock the ticket (skipping one another router holds), then the freelancer; assign when both still hold."""
    with transaction.atomic():
        found = list(
            Ticket.objects.filter(
                pk=ticket_id,
                assignee__isnull=True,
                queue=Ticket.Queue.FREELANCER,
                status__in=Ticket.ACTIVE_STATUSES,
            ).select_for_update(skip_locked=True)
        )
        if not found:
            return None
        ticket = found[0]
        locked = (
            Freelancer.objects.select_for_update(of=("self",)).select_related("user").get(pk=freelancer.pk)
        )
        load = freelancer_loads([locked.pk]).get(locked.pk, 0)
        refusal = _room(candidate, load, locked.max_open_tickets)
        if refusal:
            raise QueueError(refusal)
        before = share_of(ticket)
        assign_to_freelancer(ticket, locked, now=now)
        ticket.routed_at, ticket.updated_at = ticket.routed_at or now, now
        # the fields routing writes for every ticket it assigns (one UPDATE, as routing's apply)
        Ticket.objects.filter(pk=ticket.pk).update(
            **{name: getattr(ticket, name) for name in (*ROUTED_FIELDS, *DEADLINE_FIELDS)}
        )
        counters_move([(before, share_of(ticket))])
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.TAKEN,
            actor=locked.user,
            at=now,
            message=f"Taken from the queue by {locked} ({load} open of {locked.max_open_tickets} before).",
            freelancer_id=locked.pk,
        )
        audit_record(actor=locked.user, verb="ticket.taken", target=ticket)
        return ticket
