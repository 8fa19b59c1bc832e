"""mail_receive: a customer's mail becomes a ticket or an answer on its ticket, a bounce of our reply fails that
delivery, robots' mail and loops are ignored, and bad mail is rejected with a reason — never a crash, never twice."""

import datetime

import pytest
from django.utils import timezone

from channels.mailbox.inbound import mail_receive, mail_record_rejected
from channels.mailbox.parse import MAX_MESSAGE_BYTES
from channels.mailbox.threads import mail_thread_for, message_ref_add
from channels.models import InboundEmail, MailMessageRef, MailThread
from core.models import OutboxMessage
from core.uploads import PDF
from queues.models import Ticket, TicketAttachment, TicketMessage
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.channels.mailbox.mails import SUPPORT, customer_mail, delivery_report, plain_bounce
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
Outcome = InboundEmail.Outcome
DROP = InboundEmail.Source.DROP


@pytest.fixture
def program():
    return mailbox_program(manager=ManagerFactory())


@pytest.fixture
def connection(program):
    return program.mailbox_connection


def receive(raw: bytes, **kwargs) -> InboundEmail:
    return mail_receive(raw=raw, source=kwargs.pop("source", DROP), **kwargs)


def customer_messages(ticket) -> list[str]:
    return list(
        TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.CUSTOMER).values_list(
            "body", flat=True
        )
    )


def notes(ticket) -> list[str]:
    return list(
        TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.NOTE).values_list(
            "body", flat=True
        )
    )


@pytest.fixture
def email_ticket(program):
    """A ticket that came in by e-mail: its thread (token) and the customer's first Message-ID."""
    ticket = TicketFactory(
        program=program, source=Ticket.Source.EMAIL, subject="Parcel lost", requester_email="ann@example.test"
    )
    mail_thread_for(ticket)
    message_ref_add(
        ticket=ticket, message_id="<CAF=ann1@mail.example.test>", direction=MailMessageRef.Direction.IN
    )
    return ticket


# --- a new ticket -------------------------------------------------------------------------------------


def test_a_new_mail_opens_a_ticket_that_is_routed(program, django_capture_on_commit_callbacks):
    freelancer = on_duty_freelancer(program)
    raw = customer_mail(subject="Parcel lost", body="My parcel never arrived.\n\nAnn")

    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(raw, source=InboundEmail.Source.WEBHOOK)

    ticket = Ticket.objects.get(program=program)
    assert inbound.outcome == Outcome.TICKET and inbound.ticket == ticket and inbound.reason == ""
    assert (ticket.subject, ticket.body) == ("Parcel lost", "My parcel never arrived.\n\nAnn")
    assert (ticket.requester_email, ticket.requester_name) == ("ann@example.test", "Ann Customer")
    assert ticket.source == Ticket.Source.EMAIL and ticket.channel == "email"
    assert ticket.assignee == freelancer  # routed after commit, as every intake
    assert MailThread.objects.filter(ticket=ticket).exists()
    assert MailMessageRef.objects.get(ticket=ticket).direction == MailMessageRef.Direction.IN
    inbound.refresh_from_db()
    assert inbound.raw.read() == raw and inbound.size == len(raw)
    assert (inbound.program, inbound.source, inbound.message_id) == (
        program,
        "webhook",
        "<CAF=ann1@mail.example.test>",
    )
    assert inbound.recipients.splitlines() == [SUPPORT]


def test_the_requester_is_the_reply_to_address_when_there_is_one(program):
    receive(customer_mail(headers={"Reply-To": "Ann at Home <ann@home.test>"}))

    ticket = Ticket.objects.get(program=program)
    assert (ticket.requester_email, ticket.requester_name) == ("ann@home.test", "Ann at Home")


def test_an_unusable_reply_to_falls_back_to_from(program):
    receive(customer_mail(headers={"Reply-To": "Ann <ann@no-domain>"}))

    assert Ticket.objects.get(program=program).requester_email == "ann@example.test"


def test_the_program_is_found_by_a_plus_addressed_envelope_recipient(program):
    inbound = receive(
        customer_mail(to="someone-else@example.test"), envelope_recipients=["Support+x@BrightCart.test"]
    )

    assert inbound.program == program and inbound.outcome == Outcome.TICKET


