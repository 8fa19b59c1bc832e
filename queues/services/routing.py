"""Routing: which queue a ticket belongs to and, for tier-1 work, which freelancer takes it.

Rules (issue 6): the ticket type's tier, whether freelancers may take the type, and the program's escalation
rules (types and keywords) send a ticket to the in-house queue. Otherwise it goes to a freelancer who is
queue-ready, active, on shift now in their own time zone, speaks the ticket's language, has the type's
required skills, has a tier at least the ticket's, has room (new/open tickets below max_open_tickets; pending
ones do not count), has not reached the contract's weekly hour cap, and is not barred from the program by a
higher app (core.routing_filters: channels keeps a freelancer without a Zendesk user off a Zendesk program's
tickets). The least loaded wins, then the one idle longest (oldest last assignment), then the lowest id.

Tickets are routed in batches (a whole burst of intake in one transaction, see route_new_tickets): the
tickets are locked, the program's candidates for each kind of ticket (tier, language, type) are read in one
query each, unlocked; then every candidate with room is locked in id order and their load counted again
under the locks before tickets are handed out in memory, most urgent first. Routers running at once
therefore never overbook anyone, and never deadlock (they wait for freelancers in one order).

Performance (the intake-and-route benchmark, queues_bench): one candidate query per kind of ticket filters
queue-readiness, status, tier, language and skills in SQL and brings each candidate's load, last
assignment, weekly cap, weekly slots and current availability changes along (its compiled SQL is cached);
shifts are checked in Python over those rows; the writes are one UPDATE per freelancer given tickets
(tickets given equal values share it) and one multi-row INSERT of timeline rows.
"""

import datetime
import json
import logging
import re
from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, JSONArray
from django.utils import timezone

from accounts.models import Freelancer, Language, Skill
from contracts.hours import hours_worked_in_week
from contracts.models import Contract
from contracts.selectors import freelancers_at_weekly_cap, queue_ready_freelancer_ids
from core.audit import audit_record
from core.routing_filters import routing_exclusions, routing_program_related
from programs.models import EscalationRule, TicketType
from queues.availability import is_on_shift, is_on_shift_rows, slot_row
from queues.events import event_build, events_publish
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketEvent
from queues.services.common import refresh_next_due, set_inhouse_due

logger = logging.getLogger(__name__)
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)
# Tickets routed together in one transaction (route_new_tickets).
ROUTE_BATCH = 200


class JSONArrayAgg(Aggregate):
    """Rows as one JSON array (JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _rows_json(queryset, group_field: str, *fields) -> Subquery:
    """A correlated subquery answering the rows of `queryset` as one JSON array of arrays (NULL for none)."""
    return Subquery(
        queryset.order_by().values(group_field).annotate(rows=JSONArrayAgg(JSONArray(*fields))).values("rows")[:1],
        output_field=JSONField(),
    )


def language_matches(ticket_language: str, codes: set[str]) -> bool:
    """'pt-br' is served by a 'pt-br' or a 'pt' speaker; 'pt' by 'pt' or any 'pt-…' speaker."""
    wanted = (ticket_language or "").lower()
    base = wanted.split("-")[0]
    return any(code in (wanted, base) or code.split("-")[0] == wanted for code in codes)


def keyword_in(keyword: str, text: str) -> bool:
    keyword = keyword.strip()
    return bool(keyword) and re.search(r"(?<!\w)" + re.escape(keyword), text, re.IGNORECASE) is not None


def _escalation_rules(ticket: Ticket) -> list[tuple[int, int | None, str]]:
    """(id, ticket_type_id, keyword) of the program's rules in id order; preloaded by _lock_ticket when it can."""
    rows = getattr(ticket, "escalation_rules_json", None)
    if rows is None and not hasattr(ticket, "escalation_rules_json"):
        rows = EscalationRule.objects.filter(program_id=ticket.program_id).values_list("id", "ticket_type_id",
                                                                                       "keyword")
    return sorted((int(rid), type_id, keyword or "") for rid, type_id, keyword in (rows or []))


