import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from queues.errors import QueueError
from queues.models import QueueSettings, Ticket, TicketEvent
from queues.selectors import freelancer_ticket_stats
from queues.services import (
    ticket_escalate,
    ticket_inhouse_assign,
    ticket_reassign,
    ticket_reopen,
    ticket_reply,
    ticket_send_back,
    ticket_solve,
)
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    ticket = TicketFactory(program=program, assignee=freelancer, status=Ticket.Status.NEW)
    return program, manager, freelancer, ticket


def test_first_reply_stops_the_first_response_clock(setup):
    _program, _manager, freelancer, ticket = setup
    ticket_reply(ticket=ticket, author=freelancer.user, body="Hello!", freelancer=freelancer)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.first_response_met is True
    assert ticket.first_responder == freelancer.user and ticket.first_response_seconds is not None
    assert ticket.next_due_at == ticket.resolution_due_at


def test_late_reply_misses_the_sla(setup):
    _program, _manager, freelancer, ticket = setup
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=timezone.now() - datetime.timedelta(minutes=1))
    ticket_reply(ticket=ticket, author=freelancer.user, body="Sorry for the wait", freelancer=freelancer)
    ticket.refresh_from_db()
    assert ticket.first_response_met is False


def test_pending_after_reply_frees_capacity(setup):
    _program, _manager, freelancer, ticket = setup
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Can you send a photo?",
        status_after="pending",
        freelancer=freelancer,
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING


def test_empty_reply_is_refused_and_changes_nothing(setup):
    _program, _manager, freelancer, ticket = setup
    with pytest.raises(QueueError):
        ticket_reply(ticket=ticket, author=freelancer.user, body="   ", freelancer=freelancer)
    assert ticket.messages.count() == 0


def test_escalate_moves_ticket_to_in_house_with_reason_and_note(setup):
    _program, _manager, freelancer, ticket = setup
    ticket_escalate(
        ticket=ticket, freelancer=freelancer, reason="billing", note="Double charge; needs finance."
    )
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.INHOUSE and ticket.assignee is None
    assert ticket.escalated_by == freelancer and ticket.escalation_reason == "billing"
    assert ticket.escalation_note == "Double charge; needs finance." and ticket.inhouse_due_at is not None
    event = ticket.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert event.data["reason"] == "billing" and "Billing" in event.message


@pytest.mark.parametrize(
    "reason,note,field",
    [("astrology", "A good long note", "reason"), ("billing", "short", "note"), ("billing", "", "note")],
)
def test_escalation_needs_a_listed_reason_and_a_hand_off_note(setup, reason, note, field):
    _program, _manager, freelancer, ticket = setup
    with pytest.raises(QueueError) as error:
        ticket_escalate(ticket=ticket, freelancer=freelancer, reason=reason, note=note)
    assert error.value.field == field
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.FREELANCER and ticket.assignee == freelancer


def test_program_specific_reasons(setup):
    program, _manager, freelancer, ticket = setup
    QueueSettings.objects.create(program=program, escalation_reasons=[["legal", "Legal"]])
    with pytest.raises(QueueError):
        ticket_escalate(ticket=ticket, freelancer=freelancer, reason="billing", note="A long enough note")
    ticket_escalate(ticket=ticket, freelancer=freelancer, reason="legal", note="A long enough note")


def test_escalating_a_solved_ticket_is_a_clear_error(setup):
    _program, _manager, freelancer, ticket = setup
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    with pytest.raises(QueueError, match="already solved"):
        ticket_escalate(ticket=ticket, freelancer=freelancer, reason="bug", note="It broke after solving")


def test_someone_elses_ticket_cannot_be_escalated(setup):
    program, _manager, _freelancer, ticket = setup
    other = on_duty_freelancer(program)
    with pytest.raises(QueueError, match="no longer assigned"):
        ticket_escalate(ticket=ticket, freelancer=other, reason="bug", note="Not mine but trying")


def test_solve_records_resolution_and_reopen_clears_it(setup):
    _program, manager, freelancer, ticket = setup
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    ticket.refresh_from_db()
    assert (
        ticket.status == Ticket.Status.SOLVED and ticket.resolution_met is True and ticket.next_due_at is None
    )
    with pytest.raises(DomainError):
        ticket_solve(ticket=ticket, actor=freelancer.user)
    ticket_reopen(ticket=ticket, actor=manager)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.solved_at is None
    assert ticket.events.filter(kind=TicketEvent.Kind.REOPENED).exists()


