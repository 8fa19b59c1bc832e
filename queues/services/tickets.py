"""What people do with a ticket: reply, note, solve, reopen, escalate, assign, send back, reassign, hand over;
and the customer writing again."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Freelancer
from contracts.selectors import freelancer_is_queue_ready
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.routing_filters import routing_exclusions
from programs.selectors import program_inhouse_member
from queues.errors import QueueError
from queues.events import event_record
from queues.models import (
    AUTO_ESCALATION_REASON,
    HELPDESK_ESCALATION_REASON,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from queues.services.common import (
    policy_for,
    refresh_next_due,
    set_inhouse_due,
    sla_pause,
    sla_resume,
    tags_clean,
    ticket_lock,
    ticket_save,
)
from queues.services.routing import assign_to_freelancer, enqueue_route, enqueue_waiting_route, ticket_route
from queues.sla import business_seconds_between

MAX_MESSAGE_LENGTH = 50_000


def _locked(ticket: Ticket) -> Ticket:
    locked = ticket_lock(Ticket.objects.filter(pk=ticket.pk))
    if Ticket.program.is_cached(ticket):
        locked.program = ticket.program  # same row; saves a query
    return locked


def _require_active(ticket: Ticket, action: str) -> None:
    if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        raise QueueError(
            f"This ticket is already {ticket.get_status_display().lower()}; it cannot be {action}.",
            code="not_active",
        )


def _require_holder(ticket: Ticket, freelancer: Freelancer | None) -> None:
    if freelancer is not None and ticket.assignee_id != freelancer.pk:
        raise QueueError("This ticket is no longer assigned to you.", code="not_assignee")


def _clean_text(text: str, *, field: str, label: str) -> str:
    text = (text or "").strip()
    if not text:
        raise QueueError(f"{label} cannot be empty.", field=field)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise QueueError(f"{label} is too long (at most {MAX_MESSAGE_LENGTH:,} characters).", field=field)
    return text


def _holding(ticket: Ticket) -> int | None:
    """The freelancer whose capacity the ticket takes now (None when it takes nobody's)."""
    return ticket.assignee_id if ticket.assignee_id and ticket.status in Ticket.LOAD_STATUSES else None


def _room_freed(ticket: Ticket, held: int | None, what: str) -> None:
    """When a ticket stops taking a freelancer's capacity, route the program's waiting tickets at once
    (after commit) instead of at the next sweep."""
    if held is not None and _holding(ticket) != held:
        enqueue_waiting_route(ticket.program_id, cause=f"room freed when #{ticket.pk} was {what}")


def _set_status(ticket: Ticket, target: str, *, now=None) -> None:
    """Move the ticket's status; going pending stops the resolution clock and leaving pending restarts it."""
    if ticket.status == target:
        return
    check_transition(Ticket.TRANSITIONS, Ticket.Status(ticket.status), Ticket.Status(target), label="ticket")
    now = now or timezone.now()
    if target == Ticket.Status.PENDING:
        sla_pause(ticket, now=now)
    elif ticket.status == Ticket.Status.PENDING:
        sla_resume(ticket, now=now)
    ticket.status = target


def _mark_solved(ticket: Ticket, *, actor, now) -> None:
    _set_status(ticket, Ticket.Status.SOLVED, now=now)
    policy = policy_for(ticket.program)
    ticket.solved_at = now
    ticket.solved_by = actor if getattr(actor, "is_authenticated", False) else None
    ticket.resolution_seconds = business_seconds_between(ticket.created_at, now, policy)
    ticket.resolution_met = ticket.resolution_due_at is None or now <= ticket.resolution_due_at
    ticket.inhouse_due_at = None


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author,
    body: str,
    status_after: str | None = None,
    freelancer: Freelancer | None = None,
) -> TicketMessage:
    """A reply to the customer (recorded; the API exposes it for the helpdesk). The first one stops the
    first-response clock. status_after: open (default), pending (waiting on the customer) or solved."""
    body = _clean_text(body, field="body", label="The reply")
    ticket = _locked(ticket)
    _require_holder(ticket, freelancer)
    _require_active(ticket, "replied to")
    held = _holding(ticket)
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket, kind=TicketMessage.Kind.REPLY, author=author, body=body, created_at=now
    )
    if ticket.first_response_at is None:
        policy = policy_for(ticket.program)
        ticket.first_response_at = now
        ticket.first_responder = author
        ticket.first_response_seconds = business_seconds_between(ticket.created_at, now, policy)
        ticket.first_response_met = ticket.sla_due_at is None or now <= ticket.sla_due_at
    if (
        ticket.queue == Ticket.Queue.INHOUSE
        and ticket.inhouse_due_at
        and getattr(author, "is_inhouse", False)
    ):
        ticket.inhouse_due_at = None
    target = status_after or Ticket.Status.OPEN
    if target not in (Ticket.Status.OPEN, Ticket.Status.PENDING, Ticket.Status.SOLVED):
        raise QueueError("After a reply a ticket is open, pending or solved.", field="status_after")
    event_record(ticket=ticket, kind=TicketEvent.Kind.REPLIED, actor=author, at=now, message_id=message.pk)
    if target == Ticket.Status.SOLVED:
        _mark_solved(ticket, actor=author, now=now)
        event_record(ticket=ticket, kind=TicketEvent.Kind.SOLVED, actor=author, at=now)
    else:
        _set_status(ticket, target, now=now)
        if target == Ticket.Status.PENDING:
            event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.STATUS,
                actor=author,
                at=now,
                message="Pending: waiting on the customer.",
                status=target,
            )
    refresh_next_due(ticket)
    ticket_save(ticket)
    _room_freed(ticket, held, ticket.get_status_display().lower())
    return message


