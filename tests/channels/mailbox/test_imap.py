"""The every-minute poll of a program's IMAP folder, against a real dovecot on loopback (tests/imapserver.py):
mail becomes tickets, is flagged in the mailbox and read once, survives the server going away, and never
reaches a ticket twice."""

import datetime

import pytest
from django.utils import timezone

from channels.mailbox.imap import PROCESSED_KEYWORD, mailbox_poll, mailbox_poll_all
from channels.mailbox.parse import MAX_MESSAGE_BYTES
from channels.models import InboundEmail, MailboxConnection
from channels.tasks import mailbox_poll_task
from queues.models import Ticket
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.channels.mailbox.mails import customer_mail
from tests.imapserver import SUPPORT

pytestmark = pytest.mark.django_db
PROCESSED = {"\\Seen", PROCESSED_KEYWORD}


@pytest.fixture
def program(imap_server):
    return mailbox_program(manager=ManagerFactory(), imap=imap_server.settings(SUPPORT))


@pytest.fixture
def mailbox(program):
    return MailboxConnection.objects.get(program=program)


def mail(n: int, **kwargs) -> bytes:
    return customer_mail(
        subject=f"Order {n}",
        body=f"Where is order {n}?",
        message_id=f"<order-{n}@mail.example.test>",
        **kwargs,
    )


def poll(mailbox, **kwargs):
    result = mailbox_poll(connection_id=mailbox.pk, **kwargs)
    mailbox.refresh_from_db()
    return result


def subjects(program) -> list[str]:
    return sorted(Ticket.objects.filter(program=program).values_list("subject", flat=True))


def test_a_customers_mail_in_the_folder_becomes_a_ticket_is_flagged_and_is_not_read_twice(
    imap_server, program, mailbox
):
    # Given a customer's message in the support mailbox
    uid = imap_server.append(SUPPORT, customer_mail(subject="Parcel lost", body="My parcel never arrived."))
    # When the poller runs
    result = poll(mailbox)
    # Then it is a ticket of the program, from the customer, the raw message kept with its UID
    assert (result.stored, result.error, result.skipped) == (1, "", "")
    [ticket] = Ticket.objects.filter(program=program)
    assert (ticket.subject, ticket.requester_email, ticket.source) == (
        "Parcel lost",
        "ann@example.test",
        Ticket.Source.EMAIL,
    )
    inbound = InboundEmail.objects.get(program=program)
    assert (inbound.outcome, inbound.source, inbound.mailbox_uid, inbound.ticket) == (
        InboundEmail.Outcome.TICKET,
        InboundEmail.Source.IMAP,
        uid,
        ticket,
    )
    # ... it stays in the mailbox, flagged as read by Flexdesk, and the poller remembers where it is
    assert imap_server.flags(SUPPORT) == {uid: PROCESSED}
    assert (mailbox.last_uid, mailbox.uid_validity) == (uid, imap_server.uid_validity(SUPPORT))
    assert mailbox.last_polled_at is not None and mailbox.last_poll_error == ""
    assert mailbox.poll_lease_until is None
    # When it runs again, even after someone marked the message unread in their mail client
    with imap_server.login(SUPPORT) as box:
        box.flag([str(uid)], "\\Seen", False)
    again = poll(mailbox)
    # Then nothing is read twice
    assert (again.stored, again.error) == (0, "")
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1


def test_only_new_messages_are_read_in_order(imap_server, program, mailbox):
    uids = [imap_server.append(SUPPORT, mail(n)) for n in range(1, 4)]
    assert poll(mailbox).stored == 3
    uids += [imap_server.append(SUPPORT, mail(n)) for n in range(4, 6)]
    assert poll(mailbox).stored == 2
    assert subjects(program) == [f"Order {n}" for n in range(1, 6)]
    assert (
        list(InboundEmail.objects.order_by("received_at", "pk").values_list("mailbox_uid", flat=True)) == uids
    )
    assert all(flags == PROCESSED for flags in imap_server.flags(SUPPORT).values())


def test_the_server_down_is_recorded_with_its_error_and_the_mail_is_read_when_it_is_back(
    imap_server, program, mailbox
):
    imap_server.append(SUPPORT, mail(1))
    imap_server.stop()
    # When the poller runs against a server that is down, it does not raise
    result = poll(mailbox)
    assert result.stored == 0
    assert result.error == f"IMAP 127.0.0.1:{imap_server.port}: [Errno 111] Connection refused"
    assert mailbox.last_poll_error == result.error and mailbox.last_uid == 0
    assert mailbox.poll_lease_until is None  # the next poll need not wait for the lease to run out
    assert not Ticket.objects.exists()
    # When the server is back, the next poll reads it and clears the error
    imap_server.start()
    assert poll(mailbox).stored == 1
    assert subjects(program) == ["Order 1"] and mailbox.last_poll_error == ""