def test_inhouse_assign_send_back_and_reassign(setup, django_capture_on_commit_callbacks):
    program, manager, freelancer, ticket = setup
    ticket_escalate(ticket=ticket, freelancer=freelancer, reason="bug", note="Checkout broken on Safari")
    ticket_inhouse_assign(ticket=ticket, user=manager, actor=manager)
    ticket.refresh_from_db()
    assert ticket.inhouse_assignee == manager
    outsider = ManagerFactory()
    with pytest.raises(QueueError):
        ticket_inhouse_assign(ticket=ticket, user=outsider, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_send_back(ticket=ticket, actor=manager, guidance="Known bug: tell them to use Chrome.")
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.FREELANCER and ticket.inhouse_assignee is None
    assert ticket.assignee == freelancer  # routed again
    assert ticket.messages.filter(kind="note", body__contains="use Chrome").exists()
    other = on_duty_freelancer(program)
    ticket_reassign(ticket=ticket, actor=manager, freelancer=other)
    ticket.refresh_from_db()
    assert ticket.assignee == other
    assert "Reassigned to" in ticket.events.filter(kind=TicketEvent.Kind.REASSIGNED).last().message
    stranger = on_duty_freelancer(ProgramFactory())
    with pytest.raises(QueueError, match="not queue-ready"):
        ticket_reassign(ticket=ticket, actor=manager, freelancer=stranger)


def test_freelancer_ticket_stats_exact_numbers():
    program = ProgramFactory()
    a, b = on_duty_freelancer(program), on_duty_freelancer(program)
    now = timezone.now()
    start, end = now - datetime.timedelta(days=7), now + datetime.timedelta(minutes=1)
    for seconds, met in [(600, True), (1800, True), (4000, False)]:
        TicketFactory(
            program=program,
            assignee=a,
            status="solved",
            solved_at=now,
            first_response_at=now,
            first_responder=a.user,
            first_response_seconds=seconds,
            first_response_met=met,
        )
    TicketFactory(program=program, escalated_by=a, escalated_at=now, queue="inhouse")
    TicketFactory(program=program, escalated_by=b, escalated_at=now, queue="inhouse")
    TicketFactory(program=program, assignee=a, status="solved", solved_at=now - datetime.timedelta(days=30))
    stats = freelancer_ticket_stats(program_id=program.pk, start=start, end=end)
    assert stats[a.pk].solved == 3 and stats[a.pk].escalated == 1
    assert str(stats[a.pk].escalation_rate) == "25.0"
    assert stats[a.pk].first_response_median_seconds == 1800
    assert str(stats[a.pk].sla_attainment) == "66.7"
    assert stats[b.pk].solved == 0 and str(stats[b.pk].escalation_rate) == "100.0"
    assert stats[b.pk].sla_attainment is None
    only_b = freelancer_ticket_stats(program_id=program.pk, start=start, end=end, freelancer_ids=[b.pk])
    assert set(only_b) == {b.pk}


# --- the resolution clock stops while a ticket is pending on the customer -------------------------------------


def test_pending_stops_the_resolution_clock_and_the_sweep_leaves_it_alone(setup):
    from queues.services.sweep import flag_breaches, warn_before_breach

    _program, _manager, freelancer, ticket = setup
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Which order number?",
        status_after="pending",
        freelancer=freelancer,
    )
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is not None and ticket.next_due_at is None
    # the resolution deadline passes while the customer has not answered: no warning, no breach
    Ticket.objects.filter(pk=ticket.pk).update(
        resolution_due_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert warn_before_breach() == 0 and flag_breaches() == 0
    ticket.refresh_from_db()
    assert ticket.resolution_met is None and ticket.sla_breached_at is None


def test_leaving_pending_gives_back_the_business_time_that_was_left():
    # Given a program open 9-17 on weekdays in New York, and a ticket due Monday 15:00 that went pending at 13:00
    from queues.services.common import sla_pause, sla_resume

    program = ProgramFactory(time_zone="America/New_York")
    QueueSettings.objects.create(
        program=program, business_hours_only=True, business_hours=[[["09:00", "17:00"]]] * 5 + [[], []]
    )
    ny = datetime.timezone(datetime.timedelta(hours=-5))  # EST in January
    ticket = TicketFactory(program=program, resolution_due_at=datetime.datetime(2027, 1, 4, 15, tzinfo=ny))
    sla_pause(ticket, now=datetime.datetime(2027, 1, 4, 13, tzinfo=ny))
    # When the customer answers on Tuesday at 10:00
    sla_resume(ticket, now=datetime.datetime(2027, 1, 5, 10, tzinfo=ny))
    # Then the two business hours that were left run from then, and the pause counted 4 + 1 business hours
    assert ticket.resolution_due_at == datetime.datetime(2027, 1, 5, 12, tzinfo=ny)
    assert ticket.sla_paused_seconds == 5 * 3600 and ticket.sla_paused_at is None


def test_a_ticket_already_late_when_it_went_pending_stays_late():
    from queues.services.common import sla_pause, sla_resume

    program = ProgramFactory()
    due = datetime.datetime(2027, 1, 4, 12, tzinfo=datetime.UTC)
    ticket = TicketFactory(program=program, resolution_due_at=due)
    sla_pause(ticket, now=due + datetime.timedelta(hours=1))
    sla_resume(ticket, now=due + datetime.timedelta(hours=3))
    assert ticket.resolution_due_at == due and ticket.sla_paused_seconds == 2 * 3600


def test_solving_a_pending_ticket_measures_against_the_moved_deadline(setup):
    # Given a 24/7 ticket that went pending three hours ago with one hour of its resolution time left
    _program, _manager, freelancer, ticket = setup
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Can you check?",
        status_after="pending",
        freelancer=freelancer,
    )
    paused = timezone.now() - datetime.timedelta(hours=3)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=paused, resolution_due_at=paused + datetime.timedelta(hours=1)
    )
    # When it is solved now
    ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
    ticket.refresh_from_db()
    # Then the time waiting on the customer did not count against the team
    assert ticket.resolution_met is True and ticket.sla_paused_at is None
    assert 3 * 3600 - 5 <= ticket.sla_paused_seconds <= 3 * 3600 + 5
    assert ticket.resolution_due_at > timezone.now() + datetime.timedelta(minutes=55)


def test_replying_open_again_restarts_the_clock(setup):
    _program, _manager, freelancer, ticket = setup
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Which order?",
        status_after="pending",
        freelancer=freelancer,
    )
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="Thanks, looking now.",
        status_after="open",
        freelancer=freelancer,
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.sla_paused_at is None
    assert ticket.next_due_at == ticket.resolution_due_at is not None
