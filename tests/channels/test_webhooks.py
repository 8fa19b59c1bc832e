"""Outbound webhooks: queues' events become signed POSTs to the endpoints a manager registered, through the
outbox. The receiving system lives outside this machine: respx replaces it at the HTTP boundary."""

import datetime
import json
import re
import socket

import httpx
import pytest
import respx
from django.utils import timezone

from accounts.models import User
from channels.errors import ChannelError
from channels.models import WebhookEndpoint
from channels.webhooks import schema as webhook_schema
from channels.webhooks.services import webhook_endpoint_create
from core.models import AuditLog, OutboxMessage
from core.outbox import outbox_deliver
from queues.models import QueueSettings
from queues.services import ticket_escalate, ticket_note_add, ticket_reply, ticket_solve
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
HOOK = "https://hooks.example.test/flexdesk"
ALL = WebhookEndpoint.Event.values


@pytest.fixture
def manager():
    return ManagerFactory(display_name="Mia Manager")


@pytest.fixture
def program(manager):
    return ProgramFactory(slug="shop", managers=[manager])  # API only: no channel row


@pytest.fixture
def freelancer(program):
    freelancer = on_duty_freelancer(program)
    freelancer.user.display_name = "Fran Lancer"
    freelancer.user.save(update_fields=["display_name"])
    return freelancer


@pytest.fixture
def ticket(program, freelancer):
    return TicketFactory(program=program, external_id="CRM-77", subject="Parcel lost", assignee=freelancer)


def endpoint(program, *, url=HOOK, events=ALL, actor=None, active=True):
    created, secret = webhook_endpoint_create(program=program, actor=actor, url=url, event_types=list(events))
    if not active:
        WebhookEndpoint.objects.filter(pk=created.pk).update(is_active=False)
    return created, secret


def deliveries(of=None):
    queryset = OutboxMessage.objects.filter(kind="webhook.post").order_by("pk")
    if of is not None:
        queryset = queryset.filter(subject_id=str(of.pk))
    return list(queryset)


