"""The demo's shared mailbox: Demo Support's e-mail tickets tell one story, seeded as rows (no network), and the
example message of docs/examples/ becomes a ticket when dropped in."""

import io
from pathlib import Path

import pytest
import respx
from django.conf import settings as django_settings
from django.core.management import call_command

from channels.mailbox.inbound import mail_receive
from channels.models import InboundEmail, MailboxConnection, ProgramChannel
from core.models import OutboxMessage
from queues.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "docs" / "examples" / "customer-question.eml"


def test_the_demo_program_is_a_shared_mailbox_with_an_e_mail_story(settings, client):
    settings.DEBUG = True
    with respx.mock(assert_all_mocked=True):  # any HTTP call would fail the test
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
    assert "/manage/channels/demo/mailbox/" in out.getvalue()
    connection = MailboxConnection.objects.get(program__slug="demo")
    assert connection.support_address == "support@demo-support.example" and not connection.can_poll
    assert ProgramChannel.objects.get(program__slug="demo").kind == "email"
    tickets = {
        t.subject: t
        for t in Ticket.objects.filter(program__slug="demo", source=Ticket.Source.EMAIL).select_related(
            "assignee__user"
        )
    }
    assert len(tickets) == 3
    outcomes = sorted(
        InboundEmail.objects.filter(program=connection.program).values_list("outcome", flat=True)
    )
    assert outcomes == ["bounce", "ignored", "rejected", "reply", "ticket", "ticket", "ticket"]
    assert (
        TicketAttachment.objects.get(ticket=tickets["One of my mugs arrived cracked"]).file.read(8)
        == b"\x89PNG\r\n\x1a\n"
    )
    states = sorted(
        OutboxMessage.objects.filter(program_id=connection.program_id, kind="mailbox.reply").values_list(
            "status", flat=True
        )
    )
    assert states == ["failed", "sent"]

    parcel = tickets["Parcel says delivered but it's not here"]
    client.force_login(parcel.assignee.user)
    page = client.get(f"/portal/tickets/{parcel.pk}/").content.decode()
    assert "E-mailed" in page and "Found it!" in page and "Show quoted text" in page
    bounced = tickets["Change delivery address for order #48402"]
    client.force_login(bounced.assignee.user)
    page = client.get(f"/portal/tickets/{bounced.pk}/").content.decode()
    assert "Bounced: 550 5.1.1" in page and "bounced: the customer did not get it" in page

    client.force_login(connection.program.managers.filter(email="manager@demo.test").get())
    page = client.get("/manage/channels/demo/mailbox/").content.decode()
    assert "An automatic message: Auto-Submitted: auto-replied." in page and "41.7 MB" in page

    with respx.mock(assert_all_mocked=True):
        call_command("seed_demo", stdout=io.StringIO())  # twice: nothing new
    assert InboundEmail.objects.filter(program=connection.program).count() == 7


def test_the_example_message_of_the_readme_becomes_a_ticket_of_the_demo_mailbox():
    from tests.accounts.factories import ManagerFactory
    from tests.channels.factories import mailbox_program

    program = mailbox_program(
        manager=ManagerFactory(), slug="demo", support_address="support@demo-support.example"
    )
    inbound = mail_receive(raw=EXAMPLE.read_bytes(), source=InboundEmail.Source.DROP)
    assert inbound.outcome == InboundEmail.Outcome.TICKET and inbound.program == program
    assert inbound.ticket.subject == "Wrong colour in my order #48519"
    assert inbound.ticket.requester_email == "lena.fischer@example.net"
    assert inbound.ticket.requester_name == "Lena Fischer"
