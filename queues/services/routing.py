"""Routing: which queue a ticket belongs to and, for tier-1 work, which freelancer takes it.

Rules (issue 6): the ticket type's tier, whether freelancers may take the type, and the program's escalation
rules (types and keywords) send a ticket to the in-house queue. Otherwise it goes to a freelancer who is
queue-ready, active, on shift now in their own time zone, speaks the ticket's language, has the type's
required skills, has a tier at least the ticket's, has room (new/open tickets below max_open_tickets; pending
ones do not count) and has not reached the contract's weekly hour cap. The least loaded wins, then the one
idle longest (oldest last assignment), then the lowest id. The chosen freelancer's row is locked and their
load re-counted under the lock before the ticket is theirs, so two tickets routed at once never overbook
anyone (see _claim).

Performance (the intake-and-route benchmark, queues_bench): routing one ticket is a handful of queries. The
ticket is locked together with its program, policy, type and the program's escalation rules; one candidate
query filters queue-readiness, status, tier, language and skills in SQL and brings each candidate's load,
last assignment, weekly cap, weekly slots and current availability changes along; shifts are then checked
in Python over those rows; the claim is a row lock plus one conditional UPDATE that re-counts the load.
"""

import datetime
import json
import logging
import re
from collections import Counter

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    Max,
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
from core.locks import lock_one
from programs.models import EscalationRule, TicketType
from queues.availability import is_on_shift, is_on_shift_rows
from queues.events import event_record
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketEvent
from queues.services.common import refresh_next_due, set_inhouse_due

logger = logging.getLogger(__name__)
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)
# What assign_to_freelancer may change on the ticket (restored when no candidate could be claimed).
_ASSIGN_ATTRS = ("assignee_id", "queue", "inhouse_assignee_id", "last_assigned_at", "next_due_at", "sla_warned_at",
                 "sla_breached_at")


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


def _minutes(value) -> int:
    """'HH:MM[:SS]' (or a time) as minutes after midnight."""
    if isinstance(value, datetime.time):
        return value.hour * 60 + value.minute
    hours, minutes = str(value).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _moment(value) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _on_shift_rows(freelancer: Freelancer, *, now, program_id: int) -> bool:
    slots = [(int(weekday), _minutes(start), _minutes(end) or 24 * 60, slot_program)
             for weekday, start, end, slot_program in (freelancer.slot_rows or [])]
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


def eligible_freelancers(*, ticket: Ticket, now=None, exclude_ids=()) -> tuple[list[Freelancer], Counter, int]:
    """Freelancers who may take this ticket now, ignoring load; plus why the others may not, and how many were checked.

    The fast path filters status, tier, language and skills in SQL and checks shifts in Python; only when
    nobody passes does the detailed pass run, to say why on the timeline.
    """
    now = now or timezone.now()
    passing = _on_shift_candidates(ticket=ticket, now=now, exclude_ids=exclude_ids)
    why_not: Counter = Counter()
    passing = _drop_capped(ticket, passing, why_not, now)
    if passing:
        return passing, why_not, len(passing) + sum(why_not.values())
    return _eligibility_report(ticket=ticket, now=now, exclude_ids=exclude_ids)


def _on_shift_candidates(*, ticket: Ticket, now, exclude_ids=()) -> list[Freelancer]:
    return [f for f in routing_candidates(ticket=ticket, now=now, exclude_ids=exclude_ids)
            if _on_shift_rows(f, now=now, program_id=ticket.program_id)]


def _eligibility_report(*, ticket: Ticket, now, exclude_ids) -> tuple[list[Freelancer], Counter, int]:
    """The slow, explaining pass (runs only when nobody is eligible): why each queue-ready freelancer may not."""
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
        else:
            passing.append(freelancer)
    return _drop_capped(ticket, passing, why_not, now), why_not, checked


