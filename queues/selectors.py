"""Reads that serve requests: each starts from what the user may see."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.selectors import freelancer_program_ids, queue_ready_contracts, queue_ready_freelancer_ids
from core.db import Median, is_postgresql
from core.metrics import median, percent
from core.outbox import outbox_state_for
from core.rawsql import PreparedQuery, PreparedRows, fetch_one, select_columns
from programs.models import Program
from programs.selectors import (
    inhouse_team_of_programs,
    program_ids_for,
    program_ids_remember,
    program_inhouse_team,
    program_list,
)
from queues import sla
from queues.availability import (
    availability_intervals,
    clock_label,
    is_on_shift_rows,
    slot_row,
    weekly_hours_in_zone,
)
from queues.counters import counters_by_program, counters_read
from queues.events import event_created
from queues.intake_cache import program_cached_get
from queues.models import (
    WEEKDAYS,
    AvailabilityChange,
    AvailabilitySlot,
    HelpMessage,
    HelpRequest,
    NoShow,
    Presence,
    PresenceChange,
    QueueSettings,
    SavedQueueView,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)

LIST_FIELDS_RELATED = ("program", "ticket_type", "assignee", "inhouse_assignee")


# --- freelancers -------------------------------------------------------------------------------------------


def ticket_list_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Ticket]:
    """The freelancer's work queue: their active tickets, the soonest deadline first."""
    return (
        Ticket.objects.filter(assignee=freelancer, status__in=Ticket.ACTIVE_STATUSES)
        .select_related("program", "ticket_type")
        .order_by(F("next_due_at").asc(nulls_last=True), "id")
    )


# The columns the queue pages show (queues_tags.my_queue_rows / inhouse_rows): a ticket row with its joined
# program, type and people is ~100 columns, and reading and converting them was a good part of the page time.
MY_QUEUE_FIELDS = (
    "id",
    "subject",
    "priority",
    "language",
    "status",
    "next_due_at",
    "first_response_met",
    "eta_at",
    "program__id",
    "program__name",
    "ticket_type__id",
    "ticket_type__name",
)
INHOUSE_QUEUE_FIELDS = (
    "id",
    "subject",
    "language",
    "status",
    "tier",
    "escalation_reason",
    "created_at",
    "next_due_at",
    "first_response_met",
    "program__id",
    "program__name",
    "ticket_type__id",
    "ticket_type__name",
    "inhouse_assignee__id",
    "inhouse_assignee__display_name",
    "inhouse_assignee__email",
)
RECENT_FIELDS = ("id", "subject", "solved_at", "program__id", "program__name")
ESCALATED_FIELDS = ("id", "subject", "status", "escalated_at", "program__id", "program__name")


def my_queue_page_list(*, freelancer: Freelancer) -> QuerySet[Ticket]:
    """The freelancer's work queue with only the columns its page shows."""
    return ticket_list_for_freelancer(freelancer=freelancer).only(*MY_QUEUE_FIELDS)


# The queue pages' list, compiled once (core.rawsql.PreparedQuery): the page reads a slice of it and its count.
_MY_QUEUE = PreparedQuery(
    lambda freelancer_id: my_queue_page_list(freelancer=Freelancer(pk=freelancer_id)), "freelancer_id"
)


def my_queue_page_rows(*, freelancer: Freelancer) -> PreparedRows:
    """my_queue_page_list, as rows a paginator slices (each page and the count one query compiled once)."""
    return PreparedRows(_MY_QUEUE, freelancer_id=freelancer.pk)


def ticket_recent_for_freelancer(*, freelancer: Freelancer, limit: int = 10) -> QuerySet[Ticket]:
    """The freelancer's latest solved or closed tickets, with the columns the queue page lists."""
    return (
        Ticket.objects.filter(assignee=freelancer, status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED])
        .select_related("program")
        .only(*RECENT_FIELDS)
        .order_by("-solved_at", "-id")[:limit]
    )


_RECENT = PreparedQuery(
    lambda freelancer_id: ticket_recent_for_freelancer(freelancer=Freelancer(pk=freelancer_id)),
    "freelancer_id",
)


def ticket_recent_list(*, freelancer: Freelancer) -> list[Ticket]:
    """ticket_recent_for_freelancer's rows, by a query compiled once (the queue page lists them)."""
    return _RECENT.objects(freelancer_id=freelancer.pk)


def _first(queryset: QuerySet) -> object | None:
    """The first row of an already filtered-to-one queryset, without the ORDER BY that .first() adds."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None


def _load_if_set(ticket: Ticket | None, *relations: str) -> Ticket | None:
    """Load the ticket's optional relations that are set, one query each; an empty one costs nothing.

    Joining them as well made the ticket query slow to plan (see ticket_get_for_manager), and prefetch_related
    does its machinery for an empty relation too. They are often empty (no escalation, no in-house assignee).
    """
    if ticket is not None:
        present = [name for name in relations if getattr(ticket, f"{name}_id") is not None]
        if present:
            prefetch_related_objects([ticket], *present)
    return ticket


def _escalated_by(freelancer: Freelancer) -> Q:
    """The tickets this freelancer escalated that the in-house team still has (working on it, or solved or
    closed it). They are the freelancer's to read, never to write: sent back to the freelancers, a ticket is
    its new holder's."""
    return Q(escalated_by=freelancer, queue=Ticket.Queue.INHOUSE)


def _ticket_of_freelancer(freelancer, pk, *, escalated_too: bool) -> QuerySet[Ticket]:
    scope = (Q(assignee=freelancer) | _escalated_by(freelancer)) if escalated_too else Q(assignee=freelancer)
    return (
        Ticket.objects.filter(scope, pk=pk)
        .select_related("program", "program__queue_settings", "ticket_type")
        .order_by()[:1]
    )


# The ticket pages' reads below are compiled once (core.rawsql.PreparedQuery): building each ORM query cost more
# than running it (~0.5-1 ms of CPU each, a ticket page has ten), and their shapes never change.
_TICKET_OF_FREELANCER = {
    escalated_too: PreparedQuery(
        lambda freelancer_id, pk, escalated_too=escalated_too: _ticket_of_freelancer(
            freelancer_id, pk, escalated_too=escalated_too
        ),
        "freelancer_id",
        "pk",
    )
    for escalated_too in (False, True)
}


def _prepared_first(query: PreparedQuery, **values) -> Any:
    found = query.objects(**values)
    return found[0] if found else None


