"""An ETA promised to the customer with a reply (issue #19, item 8): checked, told to the customer, kept on the
ticket, shown in the queue, and counted met or missed beside the SLA on the program dashboard."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from dashboard.periods import Period
from dashboard.selectors.tickets import ticket_report
from queues.errors import QueueError
from queues.eta import DUE, MET, MISSED, eta_customer_line, eta_state
from queues.models import Ticket, TicketEvent, TicketMessage
from queues.services.replies import ticket_reply_send
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db

NEW_YORK, WARSAW = zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Europe/Warsaw")


@pytest.fixture
def world():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager], time_zone="Europe/Warsaw")
    freelancer = on_duty_freelancer(program, time_zone="America/New_York")
    freelancer.user.time_zone = "America/New_York"
    freelancer.user.save(update_fields=["time_zone"])
    return program, manager, freelancer


def _local_input(moment: datetime.datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_a_promise_goes_out_with_the_reply_and_stays_on_the_ticket(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    promised = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    client.force_login(freelancer.user)
    posted = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {
            "reply-body": "We are on it.",
            "reply-status_after": "open",
            "reply-eta_at": _local_input(promised, NEW_YORK),
        },
    )  # typed in the freelancer's own time zone
    assert posted.status_code == 302

    ticket.refresh_from_db()
    assert ticket.eta_at == promised and ticket.eta_set_at is not None
    reply = TicketMessage.objects.get(ticket=ticket, kind=TicketMessage.Kind.REPLY)
    line = eta_customer_line(promised, WARSAW)
    assert reply.body == f"We are on it.\n\n{line}"
    # In the program's time zone, named so the customer knows which: "… by Tue 08 Dec, 15:00 (Europe/Warsaw)."
    local = promised.astimezone(WARSAW)
    assert line == (
        f"We expect to have this resolved by {local:%a} {local:%d} {local:%b}, {local:%H:%M} (Europe/Warsaw)."
    )
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ETA)
    assert event.actor == freelancer.user and event.data["message_id"] == reply.pk

    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Promised to the customer" in page
    queue = client.get("/portal/tickets/").content.decode()
    shown = timezone.localtime(promised, NEW_YORK).strftime("%d %b, %H:%M")
    assert f"ETA {shown}" in queue  # the queue shows it in the freelancer's time


def test_a_promise_in_the_past_is_refused_and_nothing_is_sent(client, world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    client.force_login(freelancer.user)
    past = timezone.now() - datetime.timedelta(hours=1)
    refused = client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {
            "reply-body": "We are on it.",
            "reply-status_after": "open",
            "reply-eta_at": _local_input(past, NEW_YORK),
        },
    )
    assert refused.status_code == 400
    assert "pick a time in the future" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.eta_at is None and ticket.first_response_at is None
    assert not TicketMessage.objects.filter(ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ETA).exists()


def test_a_promise_months_away_is_refused(world):
    program, _manager, freelancer = world
    ticket = TicketFactory(program=program, assignee=freelancer)
    with pytest.raises(QueueError) as refused:
        ticket_reply_send(
            ticket=ticket,
            author=freelancer.user,
            body="Soon.",
            freelancer=freelancer,
            eta_at=timezone.now() + datetime.timedelta(days=400),
        )
    assert refused.value.field == "eta_at"
    assert not TicketMessage.objects.filter(ticket=ticket).exists()


def test_the_in_house_team_promises_from_the_manage_page(client, world):
    program, manager, _freelancer = world
    ticket = TicketFactory(program=program, queue=Ticket.Queue.INHOUSE)
    promised = (timezone.now() + datetime.timedelta(hours=5)).replace(second=0, microsecond=0)
    client.force_login(manager)
    posted = client.post(
        f"/manage/queues/tickets/{ticket.pk}/reply/",
        {
            "reply-body": "Checking with finance.",
            "reply-status_after": "pending",
            "reply-eta_at": _local_input(promised, manager.zone),
        },
    )
    assert posted.status_code == 302
    ticket.refresh_from_db()
    assert ticket.eta_at == promised and ticket.status == Ticket.Status.PENDING
    assert "Promised to the customer" in client.get(f"/manage/queues/tickets/{ticket.pk}/").content.decode()


def test_met_missed_and_due():
    now = timezone.now()
    eta = now - datetime.timedelta(hours=1)
    assert eta_state(eta_at=None, solved_at=None, now=now) == ""
    assert eta_state(eta_at=eta, solved_at=eta, now=now) == MET  # solved right at the promised minute
    assert eta_state(eta_at=eta, solved_at=eta - datetime.timedelta(hours=3), now=now) == MET
    assert eta_state(eta_at=eta, solved_at=eta + datetime.timedelta(seconds=1), now=now) == MISSED
    assert eta_state(eta_at=eta, solved_at=None, now=now) == MISSED  # passed, not solved
    assert eta_state(eta_at=now + datetime.timedelta(hours=1), solved_at=None, now=now) == DUE


def test_the_dashboard_counts_etas_met_and_missed_beside_the_sla(client, world):
    program, manager, freelancer = world
    program.time_zone = "UTC"
    program.save(update_fields=["time_zone"])
    now = timezone.now()
    today = now.date()
    period = Period(
        key="custom",
        first_day=today - datetime.timedelta(days=6),
        last_day=today,
        zone=datetime.UTC,
        label="last 7 days",
    )

    def promised(eta, solved=None):
        status = Ticket.Status.SOLVED if solved else Ticket.Status.OPEN
        return TicketFactory(
            program=program,
            assignee=freelancer,
            status=status,
            eta_at=eta,
            solved_at=solved,
            eta_set_at=eta - datetime.timedelta(hours=4),
        )

    an_hour = datetime.timedelta(hours=1)
    promised(now - 3 * an_hour, solved=now - 5 * an_hour)  # met
    promised(now - 3 * an_hour, solved=now - 3 * an_hour)  # met (on the minute)
    promised(now - 3 * an_hour, solved=now - 2 * an_hour)  # missed: solved late
    promised(now - 2 * an_hour)  # missed: passed, still open
    promised(now + an_hour)  # due: promised, not counted in the rate yet
    promised(
        now - datetime.timedelta(days=9), solved=now - datetime.timedelta(days=10)
    )  # previous period: met
    TicketFactory(program=program, assignee=freelancer)  # nothing promised

    report = ticket_report(program=program, period=period)
    assert (report.current.etas, report.current.etas_met, report.current.etas_missed) == (5, 2, 2)
    assert str(report.current.eta_attainment) == "50.0"
    assert (report.previous.etas, report.previous.etas_met, report.previous.etas_missed) == (1, 1, 0)

    client.force_login(manager)
    page = client.get(f"/manage/programs/{program.slug}/?period=7d").content.decode()
    box = page[page.index('id="eta-attainment"') :]
    box = box[: box.index("</div></div>")]
    assert "ETAs met" in box and "2 met, 2 missed of 5 promised" in box
