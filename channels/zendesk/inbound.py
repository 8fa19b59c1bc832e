"""Zendesk → Flexdesk: verify a webhook, map what Zendesk sends, and apply it through queues' services.

Two shapes arrive: event-subscribed webhooks ({"type": "zen:event-type:ticket.…", "detail": {ticket},
"event": {…}}) and trigger/automation webhooks with a JSON body the manager pasted ({"ticket": {…}}).
New tickets go through queues' one intake (ticket_intake); comments, status, assignments, group moves,
priority and tags through the ticket services, inside changes_from_zendesk() so nothing is sent back to
Zendesk for them.

What each event does (ACTED_ON; any other type answers 200 and changes nothing):
- status_changed: solved → solved; closed → solved and closed; open (or new) → a solved ticket reopened, and
  open → a pending one open again; pending → pending (waiting on the customer, the resolution clock stops). hold changes
  nothing: on-hold waits on a third party, not on the customer, and Flexdesk has no such state; pausing the
  resolution clock for it would hide that time from the SLA, so the ticket keeps its status and its clock.
- group_assignment_changed: moved to the program's in-house group → escalated to the in-house queue; moved
  to any other group → left as it is (sending a ticket back to the freelancers is the in-house team's call,
  with guidance, in Flexdesk).
- priority_changed / tags_changed: the ticket's priority / tags, with a line on the timeline.
Echoes of Flexdesk's own changes find the ticket already so and change nothing (Flexdesk's routing tag is
never stored among the ticket's tags, so the tag it adds comes back as no change).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import logging
from dataclasses import dataclass, field

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import Freelancer
from channels.errors import ZendeskEventError
from channels.models import ZendeskConnection, ZendeskSentComment, ZendeskUserMap, ZendeskWebhookReceipt
from channels.outbound import changes_from_zendesk
from channels.services import zendesk_connection_for
from channels.zendesk.client import ZendeskClient
from core.errors import DomainError
from programs.models import Channel, Program, TicketType
from queues.errors import QueueError, WebhookSignatureError
from queues.models import Ticket, TicketMessage
from queues.services import (
    TicketIn,
    ticket_customer_message,
    ticket_inhouse_assign,
    ticket_intake,
    ticket_move_inhouse,
    ticket_note_add,
    ticket_priority_set,
    ticket_reassign,
    ticket_reopen,
    ticket_reply,
    ticket_solve,
    ticket_status_set,
    ticket_tags_set,
)

logger = logging.getLogger(__name__)

SIGNATURE_WINDOW = datetime.timedelta(minutes=5)
# Zendesk signs the "Test webhook" requests of a webhook not created yet with this published secret. A request
# signed with it is answered with success and changes nothing.
ZENDESK_TEST_SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
EVENT_PREFIX = "zen:event-type:"
SUBSCRIBED_EVENTS = [
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.agent_assignment_changed",
    "zen:event-type:ticket.group_assignment_changed",
    "zen:event-type:ticket.priority_changed",
    "zen:event-type:ticket.tags_changed",
]
# Zendesk's via.channel → the program's channels. A web form writes in like an e-mail does.
VIA_CHANNELS = {
    "web": Channel.EMAIL,
    "email": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "api": Channel.EMAIL,
    "web_service": Channel.EMAIL,
    "web_widget": Channel.CHAT,
    "chat": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "voice": Channel.PHONE,
    "phone": Channel.PHONE,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "instagram_dm": Channel.SOCIAL,
    "sms": Channel.SMS,
    "whatsapp": Channel.SMS,
}
# The event types Flexdesk acts on (without the prefix); see the module's docstring.
ACTED_ON = (
    "ticket.created",
    "ticket.comment_added",
    "ticket.status_changed",
    "ticket.agent_assignment_changed",
    "ticket.group_assignment_changed",
    "ticket.priority_changed",
    "ticket.tags_changed",
)


# --- signature ----------------------------------------------------------------------------------------------


def _digest(secret: str, timestamp: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()


def signature_matches(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Zendesk signs base64(HMAC-SHA256(secret, timestamp + body))."""
    if not secret or not timestamp or not signature:
        return False
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(_digest(secret, timestamp, body), given)


