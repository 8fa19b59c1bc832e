"""Zendesk → Flexdesk: webhooks signed exactly as Zendesk signs them, applied through queues' services."""

import datetime
import json

import httpx
import pytest
from django.utils import timezone

from channels.models import ZendeskSentComment, ZendeskWebhookReceipt
from channels.zendesk.inbound import ZENDESK_TEST_SECRET
from core.models import OutboxMessage
from queues.models import Ticket, TicketMessage
from tests.channels.conftest import FREELANCER_ZD, REQUESTER_ZD, event, stamp, webhook
from tests.programs.factories import TicketTypeFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db

SHOW_TICKET = {  # GET /api/v2/tickets/35436.json?include=users, as documented (trimmed)
    "ticket": {
        "id": 35436,
        "subject": "Parcel lost",
        "description": "My parcel never arrived.",
        "requester_id": REQUESTER_ZD,
        "status": "open",
        "priority": "high",
        "type": "question",
        "tags": ["order-status", "vip"],
        "via": {"channel": "web"},
        "created_at": "2026-12-02T05:30:00Z",
        "assignee_id": None,
    },
    "users": [
        {
            "id": REQUESTER_ZD,
            "name": "Zoe Requester",
            "email": "zoe@example.test",
            "locale": "es-ES",
            "role": "end-user",
        }
    ],
}


def no_zendesk_messages():
    return not OutboxMessage.objects.filter(kind__startswith="zendesk.").exists()


def test_ticket_created_event_fetches_the_requester_and_takes_the_ticket_in(client, program, zendesk):
    question = TicketTypeFactory(program=program, name="Order status", slug="order-status")
    show = zendesk.get("/api/v2/tickets/35436.json", params={"include": "users"}).mock(
        return_value=httpx.Response(200, json=SHOW_TICKET)
    )
    response = webhook(client, event("created"))
    assert response.status_code == 201, response.content
    assert show.call_count == 1
    ticket = Ticket.objects.get()
    assert (ticket.external_id, ticket.source, ticket.requester_email, ticket.requester_name) == (
        "35436",
        "zendesk",
        "zoe@example.test",
        "Zoe Requester",
    )
    assert (ticket.channel, ticket.priority, ticket.language, ticket.ticket_type) == (
        "email",
        "high",
        "es-es",
        question,
    )
    # Zendesk's created_at starts the SLA clock
    assert ticket.created_at == datetime.datetime(2026, 12, 2, 5, 30, tzinfo=datetime.UTC)
    assert ticket.sla_due_at == ticket.created_at + datetime.timedelta(minutes=60)


def test_a_trigger_body_with_tags_as_a_string_and_an_unknown_type_is_taken_in_unmapped(client, program):
    body = {
        "ticket": {
            "id": "4711",
            "subject": "Hi",
            "description": "Help",
            "requester_email": "a@example.test",
            "requester_name": "A",
            "via": "Web Form",
            "type": "Incident",
            "priority": "-",
            "tags": "vip  returns",
            "created_at": "not a date",
        }
    }
    assert webhook(client, body).status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.ticket_type, ticket.priority, ticket.channel) == (None, "normal", "other")


def test_a_public_comment_by_the_mapped_freelancer_is_their_reply_and_is_not_sent_back(
    client, program, freelancer
):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    payload = event(
        "comment_added",
        event_body={
            "comment": {
                "id": "12001",
                "body": "Found it, it ships today.",
                "is_public": True,
                "author": {"id": str(FREELANCER_ZD), "is_staff": True, "name": "Free Lancer"},
            }
        },
    )
    assert webhook(client, payload).status_code == 201
    ticket.refresh_from_db()
    reply = TicketMessage.objects.get(ticket=ticket)
    assert (reply.kind, reply.author, reply.body) == ("reply", freelancer.user, "Found it, it ships today.")
    assert (
        ticket.first_responder == freelancer.user and ticket.first_response_at is not None
    )  # counts as first response
    assert no_zendesk_messages()  # Zendesk has it already


def test_the_requesters_comment_reopens_the_ticket_once(client, program, freelancer):
    ticket = TicketFactory(
        program=program,
        external_id="35436",
        assignee=freelancer,
        status=Ticket.Status.SOLVED,
        solved_at=timezone.now(),
    )
    payload = event(
        "comment_added",
        event_body={
            "comment": {
                "id": "12002",
                "body": "Still not here.",
                "is_public": True,
                "author": {"id": str(REQUESTER_ZD), "is_staff": False, "name": "Zoe"},
            }
        },
    )
    assert webhook(client, payload).status_code == 201
    assert (
        webhook(client, payload, timestamp=stamp(datetime.timedelta(seconds=-30))).status_code == 200
    )  # resent
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert list(TicketMessage.objects.values_list("kind", "body")) == [("customer", "Still not here.")]
    assert no_zendesk_messages()


def test_the_echo_of_our_own_comment_changes_nothing(client, program, freelancer):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    ZendeskSentComment.objects.create(program=program, ticket=ticket, comment_id=777)
    payload = event(
        "comment_added",
        event_body={
            "comment": {
                "id": "777",
                "body": "Your parcel is on its way.",
                "is_public": True,
                "author": {"id": str(FREELANCER_ZD), "is_staff": True},
            }
        },
    )
    response = webhook(client, payload)
    assert response.status_code == 200 and "Flexdesk posted" in response.json()["detail"]
    assert not TicketMessage.objects.exists() and no_zendesk_messages()


