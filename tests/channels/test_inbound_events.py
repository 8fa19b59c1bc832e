"""Zendesk's status, group, priority and tags events, signed exactly as Zendesk signs them, applied through
queues' services; the echoes of Flexdesk's own changes change nothing."""

import datetime

import httpx
import pytest
from django.utils import timezone

from core.models import OutboxMessage
from queues.models import Ticket, TicketEvent
from queues.services import ticket_escalate, ticket_reply
from tests.channels.conftest import GROUP_ZD, REQUESTER_ZD, event, stamp, webhook
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


def zendesk_messages() -> list[str]:
    return list(OutboxMessage.objects.filter(kind__startswith="zendesk.").values_list("kind", flat=True))


def timeline(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def changed(kind: str, current, previous=None, **detail) -> dict:
    """Zendesk's "<field> changed" event: the ticket after the change in `detail`, the change in `event`."""
    return event(kind, event_body={"current": current, "previous": previous}, **detail)


@pytest.fixture
def ticket(program, freelancer):
    return TicketFactory(program=program, external_id="35436", assignee=freelancer, tags=["order-status"])


def unchanged(ticket) -> bool:
    before = ticket.updated_at
    ticket.refresh_from_db()
    return ticket.updated_at == before


# --- status ---------------------------------------------------------------------------------------------------


def test_pending_in_zendesk_makes_it_pending_here_and_stops_the_resolution_clock(client, program, ticket):
    response = webhook(client, changed("status_changed", "PENDING", "OPEN", status="PENDING"))
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING and ticket.sla_paused_at is not None
    status = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.STATUS)
    assert status.data == {"status": "pending"} and "Set pending in Zendesk." in status.message
    assert zendesk_messages() == []  # Zendesk has it already


def test_open_again_in_zendesk_resumes_a_pending_ticket(client, program, ticket):
    webhook(client, changed("status_changed", "PENDING", "OPEN"))
    response = webhook(
        client, changed("status_changed", "OPEN", "PENDING"), timestamp=stamp(datetime.timedelta(seconds=-5))
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.sla_paused_at is None
    assert zendesk_messages() == []


def test_on_hold_in_zendesk_keeps_the_ticket_and_its_clock_and_says_why(client, program, ticket):
    response = webhook(client, changed("status_changed", "HOLD", "OPEN"))
    assert response.status_code == 200 and "third party" in response.json()["detail"]
    assert unchanged(ticket) and ticket.status == Ticket.Status.OPEN and ticket.sla_paused_at is None
    assert timeline(ticket) == []


def test_closed_in_zendesk_solves_and_closes_an_open_ticket(client, program, ticket):
    assert webhook(client, changed("status_changed", "CLOSED", "OPEN")).status_code == 200
    ticket.refresh_from_db()
    assert (
        ticket.status == Ticket.Status.CLOSED
        and ticket.solved_at is not None
        and ticket.resolution_met is True
    )
    assert timeline(ticket) == [TicketEvent.Kind.SOLVED, TicketEvent.Kind.STATUS]
    assert zendesk_messages() == []


def test_closed_in_zendesk_closes_a_solved_ticket(client, program, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED, solved_at=timezone.now())
    assert webhook(client, changed("status_changed", "CLOSED", "SOLVED")).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and timeline(ticket) == [TicketEvent.Kind.STATUS]


def test_the_echo_of_our_own_pending_changes_nothing(client, program, ticket, freelancer):
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Could you send the order number?",
        status_after=Ticket.Status.PENDING,
        freelancer=freelancer,
    )
    assert "zendesk.status" in zendesk_messages()
    ticket.refresh_from_db()
    events, messages = timeline(ticket), zendesk_messages()
    response = webhook(client, changed("status_changed", "PENDING", "OPEN", status="PENDING"))
    assert response.status_code == 200
    assert unchanged(ticket) and ticket.status == Ticket.Status.PENDING
    assert timeline(ticket) == events and zendesk_messages() == messages