def ticket_get_for_freelancer(*, freelancer: Freelancer, pk, escalated_too: bool = False) -> Ticket | None:
    """Only a ticket assigned to this freelancer (anything else is not found); with `escalated_too`, also one
    they escalated (read only: ticket_is_read_only_for says so)."""
    if not 0 < int(pk) <= MAX_ID:
        return None
    ticket = _prepared_first(_TICKET_OF_FREELANCER[escalated_too], freelancer_id=freelancer.pk, pk=int(pk))
    return _load_if_set(ticket, "escalated_by")


def ticket_is_read_only_for(*, ticket: Ticket, freelancer: Freelancer) -> bool:
    """A ticket the freelancer sees but does not hold: one they escalated."""
    return ticket.assignee_id != freelancer.pk


def ticket_escalated_by_freelancer(*, freelancer: Freelancer, limit: int = 10) -> QuerySet[Ticket]:
    """The freelancer's latest escalations the in-house team has, newest first, for "Escalated by me"."""
    return (
        Ticket.objects.filter(_escalated_by(freelancer))
        .select_related("program")
        .only(*ESCALATED_FIELDS)
        .order_by("-escalated_at", "-id")[:limit]
    )


_ESCALATED = PreparedQuery(
    lambda freelancer_id: ticket_escalated_by_freelancer(freelancer=Freelancer(pk=freelancer_id)),
    "freelancer_id",
)


def ticket_escalated_list(*, freelancer: Freelancer) -> list[Ticket]:
    """ticket_escalated_by_freelancer's rows, by a query compiled once (the queue page lists them)."""
    return _ESCALATED.objects(freelancer_id=freelancer.pk)


@dataclass(frozen=True)
class EscalationOutcome:
    """What became of an escalated ticket, for the freelancer who escalated it."""

    state: str  # with_team, solved or closed
    by: User | None  # who solved or closed it, or the in-house agent who has it (None: the team)
    at: datetime.datetime | None


def ticket_escalation_outcome(*, ticket: Ticket, timeline: "list | Newest") -> EscalationOutcome:
    """Solved (by solved_by), closed (by the timeline's closing event) or still with the in-house team (its
    in-house assignee, when one has it). `timeline` is ticket_timeline's: a closed ticket costs no query."""
    if ticket.status == Ticket.Status.SOLVED:
        _load_if_set(ticket, "solved_by")
        return EscalationOutcome(state="solved", by=ticket.solved_by, at=ticket.solved_at)
    if ticket.status == Ticket.Status.CLOSED:
        closing = [
            e
            for e in timeline
            if e.kind == TicketEvent.Kind.STATUS and (e.data or {}).get("status") == Ticket.Status.CLOSED
        ]
        if not closing and isinstance(timeline, Newest) and timeline.earlier:  # look further back
            return ticket_escalation_outcome(ticket=ticket, timeline=ticket_timeline(ticket=ticket))
        event = closing[-1] if closing else None
        return EscalationOutcome(
            state="closed", by=event.actor if event else None, at=event.created_at if event else None
        )
    _load_if_set(ticket, "inhouse_assignee")
    return EscalationOutcome(state="with_team", by=ticket.inhouse_assignee, at=None)


# --- managers and in-house agents --------------------------------------------------------------------------


def user_programs_with_settings(*, user: User) -> list[Program]:
    """The user's programs with their queue settings (for the queue pages' links and filters).

    Also keeps their ids for program_ids_for, which then needs no query of its own.
    """
    if user.is_authenticated and not user.is_superuser:
        programs = _PROGRAMS_WITH_SETTINGS.objects(user_id=user.pk)
    else:
        programs = list(program_list(user=user).select_related("queue_settings"))
    program_ids_remember(user=user, programs=programs)
    return programs


_PROGRAMS_WITH_SETTINGS = PreparedQuery(
    lambda user_id: program_list(user=User(pk=user_id)).select_related("queue_settings"), "user_id"
)