def verify_function():
    """The receiver's verification code exactly as /api/docs/ prints it."""
    code = re.search(r"```python\n(.*?)```", webhook_schema.VERIFYING, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 — our own documentation's example, run as a receiver would
    return namespace["verify"]


@pytest.fixture
def receiver():
    with respx.mock(assert_all_called=False) as mock:
        yield mock


# --- which events become deliveries --------------------------------------------------------------------


def test_an_event_is_one_delivery_per_subscribed_active_endpoint_of_the_program(program, freelancer, ticket):
    everything, _ = endpoint(program)
    only_status, _ = endpoint(program, url="https://status.example.test/", events=["ticket.status_changed"])
    endpoint(program, url="https://off.example.test/", active=False)
    endpoint(ProgramFactory(slug="other"), url="https://other.example.test/")

    note = ticket_note_add(
        ticket=ticket, author=freelancer.user, body="Customer sounds upset.", freelancer=freelancer
    )

    [message] = deliveries()
    assert (message.subject_id, message.program_id, message.status) == (
        str(everything.pk),
        program.pk,
        "queued",
    )
    assert message.ordering_key == f"webhook:{everything.pk}:ticket:{ticket.pk}"
    assert message.dedupe_key.startswith(f"webhook:{everything.pk}:event:")
    assert message.payload["document"]["data"]["message"]["id"] == note.pk

    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    kinds = [(m.subject_id, m.payload["document"]["type"]) for m in deliveries()]
    assert kinds == [
        (str(everything.pk), "ticket.noted"),
        (str(everything.pk), "ticket.status_changed"),
        (str(only_status.pk), "ticket.status_changed"),
    ]


def test_no_endpoint_no_delivery_and_a_rollback_leaves_none(program, freelancer, ticket):
    ticket_note_add(ticket=ticket, author=freelancer.user, body="No endpoints yet.", freelancer=freelancer)
    assert deliveries() == []
    endpoint(program)
    with pytest.raises(ChannelError):
        # written in the change's transaction: a change that fails leaves no delivery behind
        from django.db import transaction

        with transaction.atomic():
            ticket_note_add(ticket=ticket, author=freelancer.user, body="Rolled back.", freelancer=freelancer)
            raise ChannelError("boom")
    assert deliveries() == []


def test_escalation_and_status_documents(program, freelancer, ticket):
    hook, _ = endpoint(program)
    reason, label = QueueSettings.for_program(program).reason_choices()[0]
    ticket_escalate(
        ticket=ticket, freelancer=freelancer, reason=reason, note="Needs a refund over the limit."
    )
    [escalated] = deliveries()
    data = escalated.payload["document"]["data"]
    assert data["escalation"] == {
        "reason": reason,
        "reason_label": label,
        "note": "Needs a refund over the limit.",
    }
    assert (data["ticket"]["queue"], data["ticket"]["assignee"]) == ("inhouse", None)
    assert escalated.subject_id == str(hook.pk)


# --- the request -------------------------------------------------------------------------------------


def test_the_post_is_exactly_the_documented_request_and_its_signature_verifies(
    program, freelancer, ticket, receiver
):
    hook, secret = endpoint(program)
    route = receiver.post(HOOK).mock(return_value=httpx.Response(204))
    reply = ticket_reply(
        ticket=ticket, author=freelancer.user, body="Your parcel is on its way.", freelancer=freelancer
    )
    [message] = deliveries()

    assert outbox_deliver(message_id=message.pk) == "sent"

    request = route.calls[0].request
    body = request.content
    headers = {
        name: request.headers[name]
        for name in (
            "Content-Type",
            "X-Flexdesk-Event",
            "X-Flexdesk-Delivery",
            "X-Flexdesk-Timestamp",
            "X-Flexdesk-Signature",
        )
    }
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Flexdesk-Event"] == "ticket.replied"
    assert headers["X-Flexdesk-Delivery"] == str(message.pk)
    assert abs(int(headers["X-Flexdesk-Timestamp"]) - timezone.now().timestamp()) < 5
    assert verify_function()(secret, headers, body)
    assert not verify_function()("another-secret", headers, body)
    assert not verify_function()(secret, headers, body.replace(b"on its way", b"lost for good"))
    stale = {**headers, "X-Flexdesk-Timestamp": str(int(headers["X-Flexdesk-Timestamp"]) - 301)}
    assert not verify_function()(secret, stale, body)
    assert json.loads(body) == {
        "id": message.pk,
        "type": "ticket.replied",
        "created_at": json.loads(body)["created_at"],
        "program": "shop",
        "data": {
            "ticket": {
                "id": ticket.pk,
                "external_id": "CRM-77",
                "subject": "Parcel lost",
                "status": "open",
                "queue": "freelancer",
                "assignee": {"name": "Fran Lancer", "email": freelancer.user.email},
            },
            "message": {
                "id": reply.pk,
                "body": "Your parcel is on its way.",
                "author": {"name": "Fran Lancer", "email": freelancer.user.email},
                "created_at": reply.created_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
            },
        },
    }
    message.refresh_from_db()
    assert message.result == {"status_code": 204, "endpoint_id": hook.pk}


def test_500_then_recovery_is_sent_once_with_the_same_delivery_id_and_a_fresh_signature(
    program, freelancer, ticket, receiver
):
    _hook, secret = endpoint(program)
    route = receiver.post(HOOK).mock(
        side_effect=[httpx.Response(500, text="upstream down"), httpx.Response(200)]
    )
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries()

    assert outbox_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert "500: upstream down" in message.last_error and message.next_attempt_at > timezone.now()
    later = timezone.now() + datetime.timedelta(hours=1)
    assert outbox_deliver(message_id=message.pk, now=later) == "sent"
    assert outbox_deliver(message_id=message.pk, now=later) == "sent"  # nothing twice
    assert route.call_count == 2
    first, second = (call.request for call in route.calls)
    assert first.headers["X-Flexdesk-Delivery"] == second.headers["X-Flexdesk-Delivery"] == str(message.pk)
    assert first.content == second.content
    for request in (first, second):
        assert verify_function()(secret, request.headers, request.content)


def test_a_timeout_is_retried(program, freelancer, ticket, receiver):
    endpoint(program)
    receiver.post(HOOK).mock(side_effect=httpx.ReadTimeout("slow"))
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries()
    assert outbox_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert "did not answer in time" in message.last_error


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(program, freelancer, ticket, receiver, status):
    endpoint(program)
    route = receiver.post(HOOK).mock(
        side_effect=[httpx.Response(status, headers={"Retry-After": "120"}), httpx.Response(200)]
    )
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries()
    before = timezone.now()
    assert outbox_deliver(message_id=message.pk, now=before) == "queued"
    message.refresh_from_db()
    assert 119 <= (message.next_attempt_at - before).total_seconds() <= 125
    assert outbox_deliver(message_id=message.pk, now=before + datetime.timedelta(seconds=60)) == "not due"
    assert outbox_deliver(message_id=message.pk, now=before + datetime.timedelta(seconds=126)) == "sent"
    assert route.call_count == 2


def test_410_fails_at_once_shows_in_the_log_and_retry_sends_it(
    client, manager, program, freelancer, ticket, receiver, django_capture_on_commit_callbacks
):
    hook, _ = endpoint(program)
    answer = "Gone: this receiver was retired. " + "x" * 400
    route = receiver.post(HOOK).mock(side_effect=[httpx.Response(410, text=answer), httpx.Response(200)])
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries()
    assert outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error == f"The endpoint answered 410: {answer[:300]}"
    assert message.attempts == 1

    client.force_login(manager)
    page = client.get(f"/manage/channels/shop/webhooks/{hook.pk}/").content.decode()
    retry = f"/manage/channels/shop/webhooks/{hook.pk}/deliveries/{message.pk}/retry/"
    assert (
        "The endpoint answered 410: Gone: this receiver was retired." in page and f'action="{retry}"' in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    message.refresh_from_db()
    assert message.status == "sent" and route.call_count == 2
    assert AuditLog.objects.filter(verb="outbox.retried", actor=manager).exists()


def test_a_delivery_of_another_endpoint_cannot_be_retried_through_this_one(
    client, manager, program, freelancer, ticket, receiver
):
    first, _ = endpoint(program)
    second, _ = endpoint(program, url="https://second.example.test/")
    receiver.post("https://second.example.test/").mock(return_value=httpx.Response(400))
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries(of=second)
    assert outbox_deliver(message_id=message.pk) == "failed"
    client.force_login(manager)
    response = client.post(f"/manage/channels/shop/webhooks/{first.pk}/deliveries/{message.pk}/retry/")
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.status == "failed"


# --- where Flexdesk may send (SSRF) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.test/",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/",
        "https://192.168.1.20/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost/",
        "https://api.localhost/",
        "https://0.0.0.0/",
        "ftp://hooks.example.test/",
    ],
)
def test_production_refuses_plain_http_and_private_hosts(program, manager, settings, url):
    settings.OUTBOUND_WEBHOOKS_ALLOW_LOCAL = False
    with pytest.raises(ChannelError) as refused:
        webhook_endpoint_create(program=program, actor=manager, url=url, event_types=ALL)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_production_resolves_the_name_and_refuses_one_that_points_inside(
    program, manager, settings, monkeypatch
):
    settings.OUTBOUND_WEBHOOKS_ALLOW_LOCAL = False
    addresses = {"crm.example.com": ["93.184.215.14"], "sneaky.example.com": ["93.184.215.14", "10.1.2.3"]}

    def fake_getaddrinfo(host, *args, **kwargs):
        if host not in addresses:
            raise socket.gaierror("not found")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in addresses[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    created, _ = webhook_endpoint_create(
        program=program, actor=manager, url="https://crm.example.com/hook", event_types=ALL
    )
    assert created.pk
    for url, words in [
        ("https://sneaky.example.com/", "private"),
        ("https://nowhere.example.com/", "not be found"),
    ]:
        with pytest.raises(ChannelError, match=words):
            webhook_endpoint_create(program=program, actor=manager, url=url, event_types=ALL)


def test_a_delivery_is_checked_again_before_it_is_sent(program, freelancer, ticket, settings, receiver):
    endpoint(program, url="https://127.0.0.1:9/hook")  # allowed while local fakes are
    route = receiver.post("https://127.0.0.1:9/hook").mock(return_value=httpx.Response(200))
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    [message] = deliveries()
    settings.OUTBOUND_WEBHOOKS_ALLOW_LOCAL = False
    assert outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error.startswith("Not sent: 127.0.0.1 is a private, loopback or reserved address")
    assert route.call_count == 0


# --- the pages --------------------------------------------------------------------------------------


def test_the_secret_is_shown_once_at_creation_and_once_per_rotation(
    client, manager, program, freelancer, ticket, receiver
):
    client.force_login(manager)
    response = client.post(
        "/manage/channels/shop/webhooks/",
        {"url": HOOK, "description": "CRM sync", "event_types": ["ticket.replied", "ticket.noted"]},
    )
    assert response.status_code == 200
    hook = WebhookEndpoint.objects.get()
    secret = hook.signing_secret
    assert len(secret) >= 43 and secret in response.content.decode()
    assert secret not in hook.secret_encrypted and hook.event_types == ["ticket.replied", "ticket.noted"]
    assert hook.created_by == manager
    detail = f"/manage/channels/shop/webhooks/{hook.pk}/"
    for url in (
        "/manage/channels/shop/webhooks/",
        detail,
        f"/admin/channels/webhookendpoint/{hook.pk}/change/",
    ):
        if url.startswith("/admin/"):
            manager.is_staff = manager.is_superuser = True
            manager.save()
        page = client.get(url)
        assert page.status_code == 200, url
        assert secret not in page.content.decode(), url
    assert AuditLog.objects.filter(verb="channels.webhook_created").exists()
    assert secret not in json.dumps(list(AuditLog.objects.values_list("data", flat=True)))

    rotated = client.post(detail + "rotate/")
    hook.refresh_from_db()
    new_secret = hook.signing_secret
    assert new_secret != secret and new_secret in rotated.content.decode()
    assert new_secret not in client.get(detail).content.decode()
    # deliveries from now on carry the new secret's signature
    route = receiver.post(HOOK).mock(return_value=httpx.Response(200))
    ticket_note_add(ticket=ticket, author=freelancer.user, body="After rotation.", freelancer=freelancer)
    outbox_deliver(message_id=deliveries()[0].pk)
    request = route.calls[0].request
    assert verify_function()(new_secret, request.headers, request.content)
    assert not verify_function()(secret, request.headers, request.content)


def test_bad_input_shows_the_field_error_and_registers_nothing(client, manager, program, settings):
    settings.OUTBOUND_WEBHOOKS_ALLOW_LOCAL = False
    client.force_login(manager)
    response = client.post(
        "/manage/channels/shop/webhooks/", {"url": "https://10.0.0.1/", "event_types": ALL}
    )
    assert response.status_code == 400 and "private, loopback or reserved" in response.content.decode()
    response = client.post("/manage/channels/shop/webhooks/", {"url": HOOK, "event_types": []})
    assert response.status_code == 400 and "Pick at least one event." in response.content.decode()
    response = client.post(
        "/manage/channels/shop/webhooks/", {"url": HOOK, "event_types": ["ticket.deleted"]}
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_deactivating_or_deleting_cancels_what_was_not_sent(client, manager, program, freelancer, ticket):
    hook, _ = endpoint(program)
    other, _ = endpoint(program, url="https://other.example.test/")
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    client.force_login(manager)
    assert client.post(f"/manage/channels/shop/webhooks/{hook.pk}/deactivate/").status_code == 302
    hook.refresh_from_db()
    assert not hook.is_active
    assert [m.status for m in deliveries(of=hook)] == ["cancelled"]
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Second.", freelancer=freelancer)
    assert len(deliveries(of=hook)) == 1 and len(deliveries(of=other)) == 2
    assert client.post(f"/manage/channels/shop/webhooks/{other.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=other.pk).exists()
    assert {m.status for m in deliveries(of=other)} == {"cancelled"}
    assert client.post(f"/manage/channels/shop/webhooks/{hook.pk}/activate/").status_code == 302
    hook.refresh_from_db()
    assert hook.is_active


def test_an_agent_is_refused_and_another_programs_manager_finds_nothing(client, program):
    hook, _ = endpoint(program)
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    urls = [
        "/manage/channels/shop/webhooks/",
        f"/manage/channels/shop/webhooks/{hook.pk}/",
        f"/manage/channels/shop/webhooks/{hook.pk}/rotate/",
    ]
    client.force_login(agent)
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    outsider = ManagerFactory()
    ProgramFactory(slug="theirs", managers=[outsider])
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert client.get(f"/manage/channels/theirs/webhooks/{hook.pk}/").status_code == 404
    hook.refresh_from_db()
    assert hook.is_active and AuditLog.objects.filter(verb="channels.webhook_secret_rotated").count() == 0


def test_the_channel_page_links_the_webhooks(client, manager, program):
    client.force_login(manager)
    assert (
        'href="/manage/channels/shop/webhooks/"'
        in client.get("/manage/channels/shop/zendesk/").content.decode()
    )


def test_the_log_and_the_list_do_a_constant_number_of_queries(
    client, manager, program, freelancer, django_assert_max_num_queries
):
    hook, _ = endpoint(program)
    client.force_login(manager)

    def add(n):
        for _ in range(n):
            ticket = TicketFactory(program=program, assignee=freelancer)
            ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)

    add(2)
    with django_assert_max_num_queries(50) as few:
        assert client.get(f"/manage/channels/shop/webhooks/{hook.pk}/").status_code == 200
    with django_assert_max_num_queries(50) as few_list:
        assert client.get("/manage/channels/shop/webhooks/").status_code == 200
    add(15)
    endpoint(program, url="https://more.example.test/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/manage/channels/shop/webhooks/{hook.pk}/")
    assert page.content.decode().count("ticket.noted #") == 17
    with django_assert_max_num_queries(len(few_list.captured_queries)):
        assert client.get("/manage/channels/shop/webhooks/").status_code == 200


# --- the documentation -------------------------------------------------------------------------------


def test_api_docs_document_each_event_its_headers_and_the_verification(client, program, freelancer, ticket):
    import jsonschema

    document = client.get("/api/schema/?format=json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == set(ALL)
    headers = {p["name"] for p in document["webhooks"]["ticket.replied"]["post"]["parameters"]}
    assert headers == {
        "X-Flexdesk-Event",
        "X-Flexdesk-Delivery",
        "X-Flexdesk-Timestamp",
        "X-Flexdesk-Signature",
    }
    assert "hmac.compare_digest" in document["info"]["description"]
    # a real delivery of each kind matches the schema the docs give for it
    endpoint(program)
    reason = QueueSettings.for_program(program).reason_choices()[0][0]
    ticket_reply(ticket=ticket, author=freelancer.user, body="Hello.", freelancer=freelancer)
    ticket_note_add(ticket=ticket, author=freelancer.user, body="Note.", freelancer=freelancer)
    second = TicketFactory(program=program, assignee=freelancer)
    ticket_escalate(ticket=second, freelancer=freelancer, reason=reason, note="Over my limit, please.")
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    from queues.services import ticket_reassign

    ticket_reassign(
        ticket=TicketFactory(program=program), actor=program.managers.first(), freelancer=freelancer
    )
    from channels.webhooks.delivery import webhook_body

    seen = set()
    for message in deliveries():
        body = json.loads(webhook_body(message))
        operation = document["webhooks"][body["type"]]["post"]
        wanted = {
            **operation["requestBody"]["content"]["application/json"]["schema"],
            "components": document["components"],
        }
        jsonschema.validate(body, wanted)
        seen.add(body["type"])
    assert seen == set(ALL)
