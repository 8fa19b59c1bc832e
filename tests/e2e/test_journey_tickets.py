"""Journey d: tickets arrive through the API and the program's shared mailbox, are routed to the freelancer on
shift, who answers one (the customer gets the e-mail, in their thread) and escalates the other, which an in-house
agent answers and solves in /manage/."""

import re

import pytest
from playwright.sync_api import expect

from channels.mailbox.dropfolder import dropfolder_read
from channels.mailbox.outbound import smtp_sessions_close
from channels.models import MailThread
from queues.models import Ticket
from tests.accounts.factories import UserFactory
from tests.channels.factories import mailbox_program
from tests.e2e.conftest import alert, field
from tests.e2e.helpers import api_post, nav, user_menu
from tests.queues.factories import on_duty_freelancer

SUPPORT = "support@brightcart.test"
CUSTOMER_MESSAGE_ID = "<parcel-1@mail.example.test>"
CUSTOMER_MAIL = (
    "From: Ann Customer <ann@example.test>\r\n"
    f"To: BrightCart Support <{SUPPORT}>\r\n"
    "Subject: Parcel lost\r\n"
    f"Message-ID: {CUSTOMER_MESSAGE_ID}\r\n"
    "Date: Mon, 2 Jun 2025 09:00:00 +0000\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello, my parcel never arrived. Order 1001.\r\n"
).encode()


@pytest.fixture(autouse=True)
def _no_kept_smtp_sessions():
    yield
    smtp_sessions_close()  # a session kept for the next reply would outlive this test's mail server


@pytest.fixture
def world(manager, smtp_server, settings, tmp_path):
    """BrightCart on the shared mailbox (its own SMTP server: the test's), a freelancer on shift, an agent."""
    program = mailbox_program(manager=manager, smtp={"host": "127.0.0.1", "port": smtp_server.port})
    freelancer = on_duty_freelancer(program, user__email="nora@example.test", user__display_name="Nora Quinn")
    agent = UserFactory(email="andy@example.test", display_name="Andy Agent", role="agent")
    program.managers.add(agent)
    settings.FLEXDESK_MAIL_DROP_DIR = str(tmp_path / "mail-drop")
    return program, freelancer, agent


def test_tickets_from_the_api_and_the_mailbox_are_answered_escalated_and_solved(
    world, manager, log_in, check_page, live_url, smtp_server, tmp_path
):
    program, freelancer, agent = world

    # The manager issues an API token for the helpdesk script (the key is shown once).
    page = log_in(manager)
    user_menu(page, "API tokens")
    check_page(page)
    page.get_by_role("row").filter(has_text=manager.email).get_by_role("button", name="Issue token").click()
    check_page(page)
    key = page.get_by_role("status").filter(has_text="copy it now").locator("code").inner_text().strip()
    page.context.close()

    # The customer's side, outside the browser: a script posts a ticket, and Ann's e-mail lands in the mailbox.
    status, body = api_post(
        f"{live_url}/api/v1/tickets/",
        token=key,
        data={
            "program": program.slug,
            "external_id": "HD-77",
            "subject": "Refund for a double charge",
            "body": "I was charged twice for order 1002.",
            "requester_email": "bo@example.test",
            "requester_name": "Bo Buyer",
        },
    )
    assert status == 201, body
    drop = tmp_path / "mail-drop"
    drop.mkdir()
    (drop / "ann.eml").write_bytes(CUSTOMER_MAIL)
    assert dropfolder_read().processed == 1

    # The freelancer, on a phone, finds both in their queue.
    page = log_in(freelancer.user, phone=True)
    nav(page, "My tickets")
    check_page(page)
    queue = page.locator("#my-queue")
    expect(queue.get_by_role("link", name="Parcel lost")).to_be_visible()
    expect(queue.get_by_role("link", name="Refund for a double charge")).to_be_visible()

    # Ann's ticket: a reply, e-mailed in her thread.
    queue.get_by_role("link", name="Parcel lost").click()
    check_page(page)
    expect(page.get_by_text("Hello, my parcel never arrived.")).to_be_visible()
    expect(page.locator("#reply-destination")).to_contain_text(f"from {SUPPORT}")
    field(page, "Reply to the customer").fill("Sorry, Ann! A new parcel leaves today; tracking: BC123.")
    page.get_by_role("button", name="Send reply").click()
    expect(alert(page, "Reply saved")).to_be_visible()
    expect(page.get_by_text(re.compile(r"E-mailed \d\d:\d\d"))).to_be_visible()
    check_page(page)

    [sent] = [m for m in smtp_server.messages if str(m["To"]) == "ann@example.test"]
    ticket = Ticket.objects.get(program=program, subject="Parcel lost")
    token = MailThread.objects.get(ticket=ticket).token
    assert str(sent["From"]) == f"Nora via BrightCart Support <{SUPPORT}>"
    assert str(sent["Reply-To"]) == f"support+{token}@brightcart.test"
    assert sent["In-Reply-To"] == CUSTOMER_MESSAGE_ID and sent["References"] == CUSTOMER_MESSAGE_ID
    assert str(sent["Subject"]) == f"Re: Parcel lost [#{ticket.pk}]"
    assert "A new parcel leaves today" in sent.get_body(("plain",)).get_content()

    # Bo's ticket is for the in-house team: escalated with a hand-off note.
    nav(page, "My tickets")
    check_page(page)
    page.locator("#my-queue").get_by_role("link", name="Refund for a double charge").click()
    check_page(page)
    escalate = page.locator("form[action$='/escalate/']")
    field(escalate, "Reason").select_option(index=1)
    field(escalate, "Hand-off note").fill("Double charge on order 1002; needs a refund in the billing tool.")
    escalate.get_by_role("button", name="Escalate").click()
    expect(alert(page, "Escalated to the in-house team")).to_be_visible()
    check_page(page)
    expect(page.locator("#escalated-by-me + ul")).to_contain_text("with the in-house team")
    page.context.close()

    # The in-house agent works it from the in-house queue: a reply (e-mailed to Bo), then solved.
    page = log_in(agent)
    nav(page, "Queues")
    check_page(page)
    page.locator("#queue-list").get_by_role("link", name="Refund for a double charge").click()
    check_page(page)
    expect(page.get_by_text("Double charge on order 1002").first).to_be_visible()
    field(page, "Reply to the customer").fill("Refunded the second charge, Bo. Sorry about that.")
    page.get_by_role("button", name="Send reply").click()
    expect(alert(page, "Reply saved")).to_be_visible()
    expect(page.get_by_text(re.compile(r"E-mailed \d\d:\d\d"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Mark solved").click()
    expect(alert(page, "Ticket solved.")).to_be_visible()
    check_page(page)

    [to_bo] = [m for m in smtp_server.messages if str(m["To"]) == "bo@example.test"]
    assert "Refunded the second charge" in to_bo.get_body(("plain",)).get_content()
    escalated = Ticket.objects.get(program=program, external_id="HD-77")
    assert (escalated.source, escalated.queue, escalated.status) == (
        Ticket.Source.API,
        Ticket.Queue.INHOUSE,
        Ticket.Status.SOLVED,
    )
    assert ticket.assignee_id == freelancer.pk