def ticket_list_for_manager(*, user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(program_id__in=program_ids_for(user=user)).select_related(
        *LIST_FIELDS_RELATED
    )


def ticket_get_for_manager(*, user: User, pk) -> Ticket | None:
    """One ticket of the user's programs (anything else is not found).

    The scope is the literal list of the user's program ids (one small query) rather than an EXISTS subquery:
    building and planning the subquery with the joins cost more than that query. Few joins: planning a 7-table
    join took ~3 ms, a 5-table one under 1 ms (the row read itself ~0.1 ms), and each joined row costs time to
    read. The in-house assignee and the escalating freelancer are often empty and cost a query only when set;
    the program's queue settings (the page needs them only to name an escalation reason) are not joined.
    """
    if not 0 < int(pk) <= MAX_ID:
        return None
    ticket = _prepared_first(_TICKET_FOR_MANAGER, program_ids=program_ids_for(user=user), pk=int(pk))
    return _load_if_set(ticket, "inhouse_assignee", "escalated_by")


_TICKET_FOR_MANAGER = PreparedQuery(
    lambda program_ids, pk: (
        Ticket.objects.filter(program_id__in=program_ids, pk=pk)
        .select_related("program", "ticket_type", "assignee")
        .order_by()[:1]
    ),
    "pk",
    lists=("program_ids",),
)


SLA_STATES = sla.SLA_STATES  # breached / warning / ok / none, with their labels
AGES = [
    ("1h", "Older than 1 hour"),
    ("4h", "Older than 4 hours"),
    ("1d", "Older than 1 day"),
    ("3d", "Older than 3 days"),
]
AGE_DELTAS = {
    "1h": datetime.timedelta(hours=1),
    "4h": datetime.timedelta(hours=4),
    "1d": datetime.timedelta(days=1),
    "3d": datetime.timedelta(days=3),
}


def sla_state_filter(state: str, now) -> Q:
    """The tickets in SLA `state` at `now`, as a filter: queues.sla's windows (the rule Ticket.sla_state reads)."""
    if state == "none":
        return Q(next_due_at__isnull=True) | ~Q(status__in=Ticket.ACTIVE_STATUSES)
    after, until = sla.sla_state_window(state, now)
    term = Q(status__in=Ticket.ACTIVE_STATUSES, next_due_at__isnull=False)
    if after is not None:
        term &= Q(next_due_at__gt=after)
    if until is not None:
        term &= Q(next_due_at__lte=until)
    return term


def _filter_sla(qs: QuerySet, sla_state: str | None, now) -> QuerySet:
    if sla_state in dict(sla.SLA_STATES):
        return qs.filter(sla_state_filter(sla_state, now))
    return qs


def inhouse_queue_list(
    *,
    user: User,
    program_id: int | None = None,
    reason: str | None = None,
    age: str | None = None,
    sla_state: str | None = None,
    assigned: str | None = None,
    search: str = "",
    language: str = "",
    now=None,
) -> QuerySet[Ticket]:
    """Escalated and tier-2+ tickets of the user's programs that are still open, most urgent first.

    assigned: "me", "none" or None (all); search: part of the requester's e-mail or name, the subject or the
    external id (or "#12", the ticket's number); language: a language code ("es" also finds "es-mx").
    """
    return _inhouse_queue(
        program_ids=program_ids_for(user=user),
        user=user,
        program_id=program_id,
        reason=reason,
        age=age,
        sla_state=sla_state,
        assigned=assigned,
        search=search,
        language=language,
        now=now,
    )


def inhouse_queue_page_rows(*, user: User, **filters) -> QuerySet[Ticket] | PreparedRows:
    """inhouse_queue_list, as rows a paginator slices: without filters (the page as it opens, and as it refreshes
    itself every 30 s) a query compiled once, with filters the queryset."""
    if any(filters.values()):
        return inhouse_queue_list(user=user, **filters)
    return PreparedRows(_INHOUSE_QUEUE, program_ids=program_ids_for(user=user))


def _inhouse_queue(
    *,
    program_ids: list[int],
    user: User | None,
    program_id: int | None = None,
    reason: str | None = None,
    age: str | None = None,
    sla_state: str | None = None,
    assigned: str | None = None,
    search: str = "",
    language: str = "",
    now=None,
) -> QuerySet[Ticket]:
    now = now or timezone.now()
    qs = Ticket.objects.filter(
        program_id__in=program_ids, queue=Ticket.Queue.INHOUSE, status__in=Ticket.ACTIVE_STATUSES
    )
    if program_id:
        qs = qs.filter(program_id=program_id)
    search = (search or "").strip()
    if search:
        qs = qs.filter(inhouse_search_filter(search))
    language = (language or "").strip().lower()
    if language:
        qs = qs.filter(Q(language__iexact=language) | Q(language__istartswith=f"{language}-"))
    if reason:
        qs = qs.filter(escalation_reason=reason) if reason != "tier" else qs.filter(escalated_at__isnull=True)
    if age in AGE_DELTAS:
        qs = qs.filter(created_at__lte=now - AGE_DELTAS[age])
    if assigned == "me":
        qs = qs.filter(inhouse_assignee=user)
    elif assigned == "none":
        qs = qs.filter(inhouse_assignee__isnull=True)
    return (
        _filter_sla(qs, sla_state, now)
        .order_by(F("next_due_at").asc(nulls_last=True), "id")
        .select_related(None)
        .select_related("program", "ticket_type", "inhouse_assignee")
        .only(*INHOUSE_QUEUE_FIELDS)
    )


_INHOUSE_QUEUE = PreparedQuery(
    lambda program_ids: _inhouse_queue(program_ids=program_ids, user=None), lists=("program_ids",)
)


def inhouse_search_filter(search: str) -> Q:
    """The in-house queue's search: part of the requester's e-mail or name, the subject or the external id;
    a number (or "#12") also finds that ticket."""
    term = (
        Q(requester_email__icontains=search)
        | Q(requester_name__icontains=search)
        | Q(subject__icontains=search)
        | Q(external_id__icontains=search)
    )
    number = search.removeprefix("#")
    if number.isdigit() and 0 < int(number) <= MAX_ID:
        term |= Q(pk=int(number))
    return term


def program_ticket_list(
    *,
    user: User,
    program_id: int | None = None,
    status: str | None = None,
    queue: str | None = None,
    search: str = "",
    sla_state: str | None = None,
    now=None,
) -> QuerySet[Ticket]:
    """All tickets of the user's programs with filters (the manager's ticket search)."""
    now = now or timezone.now()
    qs = ticket_list_for_manager(user=user)
    if program_id:
        qs = qs.filter(program_id=program_id)
    if status == "active":
        qs = qs.filter(status__in=Ticket.ACTIVE_STATUSES)
    elif status in Ticket.Status.values:
        qs = qs.filter(status=status)
    if queue == "waiting":
        qs = qs.filter(
            queue=Ticket.Queue.FREELANCER, assignee__isnull=True, status__in=Ticket.ACTIVE_STATUSES
        )
    elif queue in Ticket.Queue.values:
        qs = qs.filter(queue=queue)
    search = (search or "").strip()
    if search:
        term = Q(external_id=search) | Q(subject__icontains=search) | Q(requester_email__iexact=search)
        if search.isdigit():
            term |= Q(pk=int(search))
        qs = qs.filter(term)
    return _filter_sla(qs, sla_state, now).order_by("-created_at", "-id")


def queue_counts(*, user: User, now=None) -> dict[str, int]:
    """Headline numbers of the user's programs: in-house, waiting for a freelancer, with freelancers, breached.

    Read from the counters the ticket services keep (queues.counters, docs/adr/0030), not by counting the
    active tickets: two small queries whatever the backlog.
    """
    return counters_read(program_ids=program_ids_for(user=user), now=now or timezone.now())


def queue_counts_by_program(*, program_ids, now=None) -> dict[int, dict[str, int]]:
    """Per program, its headline numbers (queue_counts') and "active", the backlog: {program id: {name: n}},
    a program without active tickets left out. From the counters too: one query whatever the backlog."""
    return counters_by_program(program_ids=list(program_ids), now=now or timezone.now())


def inhouse_users_for_program(*, program) -> QuerySet[User]:
    return program_inhouse_team(program=program).order_by("email")


def queue_ready_freelancers(*, program_id: int) -> QuerySet[Freelancer]:
    return Freelancer.objects.filter(pk__in=queue_ready_freelancer_ids(program_id=program_id)).select_related(
        "user"
    )


_INHOUSE_USER_CHOICES = PreparedQuery(
    lambda program_id: inhouse_users_for_program(program=Program(pk=program_id)).values_list(
        "pk", "display_name", "email"
    ),
    "program_id",
)


def inhouse_user_choices(*, program) -> list[tuple[int, str]]:
    """(id, label) of the program's in-house team, for a select (labels as str(user))."""
    rows = _INHOUSE_USER_CHOICES.rows(program_id=program.pk)
    return [(pk, display_name or email) for pk, display_name, email in rows]


_QUEUE_READY_CHOICES = PreparedQuery(
    lambda program_id: (
        queue_ready_contracts()
        .filter(program_id=program_id)
        .order_by("freelancer__legal_name", "freelancer_id")
        .values_list(
            "freelancer_id",
            "freelancer__legal_name",
            "freelancer__user__display_name",
            "freelancer__user__email",
        )
        .distinct()
    ),
    "program_id",
)


def queue_ready_freelancer_choices(*, program_id: int) -> list[tuple[int, str]]:
    """(id, label) of the program's queue-ready freelancers by name, for a select (labels as str(freelancer)).

    Read from their queue-ready contracts (one row per freelancer). Building that ORM query (nested EXISTS
    for onboarding) took ~3 ms of each ticket page, so its SQL is compiled once (core.rawsql.PreparedQuery).
    """
    rows = _QUEUE_READY_CHOICES.rows(program_id=program_id)
    return [(pk, legal_name or display_name or email) for pk, legal_name, display_name, email in rows]


# --- one ticket ----------------------------------------------------------------------------------------------


# A ticket page shows the ticket's first message (its body) and the newest THREAD_NEWEST messages of its thread
# and TIMELINE_NEWEST events of its timeline; the older ones are one click away ("Show 40 earlier messages",
# ticket_thread_earlier / ticket_timeline_earlier), so the page costs the same at 2 messages or 2,000.
THREAD_NEWEST = 10
TIMELINE_NEWEST = 10


def _thread(
    ticket, *, include_notes: bool, notes_by=None, newest_first: bool = False
) -> QuerySet[TicketMessage]:
    qs = TicketMessage.objects.filter(ticket=ticket).select_related("author")
    if notes_by is not None:  # only this author's notes (the escalator's page: the team's notes are theirs)
        qs = qs.filter(~Q(kind=TicketMessage.Kind.NOTE) | Q(author=notes_by))
    elif not include_notes:
        qs = qs.exclude(kind=TicketMessage.Kind.NOTE)
    if newest_first:  # with how many the whole thread has, counted by the same query (before its LIMIT)
        return qs.annotate(thread_total=Window(Count("id"))).order_by("-created_at", "-id")
    return qs.order_by("created_at", "id")


_THREAD = {
    include_notes: PreparedQuery(
        lambda ticket_id, include_notes=include_notes: _thread(ticket_id, include_notes=include_notes),
        "ticket_id",
    )
    for include_notes in (False, True)
}
_THREAD_NOTES_BY = PreparedQuery(
    lambda ticket_id, author_id: _thread(ticket_id, include_notes=True, notes_by=author_id),
    "ticket_id",
    "author_id",
)
_THREAD_NEWEST = {
    include_notes: PreparedQuery(
        lambda ticket_id, include_notes=include_notes: _thread(
            ticket_id, include_notes=include_notes, newest_first=True
        ),
        "ticket_id",
    )
    for include_notes in (False, True)
}
_THREAD_NEWEST_NOTES_BY = PreparedQuery(
    lambda ticket_id, author_id: _thread(
        ticket_id, include_notes=True, notes_by=author_id, newest_first=True
    ),
    "ticket_id",
    "author_id",
)


def _with_deliveries(ticket: Ticket, messages: list) -> list:
    # Each reply's and note's delivery to the helpdesk, if the program's channel sends them (one query).
    deliveries = outbox_state_for(objects=[m for m in messages if m.kind != TicketMessage.Kind.CUSTOMER])
    for message in messages:
        message.ticket = ticket
        message.delivery = deliveries.get(message.pk)
    return messages


def ticket_thread(*, ticket: Ticket, include_notes: bool = True, notes_by: int | None = None) -> list:
    """Replies, notes and the customer's later messages, oldest first (each knows its ticket: no query). With
    `notes_by` (a user id), of the notes only that author's."""
    if notes_by is not None:
        messages = _THREAD_NOTES_BY.objects(ticket_id=ticket.pk, author_id=notes_by)
    else:
        messages = _THREAD[include_notes].objects(ticket_id=ticket.pk)
    return _with_deliveries(ticket, messages)


@dataclass(frozen=True)
class Newest:
    """The newest items of a thread or timeline (oldest first) and how many earlier ones are left out."""

    items: list
    earlier: int

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def ticket_thread_newest(
    *, ticket: Ticket, include_notes: bool = True, notes_by: int | None = None, limit: int = THREAD_NEWEST
) -> Newest:
    """ticket_thread's newest `limit` messages (oldest first) and how many earlier ones it has: the same two
    queries at any length of thread (the count is a window of the same query)."""
    if notes_by is not None:
        messages = _THREAD_NEWEST_NOTES_BY.objects(ticket_id=ticket.pk, author_id=notes_by, limit=limit)
    else:
        messages = _THREAD_NEWEST[include_notes].objects(ticket_id=ticket.pk, limit=limit)
    messages.reverse()
    earlier = messages[0].thread_total - len(messages) if messages else 0
    return Newest(items=_with_deliveries(ticket, messages), earlier=earlier)


def _before(items: list, before) -> list:
    """The items ahead of the one whose pk is `before` (all of them when it is not there: e.g. deleted)."""
    for index, item in enumerate(items):
        if str(item.pk) == str(before):
            return items[:index]
    return items


def ticket_thread_earlier(
    *, ticket: Ticket, before, include_notes: bool = True, notes_by: int | None = None
) -> list:
    """The messages of ticket_thread ahead of message `before` (the oldest a page shows): "Show N earlier"."""
    if notes_by is not None:
        messages = _THREAD_NOTES_BY.objects(ticket_id=ticket.pk, author_id=notes_by)
    else:
        messages = _THREAD[include_notes].objects(ticket_id=ticket.pk)
    return _with_deliveries(ticket, _before(messages, before))


def ticket_attachment_list(*, ticket: Ticket) -> list[TicketAttachment]:
    """The files the customer sent with the ticket and its later messages, oldest first (one query; each knows
    its message's time through message_created_at)."""
    return _ATTACHMENTS.objects(ticket_id=ticket.pk)


_ATTACHMENTS = PreparedQuery(
    lambda ticket_id: (
        TicketAttachment.objects.filter(ticket=ticket_id)
        .annotate(message_created_at=F("message__created_at"))
        .order_by("created_at", "id")
    ),
    "ticket_id",
)


def ticket_attachment_get(*, ticket: Ticket, pk) -> TicketAttachment | None:
    """One attachment of a ticket the caller already found in the user's scope (anything else is not found)."""
    if not 0 < int(pk) <= MAX_ID:
        return None
    return _first(TicketAttachment.objects.filter(ticket=ticket, pk=pk))


def ticket_timeline(*, ticket: Ticket) -> list:
    """The ticket's timeline, oldest first: its creation (drawn from the ticket) and then its events."""
    return [_created_event(ticket), *_TIMELINE.objects(ticket_id=ticket.pk)]


def _created_event(ticket: Ticket) -> TicketEvent:
    _load_if_set(ticket, "received_by")
    created = event_created(ticket)
    created.actor = ticket.received_by
    return created


_TIMELINE = PreparedQuery(
    lambda ticket_id: (
        TicketEvent.objects.filter(ticket=ticket_id).select_related("actor").order_by("created_at", "id")
    ),
    "ticket_id",
)
_TIMELINE_NEWEST = PreparedQuery(
    lambda ticket_id: (
        TicketEvent.objects.filter(ticket=ticket_id)
        .select_related("actor")
        .annotate(timeline_total=Window(Count("id")))
        .order_by("-created_at", "-id")
    ),
    "ticket_id",
)


def ticket_timeline_newest(*, ticket: Ticket, limit: int = TIMELINE_NEWEST) -> Newest:
    """The timeline's creation line and its newest `limit` events (oldest first), and how many events between
    them are left out: one query at any length."""
    events = _TIMELINE_NEWEST.objects(ticket_id=ticket.pk, limit=limit)
    events.reverse()
    earlier = events[0].timeline_total - len(events) if events else 0
    return Newest(items=[_created_event(ticket), *events], earlier=earlier)


def ticket_timeline_earlier(*, ticket: Ticket, before) -> list:
    """The events of the timeline ahead of event `before` (the oldest a page shows), without the creation line
    (the page has it): "Show N earlier events"."""
    return _before(_TIMELINE.objects(ticket_id=ticket.pk), before)


def ticket_replies(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    """Replies to the customer, for the API (the helpdesk picks them up)."""
    return TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.REPLY).select_related("author")


# The largest primary key a database column holds: a larger id in a URL is no ticket (not a database error).
MAX_ID = 2**63 - 1


def ticket_get_for_api(*, user: User, pk: int) -> Ticket | None:
    if not 0 < pk <= MAX_ID:
        return None
    return (
        Ticket.objects.filter(program__in=program_list(user=user), pk=pk)
        .select_related("program", "ticket_type", "assignee")
        .prefetch_related(Prefetch("messages", queryset=ticket_replies_queryset(), to_attr="api_replies"))
        .first()
    )


def ticket_replies_queryset() -> QuerySet[TicketMessage]:
    return (
        TicketMessage.objects.filter(kind=TicketMessage.Kind.REPLY)
        .select_related("author")
        .order_by("created_at", "id")
    )


@cache
def _program_for_intake_sql() -> str:
    managers = Program.managers.through._meta
    # names from the models' metadata; every value is a parameter
    return (
        f"SELECT {select_columns(Program, 'p')}, {select_columns(QueueSettings, 's')} "  # noqa: S608
        f"FROM {Program._meta.db_table} p LEFT JOIN {QueueSettings._meta.db_table} s ON s.program_id = p.id "
        f"WHERE p.slug = %s AND (%s OR EXISTS (SELECT 1 FROM {managers.db_table} m "
        f"WHERE m.{managers.get_field('program').column} = p.id AND m.{managers.get_field('user').column} = %s))"
    )


def program_for_intake(*, user: User, slug: str) -> Program | None:
    """program_list(user).filter(slug=slug) with its queue settings (intake's SLA policy), as one plain SELECT.

    This runs on every API intake, where building the ORM's join cost ~0.7 ms for a ~0.1 ms query (see
    core.rawsql). The scope is program_list's: superusers see every program, anyone else the ones they manage.
    A current copy from the cache answers first (queues.intake_cache: any change to a program, its queue
    settings or its managers is seen by the next request).
    """
    if not user.is_authenticated:
        return None
    return program_cached_get(
        user=user, slug=slug, load=lambda: _program_for_intake_read(user=user, slug=slug)
    )


def _program_for_intake_read(*, user: User, slug: str) -> Program | None:
    found = fetch_one(_program_for_intake_sql(), [slug, user.is_superuser, user.pk], Program, QueueSettings)
    if found is None:
        return None
    program, settings = found
    Program.queue_settings.related.set_cached_value(program, settings)
    if settings is not None:
        QueueSettings.program.field.set_cached_value(settings, program)
    return program


def ticket_list_for_api(
    *,
    user: User,
    program: str | None = None,
    status: str | None = None,
    queue: str | None = None,
    external_id: str | None = None,
    updated_since: datetime.datetime | None = None,
) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(program__in=program_list(user=user)).select_related("program", "assignee")
    if program:
        qs = qs.filter(program__slug=program)
    if status:
        qs = qs.filter(status=status)
    if queue:
        qs = qs.filter(queue=queue)
    if external_id:
        qs = qs.filter(external_id=external_id)
    if updated_since:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("-created_at", "-id")


# --- availability and coverage -------------------------------------------------------------------------------


def freelancer_is_on_shift(*, freelancer: Freelancer, now=None) -> bool:
    """Whether the freelancer is on shift now (the queue page's badge): availability_for_freelancer's on_shift,
    without loading the week ahead. Only the changes that cover `now` can matter."""
    if freelancer.status != Freelancer.Status.ACTIVE:
        return False
    now = now or timezone.now()
    slots = [slot_row(*row) for row in _SLOT_ROWS.rows(freelancer_id=freelancer.pk)]
    changes = _CHANGES_NOW.rows(freelancer_id=freelancer.pk, now=now)
    return _active_and_on_shift(freelancer, slots=slots, changes=changes, now=now)


# Compiled once (core.rawsql.PreparedQuery): the queue page shows the on/off shift badge on every load.
_SLOT_ROWS = PreparedQuery(
    lambda freelancer_id: (
        AvailabilitySlot.objects.filter(freelancer=freelancer_id)
        .order_by()
        .values_list("weekday", "start_time", "end_time", "program_id")
    ),
    "freelancer_id",
)
_CHANGES_NOW = PreparedQuery(
    lambda freelancer_id, now: (
        AvailabilityChange.objects.filter(freelancer=freelancer_id, starts_at__lte=now, ends_at__gt=now)
        .order_by()
        .values_list("kind", "starts_at", "ends_at", "program_id")
    ),
    "freelancer_id",
    moments=("now",),
)


def _active_and_on_shift(freelancer: Freelancer, *, slots: list, changes: list, now) -> bool:
    """An active freelancer inside their shift (slot and change rows): what the queue pages call on shift."""
    return freelancer.status == Freelancer.Status.ACTIVE and is_on_shift_rows(
        zone=freelancer.zone, slots=slots, changes=changes, at=now
    )


def availability_for_freelancer(*, freelancer: Freelancer, now=None) -> dict:
    now = now or timezone.now()
    slots = list(AvailabilitySlot.objects.filter(freelancer=freelancer).select_related("program"))
    changes = list(
        AvailabilityChange.objects.filter(freelancer=freelancer, ends_at__gt=now).select_related("program")
    )
    upcoming = availability_intervals(
        zone=freelancer.zone, slots=slots, changes=changes, start=now, end=now + datetime.timedelta(days=7)
    )
    return {
        "slots": slots,
        "changes": changes,
        "on_shift": _active_and_on_shift(
            freelancer,
            slots=[(s.weekday, s.start_minute, s.end_minute, s.program_id) for s in slots],
            changes=[(c.kind, c.starts_at, c.ends_at, c.program_id) for c in changes],
            now=now,
        ),
        "upcoming": upcoming[:10],
    }


@dataclass
class CoverageCell:
    hour: int
    count: int
    names: list[str]
    online: int | None = None  # how many of them were really online (past hours only), from the presence log
    online_names: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        return "gap" if self.count == 0 else ("thin" if self.count == 1 else "ok")

    @property
    def short(self) -> bool:
        """Fewer people were online than the rota planned."""
        return self.online is not None and self.online < self.count

    @property
    def title(self) -> str:
        planned = ", ".join(self.names) or "nobody"
        if self.online is None:
            return f"Planned: {planned}"
        return f"Planned: {planned}. Online: {', '.join(self.online_names) or 'nobody'}"


def online_intervals(
    *, user_ids, start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[tuple[datetime.datetime, datetime.datetime]]]:
    """{user_id: [(from, to), …]} when each person was online between start and end, from the presence log
    (one query; the state before `start` is the last change before it)."""
    user_ids = list(user_ids)
    rows = list(
        PresenceChange.objects.filter(user_id__in=user_ids, at__lt=end)
        .filter(
            Q(at__gte=start)
            | Q(
                pk__in=PresenceChange.objects.filter(user_id=OuterRef("user_id"), at__lt=start)
                .order_by("-at", "-id")
                .values("pk")[:1]
            )
        )
        .order_by("user_id", "at", "id")
        .values_list("user_id", "status", "at")
    )
    found: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {uid: [] for uid in user_ids}
    since: dict[int, datetime.datetime | None] = {}
    for user_id, status, at in rows:
        opened = since.get(user_id)
        if status == Presence.Status.ONLINE:
            if opened is None:
                since[user_id] = max(at, start)
        elif opened is not None:
            found[user_id].append((opened, at))
            since[user_id] = None
    for user_id, opened in since.items():
        if opened is not None:
            found[user_id].append((opened, end))
    return found


def program_coverage(*, program, now=None) -> dict:
    """Freelancers available per hour of the coming week (Monday first), in the program's time zone."""
    now = now or timezone.now()
    zone = program.zone
    today = now.astimezone(zone).date()
    monday = today - datetime.timedelta(days=today.weekday())
    week_start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=zone)
    week_end = datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time(0), tzinfo=zone)
    freelancers = list(
        queue_ready_freelancers(program_id=program.pk)
        .filter(status=Freelancer.Status.ACTIVE)
        .prefetch_related(
            Prefetch("availability_slots"),
            Prefetch(
                "availability_changes", queryset=AvailabilityChange.objects.filter(ends_at__gt=week_start)
            ),
        )
        .order_by("legal_name")
    )
    per_freelancer = {
        f.pk: availability_intervals(
            zone=f.zone,
            slots=f.availability_slots.all(),
            changes=f.availability_changes.all(),
            start=week_start.astimezone(datetime.UTC),
            end=week_end.astimezone(datetime.UTC),
            program_id=program.pk,
        )
        for f in freelancers
    }
    online = online_intervals(
        user_ids=[f.user_id for f in freelancers],
        start=week_start.astimezone(datetime.UTC),
        end=min(now, week_end),
    )
    rows = []
    for day_offset in range(7):
        day = monday + datetime.timedelta(days=day_offset)
        cells = []
        for hour in range(24):
            start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone).astimezone(datetime.UTC)
            middle = start + datetime.timedelta(minutes=30)
            names = [
                f.legal_name for f in freelancers if any(s <= middle < e for s, e in per_freelancer[f.pk])
            ]
            there = None
            if middle <= now:
                there = tuple(
                    f.legal_name for f in freelancers if any(s <= middle < e for s, e in online[f.user_id])
                )
            cells.append(
                CoverageCell(
                    hour=hour,
                    count=len(names),
                    names=names,
                    online=None if there is None else len(there),
                    online_names=there or (),
                )
            )
        rows.append({"day": day, "cells": cells})
    gaps = sum(1 for row in rows for cell in row["cells"] if cell.count == 0)
    short = sum(1 for row in rows for cell in row["cells"] if cell.short)
    no_shows = list(
        NoShow.objects.filter(program=program, shift_start__gte=now - datetime.timedelta(days=7))
        .select_related("freelancer")
        .order_by("-shift_start")
    )
    return {
        "rows": rows,
        "freelancers": freelancers,
        "gaps": gaps,
        "short": short,
        "zone": zone,
        "monday": monday,
        "no_shows": no_shows,
    }