def routing_queue_for(ticket: Ticket) -> tuple[str, str]:
    """(queue, why) from the ticket type and the program's escalation rules."""
    ticket_type = ticket.ticket_type
    if ticket_type is not None and not ticket_type.freelancers_allowed:
        return Ticket.Queue.INHOUSE, f"ticket type “{ticket_type.name}” is not for freelancers"
    if ticket.tier > 1:
        return Ticket.Queue.INHOUSE, f"tier {ticket.tier} ticket"
    text = f"{ticket.subject}\n{ticket.body}"
    for _rule_id, rule_type_id, keyword in _escalation_rules(ticket):
        if rule_type_id and rule_type_id == ticket.ticket_type_id:
            return Ticket.Queue.INHOUSE, f"escalation rule: ticket type “{ticket_type.name}”"
        if keyword and keyword_in(keyword, text):
            return Ticket.Queue.INHOUSE, f"escalation rule: keyword “{keyword}”"
    return Ticket.Queue.FREELANCER, "tier 1"


def _candidate_queryset(*, program_id: int, now, detailed: bool):
    qs = Freelancer.objects.filter(pk__in=queue_ready_freelancer_ids(program_id=program_id)).order_by("pk")
    prefetches = [
        Prefetch("availability_slots", queryset=AvailabilitySlot.objects.all()),
        Prefetch("availability_changes", queryset=AvailabilityChange.objects.filter(ends_at__gt=now)),
    ]
    if detailed:
        prefetches += [Prefetch("languages", queryset=Language.objects.only("id", "code")),
                       Prefetch("skills", queryset=Skill.objects.only("id"))]
    return qs.prefetch_related(*prefetches)


def _speaks(language: str) -> Exists:
    wanted = (language or "").lower()
    base = wanted.split("-")[0]
    through = Freelancer.languages.through.objects.filter(freelancer_id=OuterRef("pk"))
    return Exists(through.filter(
        Q(language__code__iexact=wanted) | Q(language__code__iexact=base) | Q(language__code__istartswith=f"{wanted}-")
    ))


def _lacks_required_skill(ticket_type_id: int) -> Exists:
    """True when the ticket type requires a skill the freelancer (the outer row) does not have."""
    has = Freelancer.skills.through.objects.filter(freelancer_id=OuterRef(OuterRef("pk"))).values("skill_id")
    required = TicketType.required_skills.through.objects.filter(tickettype_id=ticket_type_id)
    return Exists(required.exclude(skill_id__in=has))


def _load_subquery(ref="pk"):
    """New + open tickets assigned to the freelancer `ref` points at (the ticket_assignee_queue index)."""
    return Coalesce(Subquery(
        Ticket.objects.filter(assignee_id=OuterRef(ref), status__in=Ticket.LOAD_STATUSES).order_by()
        .annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1], output_field=IntegerField(),
    ), 0)


def _on_shift_now(freelancer: Freelancer, *, now, program_id: int) -> bool:
    return is_on_shift(zone=freelancer.zone, slots=freelancer.availability_slots.all(),
                       changes=freelancer.availability_changes.all(), at=now, program_id=program_id)


def _moment(value) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _on_shift_rows(freelancer: Freelancer, *, now, program_id: int) -> bool:
    slots = [slot_row(*row) for row in (freelancer.slot_rows or [])]
    changes = [(kind, _moment(starts_at), _moment(ends_at), change_program)
               for kind, starts_at, ends_at, change_program in (freelancer.change_rows or [])]
    return is_on_shift_rows(zone=freelancer.zone, slots=slots, changes=changes, at=now, program_id=program_id)


# Compiled SQL of the candidate query per (database, program, tier, language, type, excluded): building and
# compiling that queryset was ~10 ms of every routing; only `now` changes between calls (see routing_candidates).
_CANDIDATE_SQL: dict = {}
_CANDIDATE_SQL_MAX = 512


