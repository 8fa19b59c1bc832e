"""Help without hand-off: the freelancer who holds a ticket asks the in-house team (or one named agent) a question
in a side conversation; the ticket stays theirs and its SLA keeps running.

Nothing here changes the ticket: its holder, queue, status and clocks are the ticket services' (tickets.py). The
ticket row is only locked while a request is opened, so two at once cannot both pass "one at a time".
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one
from programs.selectors import program_inhouse_member, program_inhouse_team
from queues.errors import QueueError
from queues.events import event_record
from queues.models import HelpMessage, HelpRequest, Ticket, TicketEvent
from queues.services.common import notify

MAX_HELP_MESSAGE_LENGTH = 10_000


def _clean_body(body: str, *, field: str, label: str) -> str:
    body = (body or "").strip()
    if not body:
        raise QueueError(f"{label} cannot be empty.", field=field)
    if len(body) > MAX_HELP_MESSAGE_LENGTH:
        raise QueueError(
            f"{label} is too long (at most {MAX_HELP_MESSAGE_LENGTH:,} characters).", field=field
        )
    return body


def _is_program_inhouse(ticket: Ticket, user) -> bool:
    """An active manager or agent on the ticket's program (the in-house team help requests go to)."""
    return bool(
        user is not None
        and getattr(user, "is_inhouse", False)
        and program_inhouse_member(program=ticket.program, user=user)
    )


def _team_addresses(ticket: Ticket, help_request: HelpRequest) -> list[str]:
    """Who hears of a question: the named agent, else the program's in-house team."""
    if help_request.agent is not None:
        return [help_request.agent.email]
    return list(program_inhouse_team(program=ticket.program).values_list("email", flat=True))


def _link(name: str, ticket: Ticket) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs={"pk": ticket.pk}) + "#help"


def _tell_team(ticket: Ticket, help_request: HelpRequest, *, asker, text: str, again: bool) -> None:
    what = "writes again about" if again else "asks for help with"
    notify(
        subject=f"{'Follow-up' if again else 'Help asked'} on #{ticket.pk}: {ticket.subject[:80]}",
        body=(
            f"{asker} {what} ticket #{ticket.pk} ({ticket.program}):\n\n{text}\n\n"
            f"The ticket stays with them and its SLA keeps running. Answer here:\n"
            f"{_link('queues:manage_ticket', ticket)}\n"
        ),
        recipients=_team_addresses(ticket, help_request),
        program_id=ticket.program_id,
    )


@transaction.atomic
def help_request_open(*, ticket: Ticket, user, question: str, agent=None) -> HelpRequest:
    """The ticket's holder (its freelancer assignee) asks the in-house team, or one agent of the program's team,
    a question. One request at a time per ticket: while one waits or is answered and not closed, a new one is
    refused. The named agent, else the team, gets an e-mail (outbox)."""
    question = _clean_body(question, field="question", label="The question")
    program = ticket.program
    ticket = lock_one(
        Ticket.objects.filter(pk=ticket.pk)
    )  # the ticket row only (a join would lock the program)
    ticket.program = program
    freelancer = getattr(user, "freelancer_profile", None) if getattr(user, "is_freelancer", False) else None
    if freelancer is None or ticket.assignee_id != freelancer.pk:
        raise QueueError(
            "Only the freelancer who holds this ticket can ask for help on it.", code="not_assignee"
        )
    if not ticket.is_active:
        raise QueueError(
            f"This ticket is {ticket.get_status_display().lower()}; ask about an open one.", code="not_active"
        )
    if agent is not None and not _is_program_inhouse(ticket, agent):
        raise QueueError(
            "Pick someone of this program's in-house team (or leave it to the whole team).", field="agent"
        )
    if HelpRequest.objects.filter(ticket=ticket).exclude(status=HelpRequest.Status.CLOSED).exists():
        raise QueueError(
            "This ticket already has a help request in progress: write in it, or close it first.",
            code="help_in_progress",
        )
    now = timezone.now()
    help_request = HelpRequest.objects.create(ticket=ticket, asked_by=user, agent=agent, created_at=now)
    HelpMessage.objects.create(help_request=help_request, author=user, body=question, created_at=now)
    whom = str(agent) if agent is not None else "the in-house team"
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.HELP_REQUESTED,
        actor=user,
        at=now,
        message=f"Asked {whom} for help; the ticket stays with {freelancer}.",
        help_request_id=help_request.pk,
        agent_id=agent.pk if agent is not None else None,
    )
    audit_record(actor=user, verb="ticket.help_requested", target=ticket, help_request_id=help_request.pk)
    _tell_team(ticket, help_request, asker=freelancer, text=question, again=False)
    return help_request