def freelancer_slots_for_program(*, program) -> QuerySet[AvailabilitySlot]:
    return (
        AvailabilitySlot.objects.filter(freelancer__in=queue_ready_freelancer_ids(program_id=program.pk))
        .filter(Q(program__isnull=True) | Q(program=program))
        .select_related("freelancer", "program")
        .order_by("freelancer__legal_name", "weekday", "start_time")
    )


def slots_with_program_hours(*, program, slots, on: datetime.date | None = None) -> list[AvailabilitySlot]:
    """The slots, each with `program_hours`: its hours in the program's time zone this week ("Mon 09:00–17:00")."""
    on = on or timezone.now().astimezone(program.zone).date()
    slots = list(slots)
    for slot in slots:
        parts = weekly_hours_in_zone(
            weekday=slot.weekday,
            start_minute=slot.start_minute,
            end_minute=slot.end_minute,
            from_zone=slot.freelancer.zone,
            to_zone=program.zone,
            on=on,
        )
        slot.program_hours = ", ".join(
            f"{WEEKDAYS[day][:3]} {clock_label(start)}–{clock_label(end)}" for day, start, end in parts
        )
    return slots


def freelancer_programs(*, freelancer: Freelancer):
    from programs.models import Program

    return Program.objects.filter(pk__in=freelancer_program_ids(freelancer_id=freelancer.pk))


