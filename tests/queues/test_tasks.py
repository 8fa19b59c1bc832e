"""The routing task (queues/tasks.py); through a real Redis broker in tests/queues/test_routing_redis.py."""

import pytest

from queues.models import Ticket
from queues.services.intake import TicketIn, tickets_intake
from queues.tasks import ticket_route_task
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
