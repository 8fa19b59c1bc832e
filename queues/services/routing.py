"""Routing: which queue a ticket belongs to and, for tier-1 work, which freelancer takes it.

Rules (issue 6): the ticket type's tier, whether freelancers may take the type, and the program's escalation
rules (types and keywords) send a ticket to the in-house queue. Otherwise it goes to a freelancer who is
queue-ready, active, on shift now in their own time zone, speaks the ticket's language, has the type's
required skills, has a tier at least the ticket's, has room (new/open tickets below max_open_tickets; pending
ones do not count) and has not reached the contract's weekly hour cap. The least loaded wins, then the one
idle longest (oldest last assignment), then the lowest id. The chosen freelancer's row is locked and their
load re-counted under the lock before the ticket is theirs, so two tickets routed at once never overbook
anyone (see _try_lock).
"""

import datetime
import logging
import re
from collections import Counter

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.utils import timezone

from accounts.models import Freelancer, Language, Skill
from contracts.selectors import freelancers_at_weekly_cap, queue_ready_freelancer_ids
from core.audit import audit_record
from core.locks import lock_one
from programs.models import EscalationRule
from queues.availability import is_on_shift
from queues.events import event_record
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketEvent
from queues.services.common import refresh_next_due, set_inhouse_due

logger = logging.getLogger(__name__)
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def language_matches(ticket_language: str, codes: set[str]) -> bool:
    """'pt-br' is served by a 'pt-br' or a 'pt' speaker; 'pt' by 'pt' or any 'pt-…' speaker."""
    wanted = (ticket_language or "").lower()
    base = wanted.split("-")[0]
    return any(code in (wanted, base) or code.split("-")[0] == wanted for code in codes)


def keyword_in(keyword: str, text: str) -> bool:
    keyword = keyword.strip()
    return bool(keyword) and re.search(r"(?<!\w)" + re.escape(keyword), text, re.IGNORECASE) is not None


def routing_queue_for(ticket: Ticket) -> tuple[str, str]:
    """(queue, why) from the ticket type and the program's escalation rules."""
    ticket_type = ticket.ticket_type
    if ticket_type is not None and not ticket_type.freelancers_allowed:
        return Ticket.Queue.INHOUSE, f"ticket type “{ticket_type.name}” is not for freelancers"
    if ticket.tier > 1:
        return Ticket.Queue.INHOUSE, f"tier {ticket.tier} ticket"
    text = f"{ticket.subject}\n{ticket.body}"
    for rule in EscalationRule.objects.filter(program_id=ticket.program_id).order_by("id"):
        if rule.ticket_type_id and rule.ticket_type_id == ticket.ticket_type_id:
            return Ticket.Queue.INHOUSE, f"escalation rule: ticket type “{ticket_type.name}”"
        if rule.keyword and keyword_in(rule.keyword, text):
            return Ticket.Queue.INHOUSE, f"escalation rule: keyword “{rule.keyword}”"
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


def _has_skill(skill_id: int) -> Exists:
    return Exists(Freelancer.skills.through.objects.filter(freelancer_id=OuterRef("pk"), skill_id=skill_id))


def _on_shift_now(freelancer: Freelancer, *, now, program_id: int) -> bool:
    return is_on_shift(zone=freelancer.zone, slots=freelancer.availability_slots.all(),
                       changes=freelancer.availability_changes.all(), at=now, program_id=program_id)


def _drop_capped(ticket: Ticket, passing: list, why_not: Counter, now) -> list:
    if not passing:
        return passing
    local_day = now.astimezone(ticket.program.zone).date()
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
    required = set(ticket.ticket_type.required_skills.values_list("id", flat=True)) if ticket.ticket_type_id else set()
    fast = _candidate_queryset(program_id=ticket.program_id, now=now, detailed=False).filter(
        _speaks(ticket.language), status=Freelancer.Status.ACTIVE, tier__gte=ticket.tier,
    ).exclude(pk__in=list(exclude_ids))
    for skill_id in sorted(required):
        fast = fast.filter(_has_skill(skill_id))
    why_not: Counter = Counter()
    passing = [f for f in fast if _on_shift_now(f, now=now, program_id=ticket.program_id)]
    passing = _drop_capped(ticket, passing, why_not, now)
    if passing:
        return passing, why_not, len(passing) + sum(why_not.values())
    return _eligibility_report(ticket=ticket, now=now, exclude_ids=exclude_ids, required=required)


