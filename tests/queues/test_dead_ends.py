"""A ticket the freelancer escalated stays theirs to read, with its outcome, and never theirs to write; other
freelancers still get a 404."""

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from queues.models import QueueSettings, Ticket, TicketMessage
from queues.services import ticket_escalate, ticket_inhouse_assign, ticket_solve, ticket_status_set
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db

NOTE = "The customer needs a refund over the limit; I checked the order."


@pytest.fixture
def world():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    ticket = TicketFactory(program=program, assignee=freelancer, subject="Refund over the limit")
    reason, label = QueueSettings.for_program(program).reason_choices()[0]
    ticket_escalate(ticket=ticket, freelancer=freelancer, reason=reason, note=NOTE)
    ticket.refresh_from_db()
    return program, manager, freelancer, ticket, label


def test_the_escalator_reads_it_with_a_banner_and_no_forms(client, world):
    _program, _manager, freelancer, ticket, label = world
    client.force_login(freelancer.user)
    response = client.get(f"/portal/tickets/{ticket.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-escalated-by-me" in html
    on = date_filter(timezone.localtime(ticket.escalated_at, freelancer.zone), "DATE_FORMAT")
    assert f"<strong>You escalated this on {on}: {label}.</strong> The in-house team has it." in html
    assert "Still with the team" in html
    assert NOTE in html  # the hand-off note, in the facts
    for action in ("reply", "note", "solve", "escalate"):
        assert f"/portal/tickets/{ticket.pk}/{action}/" not in html, action
    assert '<form method="post" action="/portal/tickets/' not in html


def test_the_banner_names_the_agent_who_has_it(client, world):
    program, manager, freelancer, ticket, _label = world
    agent = UserFactory(agent=True, display_name="Maria Santos")
    program.managers.add(agent)
    ticket_inhouse_assign(ticket=ticket, user=agent, actor=manager)
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Still with the team" in html and "Maria Santos is working on it" in html


def test_the_banner_says_who_solved_it(client, world):
    _program, _manager, freelancer, ticket, _label = world
    agent = UserFactory(agent=True, display_name="Maria Santos")
    ticket_solve(ticket=ticket, actor=agent)
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert ">Solved</span> by Maria Santos on" in html


def test_the_banner_says_who_closed_it(client, world):
    _program, _manager, freelancer, ticket, _label = world
    agent = UserFactory(agent=True, display_name="Kai Tan")
    ticket_status_set(ticket=ticket, status=Ticket.Status.CLOSED, actor=agent)
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert ">Closed</span> by Kai Tan on" in html


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reply", {"reply-body": "Hello again", "reply-status_after": "open"}),
        ("note", {"note-body": "One more thing"}),
        ("solve", {}),
        ("escalate", {"escalate-reason": "other", "escalate-note": NOTE}),
    ],
)
def test_every_write_to_it_is_not_found_and_changes_nothing(client, world, action, data):
    _program, _manager, freelancer, ticket, _label = world
    before = Ticket.objects.values().get(pk=ticket.pk)
    client.force_login(freelancer.user)
    assert client.post(f"/portal/tickets/{ticket.pk}/{action}/", data).status_code == 404
    assert Ticket.objects.values().get(pk=ticket.pk) == before
    assert not TicketMessage.objects.filter(ticket=ticket).exists()


def test_another_freelancer_gets_404(client, world):
    program, _manager, _freelancer, ticket, _label = world
    other = on_duty_freelancer(program)
    client.force_login(other.user)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404
    assert ticket.subject not in client.get("/portal/tickets/").content.decode()


def test_sent_back_and_held_by_someone_else_it_is_not_the_escalators_any_more(client, world):
    program, _manager, freelancer, ticket, _label = world
    other = on_duty_freelancer(program)
    Ticket.objects.filter(pk=ticket.pk).update(queue=Ticket.Queue.FREELANCER, assignee=other)
    client.force_login(freelancer.user)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404


def test_my_tickets_lists_it_under_escalated_by_me(client, world):
    program, _manager, freelancer, ticket, _label = world
    client.force_login(freelancer.user)
    html = client.get("/portal/tickets/").content.decode()
    section = html[html.index('id="escalated-by-me"') :]
    assert f'<a href="/portal/tickets/{ticket.pk}/">#{ticket.pk} Refund over the limit</a>' in section
    assert "with the in-house team" in section
    # Not in the open queue above it: the freelancer does not hold it.
    assert html.index("Refund over the limit") > html.index('id="escalated-by-me"')


def test_escalated_ticket_pages_do_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    program, _manager, freelancer, ticket, _label = world
    TicketMessage.objects.create(ticket=ticket, kind="reply", author=None, body="in-house reply")
    client.force_login(freelancer.user)
    for url in (f"/portal/tickets/{ticket.pk}/", "/portal/tickets/"):
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        for index in range(4):
            TicketMessage.objects.create(
                ticket=ticket, kind="reply", author=None, body=f"in-house reply {index}"
            )
            more = TicketFactory(program=program, assignee=freelancer)
            reason = QueueSettings.for_program(program).reason_choices()[0][0]
            ticket_escalate(ticket=more, freelancer=freelancer, reason=reason, note=NOTE)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200


def test_the_in_house_teams_notes_are_not_shown_to_the_escalator(client, world):
    from queues.services import ticket_note_add, ticket_reply

    _program, manager, freelancer, ticket, _label = world
    ticket_note_add(ticket=ticket, author=manager, body="Internal: this customer disputes often.")
    ticket_reply(ticket=ticket, author=manager, body="We have refunded you in full.")
    client.force_login(freelancer.user)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We have refunded you in full." in html
    assert "disputes often" not in html