def verify_zendesk_signature(*, secret: str, timestamp: str, body: bytes, signature: str, now=None) -> None:
    """Raise WebhookSignatureError unless the signature matches and its timestamp is within five minutes of now
    (an older one, or one in the future, is refused: a captured request cannot be played again later)."""
    if not signature_matches(secret=secret, timestamp=timestamp, body=body, signature=signature):
        raise WebhookSignatureError("missing or wrong signature")
    check_timestamp(timestamp, now=now)


def check_timestamp(timestamp: str, *, now=None) -> None:
    try:
        signed_at = datetime.datetime.fromisoformat(timestamp.strip())
    except ValueError:
        raise WebhookSignatureError("unreadable signature timestamp") from None
    if signed_at.tzinfo is None:
        raise WebhookSignatureError("signature timestamp without a time zone")
    if abs((now or timezone.now()) - signed_at) > SIGNATURE_WINDOW:
        raise WebhookSignatureError("signature timestamp outside the five-minute window")


def _receipt_record(*, program: Program, signature: str, event_type: str) -> bool:
    """Write the receipt (inside the caller's transaction); False when this exact delivery was taken before.

    One INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, and SQLite 3.35+) instead of a look-up, a
    savepoint and an IntegrityError: the unique constraint answers "seen before" in the same round trip."""
    table = ZendeskWebhookReceipt._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("program_id", "signature", "event_type", "received_at") '  # noqa: S608 — our table
            'VALUES (%s, %s, %s, %s) ON CONFLICT ("program_id", "signature") DO NOTHING RETURNING "id"',
            [program.pk, signature[:100], event_type[:100], timezone.now()],
        )
        return cursor.fetchone() is not None


def webhook_receipts_prune(*, now=None) -> int:
    """Forget receipts older than twice the signature window: a replay of them is refused by its timestamp
    anyway. Run by the every-10-minutes reconcile job, not on every webhook (a DELETE per event was a good part
    of the webhook's cost in channels_bench)."""
    cutoff = (now or timezone.now()) - 2 * SIGNATURE_WINDOW
    return ZendeskWebhookReceipt.objects.filter(received_at__lt=cutoff).delete()[0]


# --- mapping Zendesk's values ---------------------------------------------------------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def tags_of(value) -> list[str]:
    """Tags arrive as a list or as one space-separated string."""
    if isinstance(value, str):
        return [t for t in value.split() if t]
    if isinstance(value, list):
        return [str(t).strip() for t in value if str(t).strip()]
    return []


def their_tags(program: Program, tags: list[str]) -> list[str]:
    """The ticket's tags as Flexdesk keeps them: without Flexdesk's own routing tag (it is ours; the webhook its
    adding causes must change nothing)."""
    if not tags:
        return []
    own = zendesk_connection_for(program).routing_tag  # cached when the connection was read with its program
    return [t for t in tags if t != own] if own else list(tags)


def _created_at(value) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass
class ZendeskTicket:
    """A Zendesk ticket as far as an event or trigger body tells it (what it lacks is fetched)."""

    zendesk_id: str
    subject: str = ""
    description: str = ""
    requester_id: int | None = None
    requester_email: str = ""
    requester_name: str = ""
    locale: str = ""
    via: str = ""
    ticket_type: str = ""
    priority: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    assignee_id: int | None = None
    created_at: datetime.datetime | None = None

    @classmethod
    def from_json(cls, ticket: dict, requester: dict | None = None) -> ZendeskTicket:
        requester = requester or _dict(ticket.get("requester"))
        via = ticket.get("via")
        via_channel = _dict(via).get("channel") if isinstance(via, dict) else ticket.get("via_channel") or via
        return cls(
            zendesk_id=str(ticket.get("id") or "").strip(),
            subject=str(ticket.get("subject") or ticket.get("raw_subject") or ""),
            description=str(ticket.get("description") or ticket.get("body") or ""),
            requester_id=_int(ticket.get("requester_id") or requester.get("id")),
            requester_email=str(requester.get("email") or ticket.get("requester_email") or ""),
            requester_name=str(requester.get("name") or ticket.get("requester_name") or ""),
            locale=str(requester.get("locale") or ticket.get("locale") or ticket.get("language") or ""),
            via=str(via_channel or ""),
            ticket_type=str(ticket.get("type") or ticket.get("ticket_type") or ""),
            priority=str(ticket.get("priority") or ""),
            status=str(ticket.get("status") or ""),
            tags=tags_of(ticket.get("tags")),
            assignee_id=_int(ticket.get("assignee_id")),
            created_at=_created_at(ticket.get("created_at")),
        )

    @property
    def complete(self) -> bool:
        return bool(self.requester_email and self.subject)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "", 0, "0") else None
    except (TypeError, ValueError):
        return None


