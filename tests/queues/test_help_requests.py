"""Help without hand-off (issue #19, item 6): the freelancer who holds a ticket asks the in-house team, keeps the
ticket, and hears back; the SLA keeps running."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from core.models import OutboxMessage
from queues.errors import QueueError
from queues.models import HelpMessage, HelpRequest, Ticket, TicketEvent
from queues.services.help import (
    help_request_answer,
    help_request_close,
    help_request_open,
    help_request_reply,
)
from queues.services.tickets import ticket_hand_over, ticket_priority_set, ticket_solve
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = ManagerFactory(email="lead@example.test")
    agent = UserFactory(email="sam@example.test", display_name="Sam Agent", role=User.Role.AGENT)
    program = ProgramFactory(managers=[manager, agent])
    freelancer = on_duty_freelancer(program)
    due = timezone.now() + datetime.timedelta(minutes=40)
    ticket = TicketFactory(
        program=program, assignee=freelancer, next_due_at=due, sla_due_at=due, subject="Refund for order 1234"
    )
    return {
        "program": program,
        "manager": manager,
        "agent": agent,
        "freelancer": freelancer,
        "ticket": ticket,
    }


def _held(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.assignee_id,
        ticket.queue,
        ticket.status,
        ticket.next_due_at,
        ticket.sla_due_at,
        ticket.resolution_due_at,
        ticket.inhouse_due_at,
        ticket.inhouse_assignee_id,
        ticket.escalated_at,
    )


def _mails(to: str) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.objects.filter(kind="email").order_by("pk") if to in m.payload["to"]]


# --- the rules (services) -------------------------------------------------------------------------------------


def test_the_holder_asks_a_named_agent_and_keeps_the_ticket(world):
    # Given a freelancer's ticket with its SLA clock running
    ticket, freelancer = world["ticket"], world["freelancer"]
    before = _held(ticket)
    # When they ask the agent for help
    help_request = help_request_open(
        ticket=ticket, user=freelancer.user, question="  Can I refund twice?  ", agent=world["agent"]
    )
    # Then the request, its first message and a timeline line are written, the agent alone is e-mailed ...
    assert help_request.status == HelpRequest.Status.OPEN and help_request.agent == world["agent"]
    assert [m.body for m in help_request.messages.all()] == ["Can I refund twice?"]
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.HELP_REQUESTED)
    assert "Sam Agent" in event.message and event.actor == freelancer.user
    [mail] = _mails("sam@example.test")
    assert "Can I refund twice?" in mail.payload["body"]
    assert f"/manage/queues/tickets/{ticket.pk}/#help" in mail.payload["body"]
    assert not _mails("lead@example.test")
    # ... and the ticket's holder, queue, status and clocks are as they were
    assert _held(ticket) == before


def test_without_a_named_agent_the_whole_in_house_team_hears(world):
    help_request_open(ticket=world["ticket"], user=world["freelancer"].user, question="Anyone?")
    [mail] = OutboxMessage.objects.filter(kind="email")
    assert mail.payload["to"] == ["lead@example.test", "sam@example.test"]


def test_the_answer_reaches_the_freelancer_and_they_reply_and_close(world):
    ticket, freelancer, agent = world["ticket"], world["freelancer"], world["agent"]
    help_request = help_request_open(
        ticket=ticket, user=freelancer.user, question="Refund twice?", agent=agent
    )
    before = _held(ticket)
    OutboxMessage.objects.all().delete()
    # When the agent answers
    help_request_answer(help_request=help_request, user=agent, body="Yes, up to 50 EUR.")
    help_request.refresh_from_db()
    # Then it is answered, on the timeline, and the freelancer gets an e-mail linking their ticket
    assert help_request.status == HelpRequest.Status.ANSWERED and help_request.answered_at is not None
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.HELP_ANSWERED, actor=agent
    ).exists()
    [mail] = _mails(freelancer.user.email)
    assert (
        "Yes, up to 50 EUR." in mail.payload["body"]
        and f"/portal/tickets/{ticket.pk}/#help" in mail.payload["body"]
    )
    # When the freelancer writes again, it waits for an answer again; then they close it
    help_request_reply(help_request=help_request, user=freelancer.user, body="And a third time?")
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN
    assert _mails("sam@example.test")
    help_request_close(help_request=help_request, user=freelancer.user)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED and help_request.closed_at is not None
    assert help_request.messages.count() == 3
    # And nothing of it moved the ticket
    assert _held(ticket) == before


def test_one_help_request_at_a_time(world):
    ticket, user = world["ticket"], world["freelancer"].user
    first = help_request_open(ticket=ticket, user=user, question="First?")
    help_request_answer(help_request=first, user=world["agent"], body="Answer.")
    with pytest.raises(QueueError, match="already has a help request in progress"):
        help_request_open(ticket=ticket, user=user, question="Second?")
    assert HelpRequest.objects.filter(ticket=ticket).count() == 1
    help_request_close(help_request=first, user=user)
    help_request_open(ticket=ticket, user=user, question="Second, now?")
    assert HelpRequest.objects.filter(ticket=ticket).count() == 2


def test_only_the_holder_asks(world):
    program, ticket = world["program"], world["ticket"]
    other = on_duty_freelancer(program)
    for user in (other.user, world["manager"]):
        with pytest.raises(QueueError, match="Only the freelancer who holds"):
            help_request_open(ticket=ticket, user=user, question="Me too?")
    solved = TicketFactory(program=program, assignee=world["freelancer"], status=Ticket.Status.SOLVED)
    with pytest.raises(QueueError, match="solved"):
        help_request_open(ticket=solved, user=world["freelancer"].user, question="After the fact?")
    assert not HelpRequest.objects.exists() and not OutboxMessage.objects.exists()


def test_the_named_agent_must_be_on_the_programs_in_house_team(world):
    outsider = UserFactory(role=User.Role.AGENT)  # an agent of another program
    ProgramFactory(managers=[outsider])
    for agent in (outsider, on_duty_freelancer(world["program"]).user):
        with pytest.raises(QueueError) as caught:
            help_request_open(
                ticket=world["ticket"], user=world["freelancer"].user, question="Q?", agent=agent
            )
        assert caught.value.field == "agent"
    assert not HelpRequest.objects.exists()


def test_empty_text_is_refused_and_changes_nothing(world):
    with pytest.raises(QueueError) as caught:
        help_request_open(ticket=world["ticket"], user=world["freelancer"].user, question="   ")
    assert caught.value.field == "question"
    help_request = help_request_open(ticket=world["ticket"], user=world["freelancer"].user, question="Q?")
    with pytest.raises(QueueError):
        help_request_answer(help_request=help_request, user=world["agent"], body="")
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.OPEN and help_request.messages.count() == 1


def test_only_the_programs_team_answers_and_only_the_asker_replies_or_closes(world):
    help_request = help_request_open(ticket=world["ticket"], user=world["freelancer"].user, question="Q?")
    outsider = ManagerFactory()
    ProgramFactory(managers=[outsider])
    with pytest.raises(QueueError, match="in-house team"):
        help_request_answer(help_request=help_request, user=outsider, body="I answer anything")
    with pytest.raises(QueueError, match="Only the freelancer who asked"):
        help_request_reply(help_request=help_request, user=world["agent"], body="Hi")
    with pytest.raises(QueueError, match="Only the freelancer who asked"):
        help_request_close(help_request=help_request, user=world["agent"])
    help_request_close(help_request=help_request, user=world["freelancer"].user)
    with pytest.raises(QueueError, match="closed"):
        help_request_answer(help_request=help_request, user=world["agent"], body="Too late")
    assert HelpMessage.objects.filter(help_request=help_request).count() == 1


# --- the pages ----------------------------------------------------------------------------------------------


def test_a_freelancer_asks_from_the_ticket_page_and_reads_the_answer(client, world):
    ticket, freelancer, agent = world["ticket"], world["freelancer"], world["agent"]
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert f'action="/portal/tickets/{ticket.pk}/help/ask/"' in page
    assert f'<option value="{agent.pk}">Sam Agent</option>' in page
    response = client.post(
        f"/portal/tickets/{ticket.pk}/help/ask/",
        {"ask-question": "Can I <b>refund</b>?", "ask-agent": agent.pk},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/portal/tickets/{ticket.pk}/#help")
    help_request = HelpRequest.objects.get(ticket=ticket)
    help_request_answer(help_request=help_request, user=agent, body="Yes <i>you</i> can.")
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Can I &lt;b&gt;refund&lt;/b&gt;?" in page and "Yes &lt;i&gt;you&lt;/i&gt; can." in page
    assert 'help/reply/"' in page and 'help/close/"' in page and 'help/ask/"' not in page
    assert client.post(f"/portal/tickets/{ticket.pk}/help/close/").status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer


def test_a_second_question_and_a_forged_agent_show_on_the_form(client, world):
    ticket = world["ticket"]
    client.force_login(world["freelancer"].user)
    outsider = ManagerFactory()
    response = client.post(
        f"/portal/tickets/{ticket.pk}/help/ask/", {"ask-question": "Q?", "ask-agent": outsider.pk}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not HelpRequest.objects.exists()
    client.post(f"/portal/tickets/{ticket.pk}/help/ask/", {"ask-question": "Q?"})
    response = client.post(f"/portal/tickets/{ticket.pk}/help/ask/", {"ask-question": "Again?"})
    assert (
        response.status_code == 400 and "already has a help request in progress" in response.content.decode()
    )
    assert HelpRequest.objects.count() == 1


def test_a_freelancer_cannot_ask_on_a_ticket_not_theirs(client, world):
    other = on_duty_freelancer(world["program"])
    client.force_login(other.user)
    assert (
        client.post(f"/portal/tickets/{world['ticket'].pk}/help/ask/", {"ask-question": "Q?"}).status_code
        == 404
    )
    assert client.get(f"/portal/tickets/{world['ticket'].pk}/help/ask/").status_code == 404
    assert not HelpRequest.objects.exists()


def test_an_agent_sees_it_in_the_queue_and_answers_on_the_ticket_page(client, world):
    ticket, agent, freelancer = world["ticket"], world["agent"], world["freelancer"]
    # Given a request for the whole team on another ticket, and one for the agent
    second = TicketFactory(
        program=world["program"], assignee=on_duty_freelancer(world["program"]), subject="For anyone"
    )
    help_request_open(ticket=second, user=second.assignee.user, question="Anyone?")
    help_request_open(ticket=ticket, user=freelancer.user, question="Sam, refund twice?", agent=agent)
    before = _held(ticket)
    client.force_login(agent)
    # Then the queue lists both under "Help requests (2)", the one for the agent first
    queue = client.get("/manage/queues/").content.decode()
    assert "Help requests (2)" in queue
    assert queue.index("Sam, refund twice?") < queue.index("Anyone?")
    assert f'href="/manage/queues/tickets/{ticket.pk}/#help"' in queue
    # And the freelancer's ticket opens with the answer form
    page = client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()
    assert f'action="/manage/queues/tickets/{ticket.pk}/help/answer/"' in page
    response = client.post(f"/manage/queues/tickets/{ticket.pk}/help/answer/", {"help-body": ""})
    assert response.status_code == 400
    response = client.post(
        f"/manage/queues/tickets/{ticket.pk}/help/answer/", {"help-body": "Yes, once more."}
    )
    assert response.status_code == 302
    assert HelpRequest.objects.get(ticket=ticket).status == HelpRequest.Status.ANSWERED
    assert _mails(freelancer.user.email)
    assert "Help requests (1)" in client.get("/manage/queues/").content.decode()
    assert _held(ticket) == before


def test_an_agent_outside_the_program_gets_404(client, world):
    help_request_open(ticket=world["ticket"], user=world["freelancer"].user, question="Q?")
    outsider = UserFactory(role=User.Role.AGENT)
    ProgramFactory(managers=[outsider])
    client.force_login(outsider)
    assert client.get(f"/manage/queues/tickets/{world['ticket'].pk}/").status_code == 404
    assert (
        client.post(
            f"/manage/queues/tickets/{world['ticket'].pk}/help/answer/", {"help-body": "Hi"}
        ).status_code
        == 404
    )
    assert "Help requests (0)" in client.get("/manage/queues/").content.decode()
    assert HelpRequest.objects.get().status == HelpRequest.Status.OPEN


def test_answering_without_a_request_in_progress_is_a_clear_error(client, world):
    client.force_login(world["agent"])
    response = client.post(f"/manage/queues/tickets/{world['ticket'].pk}/help/answer/", {"help-body": "Hi"})
    assert response.status_code == 400 and "no help request in progress" in response.content.decode()


@pytest.mark.parametrize("side", ["portal", "manage"])
def test_ticket_pages_with_help_threads_do_a_constant_number_of_queries(
    client, world, side, django_assert_num_queries
):
    ticket, freelancer, agent = world["ticket"], world["freelancer"], world["agent"]
    first = help_request_open(ticket=ticket, user=freelancer.user, question="Q1?")
    help_request_answer(help_request=first, user=agent, body="A1")
    user = freelancer.user if side == "portal" else agent
    url = f"/portal/tickets/{ticket.pk}/" if side == "portal" else f"/manage/queues/tickets/{ticket.pk}/"
    client.force_login(user)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(5):
        help_request_reply(help_request=first, user=freelancer.user, body=f"more {n}")
        help_request_answer(help_request=first, user=world["manager"], body=f"answer {n}")
    help_request_close(help_request=first, user=freelancer.user)
    second = help_request_open(ticket=ticket, user=freelancer.user, question="Q2?", agent=agent)
    help_request_answer(help_request=second, user=agent, body="A2")
    with django_assert_num_queries(len(before)):
        content = client.get(url).content.decode()
    assert "answer 4" in content and "A2" in content


def test_a_question_on_a_ticket_that_left_the_freelancer_leaves_the_queues_list(client, world):
    from queues.services.tickets import ticket_escalate

    ticket, freelancer = world["ticket"], world["freelancer"]
    help_request_open(ticket=ticket, user=freelancer.user, question="Q?")
    client.force_login(world["agent"])
    assert "Help requests (1)" in client.get("/manage/queues/").content.decode()
    ticket_escalate(
        ticket=ticket, freelancer=freelancer, reason="bug", note="Broken checkout, tried everything."
    )
    assert "Help requests (0)" in client.get("/manage/queues/").content.decode()


def test_a_ticket_that_leaves_the_asker_closes_their_request_and_the_next_holder_may_ask(world):
    # Given a question in progress on a freelancer's ticket
    ticket, freelancer = world["ticket"], world["freelancer"]
    asked = help_request_open(ticket=ticket, user=freelancer.user, question="Refund twice?")
    # When the ticket goes back to the queue (the freelancer is away), the question is moot: it is closed
    ticket_hand_over(ticket_id=ticket.pk, reason="away")
    asked.refresh_from_db()
    assert asked.status == HelpRequest.Status.CLOSED and asked.closed_at is not None
    # And the next holder asks their own question, which one-at-a-time would otherwise refuse
    ticket.refresh_from_db()
    other = on_duty_freelancer(world["program"])
    Ticket.objects.filter(pk=ticket.pk).update(assignee=other)
    ticket.refresh_from_db()
    assert help_request_open(ticket=ticket, user=other.user, question="Mine now?").status == "open"


def test_solving_the_ticket_closes_its_request(world):
    ticket, freelancer = world["ticket"], world["freelancer"]
    asked = help_request_open(ticket=ticket, user=freelancer.user, question="Refund twice?")
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    asked.refresh_from_db()
    assert asked.status == HelpRequest.Status.CLOSED


def test_a_change_that_keeps_the_holder_keeps_the_request(world):
    ticket, freelancer = world["ticket"], world["freelancer"]
    asked = help_request_open(ticket=ticket, user=freelancer.user, question="Refund twice?")
    ticket_priority_set(ticket=ticket, priority=Ticket.Priority.HIGH, actor=world["manager"])
    asked.refresh_from_db()
    assert asked.status == HelpRequest.Status.OPEN