@transaction.atomic
def ticket_note_add(
    *, ticket: Ticket, author, body: str, freelancer: Freelancer | None = None
) -> TicketMessage:
    body = _clean_text(body, field="body", label="The note")
    ticket = _locked(ticket)
    _require_holder(ticket, freelancer)
    if ticket.status == Ticket.Status.CLOSED:
        raise QueueError("This ticket is closed.", code="closed")
    message = TicketMessage.objects.create(
        ticket=ticket, kind=TicketMessage.Kind.NOTE, author=author, body=body
    )
    event_record(ticket=ticket, kind=TicketEvent.Kind.NOTE, actor=author, message_id=message.pk)
    return message


@transaction.atomic
def ticket_solve(*, ticket: Ticket, actor, freelancer: Freelancer | None = None) -> Ticket:
    ticket = _locked(ticket)
    _require_holder(ticket, freelancer)
    _require_active(ticket, "solved")
    held = _holding(ticket)
    now = timezone.now()
    _mark_solved(ticket, actor=actor, now=now)
    refresh_next_due(ticket)
    ticket_save(ticket)
    _room_freed(ticket, held, "solved")
    event_record(ticket=ticket, kind=TicketEvent.Kind.SOLVED, actor=actor, at=now)
    audit_record(actor=actor, verb="ticket.solved", target=ticket)
    return ticket


def _reopen(ticket: Ticket, *, actor, reason: str, now) -> None:
    _set_status(ticket, Ticket.Status.OPEN, now=now)
    ticket.solved_at = None
    ticket.solved_by = None
    ticket.resolution_seconds = None
    ticket.resolution_met = None
    event_record(ticket=ticket, kind=TicketEvent.Kind.REOPENED, actor=actor, message=reason[:500], at=now)
    if ticket.queue == Ticket.Queue.FREELANCER and ticket.assignee_id is None:
        enqueue_route(ticket.pk)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor, reason: str = "") -> Ticket:
    ticket = _locked(ticket)
    if ticket.status != Ticket.Status.SOLVED:
        raise QueueError("Only a solved ticket can be reopened.", code="not_solved")
    _reopen(ticket, actor=actor, reason=reason, now=timezone.now())
    refresh_next_due(ticket)
    ticket_save(ticket)
    return ticket


@transaction.atomic
def ticket_customer_message(
    *, ticket: Ticket, body: str, external_id: str = ""
) -> tuple[TicketMessage, bool]:
    """The customer wrote again (the helpdesk sends it in); returns (message, created).

    The same external id again returns the message received before and changes nothing. A ticket pending on
    the customer is open again (its resolution clock restarts), a solved one is reopened; a closed ticket
    refuses (the helpdesk starts a follow-up ticket for it).
    """
    body = _clean_text(body, field="body", label="The message")
    external_id = (external_id or "").strip()
    if len(external_id) > 100:
        raise QueueError("The external id is too long (at most 100 characters).", field="external_id")
    ticket = _locked(ticket)
    if external_id:
        existing = TicketMessage.objects.filter(ticket=ticket, external_id=external_id).first()
        if existing is not None:
            return existing, False
    if ticket.status == Ticket.Status.CLOSED:
        raise QueueError(
            "This ticket is closed: send the customer's message in as a new ticket.", code="closed"
        )
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket, kind=TicketMessage.Kind.CUSTOMER, body=body, external_id=external_id, created_at=now
    )
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.CUSTOMER_REPLIED,
        at=now,
        message_id=message.pk,
        message="The customer wrote again.",
    )
    if ticket.status == Ticket.Status.PENDING:
        _set_status(ticket, Ticket.Status.OPEN, now=now)
    elif ticket.status == Ticket.Status.SOLVED:
        _reopen(ticket, actor=None, reason="The customer wrote again.", now=now)
    refresh_next_due(ticket)
    ticket_save(ticket, touch=False)  # a message on an open ticket changes nothing on the ticket itself
    return message, True