def _eligibility_report(*, ticket: Ticket, now, exclude_ids, required) -> tuple[list[Freelancer], Counter, int]:
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


def _describe(why_not: Counter) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in why_not.most_common()) or "none queue-ready"


class _Full(Exception):
    """The candidate filled up meanwhile: roll back the savepoint (releasing the row lock) and try the next."""


def _load_of(freelancer_id: int) -> int:
    return Ticket.objects.filter(assignee_id=freelancer_id, status__in=Ticket.LOAD_STATUSES).count()


def _try_lock(freelancer: Freelancer, *, wait: bool) -> bool:
    """Lock one candidate and re-count its load under the lock; True when it still has room.

    Each attempt runs in a savepoint, so a full candidate's lock is released at once: a router holds at most
    the lock of the freelancer it assigns to, and never waits while holding another (no deadlocks).
    """
    try:
        with transaction.atomic():
            if wait:
                lock_one(Freelancer.objects.filter(pk=freelancer.pk))
            elif not Freelancer.objects.select_for_update(skip_locked=True).filter(pk=freelancer.pk).exists():
                return False
            if _load_of(freelancer.pk) >= freelancer.max_open_tickets:
                raise _Full
            return True
    except _Full:
        return False


def _pick(*, ticket: Ticket, now, exclude_ids=()) -> tuple[Freelancer | None, str]:
    candidates, why_not, checked = eligible_freelancers(ticket=ticket, now=now, exclude_ids=exclude_ids)
    if not candidates:
        return None, f"no eligible freelancer ({checked} queue-ready: {_describe(why_not)})"
    loads = freelancer_loads([f.pk for f in candidates])

    def order(freelancer):
        load, last = loads.get(freelancer.pk, (0, None))
        return (load, last or NEVER, freelancer.pk)

    # Unlocked counts give the order; the chosen one is locked and re-counted before it gets the ticket, so
    # two tickets routed at once never overbook anyone. A candidate another router holds right now is
    # skipped first (skip_locked) and only waited for when nobody else is free.
    with_room = sorted((f for f in candidates if loads.get(f.pk, (0, None))[0] < f.max_open_tickets), key=order)
    chosen = next((f for f in with_room if _try_lock(f, wait=False)), None)
    if chosen is None:
        chosen = next((f for f in with_room if _try_lock(f, wait=True)), None)
    if chosen is None:
        why_not["full"] += len(candidates)
        return None, f"no eligible freelancer with room ({checked} checked: {_describe(why_not)})"
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


def ticket_route(*, ticket_id: int, actor=None, now=None, exclude_freelancer_ids=(), quiet_when_waiting=False
                 ) -> Ticket | None:
    """Route one ticket (idempotent: an assigned, in-house or finished ticket is left as it is)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            ticket = lock_one(Ticket.objects.filter(pk=ticket_id))
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
                audit_record(actor=actor, verb="ticket.routed", target=ticket, queue=queue, reason=why)
                return ticket
        chosen, why = _pick(ticket=ticket, now=now, exclude_ids=set(exclude_freelancer_ids))
        if chosen is None:
            if fields:
                ticket.save(update_fields=[*fields, "updated_at"])
            if first_time or not quiet_when_waiting:
                event_record(ticket=ticket, kind=TicketEvent.Kind.WAITING, actor=actor, at=now,
                             message=f"Waiting in the program queue: {why}.", reason=why)
            return ticket
        fields += assign_to_freelancer(ticket, chosen, now=now)
        ticket.save(update_fields=[*set(fields), "updated_at"])
        event_record(ticket=ticket, kind=TicketEvent.Kind.ROUTED, actor=actor, at=now,
                     message=f"Assigned to {chosen}: {why}.", freelancer_id=chosen.pk, reason=why)
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