def test_a_mail_to_no_program_is_rejected_and_kept(program):
    raw = customer_mail(to="sales@elsewhere.test")

    inbound = receive(raw)

    assert inbound.outcome == Outcome.REJECTED and inbound.program is None
    assert "No program has this support address (sales@elsewhere.test)" in inbound.reason
    assert inbound.raw.read() == raw
    assert not Ticket.objects.exists()


def test_the_poller_s_connection_decides_the_program(program, connection):
    inbound = receive(
        customer_mail(to="alias@brightcart.test"), connection=connection, source="imap", mailbox_uid=7
    )

    assert inbound.outcome == Outcome.TICKET and inbound.mailbox_uid == 7 and inbound.source == "imap"


# --- a reply ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Ticket.Status.SOLVED, Ticket.Status.PENDING, Ticket.Status.OPEN])
def test_a_reply_to_the_token_address_lands_on_its_ticket_and_reopens_it(program, email_ticket, status):
    Ticket.objects.filter(pk=email_ticket.pk).update(
        status=status, solved_at=timezone.now() if status == Ticket.Status.SOLVED else None
    )
    token_address = program.mailbox_connection.address_for(email_ticket.mail_thread.token)
    raw = customer_mail(
        subject="Re: Parcel lost",
        body="Still nothing.",
        to=token_address,
        message_id="<CAF=ann2@mail.example.test>",
    )

    inbound = receive(raw)

    email_ticket.refresh_from_db()
    assert inbound.outcome == Outcome.REPLY and inbound.ticket == email_ticket
    assert customer_messages(email_ticket) == ["Still nothing."]
    assert inbound.ticket_message.external_id == "<CAF=ann2@mail.example.test>"
    assert email_ticket.status == Ticket.Status.OPEN
    assert Ticket.objects.count() == 1
    assert MailMessageRef.objects.filter(
        message_id="<CAF=ann2@mail.example.test>", ticket=email_ticket, ticket_message=inbound.ticket_message
    ).exists()


def test_a_reply_to_the_support_address_is_matched_by_in_reply_to(program, email_ticket):
    raw = customer_mail(
        subject="Re: Parcel lost",
        body="Any news?",
        message_id="<CAF=ann3@mail.example.test>",
        in_reply_to="<CAF=ann1@mail.example.test>",
    )

    inbound = receive(raw)

    assert inbound.outcome == Outcome.REPLY and inbound.ticket == email_ticket
    assert customer_messages(email_ticket) == ["Any news?"]


def test_references_find_the_ticket_of_the_latest_known_message(program, email_ticket):
    other = TicketFactory(program=program)
    message_ref_add(ticket=other, message_id="<old@x.test>", direction=MailMessageRef.Direction.IN)
    raw = customer_mail(
        message_id="<CAF=ann4@mail.example.test>",
        references="<old@x.test> <CAF=ann1@mail.example.test> <unknown@x.test>",
    )

    assert receive(raw).ticket == email_ticket


def test_a_forged_token_falls_back_to_the_references(program, email_ticket):
    raw = customer_mail(
        to="support+aaaaaaaaaaaaaaaa@brightcart.test",
        message_id="<CAF=ann5@mail.example.test>",
        in_reply_to="<CAF=ann1@mail.example.test>",
    )

    inbound = receive(raw)

    assert inbound.outcome == Outcome.REPLY and inbound.ticket == email_ticket
    assert (
        "unknown token (aaaaaaaaaaaaaaaa)" in inbound.reason
        and f"Matched to #{email_ticket.pk}" in inbound.reason
    )


def test_a_forged_token_without_references_opens_a_new_ticket(program, email_ticket):
    inbound = receive(
        customer_mail(to="support+aaaaaaaaaaaaaaaa@brightcart.test", message_id="<forged@x.test>")
    )

    assert inbound.outcome == Outcome.TICKET and inbound.ticket != email_ticket
    assert "unknown token" in inbound.reason and "A new ticket was opened." in inbound.reason
    assert customer_messages(email_ticket) == []


