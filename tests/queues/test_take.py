"""Issue #19 (2): "Take next ticket" gives the eligible waiting ticket due soonest; taking one the freelancer may not
take (tier, language, channel, capacity, presence) says why and assigns nothing."""

import datetime

import pytest
from django.utils import timezone

from queues.errors import QueueError
from queues.models import Ticket, TicketEvent
from queues.services.take import ticket_take, waiting_for_freelancer
from tests.accounts.factories import LanguageFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


def waiting(program, minutes=60, **kwargs):
    due = timezone.now() + datetime.timedelta(minutes=minutes)
    return TicketFactory(
        program=program,
        status=Ticket.Status.NEW,
        queue=Ticket.Queue.FREELANCER,
        assignee=None,
        next_due_at=due,
        **kwargs,
    )


def test_take_next_gives_the_eligible_ticket_due_soonest_and_records_it():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    later = waiting(program, minutes=50)
    soonest = waiting(program, minutes=10)
    in_spanish = waiting(program, minutes=5, language="es")  # due first, but not in their languages
    taken = ticket_take(freelancer=freelancer)
    assert taken == soonest
    soonest.refresh_from_db()
    assert soonest.assignee == freelancer and soonest.last_assigned_at is not None
    event = soonest.events.get(kind=TicketEvent.Kind.TAKEN)
    assert event.actor == freelancer.user and "0 open of 5" in event.message
    assert (
        Ticket.objects.get(pk=later.pk).assignee is None
        and Ticket.objects.get(pk=in_spanish.pk).assignee is None
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("tier", "needs tier 2; you are tier 1"),
        ("language", "is in “es”"),
        ("channel", "came by phone"),
    ],
)
def test_taking_a_ticket_one_may_not_says_why_and_assigns_nothing(setup, message):
    program = ProgramFactory(channels=["email", "phone"])
    freelancer = on_duty_freelancer(program, languages=[LanguageFactory(code="en")], channels=["email"])
    ticket = {
        "tier": lambda: waiting(program, tier=2, ticket_type=TicketTypeFactory(program=program, tier=2)),
        "language": lambda: waiting(program, language="es"),
        "channel": lambda: waiting(program, channel="phone"),
    }[setup]()
    with pytest.raises(QueueError, match=message):
        ticket_take(freelancer=freelancer, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.assignee is None and not ticket.events.filter(kind=TicketEvent.Kind.TAKEN).exists()
    with pytest.raises(QueueError, match="No waiting ticket fits you"):
        ticket_take(freelancer=freelancer)


def test_a_full_freelancer_or_one_not_online_is_told_so():
    program = ProgramFactory()
    full = on_duty_freelancer(program, max_open_tickets=1)
    TicketFactory(program=program, assignee=full, status=Ticket.Status.OPEN)
    ticket = waiting(program)
    with pytest.raises(QueueError, match="You have 1 open tickets and your limit is 1"):
        ticket_take(freelancer=full)
    offline = on_duty_freelancer(program, online=False)
    with pytest.raises(QueueError, match="Set yourself online"):
        ticket_take(freelancer=offline, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_another_programs_ticket_cannot_be_taken():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    elsewhere = waiting(ProgramFactory())
    with pytest.raises(QueueError, match="not waiting for a freelancer"):
        ticket_take(freelancer=freelancer, ticket_id=elsewhere.pk)
    assert Ticket.objects.get(pk=elsewhere.pk).assignee is None


def test_the_queue_page_lists_waiting_tickets_with_take_buttons_and_reasons(client):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    fits = waiting(program, subject="Where is my parcel")
    waiting(program, language="es", subject="Dónde está")
    rows, total, blocked = waiting_for_freelancer(freelancer=freelancer)
    assert total == 2 and blocked == ""
    assert [(row.ticket.subject, bool(row.refusal)) for row in rows] == [
        ("Where is my parcel", False),
        ("Dónde está", True),
    ]
    client.force_login(freelancer.user)
    assert 'hx-get="/portal/tickets/waiting/"' in client.get("/portal/tickets/").content.decode()
    page = client.get("/portal/tickets/waiting/").content.decode()
    assert "Take next ticket" in page and f'name="ticket" value="{fits.pk}"' in page and "is in “es”" in page
    partial = client.get("/portal/tickets/waiting/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Take next ticket" in partial
    response = client.post("/portal/tickets/take/")
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{fits.pk}/"
    response = client.post("/portal/tickets/take/", follow=True)
    assert "No waiting ticket fits you" in response.content.decode()


def test_when_nothing_is_open_to_them_the_page_says_why_once():
    from tests.queues.factories import QueueSettingsFactory

    program = ProgramFactory()
    offline = on_duty_freelancer(program, online=False)
    waiting(program)
    rows, total, blocked = waiting_for_freelancer(freelancer=offline)
    assert (
        total == 1
        and "Set yourself online" in blocked
        and [(r.blocked, r.refusal) for r in rows] == [(True, "")]
    )
    QueueSettingsFactory(program=program, allow_extra_time=True)
    off_shift = on_duty_freelancer(program, slots=False)
    assert "work extra hours" in waiting_for_freelancer(freelancer=off_shift)[2]
