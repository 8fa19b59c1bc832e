"""Saved replies (macros) and the reply box's send: a saved reply counted and its status applied, an ETA promised.

Managers write, edit, delete and approve a program's saved replies; a freelancer of the program may suggest one
(it waits, unapproved, until a manager approves it). Placeholders are checked on every save against the one list
in queues.placeholders; an unknown one is refused with the known ones named, and nothing is saved.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer
from contracts.selectors import freelancer_program_ids
from core.audit import audit_record
from core.outbox import email_enqueue
from programs.models import Program
from programs.selectors import program_staff_emails
from queues.errors import QueueError
from queues.eta import eta_customer_line
from queues.events import event_record
from queues.models import SavedReply, Ticket, TicketEvent, TicketMessage
from queues.placeholders import placeholder_values, placeholders_fill, placeholders_problem
from queues.services.common import tags_clean
from queues.services.tickets import MAX_MESSAGE_LENGTH, ticket_reply

TITLE_MAX = 150
STATUS_AFTER_CHOICES = ("", Ticket.Status.PENDING, Ticket.Status.SOLVED)
# A promise further out than this is a typo (a year instead of a month), not a plan.
ETA_MAX_AHEAD = datetime.timedelta(days=90)


def saved_reply_render(*, saved_reply: SavedReply, ticket: Ticket, user) -> str:
    """The saved reply's text for this ticket and sender (a regex substitution, never a template)."""
    return placeholders_fill(saved_reply.body, placeholder_values(ticket=ticket, user=user))


# --- saved replies: write, suggest, approve ---------------------------------------------------------------------


