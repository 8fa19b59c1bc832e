import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from queues.models import Ticket, TicketMessage
from queues.services import ticket_reply
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets/"


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


def payload(**overrides):
    data = {
        "program": "shop",
        "external_id": "ZD-1",
        "subject": "Where is my order?",
        "body": "It is late.",
        "requester_email": "jo@example.test",
        "channel": "email",
        "ticket_type": "",
        "language": "en",
        "priority": "normal",
    }
    data.update(overrides)
    return data


def post(api, data):
    return api.post(URL, data=json.dumps(data), content_type="application/json")


def test_post_creates_routes_and_answers_the_contract(api, program, django_capture_on_commit_callbacks):
    freelancer = on_duty_freelancer(program)
    TicketTypeFactory(program=program, name="Order status", slug="order-status")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, payload(ticket_type="Order status"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "program",
        "external_id",
        "status",
        "tier",
        "queue",
        "assignee",
        "sla_due_at",
        "created_at",
    }
    assert body["program"] == "shop" and body["queue"] == "freelancer" and body["tier"] == 1
    # routing ran after commit; the ticket as read back through the API
    detail = api.get(f"{URL}{body['id']}/").json()
    assert detail["assignee"] == {"id": freelancer.pk, "name": str(freelancer)}
    ticket = Ticket.objects.get()
    assert ticket.ticket_type.slug == "order-status"
    assert (ticket.sla_due_at - ticket.created_at).total_seconds() == 3600


def test_posting_the_same_external_id_again_answers_200_and_creates_nothing(api, program):
    first = post(api, payload())
    again = post(api, payload(subject="changed"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1 and Ticket.objects.get().subject == "Where is my order?"


def test_ticket_type_by_slug_and_unknown_type_is_a_field_error(api, program):
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    assert post(api, payload(ticket_type="billing")).status_code == 201
    response = post(api, payload(external_id="ZD-2", ticket_type="astrology"))
    assert response.status_code == 400 and "ticket_type" in response.json()
    assert Ticket.objects.count() == 1


def test_unknown_program_is_a_field_error(api, program):
    response = post(api, payload(program="nope"))
    assert response.status_code == 400 and "program" in response.json()
    assert not Ticket.objects.exists()


def test_another_managers_program_is_404(api, program):
    ProgramFactory(slug="theirs")
    response = post(api, payload(program="theirs"))
    assert response.status_code == 404
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", ["subject", "body", "requester_email", "external_id"])
def test_missing_required_fields(api, program, field):
    data = payload()
    del data[field]
    response = post(api, data)
    assert response.status_code == 400 and field in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("channel", "pigeon"),
        ("priority", "whenever"),
        ("language", "english!"),
        ("requester_email", "not-an-email"),
    ],
)
def test_bad_values_are_field_errors(api, program, field, value):
    response = post(api, payload(**{field: value}))
    assert response.status_code == 400 and field in response.json()


def test_a_one_megabyte_body_is_refused_before_parsing(api, program):
    response = post(api, payload(body="x" * (1024 * 1024)))
    assert response.status_code == 400
    assert "too large" in str(response.json())
    assert not Ticket.objects.exists()


def test_non_json_body_is_400(api, program):
    response = api.post(URL, data="subject=hi", content_type="application/json")
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    assert api.post(URL, data="[1, 2]", content_type="application/json").status_code == 400


def test_html_in_body_is_stored_as_text(api, program):
    post(api, payload(body="<script>alert(1)</script>"))
    assert Ticket.objects.get().body == "<script>alert(1)</script>"


def test_no_token_is_401(program):
    assert (
        APIClient().post(URL, data=json.dumps(payload()), content_type="application/json").status_code == 401
    )


def test_an_unknown_token_or_an_inactive_user_is_401_and_stores_nothing(api, program, manager):
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "x" * 40)
    response = stranger.post(URL, data=json.dumps(payload()), content_type="application/json")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    manager.is_active = False
    manager.save()
    response = post(api, payload())
    assert response.status_code == 401 and response.json()["detail"] == "User inactive or deleted."
    assert not Ticket.objects.exists()


def test_a_superusers_token_may_post_to_any_program(program):
    from tests.accounts.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin).key}")
    assert post(client, payload()).status_code == 201
    assert Ticket.objects.get().received_by == admin


def test_intake_records_who_sent_it_and_the_timeline_starts_with_it(api, program, manager):
    from queues.models import TicketEvent
    from queues.selectors import ticket_timeline

    post(api, payload())
    ticket = Ticket.objects.get()
    assert ticket.received_by == manager
    # the ticket row is the creation record: intake writes no event row of its own
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.CREATED).exists()
    first = ticket_timeline(ticket=ticket)[0]
    assert (first.kind, first.actor, first.created_at, first.message) == (
        TicketEvent.Kind.CREATED,
        manager,
        ticket.created_at,
        "Received via API.",
    )


