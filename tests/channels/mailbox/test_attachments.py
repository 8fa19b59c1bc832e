"""A ticket's attachments on its pages (portal and /manage/): listed, downloaded only by who may see the ticket,
as files; and the customer's quoted history folded, but kept, on the same pages."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from queues.models import Ticket, TicketAttachment, TicketMessage
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.channels.factories import mailbox_program
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

ANSWER = """Thanks Nora, here is the photo of the label.

Best regards,
Jane

On Tue, 3 Mar 2026 at 12:04, Nora via BrightCart Support <support@brightcart.test> wrote:
> Could you send me a photo of the parcel label? <script>alert(1)</script>
"""


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    return mailbox_program(manager=manager)


@pytest.fixture
def freelancer(program):
    return on_duty_freelancer(program)


@pytest.fixture
def ticket(program, freelancer):
    return TicketFactory(
        program=program,
        assignee=freelancer,
        source=Ticket.Source.EMAIL,
        subject="Parcel lost",
        body="My parcel never arrived.\n\n-- \nJane Doe\nSent from my phone",
    )


def attach(ticket, *, name="label photo.png", content=PNG, content_type="image/png", message=None):
    return TicketAttachment.objects.create(
        ticket=ticket,
        message=message,
        file=ContentFile(content, name="x"),
        filename=name,
        content_type=content_type,
        size=len(content),
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_freelancer_who_holds_the_ticket_downloads_it_as_a_file(client, ticket, freelancer):
    attachment = attach(ticket)
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    url = f"/portal/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    assert f'href="{url}"' in page and "label photo.png" in page and "image/png" in page
    assert f"{len(PNG)}\xa0bytes" in page

    answer = client.get(url)

    assert answer.status_code == 200 and body(answer) == PNG
    assert answer["Content-Type"] == "image/png"
    assert answer["Content-Disposition"] == 'attachment; filename="label photo.png"'
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in answer["Cache-Control"]


def test_an_html_attachment_is_never_rendered_inline(client, ticket, freelancer):
    attachment = attach(
        ticket, name="invoice.html", content=b"<script>alert(1)</script>", content_type="text/html"
    )
    client.force_login(freelancer.user)
    answer = client.get(f"/portal/tickets/{ticket.pk}/attachments/{attachment.pk}/")
    assert (
        answer["Content-Disposition"].startswith("attachment;")
        and answer["X-Content-Type-Options"] == "nosniff"
    )
    assert "sandbox" in answer["Content-Security-Policy"]


def test_another_freelancer_gets_404(client, ticket, program):
    attachment = attach(ticket)
    other = on_duty_freelancer(program)
    client.force_login(other.user)
    assert client.get(f"/portal/tickets/{ticket.pk}/attachments/{attachment.pk}/").status_code == 404


def test_an_attachment_of_another_ticket_is_not_found_through_this_one(client, ticket, freelancer, program):
    elsewhere = attach(TicketFactory(program=program))
    client.force_login(freelancer.user)
    assert client.get(f"/portal/tickets/{ticket.pk}/attachments/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/portal/tickets/{ticket.pk}/attachments/999999999/").status_code == 404


def test_the_programs_team_downloads_it_and_another_program_gets_404(client, ticket, program, manager):
    attachment = attach(ticket)
    url = f"/manage/queues/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    for person in (manager, agent):
        client.force_login(person)
        answer = client.get(url)
        assert answer.status_code == 200 and body(answer) == PNG, person
        assert answer["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()
    assert f'href="{url}"' in page
    assert client.post(url).status_code == 403  # agents read; there is nothing to post anyway

    client.force_login(ManagerFactory())
    assert client.get(url).status_code == 404


def test_a_missing_file_is_a_404_not_a_500(client, ticket, manager):
    attachment = attach(ticket)
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(manager)
    assert client.get(f"/manage/queues/tickets/{ticket.pk}/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["freelancer", "manager"])
def test_the_ticket_page_does_the_same_queries_with_more_attachments(
    client, ticket, freelancer, manager, who
):
    user, url = (
        (freelancer.user, f"/portal/tickets/{ticket.pk}/")
        if who == "freelancer"
        else (manager, f"/manage/queues/tickets/{ticket.pk}/")
    )
    message = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.CUSTOMER, body=ANSWER)
    attach(ticket)
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(6):
        attach(ticket, name=f"photo-{number}.png", message=message)
    with CaptureQueriesContext(connection) as seven:
        page = client.get(url).content.decode()
    assert len(seven.captured_queries) == len(one.captured_queries)
    assert page.count("/attachments/") == 7 and "with the customer's message of" in page


@pytest.mark.parametrize("who", ["freelancer", "manager"])
def test_the_customers_quoted_history_and_signature_are_folded_but_kept(
    client, ticket, freelancer, manager, who
):
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.CUSTOMER, body=ANSWER)
    user, url = (
        (freelancer.user, f"/portal/tickets/{ticket.pk}/")
        if who == "freelancer"
        else (manager, f"/manage/queues/tickets/{ticket.pk}/")
    )
    client.force_login(user)

    page = client.get(url).content.decode()

    visible = page.index("Thanks Nora, here is the photo of the label.")
    details = page.index("<details", visible)
    assert (
        page.index("<summary", details)
        < page.index("Show quoted text", details)
        < page.index("wrote:", details)
    )
    assert page.index("Best regards,", details) < page.index("</details>", details)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page  # escaped
    # The e-mail ticket's first message folds its signature too.
    first = page.index("My parcel never arrived.")
    assert first < page.index("<details", first) < page.index("Sent from my phone", first)


def test_a_non_email_tickets_body_is_shown_whole(client, program, freelancer):
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        source=Ticket.Source.API,
        body="Order 12.\n\nOn Tue, Nora wrote:\n> hi",
    )
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Show quoted text" not in page and "On Tue, Nora wrote:" in page