def freelancer_loads(freelancer_ids) -> dict[int, tuple[int, datetime.datetime | None]]:
    """{freelancer_id: (new+open tickets assigned, last assignment time)} in one query."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(freelancer_ids))
        .values("assignee_id")
        .annotate(load=Count("id", filter=Q(status__in=Ticket.LOAD_STATUSES)), last=Max("last_assigned_at"))
        .order_by()
    )
    return {row["assignee_id"]: (row["load"], row["last"]) for row in rows}


def _load_and_last(freelancers: list[Freelancer]) -> dict[int, tuple[int, datetime.datetime | None]]:
    if all(hasattr(f, "load") for f in freelancers):
        return {f.pk: (f.load, f.last_assigned) for f in freelancers}
    return freelancer_loads([f.pk for f in freelancers])


def _describe(why_not: Counter) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in why_not.most_common()) or "none queue-ready"


class _Full(Exception):
    """The candidate filled up meanwhile: roll back the savepoint (releasing the row lock) and try the next."""


def _claim(ticket: Ticket, freelancer: Freelancer, *, wait: bool, values: dict) -> bool:
    """Lock one candidate and give them the ticket if, counted under the lock, they still have room.

    The count runs in the UPDATE that assigns the ticket: a statement after the lock, so under READ
    COMMITTED it sees every assignment committed before the lock was ours. Each attempt runs in a
    savepoint, so a full candidate's lock is released at once: a router holds at most the lock of the
    freelancer it assigns to, and never waits while holding another (no deadlocks).
    """
    try:
        with transaction.atomic():
            if wait:
                lock_one(Freelancer.objects.filter(pk=freelancer.pk))
            elif not Freelancer.objects.select_for_update(skip_locked=True).filter(pk=freelancer.pk).exists():
                return False
            if not _conditional_assign(ticket, freelancer, values):
                raise _Full
            return True
    except _Full:
        return False


def _conditional_assign(ticket: Ticket, freelancer: Freelancer, values: dict) -> bool:
    load = Subquery(
        Ticket.objects.filter(assignee_id=freelancer.pk, status__in=Ticket.LOAD_STATUSES).order_by()
        .annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1], output_field=IntegerField(),
    )
    return bool(Ticket.objects.filter(pk=ticket.pk).alias(assignee_load=Coalesce(load, 0))
                .filter(assignee_load__lt=freelancer.max_open_tickets).update(**values))


def _pick(*, ticket: Ticket, now, exclude_ids=(), fields: list[str]) -> tuple[Freelancer | None, str]:
    """Choose and claim a freelancer; on success the ticket row is already updated with `fields` + assignment."""
    # On shift and otherwise eligible, ignoring load and the weekly cap: one query. The cap (an hours query)
    # is checked only for those with room, so a full program costs no hours query.
    candidates = _on_shift_candidates(ticket=ticket, now=now, exclude_ids=exclude_ids)
    why_not: Counter = Counter()
    if not candidates:
        candidates, why_not, checked = _eligibility_report(ticket=ticket, now=now, exclude_ids=exclude_ids)
        if not candidates:
            return None, f"no eligible freelancer ({checked} queue-ready: {_describe(why_not)})"
    loads = _load_and_last(candidates)

    def order(freelancer):
        load, last = loads.get(freelancer.pk, (0, None))
        return (load, last or NEVER, freelancer.pk)

    # Unlocked counts give the order; the chosen one is locked and re-counted before it gets the ticket, so
    # two tickets routed at once never overbook anyone. A candidate another router holds right now is
    # skipped first (skip_locked) and only waited for when nobody else is free.
    with_room = [f for f in candidates if loads.get(f.pk, (0, None))[0] < f.max_open_tickets]
    if not why_not:  # (the explaining pass above has dropped the capped ones already)
        with_room = _drop_capped(ticket, with_room, why_not, now)
        checked = len(candidates)
    with_room.sort(key=order)

    # The UPDATE a claim runs: the routing fields plus the assignment (the same for every candidate but the id).
    snapshot = {attr: getattr(ticket, attr) for attr in _ASSIGN_ATTRS}
    base: dict = {}
    if with_room:
        names = {*fields, *assign_to_freelancer(ticket, with_room[0], now=now)}
        base = {ticket._meta.get_field(name).attname: getattr(ticket, ticket._meta.get_field(name).attname)
                for name in names}
        for attr, value in snapshot.items():
            setattr(ticket, attr, value)

    def values_for(freelancer):
        return base | {"assignee_id": freelancer.pk, "updated_at": timezone.now()}

    chosen = next((f for f in with_room if _claim(ticket, f, wait=False, values=values_for(f))), None)
    if chosen is None:
        chosen = next((f for f in with_room if _claim(ticket, f, wait=True, values=values_for(f))), None)
    if chosen is None:
        why_not["full"] += len(candidates) - why_not["at weekly hour cap"]
        if not why_not["full"]:
            del why_not["full"]
        return None, f"no eligible freelancer with room ({checked} checked: {_describe(why_not)})"
    assign_to_freelancer(ticket, chosen, now=now)
    load, last = loads.get(chosen.pk, (0, None))
    idle = "never assigned before" if last is None else f"last assigned {last:%Y-%m-%d %H:%M} UTC"
    return chosen, (
        f"least loaded ({load} open of {chosen.max_open_tickets}), {idle}; {len(with_room)} eligible with room"
    )


def assign_to_freelancer(ticket: Ticket, freelancer: Freelancer, *, now) -> list[str]:
    ticket.assignee = freelancer
    ticket.queue = Ticket.Queue.FREELANCER
    ticket.inhouse_assignee = None
    ticket.last_assigned_at = now
    return ["assignee", "queue", "inhouse_assignee", "last_assigned_at", *refresh_next_due(ticket)]


def _lock_ticket(ticket_id: int) -> Ticket:
    """Lock the ticket row (only it) and load what routing reads with it: program, policy, type, escalation rules."""
    rules = EscalationRule.objects.filter(program_id=OuterRef("program_id"))
    # core.locks.lock_one would lock the joined rows too; FOR UPDATE OF the ticket only (one row, no order needed).
    found = list(
        Ticket.objects.filter(pk=ticket_id)
        .select_related("program", "program__queue_settings", "ticket_type")
        .select_for_update(of=("self",))
        .annotate(escalation_rules_json=_rows_json(rules, "program_id", "id", "ticket_type_id", "keyword"))
    )
    if not found:
        raise Ticket.DoesNotExist
    return found[0]


def ticket_route(*, ticket_id: int, actor=None, now=None, exclude_freelancer_ids=(), quiet_when_waiting=False
                 ) -> Ticket | None:
    """Route one ticket (idempotent: an assigned, in-house or finished ticket is left as it is)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            ticket = _lock_ticket(ticket_id)
        except Ticket.DoesNotExist:
            return None
        if not ticket.is_active or ticket.assignee_id or (ticket.queue == Ticket.Queue.INHOUSE and ticket.routed_at):
            return ticket
        first_time = ticket.routed_at is None
        fields = []
        if first_time:
            queue, why = routing_queue_for(ticket)
            ticket.routed_at = now
            ticket.queue = queue
            fields += ["routed_at", "queue"]
            if queue == Ticket.Queue.INHOUSE:
                set_inhouse_due(ticket, now=now)
                fields += ["inhouse_due_at", *refresh_next_due(ticket)]
                ticket.save(update_fields=[*fields, "updated_at"])
                event_record(ticket=ticket, kind=TicketEvent.Kind.ROUTED, actor=actor, at=now,
                             message=f"To the in-house queue: {why}.", queue=queue, reason=why)
                if actor is not None:  # automatic routing is on the timeline (the event above); a person's also audited
                    audit_record(actor=actor, verb="ticket.routed", target=ticket, queue=queue, reason=why)
                return ticket
        chosen, why = _pick(ticket=ticket, now=now, exclude_ids=set(exclude_freelancer_ids), fields=fields)
        if chosen is None:
            if fields:
                ticket.save(update_fields=[*fields, "updated_at"])
            if first_time or not quiet_when_waiting:
                event_record(ticket=ticket, kind=TicketEvent.Kind.WAITING, actor=actor, at=now,
                             message=f"Waiting in the program queue: {why}.", reason=why)
            return ticket
        event_record(ticket=ticket, kind=TicketEvent.Kind.ROUTED, actor=actor, at=now,
                     message=f"Assigned to {chosen}: {why}.", freelancer_id=chosen.pk, reason=why)
        if actor is not None:
            audit_record(actor=actor, verb="ticket.routed", target=ticket, freelancer_id=chosen.pk, reason=why)
        return ticket


def enqueue_route(ticket_id: int) -> None:
    """Route after commit through Celery. A broker that is down is logged, not raised: the ticket is saved
    and the every-minute sweep routes it."""

    def _publish():
        from queues.tasks import ticket_route_task

        try:
            ticket_route_task.delay(ticket_id)
        except Exception:
            logger.warning("queues: could not enqueue routing of ticket %s; the sweep will route it", ticket_id,
                           exc_info=True)

    transaction.on_commit(_publish)
