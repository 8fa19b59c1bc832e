"""Celery against a real Redis broker and a real worker (skipped unless CELERY_BROKER_URL is redis://)."""

import datetime
import time

import pytest

from contracts.models import Contract
from queues.models import AvailabilitySlot
from tests.accounts.factories import FreelancerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import set_online


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_ticket_is_routed_by_a_worker_through_redis(real_broker):
    from celery.contrib.testing.worker import start_worker

    from queues.services import ticket_intake
    from queues.tasks import ticket_route_task

    # given a queue-ready freelancer on shift round the clock
    program = ProgramFactory(slug="celery-redis")
    freelancer = FreelancerFactory()
    Contract.objects.create(
        program=program,
        freelancer=freelancer,
        status=Contract.Status.ACTIVE,
        start_date=datetime.date(2025, 1, 1),
        hourly_rate="15.00",
        hours_per_week="20",
        weekly_hour_cap="30",
    )
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(
            freelancer=freelancer, weekday=day, start_time=datetime.time(0), end_time=datetime.time(0)
        )
        for day in range(7)
    )
    set_online(freelancer)  # routing assigns only to people online inside their shift
    ticket, _created = ticket_intake(
        program=program,
        external_id="R-1",
        subject="Where is my order?",
        body="Hello",
        requester_email="a@example.test",
        route=False,
    )

    # when the routing task goes through Redis to a worker
    with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        ticket_route_task.delay(ticket.pk)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ticket.refresh_from_db()
            if ticket.assignee_id:
                break
            time.sleep(0.2)

    # then the worker assigned it
    assert ticket.assignee_id == freelancer.pk