def test_another_program_s_token_does_not_reach_its_ticket(program, email_ticket):
    other = mailbox_program(manager=ManagerFactory(), slug="other", support_address="help@other.test")
    token = email_ticket.mail_thread.token

    inbound = receive(customer_mail(to=f"help+{token}@other.test", message_id="<cross@x.test>"))

    assert inbound.program == other and inbound.outcome == Outcome.TICKET
    assert inbound.ticket.program == other and customer_messages(email_ticket) == []


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(program, email_ticket):
    Ticket.objects.filter(pk=email_ticket.pk).update(status=Ticket.Status.CLOSED)
    token_address = program.mailbox_connection.address_for(email_ticket.mail_thread.token)

    inbound = receive(customer_mail(to=token_address, body="It broke again.", message_id="<again@x.test>"))

    assert inbound.outcome == Outcome.TICKET and inbound.ticket != email_ticket
    assert inbound.ticket.body.startswith(f"This follows up #{email_ticket.pk} “Parcel lost” (closed).")
    assert inbound.ticket.body.endswith("It broke again.")
    assert f"#{email_ticket.pk} is closed" in inbound.reason
    assert customer_messages(email_ticket) == []


def test_a_long_message_id_of_a_reply_is_stored_as_a_digest(program, email_ticket):
    long_id = "<" + "x" * 150 + "@mail.example.test>"

    inbound = receive(customer_mail(message_id=long_id, in_reply_to="<CAF=ann1@mail.example.test>"))

    assert inbound.outcome == Outcome.REPLY
    assert (
        inbound.ticket_message.external_id.startswith("mail:")
        and len(inbound.ticket_message.external_id) <= 100
    )


# --- robots, loops, bounces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, "Auto-Submitted"),
        ({"Precedence": "junk"}, None, "Precedence: junk"),
        ({"List-Id": "<deals.shop.test>"}, None, "mailing list"),
        ({"X-Autorespond": "yes"}, None, "X-Autorespond"),
        ({"Return-Path": "<>"}, None, "empty Return-Path"),
        ({}, "MAILER-DAEMON@mx.example.test", "mailer-daemon"),
        ({"X-Flexdesk-Ticket": "12"}, None, "X-Flexdesk-Ticket"),
        ({}, f"BrightCart Support <{SUPPORT}>", "our own support address"),
        ({}, "BrightCart <support+abcdefghijklmnop@brightcart.test>", "our own support address"),
    ],
)
def test_robots_and_loops_make_no_ticket_and_no_message(program, email_ticket, headers, sender, reason):
    raw = customer_mail(
        headers=headers,
        sender=sender or "Ann Customer <ann@example.test>",
        subject="Out of office",
        in_reply_to="<CAF=ann1@mail.example.test>",
        message_id="<ooo@x.test>",
    )

    inbound = receive(raw)

    assert inbound.outcome == Outcome.IGNORED and reason in inbound.reason
    assert inbound.ticket is None and inbound.raw
    assert Ticket.objects.count() == 1 and customer_messages(email_ticket) == []


def our_sent_reply(ticket, *, message_id: str) -> OutboxMessage:
    """One of our replies, as channels.mailbox.outbound leaves it once sent: the outbox row and its OUT ref."""
    sent_at = datetime.datetime(2026, 12, 2, 12, 4, tzinfo=datetime.UTC)
    outbox = OutboxMessage.objects.create(
        kind="mailbox.reply",
        status=OutboxMessage.Status.SENT,
        sent_at=sent_at,
        program_id=ticket.program_id,
        payload={"message_id": message_id},
    )
    reply = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.REPLY, body="On its way.")
    MailMessageRef.objects.create(
        program_id=ticket.program_id,
        ticket=ticket,
        message_id=message_id,
        direction=MailMessageRef.Direction.OUT,
        ticket_message=reply,
        outbox_message_id=outbox.pk,
    )
    return outbox


@pytest.mark.parametrize(
    "bounce",
    [
        lambda mid: delivery_report(returned_message_id=mid),
        lambda mid: delivery_report(returned_message_id=mid, headers_only=True),
        lambda mid: plain_bounce(returned_message_id=mid),
    ],
)
def test_a_bounce_of_our_reply_fails_its_delivery_and_notes_the_ticket(program, email_ticket, bounce):
    program.time_zone = "Europe/Berlin"
    program.save(update_fields=["time_zone"])
    outbox = our_sent_reply(email_ticket, message_id="<reply-1.flexdesk@brightcart.test>")

    inbound = receive(bounce("<reply-1.flexdesk@brightcart.test>"))

    outbox.refresh_from_db()
    assert inbound.outcome == Outcome.BOUNCE and inbound.ticket == email_ticket
    assert outbox.status == OutboxMessage.Status.FAILED and outbox.last_error.startswith("Bounced: ")
    assert ("550 5.1.1" in outbox.last_error) or ("550 5.2.2 Mailbox full" in outbox.last_error)
    [note] = notes(email_ticket)
    assert note.startswith("The e-mailed reply of 2 Dec 2026 13:04 (Europe/Berlin) bounced")
    assert "The mail server said: " in note
    assert customer_messages(email_ticket) == [] and Ticket.objects.count() == 1