def queue_settings_get(*, program) -> QueueSettings:
    return QueueSettings.for_program(program)


# --- reporting -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreelancerTicketStats:
    freelancer_id: int
    solved: int
    escalated: int
    escalation_rate: Decimal | None  # percent, one decimal: escalated / (solved + escalated)
    first_response_median_seconds: int | None
    first_responses: int
    sla_met: int
    sla_attainment: Decimal | None  # percent of first responses within the SLA, one decimal

    @classmethod
    def of(
        cls, *, freelancer_id: int, solved: int, escalated: int, first_responses: int, sla_met: int, median
    ):
        """The numbers from their counts and the median first-response seconds (a float or None): the one home of
        the rates and of the median's rounding (the dashboard's team table builds them from its rollups too)."""
        return cls(
            freelancer_id=freelancer_id,
            solved=solved,
            escalated=escalated,
            escalation_rate=percent(escalated, solved + escalated),
            first_response_median_seconds=round(median) if median is not None else None,
            first_responses=first_responses,
            sla_met=sla_met,
            sla_attainment=percent(sla_met, first_responses),
        )


def freelancer_ticket_stats(
    *, program_id: int, start: datetime.datetime, end: datetime.datetime, freelancer_ids=None
) -> dict[int, FreelancerTicketStats]:
    """Per freelancer, for tickets of the program in [start, end):

    solved (solved while assigned to them, by solved_at), escalated (by escalated_at), escalation rate,
    median first-response business seconds and SLA attainment of the first responses they made (by
    first_response_at). A handful of aggregate queries, whatever the number of tickets.
    """
    base = Ticket.objects.filter(program_id=program_id)
    ids = list(freelancer_ids) if freelancer_ids is not None else None
    solved_qs = base.filter(solved_at__gte=start, solved_at__lt=end, assignee__isnull=False)
    escalated_qs = base.filter(escalated_at__gte=start, escalated_at__lt=end, escalated_by__isnull=False)
    response_qs = base.filter(
        first_response_at__gte=start,
        first_response_at__lt=end,
        first_responder__freelancer_profile__isnull=False,
    )
    if ids is not None:
        solved_qs = solved_qs.filter(assignee_id__in=ids)
        escalated_qs = escalated_qs.filter(escalated_by_id__in=ids)
        response_qs = response_qs.filter(first_responder__freelancer_profile__in=ids)
    # COUNT(*) and the columns the (program, date) indexes include (queues.Ticket.Meta): index-only scans,
    # no ticket row read (counting "id" read ~36,000 heap pages of 30 days at 1,000,000 tickets).
    solved = dict(
        solved_qs.values("assignee_id").annotate(n=Count("*")).values_list("assignee_id", "n").order_by()
    )
    escalated = dict(
        escalated_qs.values("escalated_by_id")
        .annotate(n=Count("*"))
        .values_list("escalated_by_id", "n")
        .order_by()
    )
    key = "first_responder__freelancer_profile__id"
    responses: dict[int, dict] = {}
    if is_postgresql():
        for row in (
            response_qs.values(key)
            .annotate(
                n=Count("first_response_at"),
                met=Count("first_response_at", filter=Q(first_response_met=True)),
                median=Median("first_response_seconds"),
            )
            .order_by()
        ):
            responses[row[key]] = {"n": row["n"], "met": row["met"], "median": row["median"]}
    else:
        values: dict[int, list] = {}
        for fid, seconds, met in response_qs.values_list(key, "first_response_seconds", "first_response_met"):
            entry = responses.setdefault(fid, {"n": 0, "met": 0, "median": None})
            entry["n"] += 1
            entry["met"] += 1 if met else 0
            if seconds is not None:
                values.setdefault(fid, []).append(seconds)
        for fid, secs in values.items():
            responses[fid]["median"] = median(secs)
    all_ids = set(solved) | set(escalated) | set(responses) | set(ids or [])
    result = {}
    for fid in all_ids:
        s, e = solved.get(fid, 0), escalated.get(fid, 0)
        r = responses.get(fid, {"n": 0, "met": 0, "median": None})
        result[fid] = FreelancerTicketStats.of(
            freelancer_id=fid,
            solved=s,
            escalated=e,
            first_responses=r["n"],
            sla_met=r["met"],
            median=r["median"],
        )
    return result