# --- group ----------------------------------------------------------------------------------------------------


def test_moved_to_the_in_house_group_in_zendesk_escalates_it_here(client, program, ticket):
    response = webhook(
        client, changed("group_assignment_changed", str(GROUP_ZD), "98738", group_id=str(GROUP_ZD))
    )
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert (ticket.queue, ticket.assignee, ticket.escalation_reason) == (
        Ticket.Queue.INHOUSE,
        None,
        "helpdesk",
    )
    assert ticket.escalated_at is not None and ticket.inhouse_due_at is not None
    escalated = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED)
    assert escalated.message == "Escalated to the in-house team: Moved to the in-house team in the helpdesk."
    assert zendesk_messages() == []  # no "move it to the in-house group" back to Zendesk


def test_an_unrouted_ticket_moved_to_the_in_house_group_stays_there(client, program, freelancer):
    ticket = TicketFactory(program=program, external_id="35436", routed_at=None, status=Ticket.Status.NEW)
    webhook(client, changed("group_assignment_changed", GROUP_ZD, None))
    from queues.services.routing import route_new_tickets

    assert route_new_tickets(program_id=program.pk) == 0  # routing does not fight it
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.INHOUSE and ticket.assignee is None


def test_moved_to_another_group_in_zendesk_is_left_as_it_is(client, program, ticket):
    response = webhook(client, changed("group_assignment_changed", "98738", str(GROUP_ZD)))
    assert response.status_code == 200 and "other than the in-house" in response.json()["detail"]
    assert unchanged(ticket) and ticket.queue == Ticket.Queue.FREELANCER and timeline(ticket) == []


def test_the_echo_of_our_own_escalation_changes_nothing(client, program, ticket, freelancer):
    ticket_escalate(
        ticket=ticket, freelancer=freelancer, reason="billing", note="Refund over the limit, needs you."
    )
    ticket.refresh_from_db()
    events, messages = timeline(ticket), zendesk_messages()
    assert "zendesk.escalate" in messages
    assert webhook(client, changed("group_assignment_changed", str(GROUP_ZD), None)).status_code == 200
    assert unchanged(ticket) and ticket.escalation_reason == "billing"
    assert timeline(ticket) == events and zendesk_messages() == messages


# --- priority -------------------------------------------------------------------------------------------------


def test_a_priority_change_in_zendesk_changes_it_here_with_a_timeline_line(client, program, ticket):
    response = webhook(client, changed("priority_changed", "URGENT", "NORMAL", priority="URGENT"))
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT
    line = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.PRIORITY)
    assert line.message == "Priority urgent (was normal). Changed in Zendesk."
    assert line.data == {"priority": "urgent", "previous": "normal"}
    assert zendesk_messages() == []


@pytest.mark.parametrize(("current", "expected"), [("NORMAL", "normal"), ("BOGUS", "high"), (None, "normal")])
def test_the_same_priority_again_or_an_unknown_one_changes_nothing(
    client, program, ticket, current, expected
):
    Ticket.objects.filter(pk=ticket.pk).update(priority=Ticket.Priority.HIGH)
    ticket.refresh_from_db()
    webhook(
        client, changed("priority_changed", "HIGH", "NORMAL"), timestamp=stamp(datetime.timedelta(seconds=-5))
    )
    assert unchanged(ticket)  # the same priority again
    assert webhook(client, changed("priority_changed", current, "HIGH")).status_code == 200
    ticket.refresh_from_db()
    assert (
        ticket.priority == expected
    )  # a cleared priority is normal, as at intake; an unknown one is ignored


# --- tags -----------------------------------------------------------------------------------------------------


