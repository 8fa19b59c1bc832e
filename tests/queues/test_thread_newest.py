"""A ticket page shows the ticket's first message and its newest messages and events; the earlier ones are
behind "Show N earlier messages" (loaded by htmx on demand), so the page costs the same at any thread length
(issue #22)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from queues.events import event_record
from queues.models import QueueSettings, TicketMessage
from queues.selectors import THREAD_NEWEST, TIMELINE_NEWEST
from queues.services import ticket_escalate
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    ticket = TicketFactory(program=program, assignee=freelancer, body="The very first message.")
    return program, manager, freelancer, ticket


def _messages(ticket, n, *, kind="reply", author=None, start=0):
    return [
        TicketMessage.objects.create(ticket=ticket, kind=kind, author=author, body=f"message number {i:03}")
        for i in range(start, start + n)
    ]


def _events(ticket, n):
    for i in range(n):
        event_record(ticket=ticket, kind="note", message=f"event number {i:03}")


@pytest.mark.parametrize("side", ["manage", "portal"])
def test_the_page_shows_the_first_and_the_newest_messages_and_loads_the_earlier_ones(client, world, side):
    _program, manager, freelancer, ticket = world
    messages = _messages(ticket, THREAD_NEWEST + 15)
    client.force_login(manager if side == "manage" else freelancer.user)
    base = f"/{side}/queues/tickets/{ticket.pk}/" if side == "manage" else f"/portal/tickets/{ticket.pk}/"
    html = client.get(base).content.decode()
    assert "The very first message." in html
    shown = [m.body for m in messages[-THREAD_NEWEST:]]
    assert all(body in html for body in shown)
    assert not any(m.body in html for m in messages[:15])
    assert "Show 15 earlier messages" in html
    oldest_shown = messages[-THREAD_NEWEST].pk
    url = f"{base}earlier-messages/?before={oldest_shown}"
    assert f'hx-get="{url.replace("&", "&amp;")}"' in html

    fragment = client.get(url, headers=HTMX)
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<html" not in text
    earlier = [m.body for m in messages[:15]]
    assert all(body in text for body in earlier)
    assert [text.index(body) for body in earlier] == sorted(text.index(body) for body in earlier)
    assert not any(body in text for body in shown)
    assert "HX-Request" in fragment["Vary"]

    # Without htmx the link opens the whole page: every message, no link.
    whole = client.get(url).content.decode()
    assert all(m.body in whole for m in messages) and "earlier messages" not in whole


def test_a_short_thread_has_no_link(client, world):
    _program, manager, _freelancer, ticket = world
    _messages(ticket, THREAD_NEWEST)
    client.force_login(manager)
    html = client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()
    assert "earlier message" not in html and "message number 000" in html


def test_the_timeline_shows_its_creation_and_newest_events_and_loads_the_earlier_ones(client, world):
    _program, manager, _freelancer, ticket = world
    _events(ticket, TIMELINE_NEWEST + 7)
    client.force_login(manager)
    base = f"/manage/queues/tickets/{ticket.pk}/"
    html = client.get(base).content.decode()
    timeline = html[html.index('<h2 class="h6 mt-4">Timeline</h2>') :]
    assert "Created" in timeline and "event number 016" in timeline and "event number 006" not in timeline
    assert "Show 7 earlier events" in timeline
    before = ticket.events.order_by("-created_at", "-id")[TIMELINE_NEWEST - 1].pk
    text = client.get(f"{base}earlier-events/?before={before}", headers=HTMX).content.decode()
    assert "event number 000" in text and "event number 006" in text and "event number 007" not in text
    assert "Created" not in text


def test_someone_elses_ticket_is_not_found_for_the_earlier_messages_too(client, world):
    program, _manager, _freelancer, ticket = world
    _messages(ticket, THREAD_NEWEST + 2)
    client.force_login(on_duty_freelancer(program).user)  # another freelancer of the same program
    assert (
        client.get(f"/portal/tickets/{ticket.pk}/earlier-messages/?before=1", headers=HTMX).status_code == 404
    )
    client.force_login(ManagerFactory())  # a manager of another program
    url = f"/manage/queues/tickets/{ticket.pk}/earlier-messages/?before=1"
    assert client.get(url, headers=HTMX).status_code == 404
    assert client.get(url.replace("messages", "events"), headers=HTMX).status_code == 404


def test_the_escalator_sees_neither_the_teams_notes_nor_a_count_of_them(client, world):
    _program, manager, freelancer, ticket = world
    reason = QueueSettings.for_program(ticket.program).reason_choices()[0][0]
    ticket_escalate(ticket=ticket, freelancer=freelancer, reason=reason, note="Over to you.")
    _messages(ticket, 5, kind="note", author=manager)
    _messages(ticket, THREAD_NEWEST + 3, start=100)
    _messages(ticket, 5, kind="note", author=manager, start=200)
    client.force_login(freelancer.user)
    base = f"/portal/tickets/{ticket.pk}/"
    html = client.get(base).content.decode()
    assert "Show 3 earlier messages" in html and "message number 200" not in html
    first_shown = TicketMessage.objects.get(ticket=ticket, body="message number 103").pk
    text = client.get(f"{base}earlier-messages/?before={first_shown}", headers=HTMX).content.decode()
    assert "message number 100" in text and "message number 102" in text
    assert "message number 000" not in text  # the team's notes are theirs


@pytest.mark.parametrize("side", ["manage", "portal"])
def test_a_long_thread_costs_the_queries_of_a_short_one(client, world, side):
    _program, manager, freelancer, ticket = world
    _messages(ticket, 2)
    client.force_login(manager if side == "manage" else freelancer.user)
    url = f"/manage/queues/tickets/{ticket.pk}/" if side == "manage" else f"/portal/tickets/{ticket.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    _messages(ticket, 60, start=2)
    _messages(ticket, 10, kind="note", author=manager, start=70)
    _events(ticket, 40)
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert response.status_code == 200
    assert len(long) == len(short)
    assert response.content.decode().count("message number") == THREAD_NEWEST


def test_who_closed_it_is_found_behind_the_newest_events_too(client, world):
    from queues.models import Ticket
    from queues.services import ticket_status_set
    from tests.accounts.factories import UserFactory

    _program, _manager, freelancer, ticket = world
    reason = QueueSettings.for_program(ticket.program).reason_choices()[0][0]
    ticket_escalate(ticket=ticket, freelancer=freelancer, reason=reason, note="Over to you.")
    ticket_status_set(
        ticket=ticket, status=Ticket.Status.CLOSED, actor=UserFactory(agent=True, display_name="Kai Tan")
    )
    _events(ticket, TIMELINE_NEWEST + 1)  # the closing event is no longer among the newest
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert ">Closed</span> by Kai Tan on" in html
