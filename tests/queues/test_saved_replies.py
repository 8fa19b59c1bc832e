"""Saved replies (issue #19, item 5): placeholders checked on save and filled in per ticket, the managers' pages,
a freelancer's suggestion, and inserting one from the reply box (usage counted, its status applied)."""

import pytest

from accounts.models import User
from core.models import AuditLog
from core.outbox import OutboxMessage
from queues.errors import QueueError
from queues.models import SavedReply, Ticket, TicketMessage
from queues.placeholders import PLACEHOLDERS, placeholder_values, placeholders_fill, placeholders_problem
from queues.reply_selectors import saved_replies_for_ticket
from queues.services.replies import (
    saved_reply_create,
    saved_reply_suggest,
    saved_reply_update,
    ticket_reply_send,
)
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = ManagerFactory(display_name="Maya Chen")
    program = ProgramFactory(managers=[manager], name="Demo Support")
    freelancer = on_duty_freelancer(program)
    freelancer.user.display_name = "Ana Santos"
    freelancer.user.save(update_fields=["display_name"])
    return program, manager, freelancer


def _reply(program, manager, **kwargs):
    fields = {
        "title": "Order status",
        "body": "Hi {{customer_first_name}}, it ships today. {{freelancer_first_name}}",
        "status_after": "",
        "tags": ["shipping"],
        **kwargs,
    }
    return saved_reply_create(program=program, actor=manager, **fields)


# --- placeholders --------------------------------------------------------------------------------------------------


def test_an_unknown_placeholder_is_refused_with_the_known_ones_and_nothing_is_saved(world):
    program, manager, _freelancer = world
    with pytest.raises(QueueError) as refused:
        _reply(program, manager, body="Hi {{ customer_first_name }}, your {{order_number}} ships today.")
    assert refused.value.field == "body"
    assert "{{order_number}}" in refused.value.message
    for name in PLACEHOLDERS:
        assert f"{{{{{name}}}}}" in refused.value.message
    assert not SavedReply.objects.exists()


def test_an_unclosed_placeholder_is_refused(world):
    program, manager, _freelancer = world
    with pytest.raises(QueueError, match="not closed"):
        _reply(program, manager, body="Hi {{customer_first_name}, thanks.")
    assert placeholders_problem("Hi {{customer_first_name}}, {{ ticket_reference }}.") == ""


def test_editing_keeps_the_rule_and_the_old_text_when_refused(world):
    program, manager, _freelancer = world
    reply = _reply(program, manager)
    with pytest.raises(QueueError):
        saved_reply_update(saved_reply=reply, title=reply.title, body="{{ coupon }}", tags=[], actor=manager)
    reply.refresh_from_db()
    assert "{{customer_first_name}}" in reply.body


def test_a_title_is_unique_in_its_program(world):
    program, manager, _freelancer = world
    _reply(program, manager)
    with pytest.raises(QueueError) as refused:
        _reply(program, manager, title="order STATUS")
    assert refused.value.field == "title"
    _reply(ProgramFactory(managers=[manager]), manager)  # another program may use the same title


def test_rendering_fills_in_the_ticket_and_the_sender(world):
    program, _manager, freelancer = world
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        requester_name="  Jordan   Smith ",
        external_id="ZD-77",
        subject="Where is my order?",
    )
    values = placeholder_values(ticket=ticket, user=freelancer.user)
    text = placeholders_fill(
        "Hi {{customer_first_name}} ({{ customer_name }}), about {{ticket_reference}} "
        "“{{ticket_subject}}” at {{program_name}}: {{freelancer_first_name}}",
        values,
    )
    assert text == "Hi Jordan (Jordan Smith), about ZD-77 “Where is my order?” at Demo Support: Ana"
    nameless = TicketFactory(program=program, requester_name="", external_id="")
    assert (
        placeholders_fill(
            "Hi {{customer_first_name}} #{{ticket_reference}}",
            placeholder_values(ticket=nameless, user=freelancer.user),
        )
        == f"Hi there ##{nameless.pk}"
    )


