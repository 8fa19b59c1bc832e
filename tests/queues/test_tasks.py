"""The routing task (queues/tasks.py); through a real Redis broker in tests/queues/test_routing_redis.py."""

import pytest

from queues.models import Ticket
from queues.services.intake import TicketIn, tickets_intake
from queues.tasks import GATHER_SECONDS, SURE_SECONDS, _pending_key, publish_route, ticket_route_task
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

pytestmark = pytest.mark.django_db


def test_a_burst_bigger_than_one_task_takes_is_routed_to_the_end_by_the_next_tasks(monkeypatch):
    # Given one task takes 1 round of 2 tickets, and 5 new tickets wait (a batch taken in without routing)
    monkeypatch.setattr("queues.tasks.MAX_ROUNDS", 1)
    monkeypatch.setattr("queues.services.routing.ROUTE_BATCH", 2)
    program = ProgramFactory()
    on_duty_freelancer(program, max_open_tickets=10)
    answered = tickets_intake(
        program=program,
        tickets=[
            TicketIn(external_id=f"T-{n}", subject="s", body="b", requester_email="a@example.test")
            for n in range(5)
        ],
        route=False,
    )
    # When the program's routing task runs (eagerly, as in tests)
    ticket_route_task.delay(answered[0][0].pk, program.pk)
    # Then it handed the rest on until every ticket was routed, none left for the sweep
    assert not Ticket.objects.filter(program=program, routed_at__isnull=True).exists()
    assert not Ticket.objects.filter(program=program, assignee__isnull=True).exists()


class FakeRedis:
    """What publish_route asks of Redis: SET NX GET with a TTL, and DELETE (the task starting)."""

    def __init__(self):
        self.values: dict[str, bytes] = {}
        self.sets = 0

    def set(self, key, value, nx=False, ex=None, get=False):
        self.sets += 1
        old = self.values.get(key)
        if old is None:
            self.values[key] = str(value).encode()
        return old

    def delete(self, key):
        self.values.pop(key, None)


@pytest.fixture
def coordination(monkeypatch):
    fake, clock, sent = FakeRedis(), [1_800_000_000.0], []
    monkeypatch.setattr("queues.tasks._coordination_client", lambda app: fake)
    monkeypatch.setattr("queues.tasks._due", {})
    monkeypatch.setattr("queues.tasks.time.time", lambda: clock[0])
    monkeypatch.setattr(ticket_route_task, "apply_async", lambda args, countdown=None: sent.append(args))
    return fake, clock, sent


def test_a_burst_asks_redis_once_until_the_waiting_task_is_nearly_due(coordination):
    fake, clock, sent = coordination
    # The first ticket of a burst marks the program and enqueues its task, due GATHER_SECONDS later
    assert publish_route(1, 7) is True and sent == [(1, 7)] and fake.sets == 1
    # Tickets committed before it is due (less SURE_SECONDS) are that task's: Redis is not asked
    clock[0] += GATHER_SECONDS - SURE_SECONDS - 0.01
    assert publish_route(2, 7) is False and fake.sets == 1
    # Nearly due, Redis is asked again; the mark is still there, so no second task
    clock[0] += 0.02
    assert publish_route(3, 7) is False and fake.sets == 2 and sent == [(1, 7)]
    # Once the task started (it deletes the mark), the next ticket enqueues a task of its own
    fake.delete(_pending_key(7))
    clock[0] += 0.1
    assert publish_route(4, 7) is True and sent == [(1, 7), (4, 7)]
    # and another program is another mark
    assert publish_route(5, 8) is True and fake.sets == 4


def test_a_mark_another_process_set_is_trusted_until_its_task_is_due(coordination):
    fake, clock, sent = coordination
    fake.values[_pending_key(7)] = repr(clock[0] + GATHER_SECONDS).encode()
    assert publish_route(1, 7) is False and fake.sets == 1
    clock[0] += 0.1
    assert publish_route(2, 7) is False and fake.sets == 1 and sent == []
    # a mark without a moment (set by an older release: the ticket's id) is never trusted
    fake.values[_pending_key(8)] = b"12345"
    assert publish_route(3, 8) is False and publish_route(4, 8) is False and fake.sets == 3


def test_a_task_handing_on_a_backlog_enqueues_the_next_one_due_at_once(coordination, monkeypatch):
    fake, clock, _sent = coordination
    countdowns = []
    monkeypatch.setattr(
        ticket_route_task, "apply_async", lambda args, countdown=None: countdowns.append(countdown)
    )
    # A burst's first ticket enqueues a task that gathers the burst
    assert publish_route(1, 7) is True
    # The task started (deleted the mark) and hands on the rest of a backlog: nothing left to gather
    fake.delete(_pending_key(7))
    clock[0] += GATHER_SECONDS
    assert publish_route(1, 7, gather=False) is True
    assert countdowns == [GATHER_SECONDS, None]
    assert fake.values[_pending_key(7)] == repr(clock[0]).encode()  # its mark says: due now


def test_the_routing_task_hands_on_without_gathering(monkeypatch):
    # Given one task takes 1 round of 2 tickets and 3 new tickets wait
    monkeypatch.setattr("queues.tasks.MAX_ROUNDS", 1)
    monkeypatch.setattr("queues.services.routing.ROUTE_BATCH", 2)
    handed = []
    monkeypatch.setattr(
        "queues.tasks.publish_route", lambda ticket_id, program_id, gather=True: handed.append(gather)
    )
    program = ProgramFactory()
    on_duty_freelancer(program, max_open_tickets=10)
    answered = tickets_intake(
        program=program,
        tickets=[
            TicketIn(external_id=f"H-{n}", subject="s", body="b", requester_email="a@example.test")
            for n in range(3)
        ],
        route=False,
    )
    # When the program's routing task runs
    ticket_route_task.delay(answered[0][0].pk, program.pk)
    # Then it routed its round and enqueued the next task for the rest, due at once
    assert handed == [False]
    assert Ticket.objects.filter(program=program, routed_at__isnull=True).count() == 1