def test_the_server_stopped_mid_run_loses_nothing_and_reads_nothing_twice(imap_server, program, mailbox):
    first = imap_server.append(SUPPORT, mail(1))
    for n in range(2, 6):
        imap_server.append(SUPPORT, mail(n))
    stored = []

    def server_dies_after_two(inbound):
        stored.append(inbound.mailbox_uid)
        if len(stored) == 2:
            imap_server.stop()  # the next command of the session meets a closed connection

    # When the server goes away after the second message
    result = poll(mailbox, on_stored=server_dies_after_two)
    # Then the two stored and flagged are counted as read, and the error says what happened
    assert result.stored == 2
    assert (
        result.error
        == f"IMAP 127.0.0.1:{imap_server.port} closed the session: command: UID => socket error: EOF"
    )
    assert mailbox.last_uid == first + 1 and mailbox.last_poll_error == result.error
    # (the third was downloaded in the same batch and taken in, but the server never heard it was read)
    assert subjects(program) == ["Order 1", "Order 2", "Order 3"]
    # When it is back, the rest is read (the third again, known by its Message-ID), and each message is one ticket
    imap_server.start()
    assert poll(mailbox).stored == 3
    assert subjects(program) == [f"Order {n}" for n in range(1, 6)]
    assert InboundEmail.objects.count() == 5
    assert all(flags == PROCESSED for flags in imap_server.flags(SUPPORT).values())


def test_a_new_uidvalidity_reads_the_folder_again_without_a_second_ticket(imap_server, program, mailbox):
    imap_server.append(SUPPORT, mail(1))
    imap_server.append(SUPPORT, mail(2))
    assert poll(mailbox).stored == 2
    before = mailbox.uid_validity
    # Given the folder was rebuilt (UIDs numbered again, a new UIDVALIDITY) and one more message arrived
    imap_server.renumber(SUPPORT)
    imap_server.append(SUPPORT, mail(3))
    # When the poller runs
    result = poll(mailbox)
    # Then it starts over, but the two it knew by Message-ID make no second ticket
    assert result.error == ""
    assert mailbox.uid_validity == imap_server.uid_validity(SUPPORT) != before
    assert mailbox.last_uid == 3
    assert subjects(program) == ["Order 1", "Order 2", "Order 3"]
    assert InboundEmail.objects.count() == 3