def test_get_detail_shows_replies_and_is_scoped(api, program, manager):
    ticket = TicketFactory(program=program)
    ticket_reply(ticket=ticket, author=manager, body="We are on it.")
    TicketMessage.objects.create(ticket=ticket, kind="note", author=manager, body="internal only")
    body = api.get(f"{URL}{ticket.pk}/").json()
    assert [r["body"] for r in body["replies"]] == ["We are on it."]
    assert body["first_response_at"] is not None
    other = TicketFactory(program=ProgramFactory())
    assert api.get(f"{URL}{other.pk}/").status_code == 404


def test_list_is_filtered_paginated_and_scoped(api, program):
    TicketFactory.create_batch(3, program=program, status=Ticket.Status.OPEN)
    TicketFactory(program=program, status=Ticket.Status.SOLVED)
    TicketFactory(program=ProgramFactory(), status=Ticket.Status.OPEN)
    body = api.get(URL, {"status": "open"}).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert api.get(URL, {"program": "shop"}).json()["count"] == 4


def test_list_query_count_does_not_grow(api, program, django_assert_max_num_queries):
    TicketFactory.create_batch(3, program=program, assignee=on_duty_freelancer(program))
    with django_assert_max_num_queries(6):
        api.get(URL)
    TicketFactory.create_batch(20, program=program, assignee=on_duty_freelancer(program))
    with django_assert_max_num_queries(6):
        api.get(URL)


def test_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/tickets/" in text and "/api/v1/webhooks/zendesk/{program_slug}/" in text
    assert "/api/v1/tickets/{id}/messages/" in text and "tokenAuth" in text


def test_broker_down_at_intake_still_answers_201_and_the_sweep_routes_later(
    api, program, settings, django_capture_on_commit_callbacks
):
    from queues.services import queues_sweep

    on_duty_freelancer(program)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(api, payload())
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.routed_at is None and ticket.assignee is None
    assert queues_sweep()["routed"] == 1
    ticket.refresh_from_db()
    assert ticket.assignee is not None


# The Zendesk webhook's tests are in tests/channels/test_webhook.py (the webhook moved to channels).


# --- the customer writes again -------------------------------------------------------------------------------


def follow_up(api, ticket, **data):
    return api.post(f"{URL}{ticket.pk}/messages/", data=json.dumps(data), content_type="application/json")


def test_a_follow_up_on_a_pending_ticket_opens_it_and_restarts_its_clock(api, program):
    # Given a ticket pending on the customer for an hour, with two hours of resolution time left when it paused
    import datetime

    from django.utils import timezone

    from queues.models import TicketEvent

    paused = timezone.now() - datetime.timedelta(hours=1)
    ticket = TicketFactory(
        program=program,
        status=Ticket.Status.PENDING,
        first_response_at=paused,
        sla_paused_at=paused,
        resolution_due_at=paused + datetime.timedelta(hours=2),
        next_due_at=None,
    )
    # When the helpdesk sends the customer's answer (HTML and all)
    response = follow_up(api, ticket, body="Order 1234 <script>x()</script>", external_id="c-1")
    # Then it is recorded as the customer's, the ticket is open, and the two hours run from now
    assert response.status_code == 201
    body = response.json()
    assert body["ticket"]["status"] == "open" and body["external_id"] == "c-1"
    ticket.refresh_from_db()
    message = TicketMessage.objects.get(ticket=ticket)
    assert (message.kind, message.body) == ("customer", "Order 1234 <script>x()</script>")
    assert ticket.sla_paused_at is None and ticket.next_due_at == ticket.resolution_due_at
    assert ticket.resolution_due_at > timezone.now() + datetime.timedelta(minutes=119)
    assert ticket.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLIED).count() == 1
    # And the same delivery again changes nothing
    again = follow_up(api, ticket, body="Order 1234 <script>x()</script>", external_id="c-1")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_a_follow_up_reopens_a_solved_ticket_and_a_closed_one_refuses(api, program):
    from django.utils import timezone

    solved = TicketFactory(
        program=program, status=Ticket.Status.SOLVED, solved_at=timezone.now(), resolution_met=True
    )
    assert follow_up(api, solved, body="Still broken.").status_code == 201
    solved.refresh_from_db()
    assert solved.status == Ticket.Status.OPEN and solved.solved_at is None and solved.resolution_met is None
    closed = TicketFactory(program=program, status=Ticket.Status.CLOSED)
    response = follow_up(api, closed, body="Hello again")
    assert response.status_code == 400 and "closed" in response.json()["non_field_errors"][0]
    assert not TicketMessage.objects.filter(ticket=closed).exists()


def test_a_follow_up_needs_a_body_and_a_ticket_of_your_programs(api, program):
    ticket = TicketFactory(program=program)
    response = follow_up(api, ticket, body="")
    assert response.status_code == 400 and "body" in response.json()
    other = TicketFactory(program=ProgramFactory())
    assert follow_up(api, other, body="Hi").status_code == 404
    big = api.post(
        f"{URL}{ticket.pk}/messages/",
        data=json.dumps({"body": "x" * 1024 * 1024}),
        content_type="application/json",
    )
    assert big.status_code == 400
    assert not TicketMessage.objects.exists()


