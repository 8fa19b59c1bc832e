"""POST /api/v1/tickets/batch/: many tickets of one program in one request, all or none (issue #22, item 5)."""

import json
from dataclasses import replace

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from queues.models import Ticket
from queues.services.intake import MAX_BATCH, IntakeBatchError, TicketIn, tickets_intake
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets/batch/"


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    return ProgramFactory(slug="shop", managers=[manager])


@pytest.fixture
def api(manager):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    return client


def item(n, **overrides):
    data = {
        "external_id": f"ZD-{n}",
        "subject": f"Where is order {n}?",
        "body": "It is late.",
        "requester_email": f"jo{n}@example.test",
    }
    data.update(overrides)
    return data


def post(api, tickets, program="shop"):
    return api.post(
        URL, data=json.dumps({"program": program, "tickets": tickets}), content_type="application/json"
    )


def test_a_batch_is_taken_in_answered_in_order_and_routed_once(
    api, program, manager, django_capture_on_commit_callbacks
):
    # Given a freelancer with room and a ticket type
    freelancer = on_duty_freelancer(program, max_open_tickets=10)
    TicketTypeFactory(program=program, name="Order status", slug="order-status")
    # When three tickets come in one request
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(api, [item(1, ticket_type="Order status"), item(2, priority="high"), item(3)])
    # Then each is answered in the order sent, created, with the id it has
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["existing"]) == (3, 0)
    assert [t["external_id"] for t in body["tickets"]] == ["ZD-1", "ZD-2", "ZD-3"]
    assert all(t["created"] for t in body["tickets"])
    tickets = {t.external_id: t for t in Ticket.objects.all()}
    assert [t["id"] for t in body["tickets"]] == [tickets[f"ZD-{n}"].pk for n in (1, 2, 3)]
    assert tickets["ZD-1"].ticket_type.slug == "order-status" and tickets["ZD-2"].priority == "high"
    assert {t.source for t in tickets.values()} == {"api"}
    assert {t.received_by for t in tickets.values()} == {manager}
    # and routing was enqueued once for the batch, and assigned every ticket
    assert len(callbacks) == 1
    assert {t.assignee_id for t in Ticket.objects.all()} == {freelancer.pk}


def test_one_bad_item_answers_its_index_and_field_errors_and_nothing_is_taken_in(api, program):
    response = post(api, [item(1), item(2, requester_email="not-an-email"), item(3), item(4, subject="")])
    assert response.status_code == 400
    errors = response.json()["tickets"]
    assert set(errors) == {"1", "3"}
    assert "requester_email" in errors["1"] and "subject" in errors["3"]
    assert not Ticket.objects.exists()


def test_an_unknown_ticket_type_is_an_item_error(api, program):
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    response = post(api, [item(1, ticket_type="BILLING"), item(2, ticket_type="astrology")])
    assert response.status_code == 400
    assert list(response.json()["tickets"]) == ["1"]
    assert "astrology" in response.json()["tickets"]["1"]["ticket_type"][0]
    assert not Ticket.objects.exists()


def test_more_than_the_limit_or_none_is_refused(api, program):
    response = post(api, [item(n) for n in range(MAX_BATCH + 1)])
    assert response.status_code == 400 and "tickets" in response.json()
    assert post(api, []).status_code == 400
    assert api.post(URL, data="[1]", content_type="application/json").status_code == 400
    assert not Ticket.objects.exists()


def test_a_body_over_the_limit_is_refused_before_parsing(api, program):
    response = post(api, [item(1, body="x" * (2 * 1024 * 1024))])
    assert response.status_code == 400 and "too large" in str(response.json())
    assert not Ticket.objects.exists()


def test_the_same_batch_again_answers_200_with_the_same_tickets_and_changes_nothing(api, program):
    first = post(api, [item(1), item(2)])
    again = post(api, [item(1, subject="changed"), item(2)])
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["tickets"] == [dict(t, created=False) for t in first.json()["tickets"]]
    assert (again.json()["created"], again.json()["existing"]) == (0, 2)
    assert (
        Ticket.objects.count() == 2 and Ticket.objects.get(external_id="ZD-1").subject == "Where is order 1?"
    )