def test_a_bounce_of_something_we_did_not_send_is_ignored(program, email_ticket):
    inbound = receive(delivery_report(returned_message_id="<never-sent@brightcart.test>"))

    assert inbound.outcome == Outcome.IGNORED and "a message we did not send" in inbound.reason
    assert notes(email_ticket) == [] and Ticket.objects.count() == 1


def test_a_bounce_of_a_reply_on_a_closed_ticket_fails_the_delivery_without_a_note(program, email_ticket):
    outbox = our_sent_reply(email_ticket, message_id="<reply-9@brightcart.test>")
    Ticket.objects.filter(pk=email_ticket.pk).update(status=Ticket.Status.CLOSED)

    inbound = receive(delivery_report(returned_message_id="<reply-9@brightcart.test>"))

    outbox.refresh_from_db()
    assert inbound.outcome == Outcome.BOUNCE and outbox.status == OutboxMessage.Status.FAILED
    assert "closed" in inbound.reason and notes(email_ticket) == []


# --- content ------------------------------------------------------------------------------------------


def test_an_html_only_mail_becomes_safe_text_and_the_html_is_kept(program):
    html = "<html><body><p>Hello <b>team</b>,</p><script>alert('x')</script><p>the box was <i>empty</i>.</p></body></html>"

    inbound = receive(customer_mail(body=None, html=html))

    ticket = inbound.ticket
    assert "Hello team," in ticket.body and "the box was empty." in ticket.body
    assert "<" not in ticket.body and "alert" not in ticket.body
    assert inbound.html_body.startswith("<html>") and "<script>" in inbound.html_body


def test_an_iso_8859_1_mail_reads_right(program):
    raw = customer_mail(
        subject="Lieferung beschädigt",
        sender="Jörg Müller <joerg@example.de>",
        body="Grüße aus Köln",
        charset="iso-8859-1",
    )

    ticket = receive(raw).ticket

    assert (ticket.subject, ticket.body, ticket.requester_name) == (
        "Lieferung beschädigt",
        "Grüße aus Köln",
        "Jörg Müller",
    )


def test_a_5_mb_pdf_attachment_is_kept_on_the_ticket(program):
    pdf = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)

    inbound = receive(customer_mail(attachments=(("invoice.pdf", "application/pdf", pdf),)))

    [attachment] = TicketAttachment.objects.filter(ticket=inbound.ticket)
    assert (attachment.filename, attachment.content_type, attachment.size, attachment.message) == (
        "invoice.pdf",
        PDF,
        len(pdf),
        None,
    )
    assert attachment.file.read() == pdf
    assert notes(inbound.ticket) == []


def test_a_reply_s_attachments_go_with_its_message(program, email_ticket):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

    inbound = receive(
        customer_mail(
            in_reply_to="<CAF=ann1@mail.example.test>",
            message_id="<photo@x.test>",
            attachments=(("photo.png", "image/png", png),),
        )
    )

    [attachment] = TicketAttachment.objects.filter(ticket=email_ticket)
    assert attachment.message == inbound.ticket_message and attachment.content_type == "image/png"


