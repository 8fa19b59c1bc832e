"""Demo: Acme Weekend Cover works in Zendesk. Its team is mapped to Zendesk users, and three Zendesk tickets
show a delivery history (one reply delivered, one queued, one failed), written as rows: viewing them needs no
network. Zendesk's address is a test domain; nothing in the demo reaches a real Zendesk.

Demo Support is a shared mailbox (support@demo-support.example, no IMAP host: with `make run` the drop folder
var/mail-drop/ feeds it). Its e-mail tickets tell one story, also written as rows: a customer's e-mail routed to
a freelancer, her reply e-mailed and the customer's answer on the same ticket (its quoted history folded); a
photo sent with a damaged-parcel report; a reply that bounced; and in the inbound log an out-of-office that
made nothing and a message too large to take in."""

import datetime
import hashlib
import struct
import zlib

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from channels.models import (
    InboundEmail,
    MailboxConnection,
    MailMessageRef,
    MailThread,
    ProgramChannel,
    ZendeskConnection,
    ZendeskUserMap,
)
from core.models import OutboxMessage
from queues.availability import availability_intervals
from queues.counters import counters_repair
from queues.models import AvailabilitySlot, Ticket, TicketAttachment, TicketEvent, TicketMessage
from queues.services import ticket_intake
from queues.services.common import refresh_next_due, ticket_lock, ticket_save

TICKETS = [
    ("35001", "Where is my weekend order?", "Ordered Friday, still says processing.", "sent", ""),
    (
        "35002",
        "Wrong size delivered",
        "I got a medium instead of a large.",
        "queued",
        "Zendesk answered 503: Service Unavailable",
    ),
    (
        "35003",
        "Refund not received",
        "The refund from last week is not on my card.",
        "failed",
        "Zendesk answered 422: RecordInvalid — Record validation errors — assignee: Assignee is not a member of "
        "the group",
    ),
]


def seed(context):
    acme, freelancer, manager = context["acme"], context["acme_freelancer"], context["manager2"]
    ProgramChannel.objects.update_or_create(program=acme, defaults={"kind": ProgramChannel.Kind.ZENDESK})
    connection, created = ZendeskConnection.objects.get_or_create(
        program=acme,
        defaults={
            "subdomain": "acme-demo",
            "base_url": "https://acme-demo.zendesk.test",
            "api_email": "flexdesk@acme.test",
            "in_house_group_id": 360001,
            "connected_as": "Flexdesk API <flexdesk@acme.test> (admin)",
        },
    )
    if created:
        connection.api_token = "demo-zendesk-token"
        connection.webhook_signing_secret = "demo-zendesk-secret"
        connection.connected_at = timezone.now()
        connection.save()
    now = timezone.now().replace(second=0, microsecond=0)
    for user, zendesk_id, name in [
        (freelancer.user, 9001, "Nora Lindqvist"),
        (manager, 9002, "Oliver Grant"),
    ]:
        ZendeskUserMap.objects.get_or_create(
            program=acme,
            user=user,
            defaults={
                "zendesk_user_id": zendesk_id,
                "zendesk_name": name,
                "matched_at": now,
                "checked_at": now,
            },
        )
    reply_type = ContentType.objects.get_for_model(TicketMessage)
    # Acme works weekends: its three tickets came in and were answered during Nora's last weekend shift.
    weekend = _on_shift_until(freelancer, program=acme, span=datetime.timedelta(hours=3, minutes=10), now=now)
    for number, (external_id, subject, body, state, error) in enumerate(TICKETS):
        # Taken in without routing: the rows below are the history, and seeding sends nothing.
        ticket, new = ticket_intake(
            program=acme,
            external_id=external_id,
            subject=subject,
            body=body,
            requester_email=f"customer{number + 1}@example.test",
            source=Ticket.Source.ZENDESK,
            created_at=weekend - datetime.timedelta(hours=3 - number),
            route=False,
        )
        if not new:
            continue
        replied_at = ticket.created_at + datetime.timedelta(minutes=20)
        Ticket.objects.filter(pk=ticket.pk).update(
            assignee=freelancer,
            routed_at=ticket.created_at,
            last_assigned_at=ticket.created_at,
            status="open",
            first_response_at=replied_at,
            first_responder=freelancer.user,
            first_response_met=True,
        )
        reply = TicketMessage.objects.create(
            ticket=ticket,
            kind=TicketMessage.Kind.REPLY,
            author=freelancer.user,
            body=f"Hi! Thanks for writing in about “{subject.lower()}”. I'm looking into it now.",
            created_at=replied_at,
        )
        OutboxMessage.objects.create(
            kind="zendesk.reply",
            status=state,
            program_id=acme.pk,
            summary=f"Zendesk #{external_id}: public reply",
            ordering_key=f"zendesk-ticket:{ticket.pk}",
            dedupe_key=f"demo:zendesk-reply:{external_id}",
            subject_type=reply_type,
            subject_id=str(reply.pk),
            attempts={"sent": 1, "queued": 3, "failed": 1}[state],
            payload={
                "program_id": acme.pk,
                "ticket_id": ticket.pk,
                "zendesk_ticket_id": int(external_id),
                "update": {},
                "comment": {"body": reply.body, "public": True, "author_id": 9001},
            },
            sent_at=replied_at + datetime.timedelta(seconds=2) if state == "sent" else None,
            result={"comment_id": 880000 + number} if state == "sent" else {},
            next_attempt_at=now + datetime.timedelta(minutes=30) if state == "queued" else None,
            last_error=error,
        )
    context["logins"].append(
        ("manager2@demo.test", "→ Acme's Zendesk channel: /manage/channels/acme/zendesk/")
    )
    _seed_mailbox(context)
    # the tickets above were changed in bulk beside the services: count them for the headline numbers
    counters_repair(program_ids=[acme.pk, context["program"].pk])