def test_tickets_received_before_or_earlier_in_the_batch_answer_with_that_ticket(api, program):
    old = TicketFactory(program=program, external_id="ZD-1")
    response = post(api, [item(1), item(2), item(2, subject="again")])
    assert response.status_code == 201
    tickets = response.json()["tickets"]
    assert [(t["id"] == old.pk, t["created"]) for t in tickets] == [
        (True, False),
        (False, True),
        (False, False),
    ]
    assert tickets[1]["id"] == tickets[2]["id"]
    assert (
        Ticket.objects.count() == 2 and Ticket.objects.get(external_id="ZD-2").subject == "Where is order 2?"
    )


def test_the_service_answers_a_ticket_received_before_even_if_it_breaks_a_rule_now(program):
    # as one intake does: a repeated delivery is answered with its ticket; a new bad one stops the batch
    old = TicketFactory(program=program, external_id="ZD-1")
    ok = TicketIn(external_id="ZD-2", subject="Fine", body="b", requester_email="a@example.test")
    bad = TicketIn(external_id="ZD-1", subject="x" * 300, body="b", requester_email="a@example.test")
    answered = tickets_intake(program=program, tickets=[bad, ok])
    assert [(t.pk == old.pk, created) for t, created in answered] == [(True, False), (False, True)]
    with pytest.raises(IntakeBatchError) as raised:
        tickets_intake(program=program, tickets=[ok, replace(bad, external_id="ZD-3")])
    assert list(raised.value.errors) == [1]
    assert "subject" in raised.value.as_dict()["tickets"]["1"]
    assert not Ticket.objects.filter(external_id="ZD-3").exists()


def test_another_managers_program_is_404_an_unknown_one_400_and_no_token_401(api, program):
    ProgramFactory(slug="theirs")
    assert post(api, [item(1)], program="theirs").status_code == 404
    response = post(api, [item(1)], program="nope")
    assert response.status_code == 400 and "program" in response.json()
    assert post(APIClient(), [item(1)]).status_code == 401
    assert not Ticket.objects.exists()


def test_the_batch_runs_the_same_queries_for_one_ticket_as_for_a_full_batch(
    api, program, django_assert_num_queries
):
    # cold: the token's user, the program with its policy, and one statement that inserts the tickets and adds
    # their share of the queue counters (queues.counters.counters_insert); routing is enqueued after commit
    with django_assert_num_queries(3):
        assert post(api, [item(0)]).status_code == 201
    # the next reads the token's user into the user's own copy (accounts.user_cache)
    assert post(api, [item(-1)]).status_code == 201
    # warm: the token, its user and the program come from the cache; one statement whatever the batch's size
    with django_assert_num_queries(1):
        assert post(api, [item(n) for n in range(1, MAX_BATCH + 1)]).status_code == 201
    with django_assert_num_queries(1):
        assert post(api, [item("one")]).status_code == 201
    assert Ticket.objects.count() == MAX_BATCH + 3
    # ticket types are one more query, whatever the number of types named
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    TicketTypeFactory(program=program, name="Order status", slug="order-status")
    with django_assert_num_queries(2):
        types = ["billing", "Order status"]
        response = post(api, [item(f"T{n}", ticket_type=types[n % 2]) for n in range(100)])
        assert response.status_code == 201


def test_the_openapi_schema_documents_the_batch(client):
    text = client.get("/api/schema/").content.decode()
    assert "/api/v1/tickets/batch/" in text and "TicketBatchIntakeResult" in text


def test_a_ticket_taken_in_reads_back_as_it_was_built(program, manager):
    # the INSERT leaves out the columns empty on every ticket of the batch: they must read back empty, and
    # every other value as intake set it
    ticket_type = TicketTypeFactory(program=program, name="Billing", slug="billing", tier=2)
    items = [
        TicketIn(
            external_id="A",
            subject=" Hi ",
            body="b",
            requester_email="a@example.test",
            tags=["x", "x", "y"],
            ticket_type=ticket_type,
        ),
        TicketIn(
            external_id="B", subject="Hello", body="c", requester_email="b@example.test", language="PT-BR"
        ),
    ]
    answered = tickets_intake(program=program, tickets=items, actor=manager)
    for built, created in answered:
        assert created
        stored = Ticket.objects.get(pk=built.pk)
        for field in Ticket._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(built, field.attname), field.name
    first, second = (Ticket.objects.get(pk=t.pk) for t, _created in answered)
    assert (first.subject, first.tags, first.tier, first.received_by) == ("Hi", ["x", "y"], 2, manager)
    assert second.language == "pt-br" and second.ticket_type is None and second.assignee is None
