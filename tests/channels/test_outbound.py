"""Flexdesk → Zendesk: each change is one outbox message; its sender makes exactly the documented request."""

import datetime
import json

import httpx
import pytest
from django.utils import timezone

from channels.models import ZendeskSentComment
from core.models import OutboxMessage
from core.outbox import outbox_deliver, outbox_state_for
from queues.models import Ticket
from queues.services import ticket_escalate, ticket_note_add, ticket_reply, ticket_route, ticket_solve
from tests.channels.conftest import FREELANCER_ZD, GROUP_ZD, update_answer
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db
PATH = "/api/v2/tickets/35436.json"


@pytest.fixture
def ticket(program, freelancer):
    return TicketFactory(program=program, external_id="35436", assignee=freelancer)


def sent_json(route, call=-1) -> dict:
    return json.loads(route.calls[call].request.content)


def messages():
    return list(OutboxMessage.objects.filter(kind__startswith="zendesk.").order_by("pk"))


def deliver_all(now=None) -> list[str]:
    return [outbox_deliver(message_id=m.pk, now=now) for m in messages()]


def test_routing_assigns_the_zendesk_ticket_to_the_freelancers_zendesk_user(program, freelancer, zendesk):
    # Given a new Zendesk ticket in Flexdesk
    ticket = TicketFactory(program=program, external_id="35436", routed_at=None)
    route = zendesk.put(PATH).mock(return_value=httpx.Response(200, json=update_answer(35436)))
    # When routing gives it to the mapped freelancer
    ticket_route(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer
    # Then one message is written with the change, and sending it sets the assignee and the tag
    [message] = messages()
    assert (message.kind, message.ordering_key, message.program_id) == (
        "zendesk.assign",
        f"zendesk-ticket:{ticket.pk}",
        program.pk,
    )
    assert outbox_deliver(message_id=message.pk) == "sent"
    request = route.calls[0].request
    assert (request.method, request.url.path) == ("PUT", PATH)
    assert sent_json(route) == {
        "ticket": {
            "assignee_id": FREELANCER_ZD,
            "additional_tags": ["flexdesk"],
            "metadata": {"flexdesk_outbox_id": message.pk},
        }
    }
    assert request.headers["Idempotency-Key"] == f"flexdesk-outbox-{message.pk}"
    assert request.headers["Authorization"].startswith("Basic ")  # {email}/token:{token}


def test_taking_a_ticket_from_the_queue_assigns_it_in_zendesk_too(program, freelancer, zendesk):
    from queues.services.take import ticket_take

    # Given a Zendesk ticket waiting for a freelancer
    ticket = TicketFactory(program=program, external_id="35436", status=Ticket.Status.NEW, assignee=None)
    zendesk.put(PATH).mock(return_value=httpx.Response(200, json=update_answer(35436)))
    # When the freelancer takes it ("Take next ticket")
    assert ticket_take(freelancer=freelancer) == ticket
    # Then Zendesk's assignee follows, as after routing
    [message] = messages()
    assert message.kind == "zendesk.assign" and message.payload["update"]["assignee_id"] == FREELANCER_ZD
    assert outbox_deliver(message_id=message.pk) == "sent"


def test_a_reply_becomes_the_freelancers_public_comment_and_its_echo_is_known(ticket, freelancer, zendesk):
    route = zendesk.put(PATH).mock(
        return_value=httpx.Response(200, json=update_answer(35436, comment_id=777))
    )
    reply = ticket_reply(
        ticket=ticket, author=freelancer.user, body="Your parcel is on its way.", freelancer=freelancer
    )
    [message] = messages()
    assert (message.kind, message.subject_id) == ("zendesk.reply", str(reply.pk))
    assert outbox_state_for(objects=[reply])[reply.pk].status == "queued"
    assert outbox_deliver(message_id=message.pk) == "sent"
    assert sent_json(route) == {
        "ticket": {
            "comment": {"body": "Your parcel is on its way.", "public": True, "author_id": FREELANCER_ZD},
            "metadata": {"flexdesk_outbox_id": message.pk},
        }
    }
    assert ZendeskSentComment.objects.filter(
        ticket=ticket, comment_id=777, outbox_message_id=message.pk
    ).exists()
    state = outbox_state_for(objects=[reply])[reply.pk]
    assert state.status == "sent" and state.result["comment_id"] == 777


def test_a_note_is_a_private_comment(ticket, freelancer, zendesk):
    route = zendesk.put(PATH).mock(
        return_value=httpx.Response(200, json=update_answer(35436, comment_id=778))
    )
    ticket_note_add(
        ticket=ticket, author=freelancer.user, body="Customer sounds upset.", freelancer=freelancer
    )
    [message] = messages()
    assert message.kind == "zendesk.note"
    assert deliver_all() == ["sent"]
    assert sent_json(route)["ticket"]["comment"] == {
        "body": "Customer sounds upset.",
        "public": False,
        "author_id": FREELANCER_ZD,
    }


def test_escalation_moves_the_ticket_to_the_in_house_group_with_the_hand_off_note(
    ticket, freelancer, zendesk
):
    route = zendesk.put(PATH).mock(
        return_value=httpx.Response(200, json=update_answer(35436, comment_id=779))
    )
    ticket_escalate(
        ticket=ticket, freelancer=freelancer, reason="billing", note="Refund over the limit, needs approval."
    )
    assert [m.kind for m in messages()] == ["zendesk.escalate"]
    assert deliver_all() == ["sent"]
    body = sent_json(route)["ticket"]
    assert body["group_id"] == GROUP_ZD and body["assignee_id"] is None
    assert body["comment"] == {
        "body": "Escalated to the in-house team from Flexdesk: Billing.\n\nHand-off note:\n"
        "Refund over the limit, needs approval.",
        "public": False,
    }


def test_reply_then_pending_go_out_in_order_and_solve_sets_solved(ticket, freelancer, zendesk):
    route = zendesk.put(PATH).mock(
        return_value=httpx.Response(200, json=update_answer(35436, comment_id=780))
    )
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Could you send the order number?",
        status_after=Ticket.Status.PENDING,
        freelancer=freelancer,
    )
    assert [m.kind for m in messages()] == ["zendesk.reply", "zendesk.status"]
    reply_message, pending = messages()
    assert outbox_deliver(message_id=pending.pk) == "waiting"  # the reply goes first
    assert deliver_all() == ["sent", "sent"]
    assert sent_json(route, 1)["ticket"] == {
        "status": "pending",
        "metadata": {"flexdesk_outbox_id": pending.pk},
    }
    ticket.refresh_from_db()
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    assert outbox_deliver(message_id=messages()[-1].pk) == "sent"
    assert sent_json(route)["ticket"]["status"] == "solved"