# --- Demo Support: the shared mailbox --------------------------------------------------------------------

SUPPORT = "support@demo-support.example"
DOMAIN = "demo-support.example"

PARCEL_BODY = """Hi,

The tracking page for order #48213 says my parcel was delivered yesterday at 14:02, but there is nothing at my door, with the neighbours or in the building's parcel room. Could you check with the courier?

Thanks,
Jane Doe
"""
PARCEL_REPLY = """Hi Jane,

I'm sorry the parcel isn't with you. I checked with the courier: their driver left it at the side entrance of your building (they have a photo). Could you have a look there? If it isn't there either, reply to this e-mail and I will send a replacement right away.

Best regards,
Ana"""
PARCEL_ANSWER = """Found it! It was behind the bins at the side entrance, a bit wet but fine. Thank you so much, Ana!

Jane

Sent from my iPhone

On {when}, Ana via Demo Support <support@demo-support.example> wrote:
> Hi Jane,
>
> I'm sorry the parcel isn't with you. I checked with the courier: their driver left it at the side entrance of
> your building (they have a photo). Could you have a look there? If it isn't there either, reply to this e-mail
> and I will send a replacement right away.
>
> Best regards,
> Ana
"""
MUG_BODY = """Hello,

My order #48377 arrived today and one of the two mugs is cracked (photo attached). The box looked fine from the outside. Can you send a new one? I don't need to return the broken one, do I?

Kind regards,
Priya Raman
"""
ADDRESS_BODY = """Hi, I moved last week. Can you change the delivery address of order #48402 to 12 Harbour Street, Apt 5, Portland ME 04101 before it ships?

Tom"""
ADDRESS_REPLY = """Hi Tom,

Done: order #48402 will go to 12 Harbour Street, Apt 5, Portland ME 04101. It ships tomorrow morning and you'll get the new tracking link by e-mail.

Best regards,
Marta"""
BOUNCE_REASON = (
    "550 5.1.1 <tom.baker@exampel.com>: Recipient address rejected: User unknown in virtual mailbox table"
)


def _png(width: int = 24, height: int = 16) -> bytes:
    """A real, tiny PNG (a cracked mug's photo stands in as a blue square with a white crack)."""
    rows = b""
    for y in range(height):
        row = b"\x00"
        for x in range(width):
            crack = x == width // 2 + (y % 3) - 1
            row += bytes((255, 255, 255)) if crack else bytes((64, 112, 200))
        rows += row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _message_id(name: str) -> str:
    return f"<{name}@mail.example.com>"


