"""Routing enqueued through a real Redis broker (skipped unless CELERY_BROKER_URL is redis://)."""

import time
from collections import Counter

import pytest
import redis

from queues.models import Ticket, TicketEvent
from queues.services import ticket_intake
from queues.tasks import _pending_key
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _queued(app) -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen("celery")


def _take_in(program, n):
    return ticket_intake(
        program=program,
        external_id=f"C-{n}",
        subject="Where is my order?",
        body="Hello",
        requester_email=f"c{n}@example.test",
    )[0]


def test_a_burst_of_intake_enqueues_one_routing_task_which_routes_the_whole_burst(real_broker):
    from celery.contrib.testing.worker import start_worker

    program = ProgramFactory(slug="coalesce")
    people = [on_duty_freelancer(program, max_open_tickets=5) for _ in range(2)]
    client = redis.Redis.from_url(real_broker.conf.broker_url)
    client.delete(_pending_key(program.pk))
    # Given three tickets taken in while no worker runs: one routing task waits, marked as pending
    tickets = [_take_in(program, n) for n in range(3)]
    assert _queued(real_broker) == 1
    assert client.exists(_pending_key(program.pk))

    # When a worker runs it
    with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 20
        while (
            Ticket.objects.filter(program=program, routed_at__isnull=True).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        # Then all three were routed, spread by load, each with one decision on its timeline
        assigned = list(
            Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("assignee_id", flat=True)
        )
        assert set(assigned) == {p.pk for p in people}
        assert sorted(Counter(assigned).values()) == [1, 2]
        assert TicketEvent.objects.filter(ticket__program=program, kind=TicketEvent.Kind.ROUTED).count() == 3
        # and the mark is gone, so the next ticket enqueues a task of its own and is routed too
        assert not client.exists(_pending_key(program.pk))
        late = _take_in(program, 99)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            late.refresh_from_db()
            if late.assignee_id:
                break
            time.sleep(0.1)
    assert late.assignee_id in {p.pk for p in people}