def test_solved_in_zendesk_solves_it_here_and_the_echo_of_our_solve_changes_nothing(
    client, program, freelancer
):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    payload = event("status_changed", event_body={"current": "SOLVED", "previous": "OPEN"})
    assert webhook(client, payload).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED and ticket.solved_at is not None
    solved_at = ticket.solved_at
    again = event("status_changed", event_body={"current": "SOLVED", "previous": "OPEN"}, updated_at="x")
    assert webhook(client, again).status_code == 200
    ticket.refresh_from_db()
    assert ticket.solved_at == solved_at and no_zendesk_messages()


def test_an_assignment_in_zendesk_to_a_mapped_freelancer_is_respected(client, program, freelancer):
    ticket = TicketFactory(program=program, external_id="35436", routed_at=None)
    payload = event("agent_assignment_changed", event_body={"current": str(FREELANCER_ZD), "previous": None})
    assert webhook(client, payload).status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer and no_zendesk_messages()


@pytest.mark.parametrize(
    "kind", ["subject_changed", "custom_field_changed", "brand_changed"]
)  # see test_inbound_events
def test_events_flexdesk_does_not_act_on_answer_200_and_change_nothing(client, program, kind):
    ticket = TicketFactory(program=program, external_id="35436")
    response = webhook(client, event(kind, event_body={"current": "x", "previous": "y"}))
    assert response.status_code == 200
    assert Ticket.objects.get().updated_at == ticket.updated_at and not TicketMessage.objects.exists()


def test_zendesks_test_webhook_request_succeeds_and_changes_nothing(client, program):
    response = webhook(client, event("created"), secret=ZENDESK_TEST_SECRET)
    assert response.status_code == 200 and "Test" in response.json()["detail"]
    assert not Ticket.objects.exists() and not ZendeskWebhookReceipt.objects.exists()


@pytest.mark.parametrize("when", [datetime.timedelta(minutes=-6), datetime.timedelta(minutes=6)])
def test_stale_and_future_signatures_are_401_and_store_nothing(client, program, when):
    assert webhook(client, event("created"), timestamp=stamp(when)).status_code == 401
    assert not Ticket.objects.exists() and not ZendeskWebhookReceipt.objects.exists()


def test_a_replay_of_the_same_signed_request_changes_nothing(client, program, freelancer):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    payload = event(
        "comment_added",
        event_body={
            "comment": {
                "id": "12003",
                "body": "Thanks!",
                "is_public": True,
                "author": {"id": str(FREELANCER_ZD)},
            }
        },
    )
    body, signed_at = json.dumps(payload).encode(), stamp(datetime.timedelta(seconds=-10))
    assert webhook(client, body, timestamp=signed_at).status_code == 201
    TicketMessage.objects.all().delete()  # even were it forgotten, the replay is recognised by its signature
    response = webhook(client, body, timestamp=signed_at)
    assert response.status_code == 200 and response.json()["detail"] == "Already received."
    assert not TicketMessage.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("case", ["wrong secret", "tampered", "missing", "unknown program", "garbage"])
def test_bad_signatures_and_unknown_programs_are_401_and_store_nothing(client, program, case):
    body = json.dumps(event("created")).encode()
    if case == "wrong secret":
        response = webhook(client, body, secret="another")
    elif case == "tampered":
        from tests.channels.conftest import sign

        response = client.post(
            "/api/v1/channels/zendesk/acme/webhook/",
            data=body.replace(b"Parcel", b"Evil"),
            content_type="application/json",
            **sign(body),
        )
    elif case == "missing":
        response = client.post(
            "/api/v1/channels/zendesk/acme/webhook/", data=body, content_type="application/json"
        )
    elif case == "unknown program":
        response = webhook(client, body, slug="nope")
    else:
        response = client.post(
            "/api/v1/channels/zendesk/acme/webhook/",
            data=body,
            content_type="application/json",
            HTTP_X_ZENDESK_WEBHOOK_SIGNATURE="%%%",
            HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP="x",
        )
    assert response.status_code == 401
    assert not Ticket.objects.exists() and not ZendeskWebhookReceipt.objects.exists()


def test_malformed_events_are_400_with_the_reason_and_store_nothing(client, program):
    assert webhook(client, b"{not json").status_code == 400
    deep = b"[" * 200 + b"]" * 200
    assert webhook(client, deep).status_code == 400
    no_id = event("created")
    no_id["detail"]["id"] = ""
    response = webhook(client, no_id)
    assert response.status_code == 400 and "ticket id" in response.content.decode()
    no_email = {
        "ticket": {"id": 5, "subject": "Hi"}
    }  # a trigger body lacking the requester, and no API to ask
    program.zendesk_connection.api_email = ""
    program.zendesk_connection.save()
    response = webhook(client, no_email)
    assert response.status_code == 400 and "requester" in response.content.decode()
    assert not Ticket.objects.exists() and not ZendeskWebhookReceipt.objects.exists()


def test_zendesk_unreachable_when_the_event_lacks_the_requester_is_503_and_stores_nothing(
    client, program, zendesk
):
    zendesk.get("/api/v2/tickets/35436.json").mock(side_effect=httpx.ConnectTimeout("down"))
    response = webhook(client, event("created"))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert not Ticket.objects.exists() and not ZendeskWebhookReceipt.objects.exists()


def test_the_old_webhook_address_still_works(client, program):
    body = {
        "ticket": {"id": 99, "subject": "Hi", "description": "x", "requester": {"email": "b@example.test"}}
    }
    assert webhook(client, body, url="/api/v1/webhooks/zendesk/acme/").status_code == 201
