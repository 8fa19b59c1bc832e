import datetime

import pytest
from django.utils import timezone

from accounts.models import Freelancer, User
from programs.models import Program
from programs.selectors import program_ids_for
from queues import selectors
from queues.models import AvailabilityChange, AvailabilitySlot, QueueSettings, Ticket
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


def test_queue_counts_count_each_headline_over_the_users_active_tickets():
    # Given a manager's program with active tickets in both queues, some past their deadline, and tickets that
    # must not be counted (solved, or of another program)
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    now = timezone.now()
    past, future = now - datetime.timedelta(minutes=5), now + datetime.timedelta(hours=1)
    TicketFactory(program=program, queue="inhouse", next_due_at=past)
    TicketFactory(program=program, queue="inhouse", next_due_at=future, status=Ticket.Status.PENDING)
    TicketFactory(
        program=program, queue="inhouse", next_due_at=future, assignee=freelancer
    )  # kept its freelancer
    TicketFactory(program=program, queue="freelancer", next_due_at=past)  # waiting
    TicketFactory(program=program, queue="freelancer", next_due_at=None, status=Ticket.Status.NEW)  # waiting
    TicketFactory(program=program, queue="freelancer", next_due_at=past, assignee=freelancer)
    TicketFactory(program=program, queue="freelancer", next_due_at=future, assignee=freelancer)
    TicketFactory(program=program, queue="inhouse", next_due_at=past, status=Ticket.Status.SOLVED)
    TicketFactory(program=program, queue="freelancer", next_due_at=past, status=Ticket.Status.CLOSED)
    TicketFactory(program=ProgramFactory(), queue="inhouse", next_due_at=past)
    # When the headline numbers are read
    counts = selectors.queue_counts(user=manager, now=now)
    # Then each counts only the manager's active tickets
    assert counts == {"inhouse": 3, "waiting": 2, "with_freelancers": 3, "breached": 3}


def test_queue_counts_of_a_manager_without_programs_are_zero():
    assert selectors.queue_counts(user=ManagerFactory()) == {
        "inhouse": 0,
        "waiting": 0,
        "with_freelancers": 0,
        "breached": 0,
    }


def test_user_programs_with_settings_also_answers_program_ids_for(django_assert_num_queries):
    # Given a manager of two programs
    manager = ManagerFactory()
    programs = [ProgramFactory(managers=[manager]), ProgramFactory(managers=[manager])]
    ProgramFactory()
    # When the queue pages read the programs once
    with django_assert_num_queries(1):
        listed = selectors.user_programs_with_settings(user=manager)
        ids = program_ids_for(user=manager)
    # Then the ids come with them, with no query of their own
    assert sorted(ids) == sorted(p.pk for p in programs) == sorted(p.pk for p in listed)


def test_ticket_get_for_manager_is_scoped_and_loads_only_the_people_that_are_set(django_assert_num_queries):
    # Given a manager's escalated ticket with an in-house assignee, a plain ticket, and another program's ticket
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    escalated = TicketFactory(
        program=program,
        queue="inhouse",
        inhouse_assignee=manager,
        escalated_by=freelancer,
        escalated_at=timezone.now(),
    )
    plain = TicketFactory(program=program)
    other = TicketFactory(program=ProgramFactory())
    # When each is read for the manager (a fresh user object, as in each request)
    # Then: the program ids, the ticket, and one query per person that is set
    user = User.objects.get(pk=manager.pk)
    with django_assert_num_queries(4):
        ticket = selectors.ticket_get_for_manager(user=user, pk=escalated.pk)
        assert ticket.inhouse_assignee == manager and ticket.escalated_by == freelancer
    user = User.objects.get(pk=manager.pk)
    with django_assert_num_queries(2):
        ticket = selectors.ticket_get_for_manager(user=user, pk=plain.pk)
        assert ticket.inhouse_assignee is None and ticket.escalated_by is None and ticket.program == program
    assert selectors.ticket_get_for_manager(user=user, pk=other.pk) is None


def test_ticket_get_for_manager_lets_a_superuser_open_any_program():
    superuser = ManagerFactory(is_superuser=True)
    ticket = TicketFactory(program=ProgramFactory())
    assert selectors.ticket_get_for_manager(user=superuser, pk=ticket.pk) == ticket


def test_recent_lists_the_freelancers_ten_latest_solved_or_closed_tickets():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    now = timezone.now()
    for hours in range(12):
        TicketFactory(
            program=program,
            assignee=freelancer,
            status=Ticket.Status.SOLVED if hours % 2 else "closed",
            subject=f"done {hours:02d}h ago",
            solved_at=now - datetime.timedelta(hours=hours),
        )
    TicketFactory(program=program, assignee=freelancer, subject="still open")
    TicketFactory(
        program=program,
        assignee=on_duty_freelancer(program),
        status=Ticket.Status.SOLVED,
        subject="someone else's",
        solved_at=now,
    )
    recent = list(selectors.ticket_recent_for_freelancer(freelancer=freelancer))
    assert [t.subject for t in recent] == [f"done {hours:02d}h ago" for hours in range(10)]
    assert recent[0].program.name == program.name