def test_rendering_is_no_template_a_customer_name_or_a_tag_stays_text(world):
    program, manager, freelancer = world
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        requester_name="{{ticket_subject}} {% now 'Y' %}",
        subject="secret",
    )
    _reply(program, manager, title="Plain", body="Hi {{customer_name}}! {% now 'Y' %}")
    [choice] = saved_replies_for_ticket(ticket=ticket, user=freelancer.user)
    # A template tag in the saved reply is text, and the value put in is never scanned again: the customer's
    # braces reach the reply as they are.
    assert choice.text == "Hi {{ticket_subject}} {% now 'Y' %}! {% now 'Y' %}"


# --- managers' pages -------------------------------------------------------------------------------------------


def test_a_manager_adds_searches_edits_and_deletes_saved_replies(client, world):
    program, manager, _freelancer = world
    client.force_login(manager)
    base = f"/manage/queues/{program.slug}/replies/"
    bad = client.post(f"{base}new/", {"title": "Refunds", "body": "Hi {{first_name}}", "tags": "refunds"})
    assert bad.status_code == 400
    assert "Unknown placeholder: {{first_name}}" in bad.content.decode()
    assert not SavedReply.objects.exists()

    ok = client.post(
        f"{base}new/",
        {
            "title": "Refunds",
            "body": "Hi {{customer_first_name}}, 30 days.",
            "status_after": "solved",
            "tags": "refunds, policy",
        },
    )
    assert ok.status_code == 302
    reply = SavedReply.objects.get()
    assert reply.tags == ["refunds", "policy"] and reply.status_after == "solved" and reply.approved
    _reply(program, manager)

    listed = client.get(base, {"q": "policy"}).content.decode()
    assert "Refunds" in listed and "Order status" not in listed
    assert (
        client.post(
            f"{base}{reply.pk}/", {"title": "Refund policy", "body": "Thirty days.", "tags": ""}
        ).status_code
        == 302
    )
    reply.refresh_from_db()
    assert reply.title == "Refund policy" and reply.tags == []
    assert client.post(f"{base}{reply.pk}/delete/").status_code == 302
    assert not SavedReply.objects.filter(pk=reply.pk).exists()
    assert set(AuditLog.objects.values_list("verb", flat=True)) >= {
        "saved_reply.created",
        "saved_reply.updated",
        "saved_reply.deleted",
    }


def test_another_programs_saved_reply_is_not_found(client, world):
    program, manager, _freelancer = world
    elsewhere = ProgramFactory()  # managed by someone else
    theirs = _reply(elsewhere, elsewhere.managers.get())
    client.force_login(manager)
    assert client.get(f"/manage/queues/{program.slug}/replies/{theirs.pk}/").status_code == 404
    assert client.post(f"/manage/queues/{program.slug}/replies/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"/manage/queues/{elsewhere.slug}/replies/").status_code == 404
    assert SavedReply.objects.filter(pk=theirs.pk).exists()


def test_freelancers_and_agents_may_not_manage_saved_replies(client, world):
    program, _manager, freelancer = world
    url = f"/manage/queues/{program.slug}/replies/"
    client.force_login(freelancer.user)
    assert client.get(url).status_code == 403
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}new/", {"title": "x", "body": "y"}).status_code == 403
    assert not SavedReply.objects.exists()


def test_the_list_runs_a_constant_number_of_queries(client, world, django_assert_num_queries):
    program, manager, freelancer = world
    for n in range(3):
        _reply(program, manager, title=f"Reply {n}")
    client.force_login(manager)
    url = f"/manage/queues/{program.slug}/replies/"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(10):
        _reply(program, manager, title=f"More {n}")
    saved_reply_suggest(
        program=program, freelancer=freelancer, title="Suggested", body="Hi {{customer_name}}"
    )
    with django_assert_num_queries(len(before)):
        page = client.get(url)
    assert "More 9" in page.content.decode() and "Suggestion" in page.content.decode()


# --- suggestions -------------------------------------------------------------------------------------------------