def _locked_request(help_request: HelpRequest) -> HelpRequest:
    """The request's row locked (only it: a join would lock the ticket and the people too), with its relations."""
    lock_one(HelpRequest.objects.filter(pk=help_request.pk))
    return HelpRequest.objects.select_related("ticket", "ticket__program", "asked_by", "agent").get(
        pk=help_request.pk
    )


@transaction.atomic
def help_request_answer(*, help_request: HelpRequest, user, body: str) -> HelpMessage:
    """Someone of the program's in-house team answers (the named agent or a colleague): the request is answered
    and the freelancer who asked gets an e-mail with a link to their ticket. A closed request refuses."""
    body = _clean_body(body, field="body", label="The answer")
    help_request = _locked_request(help_request)
    ticket = help_request.ticket
    if not _is_program_inhouse(ticket, user):
        raise QueueError("Only the program's in-house team answers help requests.", code="not_inhouse")
    if help_request.status == HelpRequest.Status.CLOSED:
        raise QueueError("This help request is closed.", code="closed")
    now = timezone.now()
    message = HelpMessage.objects.create(help_request=help_request, author=user, body=body, created_at=now)
    help_request.status = HelpRequest.Status.ANSWERED
    help_request.answered_at = now
    help_request.save(update_fields=["status", "answered_at"])
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.HELP_ANSWERED,
        actor=user,
        at=now,
        message=f"{user} answered the help request.",
        help_request_id=help_request.pk,
    )
    audit_record(actor=user, verb="ticket.help_answered", target=ticket, help_request_id=help_request.pk)
    if help_request.asked_by is not None:
        notify(
            subject=f"Your question on #{ticket.pk} was answered",
            body=(
                f"{user} answered your question on ticket #{ticket.pk} ({ticket.subject[:80]}):\n\n{body}\n\n"
                f"Reply or close the request on the ticket:\n{_link('queues:portal_ticket', ticket)}\n"
            ),
            recipients=[help_request.asked_by.email],
            program_id=ticket.program_id,
        )
    return message


@transaction.atomic
def help_request_reply(*, help_request: HelpRequest, user, body: str) -> HelpMessage:
    """The freelancer who asked writes again: the request waits for an answer again and the team hears of it."""
    body = _clean_body(body, field="body", label="The message")
    help_request = _locked_request(help_request)
    if help_request.asked_by_id != getattr(user, "pk", None):
        raise QueueError("Only the freelancer who asked can write in this help request.", code="not_asker")
    if help_request.status == HelpRequest.Status.CLOSED:
        raise QueueError("This help request is closed; ask a new question instead.", code="closed")
    now = timezone.now()
    message = HelpMessage.objects.create(help_request=help_request, author=user, body=body, created_at=now)
    if help_request.status != HelpRequest.Status.OPEN:
        help_request.status = HelpRequest.Status.OPEN
        help_request.save(update_fields=["status"])
    ticket = help_request.ticket
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.HELP_REQUESTED,
        actor=user,
        at=now,
        message="Wrote again in the help request.",
        help_request_id=help_request.pk,
    )
    _tell_team(ticket, help_request, asker=user, text=body, again=True)
    return message


@transaction.atomic
def help_request_close(*, help_request: HelpRequest, user) -> HelpRequest:
    """The freelancer who asked closes the request (the question is settled); closing twice changes nothing."""
    help_request = _locked_request(help_request)
    if help_request.asked_by_id != getattr(user, "pk", None):
        raise QueueError("Only the freelancer who asked can close this help request.", code="not_asker")
    if help_request.status == HelpRequest.Status.CLOSED:
        return help_request
    help_request.status = HelpRequest.Status.CLOSED
    help_request.closed_at = timezone.now()
    help_request.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=user, verb="ticket.help_closed", target=help_request.ticket, help_request_id=help_request.pk
    )
    return help_request
