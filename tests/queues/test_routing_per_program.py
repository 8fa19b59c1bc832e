"""Routing serialises per program, never globally (issue #22, item 6): while one program's routing
transaction holds every lock it takes, another program routes without waiting for it, and a second routing of
the same program does wait (so the test can tell). queues_bench --scale-out measures the throughput."""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from queues.models import Ticket
from queues.services.routing import route_new_tickets
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _new(program, n):
    return TicketFactory(program=program, external_id=f"{program.slug}-{n}", status="new", routed_at=None)


def _routing_held_open(program):
    """A thread routing the program's new tickets in a transaction it keeps open (its locks held) until told."""
    routed, release, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                route_new_tickets(program_id=program.pk)
                routed.set()
                release.wait(timeout=20)
        except Exception as exc:  # surfaced by the test
            errors.append(exc)
            routed.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert routed.wait(timeout=20)
    assert not errors
    return thread, release


def _route_with_lock_timeout(program) -> int:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return route_new_tickets(program_id=program.pk)


def test_a_program_routes_while_another_programs_routing_holds_its_locks():
    # Given two programs, each with a freelancer and new tickets
    first, second = ProgramFactory(slug="first"), ProgramFactory(slug="second")
    on_duty_freelancer(first, max_open_tickets=10)
    on_duty_freelancer(second, max_open_tickets=10)
    for n in range(3):
        _new(first, n)
        _new(second, n)
    # When the first program's routing is done but its transaction still open (tickets, freelancer, counters,
    # timeline rows: every lock it takes is held)
    thread, release = _routing_held_open(first)
    try:
        # Then the second program routes all its tickets without waiting (lock_timeout would raise)
        assert _route_with_lock_timeout(second) == 3
        assert not Ticket.objects.filter(program=second, assignee__isnull=True).exists()
        # while a new ticket of the first program waits for its routing (its freelancer is locked)
        _new(first, 9)
        with pytest.raises(OperationalError, match="lock timeout"):
            _route_with_lock_timeout(first)
    finally:
        release.set()
        thread.join()
    assert route_new_tickets(program_id=first.pk) == 1


def test_new_tickets_another_router_holds_are_passed_over_not_waited_for():
    # Given a program with room for every ticket and three new tickets, the oldest held by another transaction
    program = ProgramFactory(slug="held")
    on_duty_freelancer(program, max_open_tickets=10)
    tickets = [_new(program, n) for n in range(3)]
    locked, release, errors = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                list(Ticket.objects.select_for_update().filter(pk=tickets[0].pk))
                locked.set()
                release.wait(timeout=20)
        except Exception as exc:  # surfaced by the test
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(timeout=20) and not errors
    try:
        # When the program's new tickets are routed (picked and locked in one statement), under a lock timeout
        # Then the two free ones are routed at once, and the held one is left for later
        assert _route_with_lock_timeout(program) == 2
        assert set(
            Ticket.objects.filter(program=program, routed_at__isnull=True).values_list("pk", flat=True)
        ) == {tickets[0].pk}
    finally:
        release.set()
        thread.join()
    # And once it is free, the next routing takes it
    assert route_new_tickets(program_id=program.pk) == 1
    assert not Ticket.objects.filter(program=program, assignee__isnull=True).exists()