def _external_id(message_id: str) -> str:
    return (
        "mail:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]
    )  # as channels.mailbox.inbound names it


def _token(name: str) -> str:
    import base64

    return base64.b32encode(hashlib.sha256(f"demo:{name}".encode()).digest()[:10]).decode().lower()


def _email_ticket(program, *, key, subject, body, email, name, created_at, freelancer, status):
    message_id = _message_id(key)
    ticket, new = ticket_intake(
        program=program,
        external_id=_external_id(message_id),
        subject=subject,
        body=body,
        requester_email=email,
        requester_name=name,
        channel="email",
        source=Ticket.Source.EMAIL,
        created_at=created_at,
        route=False,
    )
    if not new:
        return ticket, False
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee=freelancer, routed_at=created_at, last_assigned_at=created_at, status=status
    )
    ticket.assignee, ticket.status = freelancer, status
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        created_at=created_at,
        message=f"Routed to {freelancer}",
    )
    MailThread.objects.get_or_create(
        ticket=ticket, defaults={"program": program, "token": _token(key), "created_at": created_at}
    )
    MailMessageRef.objects.get_or_create(
        program=program,
        message_id=message_id,
        defaults={"ticket": ticket, "direction": MailMessageRef.Direction.IN, "created_at": created_at},
    )
    _inbound(
        program,
        message_id=message_id,
        email=email,
        name=name,
        subject=subject,
        received_at=created_at,
        outcome=InboundEmail.Outcome.TICKET,
        ticket=ticket,
    )
    return ticket, True


def _inbound(
    program,
    *,
    message_id,
    email,
    name,
    subject,
    received_at,
    outcome,
    reason="",
    ticket=None,
    ticket_message=None,
    size=0,
):
    InboundEmail.objects.get_or_create(
        program=program,
        message_id=message_id,
        defaults={
            "source": InboundEmail.Source.DROP,
            "from_address": email,
            "from_name": name,
            "subject": subject,
            "recipients": SUPPORT,
            "outcome": outcome,
            "reason": reason,
            "ticket": ticket,
            "ticket_message": ticket_message,
            "size": size or 2400 + len(subject) * 7,
            "received_at": received_at,
        },
    )


def _emailed_reply(program, ticket, *, author, body, at, key, state, error=""):
    """A freelancer's reply and the e-mail it became (an outbox row, as channels.mailbox.outbound writes it)."""
    reply = TicketMessage.objects.create(
        ticket=ticket, kind=TicketMessage.Kind.REPLY, author=author.user, body=body, created_at=at
    )
    Ticket.objects.filter(pk=ticket.pk, first_response_at__isnull=True).update(
        first_response_at=at, first_responder=author.user, first_response_met=True
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.REPLIED,
        actor=author.user,
        created_at=at,
        data={"message_id": reply.pk},
    )
    message_id = f"<{key}.{ticket.pk}@{DOMAIN}>"
    first = (author.user.display_name or "").split(" ")[0]
    token = MailThread.objects.get(ticket=ticket).token
    outbox = OutboxMessage.objects.create(
        kind="mailbox.reply",
        status=state,
        program_id=program.pk,
        summary=f"E-mail to {ticket.requester_email}: Re: {ticket.subject} [#{ticket.pk}]",
        ordering_key=f"mail-ticket:{ticket.pk}",
        dedupe_key=f"mailbox:reply:{reply.pk}",
        subject_type=ContentType.objects.get_for_model(TicketMessage),
        subject_id=str(reply.pk),
        attempts=1,
        sent_at=at + datetime.timedelta(seconds=3),
        last_error=error,
        payload={
            "to": [ticket.requester_email],
            "cc": [],
            "subject": f"Re: {ticket.subject} [#{ticket.pk}]",
            "body": f"{body}\n\n-- \n{first}, Demo Support\n",
            "html_body": "",
            "from_email": f"{first} via Demo Support <{SUPPORT}>",
            "reply_to": [f"support+{token}@{DOMAIN}"],
            "headers": {
                "Message-ID": message_id,
                "X-Flexdesk-Ticket": str(ticket.pk),
                "In-Reply-To": _message_id(key),
            },
            "attachments": [],
            "connection": "",
            "sensitive": False,
        },
    )
    OutboxMessage.objects.filter(pk=outbox.pk).update(created_at=at)
    MailMessageRef.objects.get_or_create(
        program=program,
        message_id=message_id,
        defaults={
            "ticket": ticket,
            "direction": MailMessageRef.Direction.OUT,
            "ticket_message": reply,
            "outbox_message_id": outbox.pk,
            "created_at": at,
        },
    )
    return reply, message_id