# --- sources for the dashboard's aggregates (it reads queues only through these selectors) ------------------
# Unscoped and unordered: the caller passes program ids it has already scoped to the user.

TICKET_ACTIVE_STATUSES = Ticket.ACTIVE_STATUSES  # the states a ticket is open (in the backlog) in
TICKET_QUEUE_CHOICES = Ticket.Queue.choices  # [(queue, label)]: freelancers' queue and the in-house one
WEEKDAY_NAMES = WEEKDAYS  # "Monday"… by weekday number (0 = Monday), as shifts and coverage name them


def tickets_of_program(*, program_id: int) -> QuerySet[Ticket]:
    """The program's tickets, unordered, for grouped aggregates over them."""
    return Ticket.objects.filter(program_id=program_id).order_by()


def tickets_of_programs(*, program_ids) -> QuerySet[Ticket]:
    """The programs' tickets, unordered, for grouped aggregates across several programs."""
    return Ticket.objects.filter(program_id__in=list(program_ids)).order_by()


def shift_rows_for_program(*, program_id: int, since: datetime.datetime) -> list[tuple[int, str, list, list]]:
    """[(freelancer id, time zone, slots, changes)] of the program's active queue-ready freelancers, as plain
    tuples (three queries): slots as (weekday, start_time, end_time, program_id), changes (from `since` on, in
    order) as (kind, starts_at, ends_at, program_id). For counts over many freelancers, where building models
    with their users and slots would take most of the time."""
    ready = queue_ready_freelancers(program_id=program_id).filter(status=Freelancer.Status.ACTIVE)
    zones = dict(ready.values_list("pk", "time_zone"))
    if not zones:
        return []
    ids = list(zones)
    slots: dict[int, list] = {}
    for freelancer_id, *slot in (
        AvailabilitySlot.objects.filter(freelancer_id__in=ids)
        .order_by()
        .values_list("freelancer_id", "weekday", "start_time", "end_time", "program_id")
    ):
        slots.setdefault(freelancer_id, []).append(tuple(slot))
    changes: dict[int, list] = {}
    for freelancer_id, *change in (
        AvailabilityChange.objects.filter(freelancer_id__in=ids, ends_at__gt=since)
        .order_by("starts_at", "pk")
        .values_list("freelancer_id", "kind", "starts_at", "ends_at", "program_id")
    ):
        changes.setdefault(freelancer_id, []).append(tuple(change))
    return [(pk, zones[pk], slots.get(pk, []), changes.get(pk, [])) for pk in ids]


