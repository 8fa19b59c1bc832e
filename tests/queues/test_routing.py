import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Freelancer
from contracts import hours as contract_hours
from contracts.models import ProgramStanding
from programs.models import EscalationRule
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketEvent
from queues.services import ticket_intake, ticket_route
from queues.services.routing import route_new_tickets, tickets_route
from tests.accounts.factories import LanguageFactory, SkillFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


def _new_ticket(program, **kwargs):
    defaults = {"status": Ticket.Status.NEW, "routed_at": None}
    defaults.update(kwargs)
    return TicketFactory(program=program, **defaults)


def _at_once(chunks, route_one):
    """One thread per chunk, started together, each calling route_one for every item; errors are raised here."""
    barrier = threading.Barrier(len(chunks))
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for item in chunk:
                route_one(item)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def _route(ticket, **kwargs):
    ticket_route(ticket_id=ticket.pk, **kwargs)
    ticket.refresh_from_db()
    return ticket


def test_tier1_ticket_goes_to_an_eligible_freelancer_and_the_reason_is_on_the_timeline():
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    ticket = _route(_new_ticket(program))
    assert ticket.assignee == freelancer
    assert ticket.queue == Ticket.Queue.FREELANCER
    event = ticket.events.get(kind=TicketEvent.Kind.ROUTED)
    assert str(freelancer) in event.message and "least loaded" in event.message


def test_tier2_ticket_without_a_type_goes_in_house():
    program = ProgramFactory()
    on_duty_freelancer(program)
    ticket = _route(_new_ticket(program, tier=2))
    assert ticket.queue == Ticket.Queue.INHOUSE and ticket.assignee is None
    assert ticket.inhouse_due_at is not None
    assert "tier 2" in ticket.events.get(kind=TicketEvent.Kind.ROUTED).message


def test_tier2_type_open_to_freelancers_waits_for_a_tier2_freelancer_and_goes_to_one():
    program = ProgramFactory()
    tier1 = on_duty_freelancer(program)
    tier_two = TicketTypeFactory(program=program, tier=2)
    ticket = _route(_new_ticket(program, ticket_type=tier_two, tier=2))
    assert ticket.queue == Ticket.Queue.FREELANCER and ticket.assignee is None
    assert "below tier 2" in ticket.events.filter(kind=TicketEvent.Kind.WAITING).latest("pk").message

    ProgramStanding.objects.create(
        freelancer=tier1, program=program, tier=2
    )  # promoted: the next routing gives it
    ticket = _route(ticket)
    assert ticket.assignee_id == tier1.pk


def test_a_channel_the_program_does_not_give_freelancers_goes_in_house():
    program = ProgramFactory(channels=["email", "chat"])
    on_duty_freelancer(program)
    phone = _route(_new_ticket(program, channel="phone"))
    assert phone.queue == Ticket.Queue.INHOUSE and phone.assignee is None
    assert "phone" in phone.events.get(kind=TicketEvent.Kind.ROUTED).message
    chat = _route(_new_ticket(program, channel="chat"))
    assert chat.assignee is not None


def test_type_not_for_freelancers_goes_in_house():
    program = ProgramFactory()
    on_duty_freelancer(program)
    ticket = _route(
        _new_ticket(program, ticket_type=TicketTypeFactory(program=program, freelancers_allowed=False))
    )
    assert ticket.queue == Ticket.Queue.INHOUSE


def test_escalation_rule_by_type_goes_in_house():
    program = ProgramFactory()
    on_duty_freelancer(program)
    ticket_type = TicketTypeFactory(program=program)
    EscalationRule.objects.create(program=program, ticket_type=ticket_type)
    assert _route(_new_ticket(program, ticket_type=ticket_type)).queue == Ticket.Queue.INHOUSE


@pytest.mark.parametrize(
    "text,inhouse",
    [
        ("I will file a CHARGEBACK today", True),
        ("chargebacks again", True),
        ("nothing special", False),
        ("xchargeback", False),
    ],
)
def test_escalation_keyword_is_case_insensitive(text, inhouse):
    program = ProgramFactory()
    on_duty_freelancer(program)
    EscalationRule.objects.create(program=program, keyword="chargeback")
    ticket = _route(_new_ticket(program, body=text))
    assert (ticket.queue == Ticket.Queue.INHOUSE) is inhouse


def test_language_must_match():
    program = ProgramFactory()
    on_duty_freelancer(program, languages=[LanguageFactory(code="en")])
    spanish = on_duty_freelancer(program, languages=[LanguageFactory(code="es")])
    assert _route(_new_ticket(program, language="es")).assignee == spanish
    waiting = _route(_new_ticket(program, language="de"))
    assert waiting.assignee is None
    assert "no de" in waiting.events.get(kind=TicketEvent.Kind.WAITING).message