def _escalate(ticket: Ticket, *, reason: str, note: str, actor, escalated_by: Freelancer | None, now) -> None:
    ticket.queue = Ticket.Queue.INHOUSE
    ticket.assignee = None
    ticket.escalated_at = now
    ticket.escalation_reason = reason
    ticket.escalation_note = note
    ticket.escalated_by = escalated_by
    set_inhouse_due(ticket, now=now)
    refresh_next_due(ticket)
    label = policy_for(ticket.program).reason_label(reason)
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.ESCALATED,
        actor=actor,
        at=now,
        message=f"Escalated to the in-house team: {label}.",
        reason=reason,
        note=note,
    )
    audit_record(actor=actor, verb="ticket.escalated", target=ticket, reason=reason)


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, freelancer: Freelancer, reason: str, note: str) -> Ticket:
    """A freelancer hands a ticket to the in-house team with a reason from the program's list and a hand-off
    note (what the customer needs, what was tried)."""
    ticket = _locked(ticket)
    _require_holder(ticket, freelancer)
    _require_active(ticket, "escalated")
    if ticket.queue != Ticket.Queue.FREELANCER:
        raise QueueError("This ticket is already with the in-house team.", code="already_inhouse")
    reasons = dict(policy_for(ticket.program).reason_choices())
    if reason not in reasons:
        raise QueueError("Pick a reason from the list.", field="reason")
    note = (note or "").strip()
    if len(note) < 10:
        raise QueueError("Write a hand-off note: what the customer needs and what you tried.", field="note")
    held = _holding(ticket)
    _escalate(
        ticket,
        reason=reason,
        note=note[:MAX_MESSAGE_LENGTH],
        actor=freelancer.user,
        escalated_by=freelancer,
        now=timezone.now(),
    )
    ticket_save(ticket)
    _room_freed(ticket, held, "escalated")
    return ticket


def ticket_auto_escalate(ticket: Ticket, *, now) -> None:
    """Used by the SLA sweep on a ticket from ticket_lock (program setting auto_escalate_on_breach); the sweep
    saves it."""
    _escalate(
        ticket,
        reason=AUTO_ESCALATION_REASON[0],
        note="The SLA was breached; escalated automatically.",
        actor=None,
        escalated_by=None,
        now=now,
    )


@transaction.atomic
def ticket_move_inhouse(*, ticket: Ticket, actor=None, note: str = "") -> Ticket:
    """Someone moved the ticket to the in-house team outside Flexdesk (the helpdesk's in-house group): it is
    escalated like a freelancer's escalation, with no freelancer as its author. A ticket already in the in-house
    queue, or no longer active, is left as it is."""
    ticket = _locked(ticket)
    if not ticket.is_active or ticket.queue == Ticket.Queue.INHOUSE:
        return ticket
    now = timezone.now()
    held = _holding(ticket)
    ticket.routed_at = ticket.routed_at or now  # decided: routing must not move it back to the freelancers
    _escalate(
        ticket,
        reason=HELPDESK_ESCALATION_REASON[0],
        note=(note or "").strip()[:2000],
        actor=actor,
        escalated_by=None,
        now=now,
    )
    ticket_save(ticket)
    _room_freed(ticket, held, "moved to the in-house team")
    return ticket


# Status moves made outside a reply or a solve (the helpdesk, a manager): pending on the customer, open again, closed.
STATUS_SET_TARGETS = (Ticket.Status.OPEN, Ticket.Status.PENDING, Ticket.Status.CLOSED)