def test_a_freelancer_suggests_and_a_manager_approves(client, world):
    program, manager, freelancer = world
    client.force_login(freelancer.user)
    assert client.get("/portal/saved-replies/suggest/").status_code == 200
    posted = client.post(
        "/portal/saved-replies/suggest/",
        {
            "program": program.pk,
            "title": "Tracking not working",
            "body": "Hi {{customer_first_name}}, give it a day.",
            "tags": "tracking",
        },
    )
    assert posted.status_code == 302
    suggestion = SavedReply.objects.get()
    assert not suggestion.approved and suggestion.suggested_by == freelancer.user
    [told] = OutboxMessage.objects.filter(kind="email", program_id=program.pk)
    assert "Tracking not working" in told.payload["subject"] and told.payload["to"] == [manager.email]
    assert f"/replies/{suggestion.pk}/" in told.payload["body"]
    ticket = TicketFactory(program=program, assignee=freelancer)
    assert saved_replies_for_ticket(ticket=ticket, user=freelancer.user) == []  # not offered until approved

    client.force_login(manager)
    assert "Suggestion" in client.get(f"/manage/queues/{program.slug}/replies/").content.decode()
    assert client.post(f"/manage/queues/{program.slug}/replies/{suggestion.pk}/approve/").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.approved
    assert [c.title for c in saved_replies_for_ticket(ticket=ticket, user=freelancer.user)] == [
        "Tracking not working"
    ]


def test_a_freelancer_suggests_only_for_their_programs_and_with_known_placeholders(client, world):
    program, _manager, freelancer = world
    with pytest.raises(QueueError):
        saved_reply_suggest(program=ProgramFactory(), freelancer=freelancer, title="x", body="y")
    client.force_login(freelancer.user)
    bad = client.post(
        "/portal/saved-replies/suggest/", {"program": program.pk, "title": "x", "body": "{{ name }}"}
    )
    assert bad.status_code == 400 and "Unknown placeholder" in bad.content.decode()
    assert not SavedReply.objects.exists()
    assert not OutboxMessage.objects.exists()


# --- inserting from the reply box ----------------------------------------------------------------------------


def test_the_reply_box_offers_the_programs_replies_filled_in_for_the_ticket(client, world):
    program, manager, freelancer = world
    _reply(program, manager)
    _reply(ProgramFactory(managers=[manager]), manager, title="Other program's")
    ticket = TicketFactory(program=program, assignee=freelancer, requester_name="Jordan Smith")
    client.force_login(freelancer.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Hi Jordan, it ships today. Ana" in page
    assert "Other program" not in page
    assert "js/saved_replies" in page and 'name="reply-saved_reply_id"' in page
    assert "/portal/saved-replies/suggest/" in page
    client.force_login(manager)
    ticket.queue = Ticket.Queue.INHOUSE
    ticket.save(update_fields=["queue"])
    page = client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()
    assert "Hi Jordan, it ships today. Maya" in page
    assert f"/manage/queues/{program.slug}/replies/" in page


def test_sending_an_inserted_reply_counts_its_use_and_applies_its_status(client, world):
    program, manager, freelancer = world
    reply = _reply(program, manager, status_after="pending")
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    posted = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {
            "reply-body": "Hi Jordan, it ships today. Ana",
            "reply-status_after": "open",
            "reply-saved_reply_id": reply.pk,
        },
    )
    assert posted.status_code == 302
    reply.refresh_from_db()
    ticket.refresh_from_db()
    assert reply.usage_count == 1 and reply.last_used_at is not None
    assert ticket.status == Ticket.Status.PENDING and ticket.sla_paused_at is not None
    # The sender's own pick wins over the saved reply's.
    ticket.status = Ticket.Status.OPEN
    ticket.sla_paused_at = None
    ticket.save(update_fields=["status", "sla_paused_at"])
    ticket_reply_send(
        ticket=ticket,
        author=freelancer.user,
        body="Solved it.",
        status_after="solved",
        freelancer=freelancer,
        saved_reply_id=reply.pk,
    )
    ticket.refresh_from_db()
    reply.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED and reply.usage_count == 2


def test_another_programs_saved_reply_is_refused_and_nothing_is_sent(client, world):
    program, manager, freelancer = world
    theirs = _reply(ProgramFactory(managers=[manager]), manager, status_after="solved")
    suggestion = saved_reply_suggest(program=program, freelancer=freelancer, title="Not yet", body="Hi")
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    for saved_reply in (theirs, suggestion):
        refused = client.post(
            f"/portal/tickets/{ticket.pk}/reply/",
            {"reply-body": "Hello", "reply-status_after": "open", "reply-saved_reply_id": saved_reply.pk},
        )
        assert refused.status_code == 400
        assert "not one of this program" in refused.content.decode()
    assert not TicketMessage.objects.filter(ticket=ticket).exists()
    theirs.refresh_from_db()
    ticket.refresh_from_db()
    assert theirs.usage_count == 0 and ticket.status == Ticket.Status.OPEN