def test_regional_language_is_served_by_base_language_speaker():
    program = ProgramFactory()
    speaker = on_duty_freelancer(program, languages=[LanguageFactory(code="pt")])
    assert _route(_new_ticket(program, language="pt-br")).assignee == speaker


def test_required_skills_must_all_be_present():
    program = ProgramFactory()
    billing, shipping = SkillFactory(slug="billing"), SkillFactory(slug="shipping")
    ticket_type = TicketTypeFactory(program=program)
    ticket_type.required_skills.set([billing, shipping])
    on_duty_freelancer(program, skills=[billing])
    both = on_duty_freelancer(program, skills=[billing, shipping])
    assert _route(_new_ticket(program, ticket_type=ticket_type)).assignee == both


def test_freelancer_tier_must_reach_ticket_tier_when_sent_to_freelancers():
    program = ProgramFactory()
    on_duty_freelancer(program, tier=1)
    senior = on_duty_freelancer(program, tier=2)
    # a tier-2 ticket the in-house team sent back to freelancers (already routed once)
    ticket = _route(_new_ticket(program, tier=2, routed_at=timezone.now()))
    assert ticket.assignee == senior


def test_not_queue_ready_or_inactive_freelancers_are_skipped():
    program = ProgramFactory()
    on_duty_freelancer(ProgramFactory())  # on shift, but contracted in another program
    on_duty_freelancer(program, status=Freelancer.Status.AWAY)
    ticket = _route(_new_ticket(program))
    assert ticket.assignee is None
    assert "1 queue-ready: 1 not active" in ticket.events.get(kind=TicketEvent.Kind.WAITING).message


def test_shift_is_evaluated_in_the_freelancers_own_time_zone():
    program = ProgramFactory()
    now = datetime.datetime(2026, 3, 4, 14, 0, tzinfo=datetime.UTC)  # Wednesday 14:00 UTC = 23:00 in Tokyo
    tokyo = on_duty_freelancer(program, time_zone="Asia/Tokyo", slots=False)
    AvailabilitySlot.objects.create(
        freelancer=tokyo, weekday=2, start_time=datetime.time(9), end_time=datetime.time(17)
    )
    assert _route(_new_ticket(program), now=now).assignee is None
    chicago = on_duty_freelancer(program, time_zone="America/Chicago", slots=False)  # 08:00 in Chicago
    AvailabilitySlot.objects.create(
        freelancer=chicago, weekday=2, start_time=datetime.time(7), end_time=datetime.time(15)
    )
    assert _route(_new_ticket(program), now=now).assignee == chicago


def test_away_change_takes_a_freelancer_off_and_extra_hours_put_one_on():
    program = ProgramFactory()
    now = timezone.now()
    on_call = on_duty_freelancer(program)
    AvailabilityChange.objects.create(
        freelancer=on_call,
        kind="away",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )
    extra = on_duty_freelancer(program, slots=False)
    AvailabilityChange.objects.create(
        freelancer=extra,
        kind="extra",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )
    assert _route(_new_ticket(program), now=now).assignee == extra


def test_capacity_counts_new_and_open_but_not_pending():
    program = ProgramFactory()
    busy = on_duty_freelancer(program, max_open_tickets=2)
    TicketFactory(program=program, assignee=busy, status=Ticket.Status.OPEN)
    TicketFactory(program=program, assignee=busy, status=Ticket.Status.PENDING)
    TicketFactory(program=program, assignee=busy, status=Ticket.Status.SOLVED)
    assert _route(_new_ticket(program)).assignee == busy  # 1 open of 2
    third = _route(_new_ticket(program))
    assert third.assignee is None  # now 2 open of 2
    assert "full" in third.events.get(kind=TicketEvent.Kind.WAITING).message


def test_weekly_hour_cap_excludes_freelancer():
    program = ProgramFactory()
    capped = on_duty_freelancer(program)
    free = on_duty_freelancer(program)
    previous = contract_hours._provider
    contract_hours.register_hours_provider(
        lambda *, program_id, freelancer_ids, week_start, week_end: {capped.pk: Decimal("30")}
    )
    try:
        assert _route(_new_ticket(program)).assignee == free
        waiting = _route(_new_ticket(program, language="en"), exclude_freelancer_ids={free.pk})
        assert waiting.assignee is None
        assert "weekly hour cap" in waiting.events.get(kind=TicketEvent.Kind.WAITING).message
    finally:
        contract_hours._provider = previous