def test_tags_changed_replaces_the_tickets_tags_from_the_ticket_zendesk_sends(client, program, ticket):
    payload = event(
        "tags_changed",
        event_body={"tags": {"added": ["vip"], "removed": ["order-status"]}},
        tags=["vip", "returns"],
    )
    assert webhook(client, payload).status_code == 200
    ticket.refresh_from_db()
    assert ticket.tags == ["vip", "returns"]
    line = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.TAGS)
    assert line.data == {"added": ["vip", "returns"], "removed": ["order-status"]}
    assert line.message == "Tags: +vip, +returns, −order-status. Changed in Zendesk."


def test_tags_as_one_space_separated_string_and_as_added_and_removed_only(client, program, ticket):
    webhook(client, event("tags_changed", event_body={"current": "vip  returns", "previous": "order-status"}))
    ticket.refresh_from_db()
    assert ticket.tags == ["vip", "returns"]
    payload = event("tags_changed", event_body={"tags": {"added": "urgent-refund", "removed": ["vip"]}})
    del payload["detail"]["tags"]
    webhook(client, payload, timestamp=stamp(datetime.timedelta(seconds=-5)))
    ticket.refresh_from_db()
    assert ticket.tags == ["returns", "urgent-refund"]


def test_the_echo_of_our_routing_tag_changes_nothing(client, program, ticket):
    payload = event(
        "tags_changed",
        event_body={"tags": {"added": ["flexdesk"], "removed": []}},
        tags=["order-status", "flexdesk"],
    )
    assert webhook(client, payload).status_code == 200
    assert unchanged(ticket) and ticket.tags == ["order-status"] and timeline(ticket) == []


# --- a ticket Flexdesk does not know ------------------------------------------------------------------------


def test_a_change_to_a_ticket_flexdesk_does_not_know_fetches_and_takes_it_in(client, program, zendesk):
    show = zendesk.get("/api/v2/tickets/35436.json", params={"include": "users"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "ticket": {
                    "id": 35436,
                    "subject": "Parcel lost",
                    "description": "My parcel never arrived.",
                    "requester_id": REQUESTER_ZD,
                    "status": "open",
                    "priority": "urgent",
                    "type": "question",
                    "tags": ["vip", "flexdesk"],
                    "via": {"channel": "web"},
                    "created_at": "2026-12-02T05:30:00Z",
                },
                "users": [
                    {"id": REQUESTER_ZD, "name": "Zoe", "email": "zoe@example.test", "locale": "en-US"}
                ],
            },
        )
    )
    response = webhook(
        client, changed("priority_changed", "URGENT", "NORMAL", priority="URGENT", tags=["vip"])
    )
    assert response.status_code in (200, 201) and show.call_count == 1
    ticket = Ticket.objects.get(program=program, external_id="35436")
    assert ticket.priority == Ticket.Priority.URGENT and ticket.tags == ["vip"]  # never our routing tag


# --- the queues services behind them: bad input is refused and changes nothing --------------------------------


def test_the_services_refuse_what_the_ticket_state_machine_does_not_allow(program, ticket):
    from core.errors import TransitionNotAllowed
    from queues.errors import QueueError
    from queues.services import ticket_priority_set, ticket_status_set

    with pytest.raises(QueueError):
        ticket_status_set(
            ticket=ticket, status=Ticket.Status.SOLVED
        )  # solving measures the resolution: ticket_solve
    with pytest.raises(QueueError):
        ticket_priority_set(ticket=ticket, priority="critical")
    ticket_status_set(ticket=ticket, status=Ticket.Status.CLOSED)
    with pytest.raises(TransitionNotAllowed):
        ticket_status_set(ticket=ticket, status=Ticket.Status.PENDING)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Ticket.Status.CLOSED, Ticket.Priority.NORMAL)


def test_a_pending_event_for_a_closed_ticket_answers_200_and_changes_nothing(client, program, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    ticket.refresh_from_db()
    assert webhook(client, changed("status_changed", "PENDING", "CLOSED")).status_code == 200
    assert unchanged(ticket) and ticket.status == Ticket.Status.CLOSED