def routing_candidates(*, ticket: Ticket, now, exclude_ids=()) -> list[Freelancer]:
    """Queue-ready, active freelancers of the ticket's program with its tier, language and skills, in one query.

    Each comes with `load` (new + open tickets), `last_assigned` (their latest assignment), `weekly_cap`
    (the active contract's), `slot_rows` and `change_rows` (weekly slots for the program and the
    availability changes in force now) so shifts are checked without more queries.

    On PostgreSQL the compiled SQL is reused for the same program/tier/language/type, with `now` bound anew.
    """
    key = (connection.alias, ticket.program_id, ticket.tier, (ticket.language or "").lower(), ticket.ticket_type_id,
           tuple(sorted(exclude_ids)))
    cached = _CANDIDATE_SQL.get(key) if connection.vendor == "postgresql" else None
    if cached is None:
        queryset = _candidates_queryset(ticket=ticket, now=now, exclude_ids=exclude_ids)
        if connection.vendor != "postgresql":
            return list(queryset)
        sql, params = queryset.query.sql_with_params()
        now_at = [i for i, param in enumerate(params) if param is now]
        if len(now_at) != 2:  # (the two bounds of the availability changes) anything else: do not cache
            return list(queryset)
        if len(_CANDIDATE_SQL) >= _CANDIDATE_SQL_MAX:
            _CANDIDATE_SQL.clear()
        cached = _CANDIDATE_SQL[key] = (sql, tuple(params), tuple(now_at))
    sql, params, now_at = cached
    params = list(params)
    for i in now_at:
        params[i] = now
    found = list(Freelancer.objects.raw(sql, params))
    for freelancer in found:  # raw() leaves annotations as the driver gives them (jsonb as text)
        for name in ("slot_rows", "change_rows"):
            value = getattr(freelancer, name)
            if isinstance(value, str | bytes):
                setattr(freelancer, name, json.loads(value))
    return found


def _candidates_queryset(*, ticket: Ticket, now, exclude_ids=()):
    program_id = ticket.program_id
    qs = Freelancer.objects.filter(
        _speaks(ticket.language),
        pk__in=queue_ready_freelancer_ids(program_id=program_id),
        status=Freelancer.Status.ACTIVE,
        tier__gte=ticket.tier,
    )
    if exclude_ids:
        qs = qs.exclude(pk__in=list(exclude_ids))
    if ticket.ticket_type_id:
        qs = qs.exclude(_lacks_required_skill(ticket.ticket_type_id))
    slots = AvailabilitySlot.objects.filter(freelancer_id=OuterRef("pk")).filter(
        Q(program_id__isnull=True) | Q(program_id=program_id))
    changes = AvailabilityChange.objects.filter(freelancer_id=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now)
    return qs.annotate(
        load=_load_subquery(),
        last_assigned=Subquery(
            Ticket.objects.filter(assignee_id=OuterRef("pk"), last_assigned_at__isnull=False)
            .order_by("-last_assigned_at").values("last_assigned_at")[:1]
        ),
        weekly_cap=Subquery(
            Contract.objects.filter(program_id=program_id, freelancer_id=OuterRef("pk"), status=Contract.Status.ACTIVE)
            .order_by("-pk").values("weekly_hour_cap")[:1]
        ),
        slot_rows=_rows_json(slots, "freelancer_id", "weekday", "start_time", "end_time", "program_id"),
        change_rows=_rows_json(changes, "freelancer_id", "kind", "starts_at", "ends_at", "program_id"),
    ).order_by("pk")


def _drop_capped(ticket: Ticket, passing: list, why_not: Counter, now) -> list:
    """Drop the freelancers who reached their contract's weekly hour cap (one hours query, none when nobody is left)."""
    if not passing:
        return passing
    local_day = now.astimezone(ticket.program.zone).date()
    if all(hasattr(f, "weekly_cap") for f in passing):
        capped = {f.pk: f.weekly_cap for f in passing if f.weekly_cap is not None}
        worked = hours_worked_in_week(program_id=ticket.program_id, freelancer_ids=capped.keys(), day=local_day)
        at_cap = {fid for fid, cap in capped.items() if worked[fid] >= cap}
    else:
        at_cap = freelancers_at_weekly_cap(program_id=ticket.program_id, freelancer_ids=[f.pk for f in passing],
                                           on=local_day)
    if at_cap:
        why_not["at weekly hour cap"] += len([f for f in passing if f.pk in at_cap])
    return [f for f in passing if f.pk not in at_cap]


def _on_shift_candidates(*, ticket: Ticket, now, exclude_ids=()) -> list[Freelancer]:
    return [f for f in routing_candidates(ticket=ticket, now=now, exclude_ids=exclude_ids)
            if _on_shift_rows(f, now=now, program_id=ticket.program_id)]