def test_429_waits_as_long_as_zendesk_asks_then_goes_through(ticket, freelancer, zendesk):
    route = zendesk.put(PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "93"}, json={"error": "APIRateLimitExceeded"}),
            httpx.Response(200, json=update_answer(35436)),
        ]
    )
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    [message] = messages()
    before = timezone.now()
    assert outbox_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert "429" in message.last_error
    assert (
        before + datetime.timedelta(seconds=92)
        <= message.next_attempt_at
        <= before + datetime.timedelta(seconds=95)
    )
    assert outbox_deliver(message_id=message.pk) == "not due"
    assert outbox_deliver(message_id=message.pk, now=message.next_attempt_at) == "sent"
    assert route.call_count == 2


def test_500_and_a_timeout_are_retried_and_a_retry_never_posts_the_comment_twice(ticket, freelancer, zendesk):
    # Zendesk answers 500, then the second attempt times out after Zendesk did take the comment
    put = zendesk.put(PATH).mock(
        side_effect=[
            httpx.Response(500, json={"error": "InternalError"}),
            httpx.ReadTimeout("read timed out"),
        ]
    )
    reply = ticket_reply(ticket=ticket, author=freelancer.user, body="Refund issued.", freelancer=freelancer)
    ticket_solve(ticket=Ticket.objects.get(pk=ticket.pk), actor=freelancer.user, freelancer=freelancer)
    reply_message, solve_message = messages()
    audits = zendesk.get("/api/v2/tickets/35436/audits.json").mock(
        side_effect=[
            httpx.Response(200, json={"audits": []}),  # before the second attempt: not there yet
            httpx.Response(
                200,
                json={
                    "audits": [
                        {
                            "id": 9002,
                            "ticket_id": 35436,
                            "metadata": {"system": {}, "custom": {"flexdesk_outbox_id": reply_message.pk}},
                            "events": [{"id": 781, "type": "Comment", "public": True}],
                        }
                    ]
                },
            ),
        ]
    )
    later = timezone.now() + datetime.timedelta(hours=2)
    assert outbox_deliver(message_id=reply_message.pk) == "queued"  # 500
    assert outbox_deliver(message_id=solve_message.pk, now=later) == "waiting"  # order kept behind the reply
    assert outbox_deliver(message_id=reply_message.pk, now=later) == "queued"  # timeout
    # When Zendesk is back, the retry finds its own update in the audits and does not post again
    put.side_effect = None
    put.return_value = httpx.Response(200, json=update_answer(35436))
    assert outbox_deliver(message_id=reply_message.pk, now=later + datetime.timedelta(hours=2)) == "sent"
    assert put.call_count == 2 and audits.call_count == 2
    assert ZendeskSentComment.objects.filter(comment_id=781).exists()
    assert outbox_deliver(message_id=solve_message.pk, now=later + datetime.timedelta(hours=2)) == "sent"
    assert put.call_count == 3 and sent_json(put)["ticket"]["status"] == "solved"
    assert outbox_state_for(objects=[reply])[reply.pk].status == "sent"


def test_a_4xx_fails_at_once_with_zendesks_message_and_the_author_is_told(ticket, freelancer, zendesk):
    zendesk.put(PATH).mock(
        return_value=httpx.Response(
            422,
            json={
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"base": [{"description": "Assignee is not a member of the group"}]},
            },
        )
    )
    reply = ticket_reply(ticket=ticket, author=freelancer.user, body="Hello!", freelancer=freelancer)
    [message] = messages()
    assert outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error == (
        "Zendesk answered 422: RecordInvalid — Record validation errors — base: Assignee is "
        "not a member of the group"
    )
    assert outbox_state_for(objects=[reply])[reply.pk].status == "failed"
    told = OutboxMessage.objects.get(kind="email")
    assert (
        told.payload["to"] == [freelancer.user.email]
        and "did not reach the customer" in told.payload["subject"]
    )


def test_changes_of_other_programs_and_unmapped_people_send_nothing(program, freelancer, zendesk):
    from tests.programs.factories import ProgramFactory
    from tests.queues.factories import on_duty_freelancer

    other = ProgramFactory()  # API only
    other_ticket = TicketFactory(program=other, external_id="1", assignee=on_duty_freelancer(other))
    ticket_reply(ticket=other_ticket, author=other_ticket.assignee.user, body="Hi")
    unmapped = on_duty_freelancer(program)
    zendesk_ticket = TicketFactory(program=program, external_id="35437", assignee=unmapped)
    ticket_reply(ticket=zendesk_ticket, author=unmapped.user, body="Hi")
    assert [m.kind for m in messages()] == ["zendesk.reply"]
    assert (
        "author_id" not in messages()[0].payload["comment"]
    )  # posted as the API user, never as someone else