def _on_shift_until(
    freelancer, *, program, span: datetime.timedelta, now: datetime.datetime
) -> datetime.datetime:
    """The latest moment, at most `now`, that ends `span` of the freelancer's shift for the program: the story's
    replies are written while its freelancer is really on shift (the rota is the queues demo's)."""
    slots = list(AvailabilitySlot.objects.filter(freelancer=freelancer))
    intervals = availability_intervals(
        zone=freelancer.zone,
        slots=slots,
        changes=[],
        program_id=program.pk,
        start=now - datetime.timedelta(days=8),
        end=now,
    )
    for start, end in reversed(intervals):
        end = min(end, now)
        if end - start >= span:
            return end
    return now


def _seed_mailbox(context):
    demo, freelancers = context["program"], context["freelancers"]
    ProgramChannel.objects.update_or_create(program=demo, defaults={"kind": ProgramChannel.Kind.EMAIL})
    MailboxConnection.objects.get_or_create(
        program=demo,
        defaults={
            "support_address": SUPPORT,
            "display_name": "Demo Support",
            "imap_host": "",
            "send_via": "site",
        },
    )
    now = timezone.now().replace(second=0, microsecond=0)
    ana, marta, sofia = freelancers[0], freelancers[1], freelancers[3]

    # 1. A parcel marked delivered: Ana answers by e-mail, Jane's answer comes back to the same ticket.
    created = _on_shift_until(
        ana, program=demo, span=datetime.timedelta(minutes=30), now=now
    ) - datetime.timedelta(minutes=25)
    parcel, new = _email_ticket(
        demo,
        key="jane-parcel",
        subject="Parcel says delivered but it's not here",
        body=PARCEL_BODY,
        email="jane.doe@example.com",
        name="Jane Doe",
        created_at=created,
        freelancer=ana,
        status=Ticket.Status.OPEN,
    )
    if new:
        replied = created + datetime.timedelta(minutes=22)
        _emailed_reply(
            demo,
            parcel,
            author=ana,
            body=PARCEL_REPLY,
            at=replied,
            key="jane-parcel",
            state=OutboxMessage.Status.SENT,
        )
        _inbound(
            demo,
            message_id=_message_id("jane-ooo"),
            email="jane.doe@example.com",
            name="Jane Doe",
            subject=f"Automatic reply: Re: {parcel.subject} [#{parcel.pk}]",
            received_at=replied + datetime.timedelta(minutes=1),
            outcome=InboundEmail.Outcome.IGNORED,
            reason="An automatic message: Auto-Submitted: auto-replied.",
        )
        answered = replied + datetime.timedelta(hours=1, minutes=40)
        when = timezone.localtime(replied, demo.zone).strftime("%a, %-d %b %Y at %H:%M")
        answer = TicketMessage.objects.create(
            ticket=parcel,
            kind=TicketMessage.Kind.CUSTOMER,
            body=PARCEL_ANSWER.format(when=when),
            created_at=answered,
            external_id=_message_id("jane-answer"),
        )
        TicketEvent.objects.create(ticket=parcel, kind=TicketEvent.Kind.CUSTOMER_REPLIED, created_at=answered)
        MailMessageRef.objects.get_or_create(
            program=demo,
            message_id=_message_id("jane-answer"),
            defaults={
                "ticket": parcel,
                "direction": MailMessageRef.Direction.IN,
                "ticket_message": answer,
                "created_at": answered,
            },
        )
        _inbound(
            demo,
            message_id=_message_id("jane-answer"),
            email="jane.doe@example.com",
            name="Jane Doe",
            subject=f"Re: {parcel.subject} [#{parcel.pk}]",
            received_at=answered,
            outcome=InboundEmail.Outcome.REPLY,
            ticket=parcel,
            ticket_message=answer,
        )

    # 2. A cracked mug, with the customer's photo attached; waiting for Sofía's answer.
    created = _on_shift_until(
        sofia, program=demo, span=datetime.timedelta(minutes=40), now=now
    ) - datetime.timedelta(minutes=35)
    mug, new = _email_ticket(
        demo,
        key="priya-mug",
        subject="One of my mugs arrived cracked",
        body=MUG_BODY,
        email="priya.raman@example.org",
        name="Priya Raman",
        created_at=created,
        freelancer=sofia,
        status=Ticket.Status.OPEN,
    )
    if new:
        photo = _png()
        attachment = TicketAttachment(
            ticket=mug,
            filename="cracked-mug.png",
            content_type="image/png",
            size=len(photo),
            created_at=created,
        )
        attachment.file.save("cracked-mug.png", ContentFile(photo), save=False)
        attachment.save()

    # 3. An address change: Marta's e-mailed answer bounced (the customer mistyped his address).
    created = _on_shift_until(
        marta, program=demo, span=datetime.timedelta(minutes=20), now=now
    ) - datetime.timedelta(minutes=17)
    moved, new = _email_ticket(
        demo,
        key="tom-address",
        subject="Change delivery address for order #48402",
        body=ADDRESS_BODY,
        email="tom.baker@exampel.com",
        name="Tom Baker",
        created_at=created,
        freelancer=marta,
        status=Ticket.Status.PENDING,
    )
    if new:
        replied = created + datetime.timedelta(minutes=15)
        reply, our_id = _emailed_reply(
            demo,
            moved,
            author=marta,
            body=ADDRESS_REPLY,
            at=replied,
            key="tom-address",
            state=OutboxMessage.Status.FAILED,
            error=f"Bounced: {BOUNCE_REASON}",
        )
        bounced = replied + datetime.timedelta(minutes=1)
        shown = timezone.localtime(replied, demo.zone).strftime("%-d %b %Y %H:%M") + f" ({demo.zone.key})"
        TicketMessage.objects.create(
            ticket=moved,
            kind=TicketMessage.Kind.NOTE,
            author=None,
            created_at=bounced,
            body=f"The e-mailed reply of {shown} bounced: the customer did not get it.\n"
            f"The mail server said: {BOUNCE_REASON}",
        )
        _inbound(
            demo,
            message_id=f"<20260303.{moved.pk}.bounce@mx.{DOMAIN}>",
            email=f"MAILER-DAEMON@mx.{DOMAIN}",
            name="Mail Delivery System",
            subject="Undelivered Mail Returned to Sender",
            received_at=bounced,
            outcome=InboundEmail.Outcome.BOUNCE,
            ticket=moved,
            ticket_message=reply,
            reason=f"Our reply {our_id} bounced: {BOUNCE_REASON}",
        )

    for pk in sorted([parcel.pk, mug.pk, moved.pk]):
        ticket = ticket_lock(Ticket.objects.filter(pk=pk))
        refresh_next_due(ticket)  # the deadline the holder meets next, after the replies above
        ticket_save(ticket, touch=False)

    # 4. A message too large to take in: logged with the reason, left in the mailbox.
    _inbound(
        demo,
        message_id=_message_id("wholesale-scans"),
        email="accounts@wholesale-partner.example",
        name="Wholesale Partner Accounts",
        subject="Invoices March — scans",
        received_at=now - datetime.timedelta(hours=1, minutes=10),
        outcome=InboundEmail.Outcome.REJECTED,
        reason="The message is 41.7 MB; at most 25 MB is taken in. It was not read.",
        size=43_725_102,
    )
    context["logins"].append(
        ("manager@demo.test", "→ Demo Support's shared mailbox: /manage/channels/demo/mailbox/")
    )