def _ticket_type_for(program: Program, zendesk: ZendeskTicket) -> TicketType | None:
    """Zendesk's type ("question", "incident", …) or a tag, matched to a program type by slug or name; no match
    keeps the ticket unmapped (never a reason to refuse it)."""
    wanted = [v.lower() for v in [zendesk.ticket_type, *zendesk.tags] if v]
    if not wanted:
        return None
    for ticket_type in TicketType.objects.filter(program=program):
        if ticket_type.slug.lower() in wanted or ticket_type.name.lower() in wanted:
            return ticket_type
    return None


def _language(locale: str) -> str:
    value = (locale or "en").strip().lower().replace("_", "-")[:10]
    return value if value and value.replace("-", "").isalnum() else "en"


def _priority(value: str) -> str:
    value = (value or "").lower()
    return value if value in Ticket.Priority.values else Ticket.Priority.NORMAL


# --- applying -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    detail: str
    ticket: Ticket | None = None


def client_for(connection: ZendeskConnection) -> ZendeskClient:
    return ZendeskClient.for_connection(connection)


def fetch_ticket(connection: ZendeskConnection, zendesk_id: str) -> ZendeskTicket:
    """What an event lacks, from the API (outside any transaction). Raises DeliveryError when Zendesk cannot answer."""
    with client_for(connection) as client:
        ticket, requester = client.ticket_show(zendesk_id)
    return ZendeskTicket.from_json(ticket, requester)


def ticket_take_in(*, program: Program, zendesk: ZendeskTicket) -> tuple[Ticket, bool]:
    """queues' one intake, with Zendesk's values mapped (zendesk_ticket_in)."""
    item = zendesk_ticket_in(program=program, zendesk=zendesk)
    return ticket_intake(
        program=program,
        external_id=item.external_id,
        subject=item.subject,
        body=item.body,
        requester_email=item.requester_email,
        requester_name=item.requester_name,
        channel=item.channel,
        ticket_type=item.ticket_type,
        language=item.language,
        priority=item.priority,
        source=Ticket.Source.ZENDESK,
        created_at=item.created_at,
        tags=list(item.tags or ()),
    )


def zendesk_ticket_in(*, program: Program, zendesk: ZendeskTicket) -> TicketIn:
    """A Zendesk ticket as queues' intake takes it (one ticket, or an item of the backfill's batches).
    Zendesk's created_at starts the SLA clock. Raises ZendeskEventError without an id or a requester e-mail."""
    if not zendesk.zendesk_id:
        raise ZendeskEventError("The event names no ticket id.", field="detail.id")
    if not zendesk.requester_email:
        raise ZendeskEventError(
            "The ticket has no requester e-mail, and Zendesk could not be asked for it.", field="requester"
        )
    created_at = zendesk.created_at if zendesk.created_at and zendesk.created_at <= timezone.now() else None
    return TicketIn(
        external_id=zendesk.zendesk_id,
        subject=zendesk.subject or "(no subject)",
        body=zendesk.description,
        requester_email=zendesk.requester_email,
        requester_name=zendesk.requester_name,
        channel=VIA_CHANNELS.get(zendesk.via.lower(), Channel.OTHER) if zendesk.via else Channel.EMAIL,
        ticket_type=_ticket_type_for(program, zendesk),
        language=_language(zendesk.locale),
        priority=_priority(zendesk.priority),
        created_at=created_at,
        tags=their_tags(program, zendesk.tags),
    )