def _eligibility_report(*, ticket: Ticket, now, exclude_ids, barred=None) -> tuple[list[Freelancer], Counter, int]:
    """The slow, explaining pass (runs only when nobody is eligible): why each queue-ready freelancer may not.
    `barred` ({freelancer_id: reason}, core.routing_filters) names those a higher app keeps off the program."""
    barred = barred or {}
    required = set(ticket.ticket_type.required_skills.values_list("id", flat=True)) if ticket.ticket_type_id else set()
    why_not: Counter = Counter()
    passing = []
    checked = 0
    for freelancer in _candidate_queryset(program_id=ticket.program_id, now=now, detailed=True):
        if freelancer.pk in exclude_ids:
            continue
        checked += 1
        if freelancer.status != Freelancer.Status.ACTIVE:
            why_not["not active"] += 1
        elif freelancer.tier < ticket.tier:
            why_not[f"below tier {ticket.tier}"] += 1
        elif not language_matches(ticket.language, {lang.code.lower() for lang in freelancer.languages.all()}):
            why_not[f"no {ticket.language}"] += 1
        elif required - {skill.id for skill in freelancer.skills.all()}:
            why_not["missing skills"] += 1
        elif not _on_shift_now(freelancer, now=now, program_id=ticket.program_id):
            why_not["off shift"] += 1
        elif freelancer.pk in barred:
            why_not[barred[freelancer.pk]] += 1
        else:
            passing.append(freelancer)
    return _drop_capped(ticket, passing, why_not, now), why_not, checked


def freelancer_loads(freelancer_ids) -> dict[int, int]:
    """{freelancer_id: new + open tickets assigned} in one query (the ticket_assignee_queue index)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(freelancer_ids), status__in=Ticket.LOAD_STATUSES)
        .values("assignee_id").annotate(load=Count("id")).order_by()
    )
    return {row["assignee_id"]: row["load"] for row in rows}


def _describe(why_not: Counter) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in why_not.most_common()) or "none queue-ready"


def assign_to_freelancer(ticket: Ticket, freelancer: Freelancer, *, now) -> list[str]:
    ticket.assignee = freelancer
    ticket.queue = Ticket.Queue.FREELANCER
    ticket.inhouse_assignee = None
    ticket.last_assigned_at = now
    return ["assignee", "queue", "inhouse_assignee", "last_assigned_at", *refresh_next_due(ticket)]


def _lock_tickets(ticket_ids, *, skip_locked: bool) -> list[Ticket]:
    """Lock the tickets' rows (only theirs, in id order) and load what routing reads with them: program,
    policy, type and the program's escalation rules. With skip_locked, tickets another router holds are left out."""
    rules = EscalationRule.objects.filter(program_id=OuterRef("program_id"))
    # the program relations the routing filters read (core.routing_filters), joined here so they cost no query
    related = [f"program__{name}" for name in routing_program_related()]
    # core.locks.lock_rows would lock the joined rows too: FOR UPDATE OF the tickets only.
    return list(
        Ticket.objects.filter(pk__in=list(ticket_ids))
        .select_related("program", "program__queue_settings", "ticket_type", *related)
        .select_for_update(of=("self",), skip_locked=skip_locked)
        .annotate(escalation_rules_json=_rows_json(rules, "program_id", "id", "ticket_type_id", "keyword"))
        .order_by("pk")
    )


def _needs_routing(ticket: Ticket) -> bool:
    return ticket.is_active and not ticket.assignee_id and not (
        ticket.queue == Ticket.Queue.INHOUSE and ticket.routed_at)


def _candidate_key(ticket: Ticket) -> tuple:
    return ticket.tier, (ticket.language or "").lower(), ticket.ticket_type_id