# --- help requests (a freelancer asks the in-house team while keeping the ticket) and saved queue views -------

HELP_LIST_LIMIT = 50  # the in-house queue lists this many open help requests (and counts the rest)


@dataclass
class HelpThread:
    """A help request and its messages, oldest first."""

    request: HelpRequest
    messages: list[HelpMessage]


def help_request_threads(*, ticket: Ticket) -> list[HelpThread]:
    """The ticket's help requests, newest first, with their messages (one query).

    Every request has its first message (help_request_open writes both), so reading the messages with their
    request finds them all."""
    found: dict[int, HelpThread] = {}
    for message in _HELP_MESSAGES.objects(ticket_id=ticket.pk):
        thread = found.get(message.help_request_id)
        if thread is None:
            message.help_request.ticket = ticket
            thread = found[message.help_request_id] = HelpThread(request=message.help_request, messages=[])
        thread.messages.append(message)
    return list(found.values())


_HELP_MESSAGES = PreparedQuery(
    lambda ticket_id: (
        HelpMessage.objects.filter(help_request__ticket=ticket_id)
        .select_related("help_request", "help_request__agent", "author")
        .order_by("-help_request__created_at", "-help_request_id", "created_at", "id")
    ),
    "ticket_id",
)


def help_request_current(*, ticket: Ticket) -> HelpRequest | None:
    """The ticket's help request in progress (waiting for an answer, or answered and not closed), if any."""
    return cast(
        HelpRequest | None,
        _first(
            HelpRequest.objects.filter(ticket=ticket)
            .exclude(status=HelpRequest.Status.CLOSED)
            .order_by("-created_at", "-id")
        ),
    )


