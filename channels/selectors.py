"""Channel reads: the settings page (a constant number of queries) and whether a ticket's answer reached the
customer."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast

from accounts.models import Freelancer
from channels.models import ProgramChannel, ZendeskUserMap
from channels.services import program_people
from contracts.selectors import queue_ready_freelancer_ids
from core.models import OutboxMessage
from core.routing_filters import RoutingExclusion
from queues.models import Ticket, TicketMessage

# Why routing keeps a freelancer off a Zendesk program's tickets (the "waiting" explanation and the settings page).
UNMATCHED_REASON = "without a Zendesk user (not routed Zendesk tickets until matched)"


@dataclass(frozen=True)
class PersonRow:
    user: object
    is_freelancer: bool
    zendesk_user_id: int | None
    zendesk_name: str
    checked: bool

    @property
    def matched(self) -> bool:
        return self.zendesk_user_id is not None


def zendesk_people_table(*, program) -> list[PersonRow]:
    """Every person of the program with their Zendesk user; the unmatched (and the never checked) first."""
    maps = {row.user_id: row for row in ZendeskUserMap.objects.filter(program=program)}
    rows = []
    for person in program_people(program):
        found = maps.get(person.pk)
        rows.append(
            PersonRow(
                user=person,
                is_freelancer=person.is_freelancer,
                zendesk_user_id=found.zendesk_user_id if found else None,
                zendesk_name=found.zendesk_name if found else "",
                checked=found is not None,
            )
        )
    return sorted(rows, key=lambda r: (r.matched, r.user.email))


# --- was the answer delivered? ----------------------------------------------------------------------------

# The outbox kinds that carry a reply to the customer (channels.outbound writes them, about the reply row).
# The shared mailbox's e-mailed replies are among them (and a bounce makes one failed afterwards). Outbound
# webhooks (ticket.replied) are not: for an API-only program the other system takes the reply through the API,
# so a recorded reply counts as delivered.
REPLY_DELIVERY_KINDS = ("zendesk.reply", "mailbox.reply")


def tickets_with_answer_delivered(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The tickets of `tickets` whose answer reached the customer (one query, composable): at least one public
    reply by the holder, and none of its replies has a reply delivery that is not "sent" (queued, sending,
    failed or cancelled).

    A reply with no delivery at all counts as delivered: either it came in from the helpdesk (a freelancer
    commented in Zendesk: Zendesk already has it) or the program's channel delivers nothing (API only: the
    other system took it through the API). The delivery row is written in the reply's own transaction, so a
    reply is never seen before its delivery exists.
    """
    undelivered = OutboxMessage.objects.filter(
        subject_type=ContentType.objects.get_for_model(TicketMessage),
        kind__in=REPLY_DELIVERY_KINDS,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
    ).exclude(status=OutboxMessage.Status.SENT)
    replies = TicketMessage.objects.filter(ticket=OuterRef("pk"), kind=TicketMessage.Kind.REPLY)
    return tickets.filter(Exists(replies)).exclude(Exists(replies.filter(Exists(undelivered))))


def zendesk_routing_exclusion(*, program) -> RoutingExclusion | None:
    """The core.routing_filters filter: a Zendesk program's queue-ready freelancers without a matched Zendesk user
    may not take its tickets (Flexdesk could neither assign them the Zendesk ticket nor post their replies as
    theirs). Other programs: None, without a query (routing loads program.channel_setting with its tickets)."""
    try:
        kind = program.channel_setting.kind
    except ProgramChannel.DoesNotExist:
        return None
    if kind != ProgramChannel.Kind.ZENDESK:
        return None
    matched = ZendeskUserMap.objects.filter(program_id=program.pk, zendesk_user_id__isnull=False).values(
        "user_id"
    )
    barred = (
        Freelancer.objects.filter(pk__in=queue_ready_freelancer_ids(program_id=program.pk))
        .exclude(user_id__in=matched)
        .values_list("pk", flat=True)
    )
    return RoutingExclusion(freelancer_ids=frozenset(barred), reason=UNMATCHED_REASON)