def _clean(
    *, program: Program, title: str, body: str, status_after: str, tags, pk: int | None = None
) -> dict:
    title = " ".join((title or "").split())
    if not title:
        raise QueueError("Give the saved reply a title.", field="title")
    if len(title) > TITLE_MAX:
        raise QueueError(f"The title is too long (at most {TITLE_MAX} characters).", field="title")
    body = (body or "").strip()
    if not body:
        raise QueueError("The saved reply's text cannot be empty.", field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise QueueError(f"The text is too long (at most {MAX_MESSAGE_LENGTH:,} characters).", field="body")
    problem = placeholders_problem(body)
    if problem:
        raise QueueError(problem, field="body", code="unknown_placeholder")
    status_after = status_after or ""
    if status_after not in STATUS_AFTER_CHOICES:
        raise QueueError(
            "After a saved reply the ticket stays as it is, or goes pending or solved.", field="status_after"
        )
    same_title = SavedReply.objects.filter(program=program, title__iexact=title)
    if pk is not None:
        same_title = same_title.exclude(pk=pk)
    if same_title.exists():
        raise QueueError(f"{program.name} already has a saved reply called “{title}”.", field="title")
    return {"title": title, "body": body, "status_after": status_after, "tags": tags_clean(tags)}


@transaction.atomic
def saved_reply_create(
    *, program: Program, title: str, body: str, status_after: str = "", tags=(), actor
) -> SavedReply:
    data = _clean(program=program, title=title, body=body, status_after=status_after, tags=tags)
    saved_reply = SavedReply(program=program, approved=True, created_by=actor, **data)
    saved_reply.full_clean()
    saved_reply.save()
    audit_record(actor=actor, verb="saved_reply.created", target=saved_reply, program_id=program.pk)
    return saved_reply


@transaction.atomic
def saved_reply_update(
    *, saved_reply: SavedReply, title: str, body: str, status_after: str = "", tags=(), actor
) -> SavedReply:
    data = _clean(
        program=saved_reply.program,
        title=title,
        body=body,
        status_after=status_after,
        tags=tags,
        pk=saved_reply.pk,
    )
    for name, value in data.items():
        setattr(saved_reply, name, value)
    saved_reply.full_clean()
    saved_reply.save(update_fields=[*data, "updated_at"])
    audit_record(
        actor=actor, verb="saved_reply.updated", target=saved_reply, program_id=saved_reply.program_id
    )
    return saved_reply


@transaction.atomic
def saved_reply_delete(*, saved_reply: SavedReply, actor) -> None:
    audit_record(
        actor=actor, verb="saved_reply.deleted", target=saved_reply, program_id=saved_reply.program_id
    )
    saved_reply.delete()


@transaction.atomic
def saved_reply_approve(*, saved_reply: SavedReply, actor) -> SavedReply:
    """A freelancer's suggestion becomes one of the program's saved replies (approving twice changes nothing)."""
    if saved_reply.approved:
        return saved_reply
    saved_reply.approved = True
    saved_reply.save(update_fields=["approved", "updated_at"])
    audit_record(
        actor=actor, verb="saved_reply.approved", target=saved_reply, program_id=saved_reply.program_id
    )
    return saved_reply


@transaction.atomic
def saved_reply_suggest(
    *, program: Program, freelancer: Freelancer, title: str, body: str, status_after: str = "", tags=()
) -> SavedReply:
    """A freelancer of the program suggests a saved reply: kept unapproved, and the program's managers are told."""
    if program.pk not in set(freelancer_program_ids(freelancer_id=freelancer.pk)):
        raise QueueError("You can suggest saved replies only for a program you work in.", field="program")
    data = _clean(program=program, title=title, body=body, status_after=status_after, tags=tags)
    saved_reply = SavedReply(
        program=program, approved=False, created_by=freelancer.user, suggested_by=freelancer.user, **data
    )
    saved_reply.full_clean()
    saved_reply.save()
    audit_record(
        actor=freelancer.user, verb="saved_reply.suggested", target=saved_reply, program_id=program.pk
    )
    url = settings.SITE_URL.rstrip("/") + reverse(
        "queues:saved_reply_edit", kwargs={"program_slug": program.slug, "pk": saved_reply.pk}
    )
    email_enqueue(
        to=program_staff_emails(program=program),
        program_id=program.pk,
        about=saved_reply,
        subject=f"Saved reply suggested for {program.name}: {saved_reply.title}",
        body=(
            f"{freelancer} suggested a saved reply for {program.name}.\n\n"
            f"Title: {saved_reply.title}\n\n{saved_reply.body}\n\n"
            f"Approve or edit it in Flexdesk: {url}\n"
        ),
    )
    return saved_reply


# --- the reply box's send ------------------------------------------------------------------------------------


def _eta_check(eta_at: datetime.datetime | None, *, now: datetime.datetime) -> None:
    if eta_at is None:
        return
    if timezone.is_naive(eta_at):
        raise QueueError("Give the promised time with its time zone.", field="eta_at")
    if eta_at <= now:
        raise QueueError("The promised time has passed: pick a time in the future.", field="eta_at")
    if eta_at > now + ETA_MAX_AHEAD:
        raise QueueError(f"Promise a time within {ETA_MAX_AHEAD.days} days.", field="eta_at")


def _saved_reply_for(ticket: Ticket, saved_reply_id: int | None) -> SavedReply | None:
    if not saved_reply_id:
        return None
    saved_reply = SavedReply.objects.filter(
        pk=saved_reply_id, program_id=ticket.program_id, approved=True
    ).first()
    if saved_reply is None:
        # Not on a field: the reply box's saved_reply_id is a hidden input, whose errors a form does not show.
        raise QueueError(
            "That saved reply is not one of this program's (or is not approved yet).",
            code="saved_reply_elsewhere",
        )
    return saved_reply


@transaction.atomic
def ticket_reply_send(
    *,
    ticket: Ticket,
    author,
    body: str,
    status_after: str | None = None,
    freelancer: Freelancer | None = None,
    saved_reply_id: int | None = None,
    eta_at: datetime.datetime | None = None,
) -> TicketMessage:
    """A reply from the reply box (ticket_reply does the reply itself, its SLA clocks and its status).

    - `saved_reply_id`: the approved saved reply of the ticket's program that was inserted: its use is counted
      (usage_count + 1, last_used_at, in the database: two sends at once both count) and its status applies
      unless the sender picked pending or solved themselves. Another program's saved reply is refused.
    - `eta_at`: the time promised to the customer (in the future, within ETA_MAX_AHEAD): one line saying so is
      appended to the reply, the ticket keeps it (eta_at, eta_set_at) and its timeline says it.
    Anything refused raises before the reply is written: nothing is sent.
    """
    now = timezone.now()
    _eta_check(eta_at, now=now)
    saved_reply = _saved_reply_for(ticket, saved_reply_id)
    if (
        saved_reply is not None
        and saved_reply.status_after
        and status_after in (None, "", Ticket.Status.OPEN)
    ):
        status_after = saved_reply.status_after
    text = (body or "").strip()
    if eta_at is not None and text:
        text = f"{text}\n\n{eta_customer_line(eta_at, ticket.program.zone)}"
    message = ticket_reply(
        ticket=ticket, author=author, body=text, status_after=status_after, freelancer=freelancer
    )
    if eta_at is not None:
        Ticket.objects.filter(pk=ticket.pk).update(eta_at=eta_at, eta_set_at=now)
        ticket.eta_at, ticket.eta_set_at = eta_at, now
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.ETA,
            actor=author,
            at=now,
            message=eta_customer_line(eta_at, ticket.program.zone),
            eta_at=eta_at.isoformat(),
            message_id=message.pk,
        )
    if saved_reply is not None:
        SavedReply.objects.filter(pk=saved_reply.pk).update(
            usage_count=F("usage_count") + 1, last_used_at=now
        )
    return message