def test_an_oversized_message_is_logged_as_rejected_and_left_in_the_mailbox(imap_server, program, mailbox):
    padding = b"x" * 76 + b"\r\n"
    huge = (
        b"From: Ann Customer <ann@example.test>\r\nTo: support@brightcart.test\r\nSubject: The video\r\n"
        b"Message-ID: <video-1@mail.example.test>\r\nContent-Type: text/plain\r\n\r\n"
        + padding
        * (MAX_MESSAGE_BYTES // len(padding) + 10)
    )
    big_uid = imap_server.append(SUPPORT, huge)
    small_uid = imap_server.append(SUPPORT, mail(1))
    result = poll(mailbox)
    assert (result.stored, result.rejected_unread, result.error) == (1, 1, "")
    rejected = InboundEmail.objects.get(outcome=InboundEmail.Outcome.REJECTED)
    assert (rejected.program, rejected.mailbox_uid, rejected.size, rejected.subject) == (
        program,
        big_uid,
        len(huge),
        "The video",
    )
    assert rejected.message_id == "<video-1@mail.example.test>"
    assert "MB is taken in" in rejected.reason and f"UID {big_uid}" in rejected.reason
    # ... never downloaded nor flagged: the team still finds it as it came; the next message was read
    assert imap_server.flags(SUPPORT) == {big_uid: set(), small_uid: PROCESSED}
    assert subjects(program) == ["Order 1"]
    assert poll(mailbox).rejected_unread == 0  # logged once


def test_the_lease_keeps_a_second_poll_of_the_same_mailbox_out(imap_server, program, mailbox):
    imap_server.append(SUPPORT, mail(1))
    imap_server.append(SUPPORT, mail(2))
    second = []

    def another_worker_polls_meanwhile(_inbound):
        second.append(mailbox_poll(connection_id=mailbox.pk))

    result = poll(mailbox, on_stored=another_worker_polls_meanwhile)
    assert result.stored == 2
    assert [(other.stored, other.skipped) for other in second] == [
        (0, "another poll of this mailbox is running")
    ] * 2
    assert InboundEmail.objects.count() == 2


def test_a_lease_left_by_a_worker_that_died_runs_out(imap_server, program, mailbox):
    imap_server.append(SUPPORT, mail(1))
    MailboxConnection.objects.filter(pk=mailbox.pk).update(
        poll_lease_until=timezone.now() + datetime.timedelta(minutes=4)
    )
    assert poll(mailbox).skipped == "another poll of this mailbox is running"
    MailboxConnection.objects.filter(pk=mailbox.pk).update(
        poll_lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert poll(mailbox).stored == 1


def test_a_wrong_password_is_shown_in_the_servers_words(imap_server, program, mailbox):
    uid = imap_server.append(SUPPORT, mail(1))
    mailbox.imap_password = "not-the-password"
    mailbox.save()
    result = poll(mailbox)
    assert result.error == (
        f"IMAP 127.0.0.1:{imap_server.port} login refused: [AUTHENTICATIONFAILED] Authentication failed."
    )
    assert mailbox.last_poll_error == result.error and not Ticket.objects.exists()
    assert imap_server.flags(SUPPORT) == {uid: set()}


def test_a_folder_that_does_not_exist_is_an_error_not_a_crash(imap_server, program, mailbox):
    mailbox.imap_folder = "Customers"
    mailbox.save()
    result = poll(mailbox)
    assert result.error.startswith(
        f"IMAP 127.0.0.1:{imap_server.port} server answered NO: Mailbox doesn't exist: Customers"
    )


def test_the_periodic_task_polls_every_email_program_and_is_safe_to_run_twice(imap_server, program, mailbox):
    imap_server.append(SUPPORT, mail(1))
    without_imap = mailbox_program(
        manager=ManagerFactory(), slug="no-imap", support_address="help@other.test"
    )
    assert set(mailbox_poll_all()) == {"brightcart"}  # the one with no IMAP settings is not polled
    imap_server.append(SUPPORT, mail(2))
    first = mailbox_poll_task.delay().get()
    second = mailbox_poll_task.delay().get()
    assert first["imap"]["brightcart"]["stored"] == 1 and second["imap"]["brightcart"]["stored"] == 0
    assert subjects(program) == ["Order 1", "Order 2"]
    assert not Ticket.objects.filter(program=without_imap).exists()


def test_the_whole_round_trip_through_real_mailboxes(
    imap_server, smtp_server, django_capture_on_commit_callbacks
):
    """customer → SMTP → the support INBOX (IMAP) → Flexdesk → a freelancer's reply → SMTP → the customer's
    INBOX (IMAP) → the customer answers it → SMTP → the support INBOX → the same ticket, for the same freelancer."""
    import email
    import email.policy
    import smtplib

    from core.outbox import outbox_deliver_due
    from queues.services import ticket_reply
    from tests.imapserver import CUSTOMER
    from tests.queues.factories import on_duty_freelancer

    smtp_server.deliver_into(imap_server)
    program = mailbox_program(
        manager=ManagerFactory(),
        imap=imap_server.settings(SUPPORT),
        smtp={"host": "127.0.0.1", "port": smtp_server.port},
    )
    mailbox = MailboxConnection.objects.get(program=program)
    freelancer = on_duty_freelancer(program)

    def customer_sends(raw: bytes, to: str):
        with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=5) as client:
            client.sendmail(CUSTOMER, [to], raw)

    # The customer writes to the support address
    customer_sends(
        customer_mail(
            sender=f"Cus Tomer <{CUSTOMER}>", subject="Parcel lost", message_id="<first@mail.example.test>"
        ),
        SUPPORT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert poll(mailbox).stored == 1
    ticket = Ticket.objects.get(program=program)
    assert ticket.requester_email == CUSTOMER and ticket.assignee == freelancer  # routed to the freelancer

    # The freelancer replies in the portal; the outbox e-mails it through the program's SMTP server
    ticket_reply(ticket=ticket, author=freelancer.user, body="It is on its way.", freelancer=freelancer)
    assert outbox_deliver_due() == 1
    [delivered] = imap_server.fetch_all(CUSTOMER)
    reply = email.message_from_bytes(delivered, policy=email.policy.default)
    assert reply["In-Reply-To"] == "<first@mail.example.test>"
    assert f"<{SUPPORT}>" in str(reply["From"]) and str(reply["Reply-To"]).startswith("support+")

    # The customer answers that e-mail: to its Reply-To, in the thread
    customer_sends(
        customer_mail(
            sender=f"Cus Tomer <{CUSTOMER}>",
            subject=f"Re: {reply['Subject']}",
            body="Thanks, it arrived!",
            to=str(reply["Reply-To"]),
            message_id="<second@mail.example.test>",
            in_reply_to=reply["Message-ID"],
            references=f"<first@mail.example.test> {reply['Message-ID']}",
        ),
        str(reply["Reply-To"]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert poll(mailbox).stored == 1
    assert Ticket.objects.filter(program=program).count() == 1
    answer = InboundEmail.objects.get(message_id="<second@mail.example.test>")
    assert (answer.outcome, answer.ticket) == (InboundEmail.Outcome.REPLY, ticket)
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer
    assert ticket.messages.filter(body__startswith="Thanks, it arrived!").exists()