def help_request_open_list(*, user: User) -> tuple[list[HelpRequest], int]:
    """Help requests waiting for an answer on active tickets of the user's programs that the freelancer who asked
    still holds, with their number: the ones
    asked of this user first, then the ones for anyone in the team, then the ones for a colleague; the longest
    waiting first. Each row has `question` (its first message) and `for_me`. Two queries at most (compiled once:
    the in-house page reads them on every load and refresh)."""
    values: dict[str, Any] = {"program_ids": program_ids_for(user=user), "user_id": user.pk}
    rows = cast(list[HelpRequest], _HELP_OPEN.objects(**values, limit=HELP_LIST_LIMIT))
    total = len(rows) if len(rows) < HELP_LIST_LIMIT else _HELP_OPEN.count(**values)
    return rows, total


def _help_open(*, program_ids: list[int], user_id: int) -> QuerySet[HelpRequest]:
    question = (
        HelpMessage.objects.filter(help_request=OuterRef("pk"))
        .order_by("created_at", "id")
        .values("body")[:1]
    )
    qs = (
        # only while the asker still holds the ticket (escalated or handed over, the question is moot)
        HelpRequest.objects.filter(
            status=HelpRequest.Status.OPEN,
            ticket__program_id__in=program_ids,
            ticket__status__in=Ticket.ACTIVE_STATUSES,
            ticket__assignee__user_id=F("asked_by_id"),
        )
        .annotate(
            question=Subquery(question),
            for_me=Case(
                When(agent=user_id, then=Value(0)), When(agent__isnull=True, then=Value(1)), default=2
            ),
        )
        .select_related("ticket", "ticket__program", "asked_by", "agent")
        .only(
            "id",
            "status",
            "created_at",
            "agent",
            "asked_by",
            "ticket__id",
            "ticket__subject",
            "ticket__program__id",
            "ticket__program__name",
            "asked_by__id",
            "asked_by__display_name",
            "asked_by__email",
            "agent__id",
            "agent__display_name",
            "agent__email",
        )
        .order_by("for_me", "created_at", "id")
    )
    return qs


_HELP_OPEN = PreparedQuery(_help_open, "user_id", lists=("program_ids",))


def inhouse_team_choices(*, user: User) -> list[tuple[int, str]]:
    """(id, label) of the in-house people of the user's programs, for the queue's "assign to" (one query)."""
    rows = _TEAM_CHOICES.rows(program_ids=program_ids_for(user=user))
    return [(pk, display_name or email) for pk, display_name, email in rows]


_TEAM_CHOICES = PreparedQuery(
    lambda program_ids: (
        inhouse_team_of_programs(program_ids=program_ids)
        .order_by("email")
        .values_list("pk", "display_name", "email")
    ),
    lists=("program_ids",),
)


def inhouse_team_for_user(*, user: User) -> QuerySet[User]:
    """The in-house people of the user's programs (what inhouse_team_choices lists), to validate a choice."""
    return inhouse_team_of_programs(program_ids=program_ids_for(user=user))


def ticket_list_for_bulk(*, user: User, ids) -> list[Ticket]:
    """The tickets among `ids` the in-house queue's bulk actions may touch: in the in-house queue of the user's
    programs (solved meanwhile or not: the service says why it refuses); any other id is left out."""
    ids = sorted({int(pk) for pk in ids if 0 < int(pk) <= MAX_ID})
    if not ids:
        return []
    return list(
        Ticket.objects.filter(
            program_id__in=program_ids_for(user=user), queue=Ticket.Queue.INHOUSE, pk__in=ids
        )
        .select_related("program")
        .order_by("pk")
    )


def saved_queue_view_list(*, user: User) -> list[SavedQueueView]:
    """The user's own saved in-house queue views, by name (a query compiled once)."""
    return _SAVED_VIEWS.objects(user_id=user.pk)


_SAVED_VIEWS = PreparedQuery(
    lambda user_id: (
        SavedQueueView.objects.filter(user=user_id).only("id", "name", "query").order_by("name", "id")
    ),
    "user_id",
)


def saved_queue_view_get(*, user: User, pk) -> SavedQueueView | None:
    """One of the user's own saved views (another person's is not found)."""
    if not 0 < int(pk) <= MAX_ID:
        return None
    return cast(SavedQueueView | None, _first(SavedQueueView.objects.filter(user=user, pk=pk)))
