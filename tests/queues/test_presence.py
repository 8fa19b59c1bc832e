"""Issue #19 (1): presence. Routing assigns only to people online inside their shift; idle people go away, people
whose shift ended go offline, and a freelancer not online 15 minutes into a shift is a live no-show."""

import datetime

import pytest
from django.utils import timezone

from contracts.models import ProgramStanding
from contracts.services import freelancer_standing_update
from core.outbox import OutboxMessage
from queues.errors import QueueError
from queues.models import (
    AvailabilityChange,
    AvailabilitySlot,
    NoShow,
    Presence,
    PresenceChange,
    Ticket,
    TicketEvent,
)
from queues.services import ticket_route
from queues.services.presence import presence_heartbeat, presence_set, presence_sweep
from queues.services.tickets import ticket_solve
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import QueueSettingsFactory, TicketFactory, on_duty_freelancer, set_online

pytestmark = pytest.mark.django_db


def waiting(program, **kwargs):
    return TicketFactory(program=program, status=Ticket.Status.NEW, routed_at=None, **kwargs)


def routed(ticket):
    ticket_route(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket


def status_of(freelancer) -> str:
    return Presence.objects.get(user=freelancer.user).status


def test_routing_skips_a_freelancer_on_shift_who_is_not_online_and_says_so():
    program = ProgramFactory()
    away = on_duty_freelancer(program, online=False)
    ticket = routed(waiting(program))
    assert ticket.assignee is None
    assert "1 not online" in ticket.events.get(kind=TicketEvent.Kind.WAITING).message
    set_online(away)
    assert routed(ticket).assignee == away


def test_coming_online_routes_the_waiting_tickets_at_once_and_the_timeline_says_why(
    django_capture_on_commit_callbacks,
):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, online=False)
    ticket = routed(waiting(program))
    with django_capture_on_commit_callbacks(execute=True):
        presence_set(user=freelancer.user, status="online")
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer
    assert f"{freelancer} came online" in ticket.events.filter(kind=TicketEvent.Kind.ROUTED).last().message
    assert PresenceChange.objects.get(user=freelancer.user).status == "online"


def test_going_online_outside_the_shift_needs_the_programs_extra_time():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, online=False, slots=False)
    with pytest.raises(QueueError, match="outside your shift"):
        presence_set(user=freelancer.user, status="online")
    assert not Presence.objects.filter(user=freelancer.user, status="online").exists()
    assert not AvailabilityChange.objects.exists()

    QueueSettingsFactory(program=program, allow_extra_time=True)
    presence_set(user=freelancer.user, status="online")
    extra = AvailabilityChange.objects.get(freelancer=freelancer)
    assert (extra.kind, extra.program_id) == ("extra", program.pk)
    assert routed(waiting(program)).assignee == freelancer  # the extra hours make them on shift
    presence_set(user=freelancer.user, status="offline")
    extra.refresh_from_db()
    assert extra.ends_at <= timezone.now()  # going offline ends the extra hours


def test_an_unknown_status_is_refused():
    freelancer = on_duty_freelancer(ProgramFactory())
    with pytest.raises(QueueError, match="online, away or offline"):
        presence_set(user=freelancer.user, status="busy")
    assert status_of(freelancer) == "online"


def test_idle_people_go_away_and_activity_brings_them_back():
    program = ProgramFactory()
    QueueSettingsFactory(program=program, away_after_minutes=10)
    freelancer = on_duty_freelancer(program, online=False)
    presence_set(user=freelancer.user, status="online")
    now = timezone.now()
    assert presence_sweep(now=now + datetime.timedelta(minutes=9))["away"] == 0
    assert presence_sweep(now=now + datetime.timedelta(minutes=11))["away"] == 1
    assert status_of(freelancer) == "away"
    assert PresenceChange.objects.filter(user=freelancer.user).last().reason == "idle"
    presence_heartbeat(user=freelancer.user, active=False)
    assert status_of(freelancer) == "away"  # an open tab is not activity
    presence_heartbeat(user=freelancer.user, active=True)
    assert status_of(freelancer) == "online"