@pytest.mark.parametrize(
    ("filename", "content_type", "data", "why"),
    [
        ("setup.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 100, "only PDF"),
        (
            "invoice.pdf",
            "application/pdf",
            b"MZ\x90\x00 a program named like a PDF",
            "checked by their content",
        ),
        ("huge.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_a_refused_attachment_is_not_stored_and_a_note_names_it(program, filename, content_type, data, why):
    inbound = receive(
        customer_mail(
            attachments=(("notes.txt", "text/plain", b"order 1234"), (filename, content_type, data))
        )
    )

    ticket = inbound.ticket
    assert list(TicketAttachment.objects.filter(ticket=ticket).values_list("filename", flat=True)) == [
        "notes.txt"
    ]
    [note] = notes(ticket)
    assert f"“{filename}”" in note and why in note


# --- bad input ----------------------------------------------------------------------------------------


def test_the_same_message_twice_is_stored_once(program):
    raw = customer_mail()

    first = receive(raw)
    again = receive(raw, source="imap")

    assert again.pk == first.pk and again.source == DROP
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_same_reply_twice_is_one_message(program, email_ticket):
    raw = customer_mail(in_reply_to="<CAF=ann1@mail.example.test>", message_id="<twice@x.test>")

    assert receive(raw).pk == receive(raw).pk
    assert len(customer_messages(email_ticket)) == 1


def test_a_message_without_from_is_rejected_with_the_reason(program):
    raw = customer_mail(sender=None)

    inbound = receive(raw)

    assert inbound.outcome == Outcome.REJECTED and "no From address" in inbound.reason
    assert inbound.program == program and inbound.raw.read() == raw
    assert not Ticket.objects.exists()


def test_a_sender_intake_refuses_is_rejected_and_leaves_nothing_half_done(program):
    inbound = receive(customer_mail(sender="Ann <ann@no-domain>"))

    assert inbound.outcome == Outcome.REJECTED and "could not be taken in" in inbound.reason
    assert inbound.program == program and inbound.raw
    assert (
        not Ticket.objects.exists()
        and not MailMessageRef.objects.exists()
        and not MailThread.objects.exists()
    )


def test_a_40_mb_message_is_rejected_unread(program):
    raw = customer_mail(subject="Huge scan", message_id="<huge@x.test>") + b"A" * (40 * 1024 * 1024)
    assert len(raw) > MAX_MESSAGE_BYTES

    inbound = receive(raw)

    assert inbound.outcome == Outcome.REJECTED and inbound.program == program
    assert "at most 25 MB" in inbound.reason and inbound.size == len(raw)
    assert (inbound.message_id, inbound.subject) == ("<huge@x.test>", "Huge scan")
    assert not inbound.raw and not Ticket.objects.exists()


def test_the_poller_logs_a_message_it_did_not_download(program, connection):
    logged = mail_record_rejected(
        source="imap",
        connection=connection,
        reason="Too large (40 MB).",
        message_id="<big@x.test>",
        from_address="ann@example.test",
        subject="Scan",
        size=40 * 1024 * 1024,
        mailbox_uid=99,
    )
    again = mail_record_rejected(
        source="imap",
        connection=connection,
        reason="Too large (40 MB).",
        message_id="<big@x.test>",
        size=40 * 1024 * 1024,
        mailbox_uid=99,
    )
    nameless = mail_record_rejected(
        source="imap", connection=connection, reason="Too large.", mailbox_uid=100
    )

    assert again.pk == logged.pk and logged.outcome == Outcome.REJECTED and logged.mailbox_uid == 99
    assert nameless.pk != logged.pk and nameless.message_id.endswith("@flexdesk.invalid>")


@pytest.mark.parametrize(
    "raw",
    [
        b"From: ann@example.test\r\nTo: support@brightcart.test\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n",
        b'From: ann@example.test\r\nTo: support@brightcart.test\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: text/plain; charset="nonsense"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n'
        b'--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="x.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0",
        b"To: support@brightcart.test\r\n\x00\xff\xfe\r\n\r\n\xff",
        b"",
    ],
)
def test_malformed_mime_is_handled_without_a_crash(program, raw):
    inbound = receive(raw)

    assert inbound.pk is not None and inbound.outcome in (Outcome.TICKET, Outcome.REJECTED)
    if inbound.outcome == Outcome.REJECTED:
        assert inbound.reason


def test_a_5000_character_subject_is_cut_to_fit(program):
    inbound = receive(customer_mail(subject="Help " * 1000))

    assert inbound.outcome == Outcome.TICKET
    assert len(inbound.subject) == 255 and inbound.ticket.subject == inbound.subject.strip()


def test_a_mail_without_subject_or_text_still_makes_a_ticket(program):
    ticket = receive(customer_mail(subject="", body="")).ticket

    assert (ticket.subject, ticket.body) == ("(no subject)", "(no text)")


def test_a_new_mail_takes_a_small_constant_number_of_queries(program, django_assert_max_num_queries):
    """11 statements and their savepoints, whatever the number of attachments (the 1,000-message benchmark)."""
    receive(customer_mail(message_id="<warm@x.test>"))  # content types and the like are cached from here on

    with django_assert_max_num_queries(14):
        receive(customer_mail(message_id="<one@x.test>", attachments=(("a.txt", "text/plain", b"a"),)))
    with django_assert_max_num_queries(14):
        receive(
            customer_mail(
                message_id="<three@x.test>",
                attachments=tuple((f"{name}.txt", "text/plain", name.encode()) for name in "abc"),
            )
        )
