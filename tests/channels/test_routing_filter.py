"""A freelancer without a Zendesk user is not routed a Zendesk program's tickets (core.routing_filters), and the
pages say why; other programs route as before, with the same queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from channels.models import ProgramChannel, ZendeskUserMap
from channels.selectors import UNMATCHED_REASON, zendesk_routing_exclusion
from core.routing_filters import register_routing_filter, unregister_routing_filter
from queues.models import Ticket, TicketEvent
from queues.services import ticket_route
from queues.services.routing import route_new_tickets
from tests.accounts.factories import UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


def new_ticket(program, **kwargs) -> Ticket:
    return TicketFactory(program=program, routed_at=None, status=Ticket.Status.NEW, **kwargs)


def map_to_zendesk(program, freelancer, zendesk_user_id: int) -> None:
    ZendeskUserMap.objects.create(
        program=program,
        user=freelancer.user,
        zendesk_user_id=zendesk_user_id,
        zendesk_name=str(freelancer),
        matched_at=timezone.now(),
    )


def test_an_unmatched_freelancer_is_skipped_and_a_matched_one_gets_the_ticket(program, freelancer):
    unmatched = on_duty_freelancer(program)  # idle as long as the matched one: without the filter, a tie
    ZendeskUserMap.objects.create(
        program=program, user=unmatched.user, zendesk_user_id=None
    )  # checked, no user
    for _ in range(3):
        ticket = ticket_route(ticket_id=new_ticket(program).pk)
        assert ticket.assignee == freelancer
    assert not Ticket.objects.filter(assignee=unmatched).exists()


def test_with_only_unmatched_freelancers_the_ticket_waits_and_the_timeline_says_why(program):
    on_duty_freelancer(program)  # never checked against Zendesk: not matched either
    on_duty_freelancer(program, slots=False)  # off shift: that is their reason, not the mapping
    ticket = ticket_route(ticket_id=new_ticket(program).pk)
    assert ticket.assignee is None and ticket.queue == Ticket.Queue.FREELANCER
    waiting = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.WAITING)
    assert (
        waiting.data["reason"] == f"no eligible freelancer (2 queue-ready: 1 {UNMATCHED_REASON}, 1 off shift)"
    )
    assert "not routed Zendesk tickets until matched" in waiting.message


def test_a_manager_cannot_hand_a_zendesk_ticket_to_an_unmatched_freelancer_either(program, freelancer):
    from queues.errors import QueueError
    from queues.services import ticket_reassign

    unmatched = on_duty_freelancer(program)
    ticket = ticket_route(ticket_id=new_ticket(program).pk)
    assert ticket.assignee == freelancer
    with pytest.raises(QueueError, match="without a Zendesk user"):
        ticket_reassign(ticket=ticket, actor=None, freelancer=unmatched)
    ticket.refresh_from_db()
    assert ticket.assignee == freelancer  # nothing changed


def test_once_matched_the_freelancer_is_routed_zendesk_tickets(program):
    freelancer = on_duty_freelancer(program)
    assert ticket_route(ticket_id=new_ticket(program).pk).assignee is None
    map_to_zendesk(program, freelancer, 777)
    assert ticket_route(ticket_id=new_ticket(program).pk).assignee == freelancer


@pytest.mark.parametrize("kind", [None, ProgramChannel.Kind.API, ProgramChannel.Kind.EMAIL])
def test_programs_not_on_zendesk_route_unmatched_freelancers_as_before(kind):
    program = ProgramFactory()
    if kind:
        ProgramChannel.objects.create(program=program, kind=kind)
    freelancer = on_duty_freelancer(program)
    assert zendesk_routing_exclusion(program=program) is None
    assert ticket_route(ticket_id=new_ticket(program).pk).assignee == freelancer


def _batch_queries(program, tickets: int) -> int:
    for _ in range(tickets):
        new_ticket(program)
    with CaptureQueriesContext(connection) as queries:
        assert route_new_tickets(program_id=program.pk) == tickets
    return len(queries)


@pytest.fixture
def without_the_filter():
    """Routing as it was before channels registered its filter (re-registered afterwards)."""

    def off():
        unregister_routing_filter(zendesk_routing_exclusion)

    yield off
    register_routing_filter(zendesk_routing_exclusion, program_related=("channel_setting",))


def test_a_routing_batch_of_a_program_not_on_zendesk_does_the_same_queries_as_without_the_filter(
    without_the_filter,
):
    program = ProgramFactory()
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.API)
    on_duty_freelancer(program, max_open_tickets=50), on_duty_freelancer(program, max_open_tickets=50)
    _batch_queries(program, 1)  # warm-up (content types, first-use caches)
    with_filter = _batch_queries(program, 5)
    without_the_filter()
    assert _batch_queries(program, 5) == with_filter


def test_a_zendesk_programs_batch_costs_one_query_more_whatever_its_size(program, without_the_filter):
    map_to_zendesk(program, on_duty_freelancer(program, max_open_tickets=50), 778)
    map_to_zendesk(program, on_duty_freelancer(program, max_open_tickets=50), 779)
    _batch_queries(program, 1)
    with_filter = {size: _batch_queries(program, size) for size in (2, 6)}
    without_the_filter()
    without = {size: _batch_queries(program, size) for size in (2, 6)}
    assert with_filter == {size: count + 1 for size, count in without.items()}


def test_the_people_table_says_unmatched_freelancers_get_no_zendesk_tickets(
    client, program, manager, freelancer
):
    unmatched = on_duty_freelancer(program, user__email="una@example.test")
    ZendeskUserMap.objects.create(program=program, user=unmatched.user, zendesk_user_id=None)
    client.force_login(manager)
    text = client.get(f"/manage/channels/{program.slug}/zendesk/").content.decode()
    row = text[text.index("una@example.test") :]
    row = row[: row.index("</tr>")]
    assert "Not routed Zendesk tickets until matched." in row
    matched_row = text[text.index(freelancer.user.email) :]
    assert "Not routed Zendesk tickets" not in matched_row[: matched_row.index("</tr>")]


def test_the_worksheets_queue_question_links_managers_to_the_channel_page(client, program, manager):
    from programs.models import BehindTheScenes

    BehindTheScenes.objects.create(program=program, has_queue=True)
    client.force_login(manager)
    text = client.get(f"/manage/programs/{program.slug}/worksheet/").content.decode()
    assert f'href="/manage/channels/{program.slug}/zendesk/"' in text
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    response = client.get(f"/manage/programs/{program.slug}/worksheet/")
    assert f"/manage/channels/{program.slug}/zendesk/" not in response.content.decode()