@transaction.atomic
def ticket_status_set(*, ticket: Ticket, status: str, actor=None, reason: str = "") -> Ticket:
    """Move the ticket to open, pending (waiting on the customer: the resolution clock stops) or closed, along
    Ticket.TRANSITIONS (a disallowed move raises). Solving has its own service (ticket_solve: it measures the
    resolution); a solved ticket is opened again through ticket_reopen. The same status again changes nothing."""
    if status not in STATUS_SET_TARGETS:
        raise QueueError(
            "Set the status to open, pending or closed (solve and reopen have their own actions).",
            field="status",
        )
    ticket = _locked(ticket)
    if ticket.status == status:
        return ticket
    if ticket.status == Ticket.Status.SOLVED and status == Ticket.Status.OPEN:
        raise QueueError("Reopen a solved ticket instead.", code="solved")
    now = timezone.now()
    held = _holding(ticket)
    previous = ticket.get_status_display()
    _set_status(ticket, status, now=now)
    if status == Ticket.Status.CLOSED:
        ticket.inhouse_due_at = None
    refresh_next_due(ticket)
    ticket_save(ticket)
    _room_freed(ticket, held, ticket.get_status_display().lower())
    label = {
        Ticket.Status.PENDING: "Pending: waiting on the customer",
        Ticket.Status.OPEN: "Open",
        Ticket.Status.CLOSED: "Closed",
    }[status]
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS,
        actor=actor,
        at=now,
        message=f"{label} (was {previous.lower()}).{f' {reason}' if reason else ''}",
        status=status,
    )
    audit_record(actor=actor, verb="ticket.status_set", target=ticket, status=status)
    return ticket


@transaction.atomic
def ticket_priority_set(*, ticket: Ticket, priority: str, actor=None, reason: str = "") -> Ticket:
    """Change the ticket's priority (low, normal, high, urgent), with a line on the timeline. The same priority
    again changes nothing."""
    if priority not in Ticket.Priority.values:
        raise QueueError("Priority is low, normal, high or urgent.", field="priority")
    ticket = _locked(ticket)
    if ticket.priority == priority:
        return ticket
    previous = ticket.get_priority_display()
    ticket.priority = priority
    ticket_save(ticket)
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.PRIORITY,
        actor=actor,
        message=f"Priority {ticket.get_priority_display().lower()} (was {previous.lower()})."
        + (f" {reason}" if reason else ""),
        priority=priority,
        previous=previous.lower(),
    )
    return ticket


@transaction.atomic
def ticket_tags_set(*, ticket: Ticket, tags, actor=None, reason: str = "") -> Ticket:
    """Replace the ticket's tags (the helpdesk's), with a line on the timeline saying what was added and removed.
    The same tags again (in any order) change nothing."""
    tags = tags_clean(tags)
    ticket = _locked(ticket)
    before = list(ticket.tags or [])
    added = [t for t in tags if t not in before]
    removed = [t for t in before if t not in tags]
    if not added and not removed:
        return ticket
    ticket.tags = tags
    ticket_save(ticket)
    what = ", ".join([*(f"+{t}" for t in added), *(f"−{t}" for t in removed)])
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.TAGS,
        actor=actor,
        message=f"Tags: {what}." + (f" {reason}" if reason else ""),
        added=added,
        removed=removed,
    )
    return ticket


def _require_program_member(ticket: Ticket, user) -> None:
    if not program_inhouse_member(program=ticket.program, user=user):
        raise QueueError("Pick a member of this program's in-house team.", field="user")


@transaction.atomic
def ticket_inhouse_assign(*, ticket: Ticket, user, actor) -> Ticket:
    """Give a ticket to an in-house user of the program (it joins the in-house queue if it was not there)."""
    ticket = _locked(ticket)
    _require_active(ticket, "assigned")
    if user is None or not user.is_inhouse:
        raise QueueError("Pick a member of the in-house team.", field="user")
    _require_program_member(ticket, user)
    now = timezone.now()
    previous = ticket.assignee or ticket.inhouse_assignee
    if ticket.queue != Ticket.Queue.INHOUSE:
        ticket.queue = Ticket.Queue.INHOUSE
        set_inhouse_due(ticket, now=now)
    ticket.assignee = None
    ticket.inhouse_assignee = user
    ticket.last_assigned_at = now
    refresh_next_due(ticket)
    ticket_save(ticket)
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED if previous is None else TicketEvent.Kind.REASSIGNED,
        actor=actor,
        at=now,
        message=f"Assigned to {user} (in-house)." + (f" Was: {previous}." if previous else ""),
        user_id=user.pk,
    )
    audit_record(actor=actor, verb="ticket.assigned", target=ticket, user_id=user.pk)
    return ticket