class _Batch:
    """Routing of locked tickets of one program in one transaction: the rules' decisions, then the writes."""

    def __init__(self, *, now, actor, exclude_ids, quiet_when_waiting):
        self.now, self.actor, self.exclude_ids, self.quiet = now, actor, set(exclude_ids), quiet_when_waiting
        self.events: list[TicketEvent] = []
        self.writes: dict[tuple, list[Ticket]] = defaultdict(list)
        self.barred: dict[int, str] = {}  # {freelancer_id: why} kept off the program (core.routing_filters)

    def write(self, ticket: Ticket, fields: list[str]) -> None:
        """Queue an UPDATE of these fields; tickets given the same values share one statement (see flush)."""
        if not fields:
            return
        ticket.updated_at = self.now
        names = sorted({Ticket._meta.get_field(name).attname for name in [*fields, "updated_at"]})
        self.writes[tuple((name, getattr(ticket, name)) for name in names)].append(ticket)

    def flush(self) -> None:
        """One UPDATE per set of equal values (e.g. every ticket handed to one freelancer), then the timeline."""
        for values, tickets in self.writes.items():
            Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(**dict(values))
        TicketEvent.objects.bulk_create(self.events)
        events_publish(self.events)

    def event(self, ticket: Ticket, kind: str, message: str, **data) -> None:
        self.events.append(event_build(ticket=ticket, kind=kind, actor=self.actor, at=self.now, message=message,
                                       **data))
        if self.actor is not None and kind == TicketEvent.Kind.ROUTED:
            # automatic routing is on the timeline; a person's is also audited
            audit_record(actor=self.actor, verb="ticket.routed", target=ticket, **data)

    def route(self, tickets: list[Ticket]) -> None:
        to_freelancers = []
        for ticket in tickets:
            fields = []
            first_time = ticket.routed_at is None
            if first_time:
                queue, why = routing_queue_for(ticket)
                ticket.routed_at, ticket.queue = self.now, queue
                fields += ["routed_at", "queue"]
                if queue == Ticket.Queue.INHOUSE:
                    set_inhouse_due(ticket, now=self.now)
                    fields += ["inhouse_due_at", *refresh_next_due(ticket)]
                    self.write(ticket, fields)
                    self.event(ticket, TicketEvent.Kind.ROUTED, f"To the in-house queue: {why}.", queue=queue,
                               reason=why)
                    continue
            to_freelancers.append((ticket, fields, first_time))
        if to_freelancers:
            self.assign(to_freelancers)
        self.flush()

    def assign(self, pending: list[tuple[Ticket, list[str], bool]]) -> None:
        """Give each ticket (most urgent first) to the least loaded, then idle longest, eligible freelancer.

        Candidates come unlocked (one query per kind of ticket); every one of them with room is then locked
        in id order and their load counted again under the locks, so routers running at once never overbook
        anyone and never deadlock (all take freelancer locks in id order, and none waits for a ticket lock
        while holding one: tickets are locked first).
        """
        now, first = self.now, pending[0][0]
        # once per batch (one program): who a higher app bars; filtered in Python, so the candidate SQL and its
        # cache stay as they are (a filter that does not apply costs no query)
        self.barred = {fid: exclusion.reason for exclusion in routing_exclusions(program=first.program)
                       for fid in exclusion.freelancer_ids}
        candidates: dict[tuple, list[Freelancer]] = {}
        for ticket, _fields, _first in pending:
            key = _candidate_key(ticket)
            if key not in candidates:
                candidates[key] = [f for f in _on_shift_candidates(ticket=ticket, now=now, exclude_ids=self.exclude_ids)
                                   if f.pk not in self.barred]
        everyone = {f.pk: f for found in candidates.values() for f in found}
        uncapped = {f.pk for f in _drop_capped(first, list(everyone.values()), Counter(), now)}
        with_room = sorted(pk for pk in uncapped if everyone[pk].load < everyone[pk].max_open_tickets)
        load: dict[int, int] = {}
        if with_room:
            locked = Freelancer.objects.filter(pk__in=with_room).order_by("pk").select_for_update()
            limits = dict(locked.values_list("pk", "max_open_tickets"))
            counted = freelancer_loads(limits)
            load = {pk: counted.get(pk, 0) for pk in limits}
            for pk, limit in limits.items():
                everyone[pk].max_open_tickets = limit
        last = {pk: f.last_assigned for pk, f in everyone.items()}
        explained: dict[tuple, str] = {}
        for ticket, fields, first_time in sorted(pending, key=lambda p: (p[0].next_due_at or p[0].created_at,
                                                                         p[0].pk)):
            key = _candidate_key(ticket)
            pool = [f for f in candidates[key] if f.pk in load and load[f.pk] < f.max_open_tickets]
            if pool:
                chosen = min(pool, key=lambda f: (load[f.pk], last[f.pk] or NEVER, f.pk))
                before, idle_since = load[chosen.pk], last[chosen.pk]
                load[chosen.pk] += 1
                last[chosen.pk] = now
                fields += assign_to_freelancer(ticket, chosen, now=now)
                self.write(ticket, fields)
                idle = ("never assigned before" if idle_since is None
                        else f"last assigned {idle_since:%Y-%m-%d %H:%M} UTC")
                why = (f"least loaded ({before} open of {chosen.max_open_tickets}), {idle}; "
                       f"{len(pool)} eligible with room")
                self.event(ticket, TicketEvent.Kind.ROUTED, f"Assigned to {chosen}: {why}.",
                           freelancer_id=chosen.pk, reason=why)
                continue
            self.write(ticket, fields)
            if first_time or not self.quiet:
                if key not in explained:
                    explained[key] = self.why_waiting(ticket, candidates[key], uncapped)
                why = explained[key]
                self.event(ticket, TicketEvent.Kind.WAITING, f"Waiting in the program queue: {why}.", reason=why)

    def why_waiting(self, ticket: Ticket, found: list[Freelancer], uncapped: set[int]) -> str:
        if not found:  # nobody on shift who fits: the slow pass says why each queue-ready freelancer may not
            _passing, why_not, checked = _eligibility_report(ticket=ticket, now=self.now, exclude_ids=self.exclude_ids,
                                                             barred=self.barred)
            return f"no eligible freelancer ({checked} queue-ready: {_describe(why_not)})"
        why_not = Counter()
        capped = len([f for f in found if f.pk not in uncapped])
        if capped:
            why_not["at weekly hour cap"] = capped
        if len(found) - capped:
            why_not["full"] = len(found) - capped
        return f"no eligible freelancer with room ({len(found)} checked: {_describe(why_not)})"


