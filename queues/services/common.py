"""Helpers shared by the ticket services: the program's policy, deadlines, notifications."""

import datetime
import logging

from django.db import transaction

from core.outbox import email_enqueue
from queues.models import QueueSettings, Ticket
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


def refresh_next_due(ticket: Ticket) -> list[str]:
    """Set next_due_at to the deadline the current holder must meet next; reset the once-only flags when it moves.

    Returns the changed field names (for save(update_fields=…)).
    """
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
        return []
    ticket.next_due_at = due
    ticket.sla_warned_at = None
    ticket.sla_breached_at = None
    return ["next_due_at", "sla_warned_at", "sla_breached_at"]


def sla_pause(ticket: Ticket, *, now) -> list[str]:
    """Stop the resolution clock (the ticket went pending on the customer)."""
    if ticket.sla_paused_at is not None:
        return []
    ticket.sla_paused_at = now
    return ["sla_paused_at"]


def sla_resume(ticket: Ticket, *, now) -> list[str]:
    """Start the resolution clock again: the deadline moves on by the business time the pause took, so the
    ticket has as much business time left as it had when it went pending (none, if it was already late)."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return []
    policy = policy_for(ticket.program)
    due = ticket.resolution_due_at
    if due is not None and due > paused_at:
        left = business_seconds_between(paused_at, due, policy)
        ticket.resolution_due_at = add_business_time(
            max(now, paused_at), datetime.timedelta(seconds=left), policy
        )
    ticket.sla_paused_seconds += business_seconds_between(paused_at, now, policy)
    ticket.sla_paused_at = None
    return ["sla_paused_at", "sla_paused_seconds", "resolution_due_at"]


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