@transaction.atomic
def ticket_send_back(*, ticket: Ticket, actor, guidance: str, tier: int | None = None) -> Ticket:
    """From the in-house queue back to the freelancers, with guidance (kept as an internal note)."""
    guidance = _clean_text(guidance, field="guidance", label="The guidance")
    ticket = _locked(ticket)
    _require_active(ticket, "sent back")
    if ticket.queue != Ticket.Queue.INHOUSE:
        raise QueueError("This ticket is not in the in-house queue.", code="not_inhouse")
    now = timezone.now()
    ticket.queue = Ticket.Queue.FREELANCER
    ticket.inhouse_assignee = None
    ticket.inhouse_due_at = None
    ticket.routed_at = ticket.routed_at or now
    if tier is not None:
        if tier not in (1, 2, 3):
            raise QueueError("Tier is 1, 2 or 3.", field="tier")
        ticket.tier = tier
    refresh_next_due(ticket)
    ticket_save(ticket)
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=TicketMessage.Kind.NOTE,
        author=actor,
        body=f"Guidance from the in-house team:\n{guidance}",
        created_at=now,
    )
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.SENT_BACK,
        actor=actor,
        at=now,
        message="Sent back to the freelancers with guidance.",
        message_id=message.pk,
    )
    audit_record(actor=actor, verb="ticket.sent_back", target=ticket)
    enqueue_route(ticket.pk)
    return ticket


@transaction.atomic
def ticket_reassign(
    *, ticket: Ticket, actor, freelancer: Freelancer | None = None, to_queue: bool = False, note: str = ""
) -> Ticket:
    """A manager moves any active ticket: to a named freelancer (who must be queue-ready in the program;
    the manager's call overrides shift and capacity), or back to the program queue to be routed again."""
    ticket = _locked(ticket)
    _require_active(ticket, "reassigned")
    if (freelancer is None) == (not to_queue):
        raise QueueError("Pick a freelancer or send the ticket back to the queue.", field="freelancer")
    now = timezone.now()
    held = _holding(ticket)
    previous = ticket.assignee or ticket.inhouse_assignee
    if freelancer is not None:
        if not freelancer_is_queue_ready(freelancer_id=freelancer.pk, program_id=ticket.program_id):
            raise QueueError(f"{freelancer} is not queue-ready in {ticket.program}.", field="freelancer")
        if freelancer.pk == ticket.assignee_id:
            raise QueueError(f"The ticket is already with {freelancer}.", field="freelancer")
        for exclusion in routing_exclusions(program=ticket.program):
            if (
                freelancer.pk in exclusion.freelancer_ids
            ):  # the same bar routing applies (a Zendesk user missing)
                raise QueueError(
                    f"{freelancer} cannot take this program's tickets: they are {exclusion.reason}.",
                    field="freelancer",
                )
        lock_one(Freelancer.objects.filter(pk=freelancer.pk))
        ticket.routed_at = ticket.routed_at or now
        ticket.inhouse_due_at = None
        assign_to_freelancer(ticket, freelancer, now=now)
        ticket_save(ticket)
        what = f"Reassigned to {freelancer}."
    else:
        ticket.assignee = None
        ticket.inhouse_assignee = None
        ticket.queue = Ticket.Queue.FREELANCER
        ticket.inhouse_due_at = None
        ticket.routed_at = ticket.routed_at or now
        refresh_next_due(ticket)
        ticket_save(ticket)
        what = "Back to the program queue."
    if previous:
        what += f" Was: {previous}."
    if note.strip():
        what += f" {note.strip()}"
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.REASSIGNED,
        actor=actor,
        at=now,
        message=what[:500],
        freelancer_id=freelancer.pk if freelancer else None,
    )
    audit_record(
        actor=actor,
        verb="ticket.reassigned",
        target=ticket,
        freelancer_id=freelancer.pk if freelancer else None,
    )
    if to_queue:
        enqueue_route(ticket.pk)
    _room_freed(ticket, held, "reassigned")
    return ticket


def ticket_hand_over(*, ticket_id: int, reason: str, now=None) -> Ticket | None:
    """Take a ticket from a freelancer who is away or off shift: to another eligible freelancer, else back to
    the program queue, with a note on the timeline. Runs in its own transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = ticket_lock(Ticket.objects.filter(pk=ticket_id))
        if not ticket.is_active or ticket.assignee_id is None:
            return ticket
        previous, previous_id = ticket.assignee, ticket.assignee_id
        ticket.assignee = None
        refresh_next_due(ticket)
        ticket_save(ticket)
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.HANDED_OVER,
            at=now,
            message=f"Handed over from {previous}: {reason}",
            freelancer_id=previous_id,
        )
        routed = ticket_route(ticket_id=ticket.pk, now=now, exclude_freelancer_ids={previous_id})
    return routed