def _route_locked(tickets: list[Ticket], *, now, actor=None, exclude_ids=(), quiet_when_waiting=False
                  ) -> list[Ticket]:
    """Route the locked tickets that need it, one batch per program; returns those."""
    by_program: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if _needs_routing(ticket):
            by_program[ticket.program_id].append(ticket)
    for group in by_program.values():
        _Batch(now=now, actor=actor, exclude_ids=exclude_ids, quiet_when_waiting=quiet_when_waiting).route(group)
    return [ticket for group in by_program.values() for ticket in group]


def ticket_route(*, ticket_id: int, actor=None, now=None, exclude_freelancer_ids=(), quiet_when_waiting=False
                 ) -> Ticket | None:
    """Route one ticket (idempotent: an assigned, in-house or finished ticket is left as it is)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _lock_tickets([ticket_id], skip_locked=False)
        if not found:
            return None
        _route_locked(found, now=now, actor=actor, exclude_ids=exclude_freelancer_ids,
                      quiet_when_waiting=quiet_when_waiting)
        return found[0]


def tickets_route(*, ticket_ids, now=None, quiet_when_waiting=False) -> list[Ticket]:
    """Route several tickets in one transaction (the sweep's waiting tickets); returns the ones it routed.
    Tickets another router holds right now, or that no longer need routing, are left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        return _route_locked(_lock_tickets(ticket_ids, skip_locked=True), now=now,
                             quiet_when_waiting=quiet_when_waiting)


def route_new_tickets(*, program_id: int, now=None) -> int:
    """Route the program's tickets never routed yet, oldest first, up to ROUTE_BATCH in one transaction.

    Each intake enqueues one task; the first task to run takes every new ticket of the
    program waiting at that moment, so a burst of intake is routed in a few transactions, and the later
    tasks find nothing new and stop after one query (the ticket_unrouted index). Returns how many tickets
    this call routed.
    """
    now = now or timezone.now()
    new = Ticket.objects.filter(program_id=program_id, routed_at__isnull=True,
                                status__in=Ticket.ACTIVE_STATUSES).order_by("pk").values_list("pk", flat=True)
    ids = list(new[:ROUTE_BATCH])
    if not ids:
        return 0
    with transaction.atomic():
        found = [t for t in _lock_tickets(ids, skip_locked=True) if t.routed_at is None]
        return len(_route_locked(found, now=now))


def enqueue_route(ticket_id: int, program_id: int | None = None) -> None:
    """Route after commit through Celery. A broker that is down is logged, not raised: the ticket is saved
    and the every-minute sweep routes it.

    With `program_id` (intake) the task routes the new ticket together with the program's other new tickets
    (route_new_tickets), and is not enqueued while one for the program waits already (queues.tasks explains);
    without it (a ticket sent back to the queue) it routes just that ticket."""

    def _publish():
        from queues.tasks import publish_route

        try:
            publish_route(ticket_id, program_id)
        except Exception:
            logger.warning("queues: could not enqueue routing of ticket %s; the sweep will route it", ticket_id,
                           exc_info=True)

    transaction.on_commit(_publish)
