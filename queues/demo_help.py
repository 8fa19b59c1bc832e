"""Demo help requests and saved queue views (issue #19, items 6 and 7), called from queues/demo.py's seed.

Two freelancers ask the in-house team about a ticket they keep: one question waits for Sam (agent@demo.test),
one was answered. Sam has two saved views of the in-house queue. Idempotent: made once."""

import datetime

from queues.models import HelpMessage, HelpRequest, SavedQueueView, Ticket, TicketEvent

QUESTIONS = [
    # (the ticket type it is about, question, answer or "" while it waits)
    (
        "order-status",
        "The tracking page says delivered but the customer has nothing. Can I reship without asking for a photo "
        "of the doorstep first?",
        "",
    ),
    (
        "billing-question",
        "The customer was charged twice for one order. Do I refund the second charge myself, or does billing do it?",
        "Refund it yourself from the order page (Refund → duplicate charge); billing sees it the next morning. "
        "Tell the customer 3–5 business days.",
    ),
]
SAVED_VIEWS = [("Breached", "sla=breached"), ("Spanish", "lang=es")]


def seed_help_and_views(*, program, agent, now) -> None:
    for name, query in SAVED_VIEWS:
        SavedQueueView.objects.get_or_create(user=agent, name=name, defaults={"query": query})
    if HelpRequest.objects.filter(ticket__program=program).exists():
        return
    held = list(
        Ticket.objects.filter(
            program=program,
            queue=Ticket.Queue.FREELANCER,
            assignee__isnull=False,
            status__in=Ticket.ACTIVE_STATUSES,
        )
        .select_related("assignee__user", "ticket_type")
        .order_by("-created_at", "-id")
    )
    picked: list[Ticket] = []
    for (
        type_slug,
        _question,
        _answer,
    ) in QUESTIONS:  # two freelancers, one ticket each, of the question's type
        free = [t for t in held if all(t.assignee_id != other.assignee_id for other in picked)]
        fitting = [t for t in free if t.ticket_type is not None and t.ticket_type.slug == type_slug]
        if fitting or free:
            picked.append((fitting or free)[0])
    for n, (ticket, (_type, question, answer)) in enumerate(zip(picked, QUESTIONS, strict=False)):
        if ticket.assignee is None:
            continue
        asked_at = max(ticket.created_at, now - datetime.timedelta(minutes=25 - 10 * n))
        answered_at = asked_at + datetime.timedelta(minutes=6)
        freelancer_user = ticket.assignee.user
        help_request = HelpRequest.objects.create(
            ticket=ticket,
            asked_by=freelancer_user,
            agent=agent,
            created_at=asked_at,
            status=HelpRequest.Status.ANSWERED if answer else HelpRequest.Status.OPEN,
            answered_at=answered_at if answer else None,
        )
        HelpMessage.objects.create(
            help_request=help_request, author=freelancer_user, body=question, created_at=asked_at
        )
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.HELP_REQUESTED,
            actor=freelancer_user,
            created_at=asked_at,
            data={"help_request_id": help_request.pk, "agent_id": agent.pk},
            message=f"Asked {agent} for help; the ticket stays with {ticket.assignee}.",
        )
        if answer:
            HelpMessage.objects.create(
                help_request=help_request, author=agent, body=answer, created_at=answered_at
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.HELP_ANSWERED,
                actor=agent,
                created_at=answered_at,
                data={"help_request_id": help_request.pk},
                message=f"{agent} answered the help request.",
            )