def test_least_loaded_wins_then_idle_longest_then_lowest_id():
    program = ProgramFactory()
    a, b, c = (on_duty_freelancer(program) for _ in range(3))
    now = timezone.now()
    TicketFactory(program=program, assignee=a, status=Ticket.Status.OPEN, last_assigned_at=now)
    # b and c have no open tickets; b got a ticket an hour ago, c two hours ago → c has been idle longest
    TicketFactory(
        program=program,
        assignee=b,
        status=Ticket.Status.SOLVED,
        last_assigned_at=now - datetime.timedelta(hours=1),
    )
    TicketFactory(
        program=program,
        assignee=c,
        status=Ticket.Status.SOLVED,
        last_assigned_at=now - datetime.timedelta(hours=2),
    )
    assert _route(_new_ticket(program)).assignee == c
    assert _route(_new_ticket(program)).assignee == b  # c now has 1 open; b has 0
    # all at one open ticket: the one whose last assignment is oldest is a
    assert _route(_new_ticket(program)).assignee == a


def test_never_assigned_freelancer_counts_as_idle_longest():
    program = ProgramFactory()
    veteran = on_duty_freelancer(program)
    TicketFactory(
        program=program, assignee=veteran, status=Ticket.Status.SOLVED, last_assigned_at=timezone.now()
    )
    newcomer = on_duty_freelancer(program)
    assert _route(_new_ticket(program)).assignee == newcomer


def test_routing_is_idempotent():
    program = ProgramFactory()
    on_duty_freelancer(program)
    on_duty_freelancer(program)
    ticket = _route(_new_ticket(program))
    first = ticket.assignee
    assert _route(ticket).assignee == first
    assert ticket.events.filter(kind=TicketEvent.Kind.ROUTED).count() == 1


def test_intake_routes_after_commit(django_capture_on_commit_callbacks):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    with django_capture_on_commit_callbacks(execute=True):
        ticket, created = ticket_intake(
            program=program, external_id="A1", subject="Hi", body="Help", requester_email="c@example.test"
        )
    ticket.refresh_from_db()
    assert created and ticket.assignee == freelancer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_at_once_never_overbook():
    program = ProgramFactory()
    freelancers = [on_duty_freelancer(program, max_open_tickets=3) for _ in range(2)]
    tickets = [_new_ticket(program) for _ in range(12)]
    _at_once([tickets[i::4] for i in range(4)], lambda ticket: ticket_route(ticket_id=ticket.pk))
    for freelancer in freelancers:
        assert Ticket.objects.filter(assignee=freelancer, status__in=Ticket.LOAD_STATUSES).count() == 3
    assert Ticket.objects.filter(program=program, assignee__isnull=True).count() == 6


def test_the_reused_candidate_query_is_evaluated_at_each_routings_own_time():
    # Given one freelancer who is away from in two hours for an hour, and a first routing now (fills the SQL cache)
    program = ProgramFactory()
    now = timezone.now()
    person = on_duty_freelancer(program, max_open_tickets=10)
    AvailabilityChange.objects.create(
        freelancer=person,
        kind="away",
        starts_at=now + datetime.timedelta(hours=2),
        ends_at=now + datetime.timedelta(hours=3),
    )
    assert _route(_new_ticket(program), now=now).assignee == person
    # When the same kind of ticket is routed while they are away, and again after
    during = _route(_new_ticket(program), now=now + datetime.timedelta(hours=2, minutes=30))
    after = _route(_new_ticket(program), now=now + datetime.timedelta(hours=3, minutes=30))
    # Then the away time counted at the second routing's time (not the first's), and not at the third's
    assert during.assignee is None
    assert after.assignee == person


def test_automatic_routing_writes_the_timeline_not_a_duplicate_audit_line():
    from core.models import AuditLog

    program = ProgramFactory()
    on_duty_freelancer(program)
    ticket = _route(_new_ticket(program))
    assert ticket.events.filter(kind=TicketEvent.Kind.ROUTED).count() == 1
    assert not AuditLog.objects.filter(verb="ticket.routed", target_id=str(ticket.pk)).exists()