def test_someone_who_set_away_themselves_stays_away_on_activity():
    freelancer = on_duty_freelancer(ProgramFactory(), online=False)
    presence_set(user=freelancer.user, status="online")
    presence_set(user=freelancer.user, status="away")
    presence_heartbeat(user=freelancer.user, active=True)
    assert status_of(freelancer) == "away"


def test_the_end_of_the_shift_sets_offline():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, slots=False, online=False)
    now = timezone.now().replace(second=0, microsecond=0)
    AvailabilityChange.objects.create(
        freelancer=freelancer,
        kind="extra",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(minutes=5),
    )
    presence_set(user=freelancer.user, status="online", now=now)
    assert presence_sweep(now=now + datetime.timedelta(minutes=6))["offline"] == 1
    assert status_of(freelancer) == "offline"
    assert PresenceChange.objects.filter(user=freelancer.user).last().reason == "shift_end"


def _shift_started(program, freelancer, minutes_ago):
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - datetime.timedelta(minutes=minutes_ago)
    AvailabilityChange.objects.create(
        freelancer=freelancer,
        kind="extra",
        program=program,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
    )
    return now, start


def test_a_live_no_show_reroutes_their_unanswered_tickets_and_tells_the_managers_at_once():
    program = ProgramFactory()
    late = on_duty_freelancer(program, slots=False, online=False)
    colleague = on_duty_freelancer(program)
    now, start = _shift_started(program, late, minutes_ago=16)
    unanswered = TicketFactory(program=program, assignee=late, status=Ticket.Status.NEW)
    answered = TicketFactory(program=program, assignee=late, first_response_at=start)
    assert presence_sweep(now=now)["no_shows"] == 1
    unanswered.refresh_from_db()
    answered.refresh_from_db()
    assert unanswered.assignee == colleague and answered.assignee == late
    assert "no-show" in unanswered.events.get(kind=TicketEvent.Kind.HANDED_OVER).message
    no_show = NoShow.objects.get()
    assert (no_show.freelancer, no_show.shift_start, no_show.tickets_rerouted) == (late, start, 1)
    [mail] = [
        m
        for m in OutboxMessage.objects.filter(kind="email")
        if "has not come online" in m.summary or "has not come online" in str(m.payload)
    ]
    assert program.managers.first().email in str(mail.payload["to"])
    assert presence_sweep(now=now + datetime.timedelta(minutes=1))["no_shows"] == 0  # once per shift


def test_not_a_no_show_before_15_minutes_or_when_they_came_online_and_stepped_away():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, slots=False, online=False)
    now, start = _shift_started(program, freelancer, minutes_ago=14)
    assert presence_sweep(now=now)["no_shows"] == 0
    presence_set(user=freelancer.user, status="online", now=start + datetime.timedelta(minutes=2))
    presence_set(user=freelancer.user, status="away", now=start + datetime.timedelta(minutes=10))
    assert presence_sweep(now=now + datetime.timedelta(minutes=5))["no_shows"] == 0
    assert not NoShow.objects.exists()


def test_a_promotion_routes_waiting_tier_2_work_the_same_minute(django_capture_on_commit_callbacks):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    tier_two = TicketTypeFactory(program=program, tier=2)
    ticket = routed(waiting(program, ticket_type=tier_two, tier=2))
    assert ticket.assignee is None
    with django_capture_on_commit_callbacks(execute=True):
        freelancer_standing_update(
            freelancer=freelancer,
            program=program,
            max_open_tickets=5,
            tier=2,
            actor=program.managers.first(),
            reason="Evaluation",
        )
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer
    assert ProgramStanding.objects.get(freelancer=freelancer).tier == 2


def test_solving_frees_room_and_the_waiting_ticket_is_routed_at_once(django_capture_on_commit_callbacks):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, max_open_tickets=1)
    first = routed(waiting(program))
    second = routed(waiting(program))
    assert (first.assignee, second.assignee) == (freelancer, None)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_solve(ticket=first, actor=freelancer.user, freelancer=freelancer)
    second.refresh_from_db()
    assert second.assignee == freelancer
    assert f"room freed when #{first.pk} was solved" in second.events.filter(kind="routed").last().message


