"""Helpers shared by the ticket services: the program's policy, deadlines, notifications."""

import logging

from django.core.mail import send_mail
from django.db import transaction

from queues.models import QueueSettings, Ticket
from queues.sla import add_business_minutes

logger = logging.getLogger(__name__)


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
        candidates.append(ticket.sla_due_at if ticket.first_response_at is None else ticket.resolution_due_at)
        candidates = [c for c in candidates if c is not None]
        due = min(candidates) if candidates else None
    if due == ticket.next_due_at:
        return []
    ticket.next_due_at = due
    ticket.sla_warned_at = None
    ticket.sla_breached_at = None
    return ["next_due_at", "sla_warned_at", "sla_breached_at"]


def set_inhouse_due(ticket: Ticket, *, now) -> None:
    policy = policy_for(ticket.program)
    ticket.inhouse_due_at = add_business_minutes(now, policy.inhouse_response_minutes, policy)


def notify_after_commit(*, subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return

    def _send():
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # mail trouble must never undo or break queue work; it is logged
            logger.exception("queues: could not send %r to %s", subject, recipients)

    transaction.on_commit(_send)


def queue_settings_save(*, settings: QueueSettings, actor=None) -> QueueSettings:
    from core.audit import audit_record

    with transaction.atomic():
        settings.full_clean()
        settings.save()
        audit_record(actor=actor, verb="queues.settings_saved", target=settings.program)
    return settings
