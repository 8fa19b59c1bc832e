"""A public reply on a shared-mailbox program's ticket reaches the customer as a real e-mail (aiosmtpd on
loopback), in their thread, through the outbox: queued while the server is down, failed with the reason when it
refuses, retried, counted as an answer only once it was sent."""

import datetime

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels.mailbox.outbound import smtp_connection, smtp_sessions_close
from channels.mailbox.threads import message_ref_add
from channels.models import MailboxConnection, MailMessageRef, MailThread
from channels.selectors import tickets_with_answer_delivered
from core.models import OutboxMessage
from core.outbox import outbox_deliver, outbox_deliver_due, outbox_mark_failed, outbox_retry, outbox_state_for
from queues.models import Ticket
from queues.services import ticket_note_add, ticket_reply
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
CUSTOMER_MESSAGE_ID = "<CAF=abc123@mail.example.test>"
SUPPORT = "support@brightcart.test"


@pytest.fixture(autouse=True)
def _no_kept_smtp_sessions():
    yield
    smtp_sessions_close()  # a session kept for the next reply would outlive this test's server


@pytest.fixture
def manager():
    return ManagerFactory(display_name="Maria Manager")


@pytest.fixture
def program(manager, smtp_server):
    return mailbox_program(manager=manager, smtp={"host": "127.0.0.1", "port": smtp_server.port})


@pytest.fixture
def freelancer(program):
    freelancer = on_duty_freelancer(program)
    freelancer.user.display_name = "Nora Quinn"
    freelancer.user.save(update_fields=["display_name"])
    return freelancer


@pytest.fixture
def ticket(program, freelancer):
    """A ticket that came in by e-mail (the customer's message is part of its conversation)."""
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        source=Ticket.Source.EMAIL,
        subject="Parcel lost",
        requester_email="ann@example.test",
        requester_name="Ann Customer",
    )
    message_ref_add(ticket=ticket, message_id=CUSTOMER_MESSAGE_ID, direction=MailMessageRef.Direction.IN)
    return ticket


def replies() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="mailbox.reply").order_by("pk"))


def reply(ticket, freelancer, body="Your parcel is on its way.\nTracking: <b>AB123</b>"):
    return ticket_reply(ticket=ticket, author=freelancer.user, body=body, freelancer=freelancer)


def parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if not part.is_multipart()
    }


def test_a_reply_arrives_in_the_customers_thread_from_the_author_via_the_support_address(
    ticket, freelancer, smtp_server
):
    # When the freelancer replies
    answer = reply(ticket, freelancer)
    # Then one e-mail is queued about the reply, in the ticket's order, through the program's own SMTP server
    [outbox] = replies()
    assert (outbox.subject_id, outbox.program_id, outbox.ordering_key, outbox.dedupe_key) == (
        str(answer.pk),
        ticket.program_id,
        f"mail-ticket:{ticket.pk}",
        f"mailbox:reply:{answer.pk}",
    )
    assert outbox.payload["connection"] == f"mailbox:{ticket.program_id}"
    assert outbox_deliver(message_id=outbox.pk) == "sent"
    # ... and the customer's mailbox gets it, threaded under their message
    [mail] = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["ann@example.test"]
    token = MailThread.objects.get(ticket=ticket).token
    assert str(mail["From"]) == f"Nora via BrightCart Support <{SUPPORT}>"
    assert str(mail["Reply-To"]) == f"support+{token}@brightcart.test"
    assert str(mail["To"]) == "ann@example.test"
    assert str(mail["Subject"]) == f"Re: Parcel lost [#{ticket.pk}]"
    assert mail["In-Reply-To"] == CUSTOMER_MESSAGE_ID and mail["References"] == CUSTOMER_MESSAGE_ID
    assert mail["X-Flexdesk-Ticket"] == str(ticket.pk)
    ours = MailMessageRef.objects.get(ticket=ticket, direction=MailMessageRef.Direction.OUT)
    assert mail["Message-ID"] == ours.message_id and ours.message_id.endswith("@brightcart.test>")
    assert (ours.ticket_message_id, ours.outbox_message_id) == (answer.pk, outbox.pk)
    # ... with a plain-text part and the same text as escaped HTML (what the author typed is never markup)
    body = parts(mail)
    assert body["text/plain"].startswith(
        "Your parcel is on its way.\nTracking: <b>AB123</b>\n\n-- \nNora, BrightCart"
    )
    assert "Tracking: &lt;b&gt;AB123&lt;/b&gt;" in body["text/html"] and "<b>" not in body["text/html"]
    assert "<br>" in body["text/html"]


