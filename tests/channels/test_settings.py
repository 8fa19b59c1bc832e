"""The program's channel page in /manage/ (support managers only) and what the portal says about replies."""

import httpx
import pytest

from accounts.models import User
from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from core.models import AuditLog
from core.outbox import outbox_deliver
from queues.services import ticket_reply
from tests.accounts.factories import UserFactory
from tests.channels.conftest import BASE, update_answer
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
URL = "/manage/channels/acme/zendesk/"


def form_data(**overrides):
    data = {
        "channel_kind": "zendesk",
        "subdomain": "acme",
        "base_url": BASE,
        "api_email": "api@acme.test",
        "api_token": "",
        "webhook_signing_secret": "",
        "in_house_group_id": "360001",
        "routing_tag": "flexdesk",
    }
    data.update(overrides)
    return data


def test_the_page_shows_the_webhook_to_set_up_and_never_the_secrets(client, program, manager):
    client.force_login(manager)
    response = client.get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "http://testserver/api/v1/channels/zendesk/acme/webhook/" in text
    assert "zen:event-type:ticket.comment_added" in text and "{{ticket.requester.email}}" in text
    assert "zd-token" not in text and "dGhpcyBpcyBhIHNlY3JldA==" not in text


def test_saving_with_blank_secrets_keeps_them_and_stores_them_encrypted(client, program, manager):
    client.force_login(manager)
    assert client.post(URL + "save/", form_data(subdomain="acme2")).status_code == 302
    connection = ZendeskConnection.objects.get(program=program)
    assert connection.subdomain == "acme2"
    assert (connection.api_token, connection.webhook_signing_secret) == (
        "zd-token",
        "dGhpcyBpcyBhIHNlY3JldA==",
    )
    assert client.post(URL + "save/", form_data(api_token="new-token")).status_code == 302
    connection.refresh_from_db()
    assert connection.api_token == "new-token" and "new-token" not in connection.api_token_encrypted
    assert AuditLog.objects.filter(verb="channels.zendesk_saved").count() == 2


def test_zendesk_as_the_channel_needs_a_subdomain(client, manager):
    program = ProgramFactory(slug="fresh", managers=[manager])
    client.force_login(manager)
    response = client.post("/manage/channels/fresh/zendesk/save/", form_data(subdomain="", base_url=""))
    assert response.status_code == 400 and "subdomain" in response.content.decode()
    assert not ZendeskConnection.objects.filter(program=program).exists()
    assert not ProgramChannel.objects.filter(program=program).exists()


def test_test_connection_shows_whose_token_it_is_or_zendesks_exact_error(client, program, manager, zendesk):
    client.force_login(manager)
    me = zendesk.get("/api/v2/users/me.json").mock(
        return_value=httpx.Response(
            200,
            json={"user": {"id": 1234, "name": "Johnny Agent", "email": "johnny@acme.test", "role": "admin"}},
        )
    )
    response = client.post(URL + "test/", follow=True)
    assert "Johnny Agent" in response.content.decode() and me.call_count == 1
    assert "Johnny Agent" in ZendeskConnection.objects.get(program=program).connected_as
    me.mock(return_value=httpx.Response(401, json={"error": "Couldn't authenticate you"}))
    response = client.post(URL + "test/", follow=True)
    assert "Zendesk answered 401: Couldn&#x27;t authenticate you" in response.content.decode()


def test_people_mapping_matches_by_email_and_highlights_the_unmatched(client, program, manager, zendesk):
    matched = on_duty_freelancer(program)
    unmatched = on_duty_freelancer(program)

    def search(request):
        email = request.url.params["query"].removeprefix("email:")
        users = [{"id": 501, "name": "Free Lancer", "email": email}] if email == matched.user.email else []
        return httpx.Response(200, json={"users": users, "count": len(users)})

    zendesk.get("/api/v2/users/search.json").mock(side_effect=search)
    client.force_login(manager)
    response = client.post(URL + "people/", follow=True)
    text = response.content.decode()
    assert "1 matched, 2 without a Zendesk user" in text  # the manager has no Zendesk user either
    assert ZendeskUserMap.objects.get(user=matched.user).zendesk_user_id == 501
    assert ZendeskUserMap.objects.get(user=unmatched.user).zendesk_user_id is None
    assert text.count('class="table-warning"') == 2


def test_the_page_is_for_support_managers_of_the_program(client, program):
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "save/", form_data(subdomain="evil")).status_code == 403
    other_manager = UserFactory(role=User.Role.MANAGER)
    client.force_login(other_manager)
    assert client.get(URL).status_code == 404
    assert ZendeskConnection.objects.get(program=program).subdomain == "acme"


def test_the_page_reads_a_constant_number_of_queries(client, program, manager, django_assert_max_num_queries):
    client.force_login(manager)
    for _ in range(8):
        ZendeskUserMap.objects.create(
            program=program, user=on_duty_freelancer(program).user, zendesk_user_id=None
        )
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_the_portal_says_where_the_reply_goes_and_shows_its_delivery(client, program, freelancer, zendesk):
    ticket = TicketFactory(program=program, external_id="35436", assignee=freelancer)
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Sent to the customer as your public comment in Zendesk." in page
    response = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {"reply-body": "On its way!", "reply-status_after": "open"},
        follow=True,
    )
    assert "Queued for Zendesk" in response.content.decode()
    zendesk.put("/api/v2/tickets/35436.json").mock(
        return_value=httpx.Response(200, json=update_answer(35436, comment_id=1))
    )
    from core.models import OutboxMessage

    outbox_deliver(message_id=OutboxMessage.objects.get(kind="zendesk.reply").pk)
    assert "Delivered to Zendesk" in client.get(f"/portal/tickets/{ticket.pk}/").content.decode()


def test_an_api_only_programs_reply_box_says_so(client):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    ticket = TicketFactory(program=program, assignee=freelancer)
    ticket_reply(ticket=ticket, author=freelancer.user, body="Hi")
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "picks replies up through the API" in page and "Queued for" not in page