def test_a_burst_of_new_tickets_is_routed_in_one_batch_spread_by_load_and_language():
    # Given three freelancers with room for two each (one speaks Spanish only) and six new tickets
    program = ProgramFactory()
    spanish = LanguageFactory(code="es", name="Spanish")
    english_a = on_duty_freelancer(program, max_open_tickets=2)
    english_b = on_duty_freelancer(program, max_open_tickets=2)
    hispanic = on_duty_freelancer(program, max_open_tickets=2, languages=[spanish])
    english = [_new_ticket(program) for _ in range(4)]
    urgent = _new_ticket(program, next_due_at=timezone.now() - datetime.timedelta(minutes=5))
    in_spanish = _new_ticket(program, language="es")
    # When the first intake task runs
    routed = route_new_tickets(program_id=program.pk)
    # Then every new ticket was routed by that one call, nobody beyond capacity, languages respected
    assert routed == 6
    assignees = {t.pk: t.assignee_id for t in Ticket.objects.filter(program=program)}
    assert assignees[in_spanish.pk] == hispanic.pk
    assert assignees[urgent.pk] in {english_a.pk, english_b.pk}
    english_assignees = [assignees[t.pk] for t in [urgent, *english]]
    assert sorted(english_assignees, key=str) == sorted(
        [english_a.pk, english_a.pk, english_b.pk, english_b.pk, None], key=str
    )
    # the most urgent got a freelancer; the ticket left over waits with the reason on its timeline
    left = Ticket.objects.get(program=program, assignee__isnull=True)
    assert left.pk != urgent.pk and left.routed_at is not None
    waiting = left.events.get(kind=TicketEvent.Kind.WAITING)
    assert "with room" in waiting.message and "2 full" in waiting.message
    assert TicketEvent.objects.filter(ticket__program=program, kind=TicketEvent.Kind.ROUTED).count() == 5
    # And the later tasks of the burst find their ticket routed and change nothing
    assert route_new_tickets(program_id=program.pk) == 0
    assert TicketEvent.objects.filter(ticket__program=program).count() == 6


def test_a_batch_keeps_escalation_rules_and_leaves_routed_tickets_alone():
    program = ProgramFactory()
    on_duty_freelancer(program)
    EscalationRule.objects.create(program=program, keyword="refund")
    money = _new_ticket(program, subject="I want a refund")
    already = _new_ticket(
        program, routed_at=timezone.now(), queue=Ticket.Queue.FREELANCER
    )  # waiting, the sweep's job
    route_new_tickets(program_id=program.pk)
    money.refresh_from_db()
    already.refresh_from_db()
    assert money.queue == Ticket.Queue.INHOUSE and money.assignee_id is None
    assert already.assignee_id is None and not already.events.exists()


def test_intake_enqueues_a_batch_routing_of_the_program(django_capture_on_commit_callbacks):
    program = ProgramFactory()
    person = on_duty_freelancer(program, max_open_tickets=5)
    stray = _new_ticket(program)  # taken in while the broker was down: routed with the next intake's batch
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _ = ticket_intake(
            program=program, external_id="B1", subject="Hi", body="Help", requester_email="c@example.test"
        )
    assert Ticket.objects.filter(pk__in=[ticket.pk, stray.pk], assignee=person).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_batches_routed_at_once_by_two_workers_never_overbook():
    program = ProgramFactory()
    freelancers = [on_duty_freelancer(program, max_open_tickets=4) for _ in range(3)]
    tickets = [_new_ticket(program) for _ in range(30)]
    # each worker runs the intake task once per ticket it took in, as a burst of coalesced tasks would
    _at_once([tickets[i::3] for i in range(3)], lambda _ticket: route_new_tickets(program_id=program.pk))
    for freelancer in freelancers:
        assert Ticket.objects.filter(assignee=freelancer, status__in=Ticket.LOAD_STATUSES).count() == 4
    assert Ticket.objects.filter(program=program, routed_at__isnull=True).count() == 0
    assert Ticket.objects.filter(program=program, assignee__isnull=True).count() == 18
    # each ticket has exactly one routing decision on its timeline
    assert TicketEvent.objects.filter(ticket__program=program).count() == 30


def test_tickets_of_two_programs_routed_together_each_follow_their_own_programs_rules():
    # Given two programs, a refund rule in the first only, and a ticket about a refund in each
    strict, lenient = ProgramFactory(), ProgramFactory()
    EscalationRule.objects.create(program=strict, keyword="refund")
    on_duty_freelancer(strict)
    person = on_duty_freelancer(lenient)
    kept = _new_ticket(strict, subject="A refund please")
    given = _new_ticket(lenient, subject="A refund please")
    # When both are routed in one call (the sweep's way: several programs' tickets at once)
    tickets_route(ticket_ids=[kept.pk, given.pk])
    # Then each ticket was routed by its own program's rules (each program read once, shared by its tickets)
    kept.refresh_from_db()
    given.refresh_from_db()
    assert kept.queue == Ticket.Queue.INHOUSE and kept.assignee_id is None
    assert given.assignee_id == person.pk