def test_a_phone_ticket_goes_only_to_someone_who_takes_phone():
    program = ProgramFactory(channels=["email", "phone"])
    on_duty_freelancer(program, channels=["email"])
    ticket = routed(waiting(program, channel="phone"))
    assert ticket.assignee is None and "not taking phone" in ticket.events.get(kind="waiting").message
    phone = on_duty_freelancer(program, channels=["email", "phone"])
    assert routed(ticket).assignee == phone


def test_the_header_switch_and_heartbeat(client):
    freelancer = on_duty_freelancer(ProgramFactory(), online=False)
    client.force_login(freelancer.user)
    response = client.post("/portal/presence/", {"status": "online", "next": "/portal/tickets/"})
    assert response.status_code == 302 and response["Location"] == "/portal/tickets/"
    assert status_of(freelancer) == "online"
    beat = client.post("/portal/presence/heartbeat/", {"active": "1"}, HTTP_ACCEPT="application/json")
    assert beat.json() == {"status": "online", "label": "Online"}
    refused = client.post("/portal/presence/", {"status": "nope"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "online, away or offline" in refused.json()["error"]
    # an off-site next is not followed
    assert (
        client.post("/portal/presence/", {"status": "away", "next": "https://evil.example/"})["Location"]
        == "/portal/tickets/"
    )


def test_agents_set_presence_on_the_manage_side_and_freelancers_cannot(client):
    from accounts.models import User
    from tests.accounts.factories import UserFactory

    agent = UserFactory(role=User.Role.AGENT)
    client.force_login(agent)
    assert client.post("/manage/presence/", {"status": "online"}).status_code == 302
    assert Presence.objects.get(user=agent).status == "online"
    assert client.post("/portal/presence/", {"status": "online"}).status_code == 403
    freelancer = on_duty_freelancer(ProgramFactory())
    client.force_login(freelancer.user)
    assert client.post("/manage/presence/", {"status": "online"}).status_code == 403
    assert client.get("/portal/presence/").json() == {"status": "online", "label": "Online"}


def test_weekly_slots_without_presence_get_nothing_but_the_slot_still_counts():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program, online=False)
    assert AvailabilitySlot.objects.filter(freelancer=freelancer).count() == 7
    assert routed(waiting(program)).assignee is None


def test_the_coverage_page_shows_planned_against_really_online_per_hour(client):
    from queues.selectors import program_coverage

    program = ProgramFactory(time_zone="UTC")
    freelancer = on_duty_freelancer(program, online=False)  # planned all week
    monday = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
    now = monday + datetime.timedelta(hours=12)
    PresenceChange.objects.create(
        user=freelancer.user, status="online", before="offline", at=monday + datetime.timedelta(hours=9)
    )
    PresenceChange.objects.create(
        user=freelancer.user, status="offline", before="online", at=monday + datetime.timedelta(hours=10)
    )
    NoShow.objects.create(freelancer=freelancer, program=program, shift_start=monday, noticed_at=monday)
    coverage = program_coverage(program=program, now=now)
    cells = coverage["rows"][0]["cells"]
    assert (cells[9].count, cells[9].online, cells[9].short) == (1, 1, False)
    assert (cells[10].count, cells[10].online, cells[10].short) == (1, 0, True)
    assert cells[13].online is None  # still to come
    assert coverage["short"] == 11  # 00–08 and 10–11 o'clock: planned, nobody online
    assert "Online: nobody" in cells[10].title and f"Online: {freelancer.legal_name}" in cells[9].title
    assert [no_show.freelancer for no_show in coverage["no_shows"]] == [freelancer]


def test_going_offline_hands_over_the_tickets_not_answered_yet():
    program = ProgramFactory()
    leaving = on_duty_freelancer(program)
    colleague = on_duty_freelancer(program)
    unanswered = TicketFactory(program=program, assignee=leaving, status=Ticket.Status.NEW)
    answered = TicketFactory(program=program, assignee=leaving, first_response_at=timezone.now())
    presence_set(user=leaving.user, status="offline")
    unanswered.refresh_from_db()
    answered.refresh_from_db()
    assert (unanswered.assignee, answered.assignee) == (colleague, leaving)
    assert "they went offline before answering it" in unanswered.events.get(kind="handed_over").message