def test_the_written_out_intake_answer_is_the_serializers(program):
    from queues.serializers import TicketSerializer, ticket_payload

    freelancer = on_duty_freelancer(program)
    tickets = [
        TicketFactory(program=program),
        TicketFactory(program=program, assignee=freelancer),
        TicketFactory(program=program, sla_due_at=None),
    ]
    for ticket in tickets:
        assert ticket_payload(ticket) == TicketSerializer(ticket).data


# --- bad input is a 400, errors are JSON -------------------------------------------------------------------

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


def test_deeply_nested_json_is_a_400_not_a_500(api, program):
    response = api.post(URL, data=DEEP, content_type="application/json")
    assert response.status_code == 400 and "nests deeper" in response.json()["detail"]
    deep = 1
    for _ in range(
        40
    ):  # a valid ticket with one extra key nested 40 deep: refused before the fields are read
        deep = [deep]
    response = post(api, {**payload(), "extra": deep})
    assert response.status_code == 400 and "nests deeper" in response.json()["detail"]
    ticket = TicketFactory(program=program)
    assert (
        api.post(f"{URL}{ticket.pk}/messages/", data=DEEP, content_type="application/json").status_code == 400
    )
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-03-01T10:00:00+16:00",
        "2026-03-01T10:00:00-16:00",
        "last tuesday",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_an_impossible_or_unparseable_updated_since_is_a_400(api, program, value):
    TicketFactory(program=program)
    response = api.get(URL, {"updated_since": value})
    assert response.status_code == 400 and "updated_since" in response.json()


def test_updated_since_filters_and_reads_a_time_without_offset_as_utc(api, program):
    import datetime

    old = TicketFactory(program=program)
    Ticket.objects.filter(pk=old.pk).update(updated_at=datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC))
    new = TicketFactory(program=program)
    Ticket.objects.filter(pk=new.pk).update(updated_at=datetime.datetime(2026, 2, 1, 12, tzinfo=datetime.UTC))
    assert [t["id"] for t in api.get(URL, {"updated_since": "2026-01-15T00:00:00Z"}).json()["results"]] == [
        new.pk
    ]
    assert [t["id"] for t in api.get(URL, {"updated_since": "2026-02-01T12:00"}).json()["results"]] == [
        new.pk
    ]
    assert api.get(URL, {"updated_since": "2026-02-01T13:00:00+02:00"}).json()["count"] == 1


@pytest.mark.parametrize(
    "path",
    [
        f"{URL}abc/",
        f"{URL}99999999999999999999999/",
        "/api/v1/nothing-here/",
        f"{URL}99999999999999999999999/messages/",
    ],
)
def test_unknown_api_paths_and_ids_answer_json_404(api, program, path):
    response = (
        api.get(path)
        if not path.endswith("messages/")
        else api.post(path, data=json.dumps({"body": "hi"}), content_type="application/json")
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()


def test_pages_outside_the_api_keep_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- the request path reads from the cache (accounts.authentication, queues.intake_cache) ----------------


def test_a_second_intake_runs_one_statement(api, program, django_assert_num_queries):
    # warm (two requests: the token's copy, then its user's), the token's user and the program with its policy
    # come from the cache: the INSERT (with the counters' share) reaches the database, and in tests, where
    # routing runs at commit, the answer's read of the routed ticket
    for n in range(2):
        assert post(api, payload(external_id=f"W-{n}")).status_code == 201
    with django_assert_num_queries(2) as captured:
        assert post(api, payload(external_id="W-2")).status_code == 201
    assert captured.captured_queries[0]["sql"].startswith("WITH t AS (INSERT")


def test_a_new_sla_policy_applies_to_the_next_ticket(api, program):
    from queues.models import QueueSettings

    assert post(api, payload(external_id="P-1")).status_code == 201
    settings, _ = QueueSettings.objects.get_or_create(program=program)
    settings.first_response_minutes = 7
    settings.save()
    assert post(api, payload(external_id="P-2")).status_code == 201
    ticket = Ticket.objects.get(external_id="P-2")
    assert (ticket.sla_due_at - ticket.created_at).total_seconds() <= 7 * 60


def test_a_manager_removed_from_the_program_is_refused_at_once(api, program, manager):
    assert post(api, payload(external_id="M-1")).status_code == 201
    program.managers.remove(manager)
    assert post(api, payload(external_id="M-2")).status_code == 404


def test_a_renamed_program_answers_by_its_new_slug_only(api, program):
    assert post(api, payload(external_id="R-1")).status_code == 201
    program.slug = "shop-2"
    program.save()
    assert post(api, payload(external_id="R-2")).status_code == 400
    assert post(api, payload(program="shop-2", external_id="R-3")).status_code == 201
    assert Ticket.objects.get(external_id="R-3").program_id == program.pk


def test_a_deleted_program_is_not_answered_from_the_cache(api, program):
    assert post(api, payload(external_id="D-1")).status_code == 201
    Ticket.objects.filter(program=program).delete()
    program.delete()
    assert post(api, payload(external_id="D-2")).status_code == 400