@pytest.mark.parametrize(
    "case",
    [
        "all_week",
        "no_slots",
        "outside_slot",
        "slot_of_other_program",
        "away_now",
        "away_ended",
        "extra_now",
        "extra_later",
        "inactive",
        "slot_now",
    ],
)
def test_freelancer_is_on_shift_follows_slots_changes_and_status(case):
    # Given a freelancer's week in one of several shapes (their own time zone, one-off changes, program slots)
    program = ProgramFactory()
    now = timezone.now().replace(second=0, microsecond=0)
    freelancer = on_duty_freelancer(program, slots=case in ("all_week", "inactive"), time_zone="Asia/Kolkata")
    local = now.astimezone(freelancer.zone)
    hour = datetime.time(local.hour)
    next_hour = datetime.time((local.hour + 1) % 24)
    if case == "outside_slot":
        AvailabilitySlot.objects.create(
            freelancer=freelancer,
            weekday=local.weekday(),
            start_time=next_hour,
            end_time=datetime.time(0) if next_hour.hour == 23 else datetime.time(23),
        )
    if case in ("slot_of_other_program", "slot_now", "away_now", "away_ended"):
        AvailabilitySlot.objects.create(
            freelancer=freelancer,
            weekday=local.weekday(),
            start_time=hour,
            end_time=next_hour,
            program=ProgramFactory() if case == "slot_of_other_program" else None,
        )
    if case in ("away_now", "away_ended"):
        ends = now + datetime.timedelta(minutes=30) if case == "away_now" else now
        AvailabilityChange.objects.create(
            freelancer=freelancer, kind="away", starts_at=now - datetime.timedelta(hours=1), ends_at=ends
        )
    if case in ("extra_now", "extra_later"):
        starts = (
            now - datetime.timedelta(minutes=1)
            if case == "extra_now"
            else now + datetime.timedelta(minutes=1)
        )
        AvailabilityChange.objects.create(
            freelancer=freelancer, kind="extra", starts_at=starts, ends_at=now + datetime.timedelta(hours=2)
        )
    if case == "inactive":
        Freelancer.objects.filter(pk=freelancer.pk).update(status=Freelancer.Status.AWAY)
        freelancer.refresh_from_db()
    # When the queue page asks whether they are on shift
    on_shift = selectors.freelancer_is_on_shift(freelancer=freelancer, now=now)
    # Then the answer follows the rota, and the availability page (which also builds the week ahead) says so too
    assert selectors.availability_for_freelancer(freelancer=freelancer, now=now)["on_shift"] is on_shift
    expected = {
        "all_week": True,
        "no_slots": False,
        "outside_slot": False,
        "slot_of_other_program": True,
        "away_now": False,
        "away_ended": True,
        "extra_now": True,
        "extra_later": False,
        "inactive": False,
        "slot_now": True,
    }
    assert on_shift is expected[case]


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_program_for_intake_reads_what_the_orm_reads_in_one_query(django_assert_num_queries):
    # Given a manager's program with saved queue settings (JSON, booleans, times)
    from queues.models import QueueSettings

    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager], slug="shop")
    QueueSettings.objects.create(
        program=program,
        first_response_minutes=45,
        business_hours_only=True,
        business_hours=[[["09:00", "17:00"]]] * 5 + [[], []],
    )
    # When intake looks the program up
    with django_assert_num_queries(1):
        found = selectors.program_for_intake(user=manager, slug="shop")
        settings = QueueSettings.for_program(found)
        assert settings.program is found
    # Then program and settings are what the ORM would give, values converted (JSON decoded, not text)
    assert _fields(found) == _fields(Program.objects.get(pk=program.pk))
    assert _fields(settings) == _fields(QueueSettings.objects.get(program=program))
    assert settings.business_hours == [[["09:00", "17:00"]]] * 5 + [[], []]
    assert settings.weekly_minutes[0] == [(9 * 60, 17 * 60)]


def test_program_for_intake_is_scoped_like_program_list():
    from tests.accounts.factories import UserFactory

    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager], slug="shop")  # no queue settings saved: defaults
    admin = UserFactory(is_superuser=True)
    assert selectors.program_for_intake(user=manager, slug="shop") == program
    assert selectors.program_for_intake(user=admin, slug="shop") == program
    assert selectors.program_for_intake(user=ManagerFactory(), slug="shop") is None  # another manager's
    assert selectors.program_for_intake(user=manager, slug="nope") is None
    found = selectors.program_for_intake(user=manager, slug="shop")
    assert (
        QueueSettings.for_program(found).pk is None
        and QueueSettings.for_program(found).first_response_minutes == 60
    )


def test_old_created_events_become_the_tickets_received_by():
    # Given a ticket from before received_by, with its "created" timeline row
    import importlib

    from django.apps import apps

    from queues.models import TicketEvent

    migration = importlib.import_module("queues.migrations.0006_ticket_received_by")
    manager = ManagerFactory()
    ticket = TicketFactory(program=ProgramFactory(managers=[manager]))
    webhook_ticket = TicketFactory(program=ticket.program)
    TicketEvent.objects.create(ticket=ticket, kind="created", actor=manager, message="Received via API.")
    TicketEvent.objects.create(ticket=webhook_ticket, kind="created", message="Received via Zendesk webhook.")
    TicketEvent.objects.create(ticket=ticket, kind="routed", message="To the in-house queue.")
    # When the data migration runs
    migration.created_events_to_tickets(apps, None)
    # Then the actor moved to the ticket and the timeline draws that line from it (no duplicate row)
    ticket.refresh_from_db()
    webhook_ticket.refresh_from_db()
    assert ticket.received_by == manager and webhook_ticket.received_by is None
    assert list(TicketEvent.objects.values_list("kind", flat=True)) == ["routed"]
    assert [event.kind for event in selectors.ticket_timeline(ticket=ticket)] == ["created", "routed"]