def _person(program: Program, zendesk_user_id) -> ZendeskUserMap | None:
    zendesk_user_id = _int(zendesk_user_id)
    if zendesk_user_id is None:
        return None
    return (
        ZendeskUserMap.objects.filter(program=program, zendesk_user_id=zendesk_user_id)
        .select_related("user")
        .first()
    )


def _freelancer_of(user) -> Freelancer | None:
    return Freelancer.objects.filter(user=user).first()


def apply_comment(*, program: Program, ticket: Ticket, comment: dict, requester_id: int | None) -> Outcome:
    comment_id = str(comment.get("id") or "").strip()
    body = str(comment.get("body") or comment.get("plain_body") or "").strip()
    author = _dict(comment.get("author"))
    author_id = _int(author.get("id") or comment.get("author_id"))
    public = comment.get("is_public", comment.get("public", True))
    if (
        comment_id.isdigit()
        and ZendeskSentComment.objects.filter(program=program, comment_id=int(comment_id)).exists()
    ):
        return Outcome(200, "Ignored: Flexdesk posted this comment.", ticket)
    if not body:
        return Outcome(200, "Ignored: an empty comment.", ticket)
    person = _person(program, author_id)
    if person is not None:
        if TicketMessage.objects.filter(
            ticket=ticket,
            author=person.user,
            body=body,
            kind=TicketMessage.Kind.REPLY if public else TicketMessage.Kind.NOTE,
        ).exists():
            return Outcome(200, "Ignored: this comment is already on the ticket.", ticket)
        with changes_from_zendesk():
            if public:
                ticket_reply(ticket=ticket, author=person.user, body=body)
                return Outcome(201, "Recorded as their reply.", ticket)
            ticket_note_add(ticket=ticket, author=person.user, body=body)
            return Outcome(201, "Recorded as an internal note.", ticket)
    by_requester = (author_id is not None and author_id == requester_id) or author.get("is_staff") is False
    if by_requester and public:
        with changes_from_zendesk():
            _message, created = ticket_customer_message(ticket=ticket, body=body, external_id=comment_id)
        return Outcome(
            201 if created else 200, "The customer wrote again." if created else "Already received.", ticket
        )
    return Outcome(200, "Ignored: written by a Zendesk user who is not on the program's team.", ticket)


def apply_status(*, ticket: Ticket, status: str) -> Outcome:
    """Zendesk's status onto the Flexdesk ticket (the module's docstring says how each maps)."""
    status = (status or "").lower()
    S = Ticket.Status
    try:
        with changes_from_zendesk():
            if status in ("solved", "closed") and ticket.is_active:
                ticket = ticket_solve(ticket=ticket, actor=None)
                if status == "solved":
                    return Outcome(200, "Solved, as in Zendesk.", ticket)
            if status == "closed" and ticket.status == S.SOLVED:
                ticket = ticket_status_set(ticket=ticket, status=S.CLOSED, reason="Closed in Zendesk.")
                return Outcome(200, "Closed, as in Zendesk.", ticket)
            if status in ("open", "new") and ticket.status == S.SOLVED:
                ticket_reopen(ticket=ticket, actor=None, reason="Reopened in Zendesk.")
                return Outcome(200, "Reopened, as in Zendesk.", ticket)
            if status == "open" and ticket.status == S.PENDING:
                ticket = ticket_status_set(ticket=ticket, status=S.OPEN, reason="Opened again in Zendesk.")
                return Outcome(200, "Open again, as in Zendesk.", ticket)
            if status == "pending" and ticket.status in (S.NEW, S.OPEN):
                ticket = ticket_status_set(ticket=ticket, status=S.PENDING, reason="Set pending in Zendesk.")
                return Outcome(200, "Pending, as in Zendesk.", ticket)
    except DomainError as exc:
        return Outcome(200, f"Not applied: {exc.message}", ticket)
    if status == "hold":
        return Outcome(
            200,
            "Kept as it is: on-hold waits on a third party, which Flexdesk has no status for; "
            "the resolution clock keeps running.",
            ticket,
        )
    return Outcome(200, f"Nothing to change for status “{status}”.", ticket)


