"""Helpers shared by the ticket services: the program's policy, deadlines, notifications."""

import copy
import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.locks import lock_one
from core.outbox import email_enqueue
from queues.counters import counters_move, share_of
from queues.models import HelpRequest, QueueSettings, Ticket
from queues.sla import add_business_minutes, add_business_time, business_seconds_between

logger = logging.getLogger(__name__)


MAX_TAGS, MAX_TAG_LENGTH = 100, 80


def tags_clean(tags) -> list[str]:
    """A ticket's tags as stored: strings stripped, empty ones and repeats dropped, order kept, bounded."""
    found: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()[:MAX_TAG_LENGTH]
        if tag and tag not in found:
            found.append(tag)
    return found[:MAX_TAGS]


def policy_for(program) -> QueueSettings:
    return QueueSettings.for_program(program)


# What refresh_next_due sets (routing compares them before and after, to write the tickets whose deadline moved).
DEADLINE_FIELDS = ("next_due_at", "sla_warned_at", "sla_breached_at")


def refresh_next_due(ticket: Ticket) -> None:
    """Set next_due_at to the deadline the current holder must meet next; reset the once-only flags when it
    moves. Saving is the caller's: ticket_save writes whatever changed."""
    if not ticket.is_active:
        due = None
    else:
        candidates = []
        if ticket.queue == Ticket.Queue.INHOUSE and ticket.inhouse_due_at:
            candidates.append(ticket.inhouse_due_at)
        if ticket.first_response_at is None:
            candidates.append(ticket.sla_due_at)
        elif (
            ticket.status != Ticket.Status.PENDING
        ):  # pending on the customer: the resolution clock is stopped
            candidates.append(ticket.resolution_due_at)
        candidates = [c for c in candidates if c is not None]
        due = min(candidates) if candidates else None
    if due == ticket.next_due_at:
        return
    ticket.next_due_at = due
    ticket.sla_warned_at = None
    ticket.sla_breached_at = None


def sla_pause(ticket: Ticket, *, now: datetime.datetime) -> None:
    """Stop the resolution clock (the ticket went pending on the customer)."""
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now


def sla_resume(ticket: Ticket, *, now: datetime.datetime) -> None:
    """Start the resolution clock again: the deadline moves on by the business time the pause took, so the
    ticket has as much business time left as it had when it went pending (none, if it was already late)."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    policy = policy_for(ticket.program)
    due = ticket.resolution_due_at
    if due is not None and due > paused_at:
        left = business_seconds_between(paused_at, due, policy)
        ticket.resolution_due_at = add_business_time(
            max(now, paused_at), datetime.timedelta(seconds=left), policy
        )
    ticket.sla_paused_seconds += business_seconds_between(paused_at, now, policy)
    ticket.sla_paused_at = None


# --- writing a ticket: lock it, change it in memory, ticket_save --------------------------------------------
# The services change a locked ticket's fields in place through small helpers (refresh_next_due, sla_pause, …)
# and save it once. Nobody collects the names of the fields they changed (a forgotten name was silently not
# saved, issue #18): ticket_save compares the ticket with what ticket_lock read, writes every field that
# differs and moves the queue counters (queues.counters) by the same change.

_READ = "_queues_read"  # the instance attribute holding the values ticket_lock read


def _values(ticket: Ticket) -> dict[str, Any]:
    # copies, so a list changed in place (tags) still compares unequal to what was read
    return {f.attname: copy.copy(getattr(ticket, f.attname)) for f in Ticket._meta.concrete_fields}


def ticket_lock(queryset: QuerySet[Ticket]) -> Ticket:
    """Lock the queryset's one ticket for the rest of the transaction (core.locks.lock_one) and remember what
    was read, for ticket_save."""
    ticket = lock_one(queryset)
    setattr(ticket, _READ, _values(ticket))
    return ticket


def ticket_save(ticket: Ticket, *, touch: bool = True) -> None:
    """Write every field of a ticket from ticket_lock that changed since it was read (one UPDATE, with
    updated_at), and move the queue counters by the change (one more statement when its status, queue,
    assignee or deadline moved them). With touch=False a ticket with no change is not written at all."""
    read = getattr(ticket, _READ, None)
    if read is None:
        raise RuntimeError("ticket_save() saves a ticket read by ticket_lock()")
    current = _values(ticket)
    changed = [name for name, value in current.items() if name != "updated_at" and value != read[name]]
    if not changed and not touch:
        return
    ticket.save(update_fields=[*changed, "updated_at"])
    counters_move([(share_of(read), share_of(current))])
    if read["assignee_id"] is not None and (
        current["assignee_id"] != read["assignee_id"] or not ticket.is_active
    ):
        help_requests_settle(ticket)
    setattr(ticket, _READ, _values(ticket))


def help_requests_settle(ticket: Ticket) -> int:
    """Close the ticket's help requests in progress: the freelancer who asked no longer holds it (escalated,
    handed over, moved) or it is no longer active, so the question is moot and the next holder may ask their
    own (queues.services.help allows one request in progress per ticket). Returns how many were closed."""
    return (
        HelpRequest.objects.filter(ticket_id=ticket.pk)
        .exclude(status=HelpRequest.Status.CLOSED)
        .update(status=HelpRequest.Status.CLOSED, closed_at=timezone.now())
    )


def set_inhouse_due(ticket: Ticket, *, now) -> None:
    policy = policy_for(ticket.program)
    ticket.inhouse_due_at = add_business_minutes(now, policy.inhouse_response_minutes, policy)


def notify(*, subject: str, body: str, recipients: list[str], program_id: int | None = None) -> None:
    """E-mail the people who hold or watch tickets, through the outbox (sent after commit, retried)."""
    email_enqueue(to=recipients, subject=subject, body=body, program_id=program_id)


def queue_settings_save(*, settings: QueueSettings, actor=None) -> QueueSettings:
    from core.audit import audit_record

    with transaction.atomic():
        settings.full_clean()
        settings.save()
        audit_record(actor=actor, verb="queues.settings_saved", target=settings.program)
    return settings
