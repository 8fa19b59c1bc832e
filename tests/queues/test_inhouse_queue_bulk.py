"""The in-house queue for a real team (issue #19, item 7): bulk assign / solve / send back through the one-ticket
services, search, the SLA filter, and views saved per user."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from queues.models import SavedQueueView, Ticket, TicketEvent, TicketMessage
from queues.selectors import inhouse_queue_list
from queues.sla import sla_state_at
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = ManagerFactory(display_name="Lea Lead")
    agent = UserFactory(display_name="Sam Agent", role=User.Role.AGENT)
    program = ProgramFactory(managers=[manager, agent])
    return {"program": program, "manager": manager, "agent": agent}


def _inhouse(program, **kwargs):
    kwargs.setdefault("escalated_at", timezone.now())
    kwargs.setdefault("escalation_reason", "billing")
    return TicketFactory(program=program, queue=Ticket.Queue.INHOUSE, **kwargs)


def _listed(content: str, ticket: Ticket) -> bool:
    return f'value="{ticket.pk}" form="bulk-form"' in content


# --- bulk actions -------------------------------------------------------------------------------------------


def test_bulk_solve_reports_each_refusal_without_stopping_the_rest(client, world):
    program = world["program"]
    open_ones = [_inhouse(program) for _ in range(3)]
    solved = _inhouse(program, status=Ticket.Status.SOLVED)
    client.force_login(world["agent"])
    ids = [t.pk for t in open_ones] + [solved.pk]
    response = client.post(
        "/manage/queues/bulk/?sla=breached", {"ticket": ids, "action": "solve"}, follow=True
    )
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == "/manage/queues/?sla=breached"
    assert f"3 solved; #{solved.pk} refused: This ticket is already solved; it cannot be solved." in content
    assert (
        Ticket.objects.filter(
            pk__in=[t.pk for t in open_ones], status=Ticket.Status.SOLVED, solved_by=world["agent"]
        ).count()
        == 3
    )
    assert (
        TicketEvent.objects.filter(kind=TicketEvent.Kind.SOLVED).count() == 3
    )  # the one-ticket service's trace


def test_bulk_assign_to_me_and_to_a_colleague(client, world):
    program, agent, manager = world["program"], world["agent"], world["manager"]
    first, second = _inhouse(program), _inhouse(program)
    client.force_login(agent)
    client.post("/manage/queues/bulk/", {"ticket": [first.pk], "action": "assign_me"})
    client.post("/manage/queues/bulk/", {"ticket": [second.pk], "action": "assign", "user": manager.pk})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.inhouse_assignee == agent and second.inhouse_assignee == manager
    # a person not on the team is not a choice; nothing changes
    stranger = ManagerFactory()
    response = client.post(
        "/manage/queues/bulk/", {"ticket": [first.pk], "action": "assign", "user": stranger.pk}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    first.refresh_from_db()
    assert first.inhouse_assignee == agent


def test_bulk_send_back_needs_guidance_and_leaves_a_note(client, world):
    ticket = _inhouse(world["program"])
    client.force_login(world["manager"])
    response = client.post("/manage/queues/bulk/", {"ticket": [ticket.pk], "action": "send_back"})
    assert response.status_code == 400 and "Write guidance" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.INHOUSE
    client.post(
        "/manage/queues/bulk/",
        {"ticket": [ticket.pk], "action": "send_back", "guidance": "Offer the 10% voucher."},
    )
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.FREELANCER
    assert TicketMessage.objects.get(ticket=ticket, kind="note").body.endswith("Offer the 10% voucher.")


def test_bulk_refuses_tickets_outside_the_users_in_house_queue(client, world):
    from tests.queues.factories import on_duty_freelancer

    mine = _inhouse(world["program"])
    theirs = _inhouse(ProgramFactory())
    with_freelancer = TicketFactory(program=world["program"], assignee=on_duty_freelancer(world["program"]))
    client.force_login(world["agent"])
    ids = [mine.pk, theirs.pk, with_freelancer.pk, 999999]
    content = client.post(
        "/manage/queues/bulk/", {"ticket": ids, "action": "solve"}, follow=True
    ).content.decode()
    assert (
        f"1 solved; #{theirs.pk} refused: Not in your in-house queue.; #{with_freelancer.pk} refused: Not in "
        "your in-house queue.; #999999 refused: Not in your in-house queue."
    ) in content
    for ticket in (theirs, with_freelancer):
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.OPEN


def test_bulk_needs_a_selection_an_action_and_csrf(client, world):
    client.force_login(world["agent"])
    response = client.post("/manage/queues/bulk/", {"action": "solve"})
    assert response.status_code == 400 and "Select at least one ticket." in response.content.decode()
    response = client.post("/manage/queues/bulk/", {"ticket": ["x"], "action": "solve"})
    assert response.status_code == 400
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["agent"])
    ticket = _inhouse(world["program"])
    assert strict.post("/manage/queues/bulk/", {"ticket": [ticket.pk], "action": "solve"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_a_freelancer_cannot_use_bulk(client, world):
    from tests.queues.factories import on_duty_freelancer

    ticket = _inhouse(world["program"])
    client.force_login(on_duty_freelancer(world["program"]).user)
    assert client.post("/manage/queues/bulk/", {"ticket": [ticket.pk], "action": "solve"}).status_code == 403


# --- search and the SLA filter ------------------------------------------------------------------------------


def test_search_by_requester_subject_and_external_id(client, world):
    program = world["program"]
    by_mail = _inhouse(program, requester_email="maria.lopez@example.test", subject="Shoes")
    by_name = _inhouse(program, requester_name="Jonas Berg", subject="Hat")
    by_subject = _inhouse(program, subject="Chargeback on invoice 77")
    by_external = _inhouse(program, external_id="ZD-48151", subject="Gloves")
    client.force_login(world["agent"])
    for term, found in (
        ("LOPEZ", by_mail),
        ("jonas", by_name),
        ("chargeback", by_subject),
        ("48151", by_external),
        (f"#{by_name.pk}", by_name),
    ):
        content = client.get("/manage/queues/", {"q": term}).content.decode()
        assert _listed(content, found), term
        others = [t for t in (by_mail, by_name, by_subject, by_external) if t != found]
        assert not any(_listed(content, t) for t in others), term


def test_language_filter_finds_regional_variants(world):
    program = world["program"]
    spanish, mexican, english = (_inhouse(program, language=lang) for lang in ("es", "es-mx", "en"))
    found = set(inhouse_queue_list(user=world["agent"], language="es").values_list("pk", flat=True))
    assert found == {spanish.pk, mexican.pk}
    assert english.pk not in found


def test_sla_filter_and_the_badge_share_one_rule(client, world):
    program, now = world["program"], timezone.now()
    tickets = {
        "breached": _inhouse(program, next_due_at=now - datetime.timedelta(minutes=5)),
        "warning": _inhouse(program, next_due_at=now + datetime.timedelta(minutes=10)),
        "ok": _inhouse(program, next_due_at=now + datetime.timedelta(hours=3)),
        "none": _inhouse(program, next_due_at=None),
    }
    client.force_login(world["agent"])
    for state, ticket in tickets.items():
        content = client.get("/manage/queues/", {"sla": state}).content.decode()
        assert [s for s, t in tickets.items() if _listed(content, t)] == [state], state
        assert ticket.sla_state == state
        found = inhouse_queue_list(user=world["agent"], sla_state=state, now=now)
        assert [t.pk for t in found] == [ticket.pk]


def test_the_sla_rule_at_its_edges():
    now = timezone.now()
    assert sla_state_at(now, now) == "breached"
    assert sla_state_at(now + datetime.timedelta(seconds=1), now) == "warning"
    assert sla_state_at(now + datetime.timedelta(minutes=15), now) == "warning"
    assert sla_state_at(now + datetime.timedelta(minutes=15, seconds=1), now) == "ok"
    assert sla_state_at(None, now) == "none" and sla_state_at(now, now, active=False) == "none"


# --- saved views --------------------------------------------------------------------------------------------


def test_a_saved_view_keeps_the_filters_for_its_owner_only(client, world):
    agent, manager = world["agent"], world["manager"]
    client.force_login(agent)
    response = client.post(
        "/manage/queues/saved-views/?sla=breached&lang=es",
        {"name": " Breached  Spanish ", "query": "sla=breached&lang=es&page=3&evil=<x>"},
    )
    assert response.status_code == 302 and response["Location"] == "/manage/queues/?sla=breached&lang=es"
    view = SavedQueueView.objects.get(user=agent)
    assert view.name == "Breached Spanish" and view.query == "sla=breached&lang=es"
    page = client.get("/manage/queues/").content.decode()
    assert 'href="/manage/queues/?sla=breached&amp;lang=es">Breached Spanish</a>' in page
    # the same name again replaces its filters
    client.post("/manage/queues/saved-views/", {"name": "breached spanish", "query": "sla=warning"})
    view.refresh_from_db()
    assert SavedQueueView.objects.filter(user=agent).count() == 1 and view.query == "sla=warning"
    # another person neither sees it nor deletes it
    client.force_login(manager)
    assert "Breached Spanish" not in client.get("/manage/queues/").content.decode()
    assert client.post(f"/manage/queues/saved-views/{view.pk}/delete/").status_code == 404
    assert SavedQueueView.objects.filter(pk=view.pk).exists()
    # its owner does
    client.force_login(agent)
    assert client.post(f"/manage/queues/saved-views/{view.pk}/delete/").status_code == 302
    assert not SavedQueueView.objects.filter(pk=view.pk).exists()


def test_a_saved_view_needs_a_name(client, world):
    client.force_login(world["agent"])
    response = client.post("/manage/queues/saved-views/", {"name": "", "query": "sla=ok"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not SavedQueueView.objects.exists()


# --- the page's queries ---------------------------------------------------------------------------------------


def test_the_queue_page_does_a_constant_number_of_queries(client, world, django_assert_num_queries):
    from queues.services.help import help_request_open
    from tests.queues.factories import on_duty_freelancer

    program, agent = world["program"], world["agent"]
    _inhouse(program)
    client.force_login(agent)
    client.get("/manage/queues/?q=Question")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get("/manage/queues/?q=Question").status_code == 200
    for n in range(10):
        _inhouse(program, inhouse_assignee=agent if n % 2 else None)
        SavedQueueView.objects.create(user=agent, name=f"View {n}", query=f"q={n}")
    for _ in range(3):
        freelancer = on_duty_freelancer(program)
        help_request_open(
            ticket=TicketFactory(program=program, assignee=freelancer),
            user=freelancer.user,
            question="Help?",
            agent=agent,
        )
    with django_assert_num_queries(len(before)):
        content = client.get("/manage/queues/?q=Question").content.decode()
    assert "Help requests (3)" in content and "View 9" in content