def _group_id(value) -> int | None:
    """A group id as the event gives it: a number, a string, or an object with an id."""
    return _int(value.get("id")) if isinstance(value, dict) else _int(value)


def apply_group(*, program: Program, ticket: Ticket, group) -> Outcome:
    """Moved to the in-house group in Zendesk: escalated to the in-house queue here. Moved elsewhere: left."""
    in_house = zendesk_connection_for(program).in_house_group_id
    group_id = _group_id(group)
    if not in_house:
        return Outcome(200, "Ignored: the program has no in-house group set.", ticket)
    if group_id != in_house:
        return Outcome(200, "Left as it is: moved to a group other than the in-house team's.", ticket)
    if not ticket.is_active:
        return Outcome(200, "Left as it is: the ticket is no longer active.", ticket)
    if ticket.queue == Ticket.Queue.INHOUSE:
        return Outcome(200, "Already with the in-house team.", ticket)
    with changes_from_zendesk():
        ticket = ticket_move_inhouse(
            ticket=ticket, actor=None, note="Moved to the in-house group in Zendesk."
        )
    return Outcome(200, "Moved to the in-house queue, as in Zendesk.", ticket)


def apply_priority(*, ticket: Ticket, priority) -> Outcome:
    """Zendesk's priority (it sends "HIGH"; a cleared one is null) onto the ticket; no priority is normal."""
    value = str(priority or "").strip().lower() or Ticket.Priority.NORMAL
    if value not in Ticket.Priority.values:
        return Outcome(200, f"Ignored: Zendesk priority “{value}” has no Flexdesk equivalent.", ticket)
    if ticket.priority == value:
        return Outcome(200, "Nothing to change: the priority is already so.", ticket)
    with changes_from_zendesk():
        ticket = ticket_priority_set(ticket=ticket, priority=value, reason="Changed in Zendesk.")
    return Outcome(200, "Priority changed, as in Zendesk.", ticket)


def tags_after(*, detail: dict, event: dict, before: list[str]) -> list[str]:
    """The ticket's tags after a tags_changed event: the event's full list ("current") when it gives one, else
    the ticket's tags in `detail` (Zendesk's ticket after the change), else `before` with the event's added and
    removed tags ({"tags": {"added": […], "removed": […]}} or "added"/"removed" at the top)."""
    if event.get("current") is not None:
        return tags_of(event.get("current"))
    if "tags" in detail:
        return tags_of(detail.get("tags"))
    changes = _dict(event.get("tags")) or event
    added, removed = tags_of(changes.get("added")), set(tags_of(changes.get("removed")))
    return [t for t in [*before, *added] if t not in removed]


def apply_tags(*, program: Program, ticket: Ticket, detail: dict, event: dict) -> Outcome:
    tags = their_tags(program, tags_after(detail=detail, event=event, before=list(ticket.tags or [])))
    if sorted(set(tags)) == sorted(set(ticket.tags or [])):
        return Outcome(200, "Nothing to change: the tags are already so.", ticket)
    with changes_from_zendesk():
        ticket = ticket_tags_set(ticket=ticket, tags=tags, reason="Changed in Zendesk.")
    return Outcome(200, "Tags changed, as in Zendesk.", ticket)


def apply_assignment(*, program: Program, ticket: Ticket, zendesk_user_id) -> Outcome:
    """An assignment made in Zendesk to a mapped person is respected (routing does not fight it)."""
    person = _person(program, zendesk_user_id)
    if person is None:
        return Outcome(200, "Ignored: assigned to someone outside the program's team.", ticket)
    freelancer = _freelancer_of(person.user)
    try:
        with changes_from_zendesk():
            if freelancer is not None:
                if ticket.assignee_id == freelancer.pk:
                    return Outcome(200, "Already assigned to them.", ticket)
                ticket_reassign(ticket=ticket, actor=None, freelancer=freelancer, note="Assigned in Zendesk.")
            elif person.user.is_inhouse:
                if ticket.inhouse_assignee_id == person.user_id:
                    return Outcome(200, "Already assigned to them.", ticket)
                ticket_inhouse_assign(ticket=ticket, user=person.user, actor=None)
            else:
                return Outcome(200, "Ignored: not a freelancer or in-house agent.", ticket)
    except QueueError as exc:
        return Outcome(200, f"Not applied: {exc.message}", ticket)
    return Outcome(200, "Assigned, as in Zendesk.", ticket)