def test_the_next_reply_references_the_whole_conversation_and_is_answered_once(
    ticket, freelancer, smtp_server
):
    ticket.subject = "RE: Re: Parcel lost"
    ticket.save(update_fields=["subject"])
    reply(ticket, freelancer, "First.")
    reply(ticket, freelancer, "Second.")
    assert outbox_deliver_due() == 2
    first, second = smtp_server.messages
    assert str(second["Subject"]) == f"Re: Parcel lost [#{ticket.pk}]"
    assert second["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert second["References"].split() == [CUSTOMER_MESSAGE_ID, first["Message-ID"]]
    assert first["Reply-To"] == second["Reply-To"]


def test_a_note_is_never_emailed(ticket, freelancer, smtp_server):
    ticket_note_add(
        ticket=ticket, author=freelancer.user, body="The customer sounds upset.", freelancer=freelancer
    )
    assert replies() == []
    assert not MailMessageRef.objects.filter(direction=MailMessageRef.Direction.OUT).exists()


def test_a_ticket_that_came_through_the_api_is_emailed_too_its_thread_made_at_the_first_reply(
    program, freelancer, smtp_server
):
    ticket = TicketFactory(program=program, assignee=freelancer, source=Ticket.Source.API, subject="Refund")
    assert not MailThread.objects.filter(ticket=ticket).exists()
    reply(ticket, freelancer, "Refunded.")
    assert outbox_deliver_due() == 1
    [mail] = smtp_server.messages
    assert mail["In-Reply-To"] is None and mail["References"] is None  # nothing to answer yet
    assert str(mail["Reply-To"]) == MailThread.objects.get(ticket=ticket).token.join(
        ["support+", "@brightcart.test"]
    )


def test_other_programs_replies_are_not_emailed(freelancer, smtp_server):
    from tests.programs.factories import ProgramFactory

    other = ProgramFactory()  # API only
    helper = on_duty_freelancer(other)
    ticket_reply(ticket=TicketFactory(program=other, assignee=helper), author=helper.user, body="Hi")
    assert replies() == []


def test_with_the_smtp_server_down_the_reply_waits_and_goes_out_once_when_it_is_back(
    client, ticket, freelancer, smtp_server
):
    smtp_server.stop()
    answer = reply(ticket, freelancer)
    [outbox] = replies()
    assert outbox_deliver(message_id=outbox.pk) == "queued"
    outbox.refresh_from_db()
    assert "Connection refused" in outbox.last_error
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Queued to be e-mailed (retrying: ConnectionRefusedError" in page
    # The server comes back; the every-minute sweep sends it once its retry is due, and never again
    smtp_server.start()
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert outbox_deliver_due(now=later) == 1
    assert outbox_deliver_due(now=later + datetime.timedelta(hours=1)) == 0
    assert outbox_deliver(message_id=outbox.pk) == "sent"  # a late task for it changes nothing
    assert len(smtp_server.messages) == 1
    assert outbox_state_for(objects=[answer])[answer.pk].status == "sent"
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "E-mailed " in page and "Queued to be e-mailed" not in page


def test_a_refused_recipient_fails_at_once_the_author_and_the_holder_are_told_and_retry_sends_it(
    client, ticket, freelancer, manager, smtp_server
):
    # A manager answers a freelancer's ticket; the customer's server refuses the address
    smtp_server.refuse("ann@example.test")
    answer = ticket_reply(ticket=ticket, author=manager, body="Sorry for the wait.")
    [outbox] = replies()
    assert outbox_deliver(message_id=outbox.pk) == "failed"
    outbox.refresh_from_db()
    assert "550" in outbox.last_error and "No such user here" in outbox.last_error
    told = {m.payload["to"][0]: m for m in OutboxMessage.objects.filter(kind="email")}
    assert set(told) == {manager.email, freelancer.user.email}
    assert (
        told[manager.email].payload["subject"]
        == f"Your reply on ticket #{ticket.pk} did not reach the customer"
    )
    assert "/manage/queues/tickets/" in told[manager.email].payload["body"]
    holder = told[freelancer.user.email].payload
    assert "No such user here" in holder["body"] and f"/portal/tickets/{ticket.pk}/" in holder["body"]
    assert "could not be delivered to the customer by e-mail" in holder["body"]
    # The ticket page shows it, with the reason
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "<strong>Failed:</strong> The mail server refused the recipient(s): ann@example.test (550" in page
    # The address is fixed on their side; Retry sends it
    smtp_server.refused.clear()
    outbox_retry(message_id=outbox.pk, actor=manager)
    assert outbox_deliver(message_id=outbox.pk) == "sent"
    assert [str(m["Subject"]) for m in smtp_server.messages] == [f"Re: Parcel lost [#{ticket.pk}]"]
    assert outbox_state_for(objects=[answer])[answer.pk].status == "sent"


def test_a_bounce_later_marks_it_failed_and_tells_the_author_once(ticket, freelancer, smtp_server):
    reply(ticket, freelancer)
    [outbox] = replies()
    assert outbox_deliver(message_id=outbox.pk) == "sent"
    # What the inbound side does with a bounce of our Message-ID
    ref = MailMessageRef.objects.get(direction=MailMessageRef.Direction.OUT)
    outbox_mark_failed(
        message_id=ref.outbox_message_id, reason="550 5.1.1 <ann@example.test>: mailbox unavailable"
    )
    outbox_mark_failed(
        message_id=ref.outbox_message_id, reason="550 5.1.1 <ann@example.test>: mailbox unavailable"
    )
    [told] = OutboxMessage.objects.filter(kind="email")  # author and holder are one person, told once
    assert told.payload["to"] == [freelancer.user.email] and "mailbox unavailable" in told.payload["body"]


def test_through_the_sites_email_url_when_the_mailbox_has_no_smtp_server_of_its_own(freelancer, smtp_server):
    program = mailbox_program(manager=ManagerFactory(), slug="viasite", support_address="help@viasite.test")
    helper = on_duty_freelancer(program)
    ticket = TicketFactory(program=program, assignee=helper, subject="Hello")
    ticket_reply(ticket=ticket, author=helper.user, body="Hi there", freelancer=helper)
    [outbox] = replies()
    assert outbox.payload["connection"] == ""
    assert outbox_deliver(message_id=outbox.pk) == "sent"
    [mail] = smtp_server.messages  # settings.EMAIL_* point at the same server (the fixture)
    assert mail["From"].addresses[0].addr_spec == "help@viasite.test"


def test_a_mailbox_that_stopped_sending_on_its_own_fails_with_a_clear_reason(ticket, freelancer, smtp_server):
    reply(ticket, freelancer)
    MailboxConnection.objects.filter(program=ticket.program).update(send_via=MailboxConnection.SendVia.SITE)
    [outbox] = replies()
    assert outbox_deliver(message_id=outbox.pk) == "failed"
    outbox.refresh_from_db()
    assert "no longer sends through its own SMTP server" in outbox.last_error
    MailboxConnection.objects.filter(program=ticket.program).delete()
    outbox_retry(message_id=outbox.pk)
    assert outbox_deliver(message_id=outbox.pk) == "failed"
    outbox.refresh_from_db()
    assert outbox.last_error == "The program has no shared mailbox any more, so its reply cannot be e-mailed."
    assert smtp_server.messages == []


def test_only_sent_emails_count_as_an_answer_delivered(ticket, freelancer, smtp_server):
    reply(ticket, freelancer)
    tickets = Ticket.objects.filter(pk=ticket.pk)
    assert not tickets_with_answer_delivered(tickets).exists()  # queued
    [outbox] = replies()
    outbox_deliver(message_id=outbox.pk)
    assert tickets_with_answer_delivered(tickets).exists()
    outbox_mark_failed(message_id=outbox.pk, reason="bounced")
    assert not tickets_with_answer_delivered(tickets).exists()


def test_the_reply_box_says_where_the_reply_goes(client, ticket, freelancer, manager, smtp_server):
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert (
        "E-mailed to Ann Customer &lt;ann@example.test&gt; from support@brightcart.test; their answer comes back "
        "to this ticket."
    ) in page
    assert "they are never e-mailed" in page
    response = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {"reply-body": "On its way!", "reply-status_after": "open"},
        follow=True,
    )
    assert "it is on its way to the customer by e-mail" in response.content.decode()
    assert "Queued to be e-mailed" in response.content.decode()


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(db_connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_ticket_pages_do_not_read_more_per_emailed_reply(
    client, ticket, freelancer, manager, smtp_server
):
    reply(ticket, freelancer, "One.")
    outbox_deliver_due()
    client.force_login(freelancer.user)
    portal_url = f"/portal/tickets/{ticket.pk}/"
    portal_one = _page_queries(client, portal_url)
    client.force_login(manager)
    manage_url = f"/manage/queues/tickets/{ticket.pk}/"
    manage_one = _page_queries(client, manage_url)
    for n in range(5):
        reply(ticket, freelancer, f"More {n}.")
    outbox_deliver_due()
    smtp_server.refuse("ann@example.test")
    reply(ticket, freelancer, "A failed one.")
    outbox_deliver_due()
    assert manage_one == _page_queries(client, manage_url)
    client.force_login(freelancer.user)
    assert portal_one == _page_queries(client, portal_url)


def test_a_reply_costs_the_same_queries_however_long_the_conversation(ticket, freelancer, smtp_server):
    def queries_of_one_reply() -> int:
        with CaptureQueriesContext(db_connection) as queries:
            reply(ticket, freelancer, "Again.")
        return len(queries)

    reply(ticket, freelancer, "First.")  # the thread is made
    first = queries_of_one_reply()
    for n in range(10):
        message_ref_add(
            ticket=ticket, message_id=f"<more-{n}@example.test>", direction=MailMessageRef.Direction.IN
        )
    assert queries_of_one_reply() == first


def test_a_sweep_reuses_the_mailboxs_smtp_session_and_replaces_one_the_server_dropped(
    program, ticket, freelancer, smtp_server
):
    name = f"mailbox:{program.pk}"
    reply(ticket, freelancer, "One.")
    reply(ticket, freelancer, "Two.")
    assert outbox_deliver_due() == 2
    session = smtp_connection(name)
    assert session.connection is not None and session.used == 2  # both went through one session
    # The server restarts (the kept session is dead): the next reply still goes at its first attempt
    smtp_server.stop()
    smtp_server.start()
    reply(ticket, freelancer, "Three.")
    [*_, third] = replies()
    assert outbox_deliver(message_id=third.pk) == "sent"
    third.refresh_from_db()
    assert third.attempts == 1
    assert [parts(m)["text/plain"].split("\n")[0] for m in smtp_server.messages] == ["One.", "Two.", "Three."]
    # New SMTP settings: a new session
    MailboxConnection.objects.filter(program=program).update(smtp_user="")
    connection = MailboxConnection.objects.get(program=program)
    connection.smtp_password = "changed"
    connection.save()
    assert smtp_connection(name) is not session