def event_apply(*, program: Program, payload: dict, fetched: ZendeskTicket | None, signature: str) -> Outcome:
    """Apply one verified webhook in one transaction with its receipt: a replay changes nothing."""
    event_type = str(payload.get("type") or "")
    with transaction.atomic():
        if not _receipt_record(program=program, signature=signature, event_type=event_type or "trigger"):
            return Outcome(200, "Already received.")
        return _apply(program=program, payload=payload, fetched=fetched, event_type=event_type)


def _apply(*, program: Program, payload: dict, fetched: ZendeskTicket | None, event_type: str) -> Outcome:
    if not event_type:  # a trigger's body: {"ticket": {...}}
        zendesk = fetched or ZendeskTicket.from_json(_dict(payload.get("ticket")) or payload)
        ticket, created = ticket_take_in(program=program, zendesk=zendesk)
        return Outcome(
            201 if created else 200, "Ticket received." if created else "Already received.", ticket
        )
    name = event_type.removeprefix(EVENT_PREFIX)
    detail, event = _dict(payload.get("detail")), _dict(payload.get("event"))
    zendesk = fetched or ZendeskTicket.from_json(detail)
    if name not in ACTED_ON:
        return Outcome(200, f"Received; Flexdesk does not act on {event_type}.")
    if name == "ticket.created":  # intake is idempotent: a ticket it has already is answered as "seen"
        ticket, created = ticket_take_in(program=program, zendesk=zendesk)
    else:
        ticket = (
            Ticket.objects.filter(program=program, external_id=zendesk.zendesk_id).first()
            if zendesk.zendesk_id
            else None
        )
        created = False
        if ticket is None:
            ticket, created = ticket_take_in(
                program=program, zendesk=zendesk
            )  # one we did not know: take it in
    if name == "ticket.created":
        if zendesk.assignee_id:
            apply_assignment(program=program, ticket=ticket, zendesk_user_id=zendesk.assignee_id)
        return Outcome(
            201 if created else 200, "Ticket received." if created else "Already received.", ticket
        )
    if name == "ticket.comment_added":
        comment = _dict(event.get("comment"))
        if not comment:
            raise ZendeskEventError("A comment_added event without a comment.", field="event.comment")
        return apply_comment(
            program=program, ticket=ticket, comment=comment, requester_id=zendesk.requester_id
        )
    if name == "ticket.status_changed":
        return apply_status(ticket=ticket, status=str(event.get("current") or zendesk.status))
    if name == "ticket.group_assignment_changed":
        return apply_group(
            program=program,
            ticket=ticket,
            group=event.get("current") if "current" in event else detail.get("group_id"),
        )
    if name == "ticket.priority_changed":
        return apply_priority(
            ticket=ticket, priority=event.get("current") if "current" in event else zendesk.priority
        )
    if name == "ticket.tags_changed":
        return apply_tags(program=program, ticket=ticket, detail=detail, event=event)
    return apply_assignment(program=program, ticket=ticket, zendesk_user_id=event.get("current"))


def needs_fetch(*, program: Program, payload: dict) -> str | None:
    """The Zendesk ticket id to fetch before applying (the event lacks the requester, or the ticket is new to us)."""
    event_type = str(payload.get("type") or "")
    if event_type:
        if event_type.removeprefix(EVENT_PREFIX) not in ACTED_ON:
            return None
        zendesk = ZendeskTicket.from_json(_dict(payload.get("detail")))
    else:
        zendesk = ZendeskTicket.from_json(_dict(payload.get("ticket")) or payload)
    if not zendesk.zendesk_id:
        raise ZendeskEventError("The event names no ticket id.", field="detail.id")
    if Ticket.objects.filter(program=program, external_id=zendesk.zendesk_id).exists():
        return None
    return None if zendesk.complete else zendesk.zendesk_id
