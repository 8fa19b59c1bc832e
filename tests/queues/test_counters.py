"""The in-house page's headline numbers kept as counters (queues.counters, docs/adr/0030): after every kind of
change they equal a full count of the tickets, under concurrency too, and the repair job puts right a counter
that was broken deliberately. Also: every service saves every field it changed (ticket_save, issue #18)."""

import datetime
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from channels.zendesk.inbound import apply_status
from programs.models import Program
from queues import selectors
from queues.counters import counters_compact, counters_full_count, counters_kept, counters_repair
from queues.models import QueueCounter, QueueSettings, Ticket
from queues.services import (
    freelancer_go_away,
    freelancer_hand_over_if_off_shift,
    ticket_customer_message,
    ticket_escalate,
    ticket_hand_over,
    ticket_inhouse_assign,
    ticket_intake,
    ticket_move_inhouse,
    ticket_reassign,
    ticket_reopen,
    ticket_reply,
    ticket_route,
    ticket_send_back,
    ticket_solve,
    ticket_status_set,
)
from queues.services.common import ticket_lock, ticket_save
from queues.services.csv_import import ticket_csv_import
from queues.services.inhouse import tickets_bulk_apply
from queues.services.intake import TicketIn, tickets_intake
from queues.services.routing import route_waiting
from queues.services.sweep import flag_breaches
from queues.services.take import ticket_take
from queues.tasks import queue_counters_compact_task, queue_counters_repair_task
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def headlines_counted(program_ids: list[int], now: datetime.datetime) -> dict[str, int]:
    """The headline numbers by their definition: a full count of the programs' active tickets."""
    active = Ticket.objects.filter(program_id__in=program_ids, status__in=Ticket.ACTIVE_STATUSES)
    return {
        "inhouse": active.filter(queue=Ticket.Queue.INHOUSE).count(),
        "waiting": active.filter(queue=Ticket.Queue.FREELANCER, assignee__isnull=True).count(),
        "with_freelancers": active.filter(assignee__isnull=False).count(),
        "breached": active.filter(next_due_at__lte=now).count(),
    }


def assert_counters_right(program: Program, manager: User) -> None:
    assert counters_kept(program_ids=[program.pk]) == counters_full_count(program_ids=[program.pk])
    now = timezone.now()
    assert selectors.queue_counts(user=manager, now=now) == headlines_counted([program.pk], now)


@dataclass
class World:
    """One program's people and tickets in every state (factory-made, so typed Any)."""

    program: Any
    manager: Any
    freelancer: Any
    new: Any  # never routed
    mine: Any  # the freelancer's, open, no reply yet
    answered: Any  # the freelancer's, open, replied to
    pending: Any  # the freelancer's, pending on the customer
    waiting: Any  # routed, waiting for a freelancer
    inhouse: Any  # in the in-house queue
    solved: Any


@pytest.fixture
def world() -> World:
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    QueueSettings.objects.get_or_create(program=program)
    freelancer = on_duty_freelancer(program, max_open_tickets=50)
    now = timezone.now()
    return World(
        program=program,
        manager=manager,
        freelancer=freelancer,
        new=TicketFactory(program=program, status=Ticket.Status.NEW, routed_at=None),
        mine=TicketFactory(program=program, assignee=freelancer),
        answered=TicketFactory(
            program=program,
            assignee=freelancer,
            first_response_at=now,
            resolution_due_at=now + 24 * HOUR,
            next_due_at=now + 24 * HOUR,
        ),
        pending=TicketFactory(
            program=program,
            assignee=freelancer,
            status=Ticket.Status.PENDING,
            sla_paused_at=now,
            next_due_at=None,
        ),
        waiting=TicketFactory(program=program, next_due_at=now - 2 * HOUR),
        inhouse=TicketFactory(
            program=program, queue=Ticket.Queue.INHOUSE, inhouse_due_at=now + HOUR, next_due_at=now - HOUR
        ),
        solved=TicketFactory(
            program=program, assignee=freelancer, status=Ticket.Status.SOLVED, solved_at=now
        ),
    )


def _away_and_handed_over(w: World) -> int:
    freelancer_go_away(freelancer=w.freelancer, until=timezone.now() + 30 * HOUR)
    return freelancer_hand_over_if_off_shift(freelancer_id=w.freelancer.pk)


def _breach_and_escalate(w: World) -> None:
    QueueSettings.objects.filter(program=w.program).update(auto_escalate_on_breach=True)
    Ticket.objects.filter(pk=w.mine.pk).update(next_due_at=timezone.now() - HOUR)
    counters_repair(program_ids=[w.program.pk])  # the update above went behind the services' back
    flag_breaches()


# Every service that creates tickets or moves their status, queue, assignee or deadline, answering with what
# the service answers (the ticket it changed, for those in ANSWERING_WITH_THE_TICKET).
CHANGES: dict[str, Callable[[World], object]] = {
    "intake": lambda w: ticket_intake(
        program=w.program, external_id="NEW-1", subject="Hi", body="Where is it?", requester_email="a@b.test"
    )[0],
    "batch intake": lambda w: tickets_intake(
        program=w.program,
        tickets=[TicketIn(f"B-{n}", "Hi", "Where is it?", f"b{n}@example.test") for n in range(3)],
    )[0][0],
    # a batch repeating an id, and naming a ticket received before: only the new tickets count, once each
    "batch intake with duplicates": lambda w: tickets_intake(
        program=w.program,
        tickets=[
            TicketIn(external_id, "Hi", "Where is it?", "d@example.test")
            for external_id in ["D-1", "D-2", "D-1", w.mine.external_id, "D-2"]
        ],
    )[0][0],
    "csv import": lambda w: ticket_csv_import(
        program=w.program,
        text="external_id,subject,body,requester_email,language\nC-1,Hi,Body,c@example.test,en\n",
        actor=w.manager,
    ),
    "route a new ticket": lambda w: ticket_route(ticket_id=w.new.pk),
    "route the waiting tickets": lambda w: route_waiting(program_id=w.program.pk),
    "take": lambda w: ticket_take(freelancer=w.freelancer, ticket_id=w.waiting.pk),
    "first reply": lambda w: ticket_reply(
        ticket=w.mine, author=w.freelancer.user, body="Hi", freelancer=w.freelancer
    ),
    "reply, pending": lambda w: ticket_reply(
        ticket=w.mine,
        author=w.freelancer.user,
        body="A photo?",
        status_after="pending",
        freelancer=w.freelancer,
    ),
    "reply, solved": lambda w: ticket_reply(
        ticket=w.mine,
        author=w.freelancer.user,
        body="Done",
        status_after="solved",
        freelancer=w.freelancer,
    ),
    "solve": lambda w: ticket_solve(ticket=w.mine, actor=w.freelancer.user, freelancer=w.freelancer),
    "reopen": lambda w: ticket_reopen(ticket=w.solved, actor=w.manager),
    "customer writes on a pending ticket": lambda w: ticket_customer_message(ticket=w.pending, body="Here"),
    "customer writes on a solved ticket": lambda w: ticket_customer_message(ticket=w.solved, body="Again"),
    "escalate": lambda w: ticket_escalate(
        ticket=w.mine, freelancer=w.freelancer, reason="billing", note="Double charge; needs finance."
    ),
    "moved in-house in the helpdesk": lambda w: ticket_move_inhouse(ticket=w.mine),
    "status pending": lambda w: ticket_status_set(ticket=w.answered, status="pending"),
    "status open again": lambda w: ticket_status_set(ticket=w.pending, status="open"),
    "status closed": lambda w: ticket_status_set(ticket=w.inhouse, status="closed"),
    "in-house assign": lambda w: ticket_inhouse_assign(ticket=w.mine, user=w.manager, actor=w.manager),
    "send back": lambda w: ticket_send_back(ticket=w.inhouse, actor=w.manager, guidance="Refund it."),
    "reassign to a freelancer": lambda w: ticket_reassign(
        ticket=w.inhouse, actor=w.manager, freelancer=w.freelancer
    ),
    "reassign to the queue": lambda w: ticket_reassign(ticket=w.mine, actor=w.manager, to_queue=True),
    "hand over": lambda w: ticket_hand_over(ticket_id=w.mine.pk, reason="Gone home."),
    "away: tickets handed over": lambda w: _away_and_handed_over(w),
    "SLA breach, escalated automatically": lambda w: _breach_and_escalate(w),
    "bulk solve": lambda w: tickets_bulk_apply(
        tickets=[w.inhouse], requested_ids=[w.inhouse.pk], action="solve", actor=w.manager
    ),
    "Zendesk status sync": lambda w: apply_status(ticket=w.mine, status="solved"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_counters_equal_a_full_count_after_each_kind_of_change(world, change):
    # Given a program with tickets in every state, counted
    assert_counters_right(world.program, world.manager)
    kept = counters_kept(program_ids=[world.program.pk])
    # When a service changes tickets
    CHANGES[change](world)
    # Then the counters moved, to what a full count of the tickets says, and the page's numbers with them
    assert counters_kept(program_ids=[world.program.pk]) != kept
    assert_counters_right(world.program, world.manager)


def test_intake_of_a_ticket_received_before_moves_no_counter(world, django_assert_num_queries):
    # Given the counters, right
    ticket_intake(
        program=world.program, external_id="DUP-1", subject="Hi", body="B", requester_email="a@b.test"
    )
    assert_counters_right(world.program, world.manager)
    kept = counters_kept(program_ids=[world.program.pk])
    # When the same ticket comes again, alone and in a batch with new ones
    with django_assert_num_queries(2):  # the one statement (nothing inserted), then the existing ticket
        again, created = ticket_intake(
            program=world.program, external_id="DUP-1", subject="Hi", body="B", requester_email="a@b.test"
        )
    assert not created
    assert counters_kept(program_ids=[world.program.pk]) == kept
    answered = tickets_intake(
        program=world.program,
        tickets=[TicketIn(e, "Hi", "B", "a@b.test") for e in ["DUP-1", "DUP-2", "DUP-2"]],
    )
    # Then only the new ticket moved them, and they still equal a full count
    assert [made for _ticket, made in answered] == [False, True, False]
    assert counters_kept(program_ids=[world.program.pk]) != kept
    assert_counters_right(world.program, world.manager)


def test_one_ticket_is_one_statement(world, django_assert_num_queries):
    # The INSERT and the counters' share are one statement, atomic on its own (no BEGIN/COMMIT outside a test)
    with django_assert_num_queries(1) as captured:
        ticket_intake(
            program=world.program, external_id="ONE-1", subject="Hi", body="B", requester_email="a@b.test"
        )
    [statement] = [query["sql"] for query in captured.captured_queries]
    assert statement.startswith("WITH t AS (INSERT INTO")
    assert_counters_right(world.program, world.manager)


def _fields(ticket: Ticket) -> dict:
    return {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}


# The changes whose service answers with the ticket it changed (the others answer with a message or a count).
ANSWERING_WITH_THE_TICKET = [
    "intake",
    "batch intake",
    "route a new ticket",
    "take",
    "solve",
    "reopen",
    "escalate",
    "moved in-house in the helpdesk",
    "status pending",
    "status open again",
    "status closed",
    "in-house assign",
    "send back",
    "reassign to a freelancer",
    "reassign to the queue",
    "hand over",
]


@pytest.mark.parametrize("change", ANSWERING_WITH_THE_TICKET)
def test_every_field_a_service_changes_is_saved(world, change):
    # When a service changes a ticket and answers with it
    ticket = CHANGES[change](world)
    # Then the row read again holds every value the service set in memory (none forgotten)
    assert isinstance(ticket, Ticket)
    assert _fields(Ticket.objects.get(pk=ticket.pk)) == _fields(ticket)


def test_the_replys_new_deadlines_are_saved(world):
    # Given an in-house ticket waiting for its first response
    ticket = world.inhouse
    # When an in-house agent replies (next_due_at moves to the resolution deadline, inhouse_due_at is met)
    ticket_reply(ticket=ticket, author=world.manager, body="On it.")
    # Then both are in the database
    ticket.refresh_from_db()
    assert ticket.inhouse_due_at is None and ticket.next_due_at == ticket.resolution_due_at
    assert ticket.first_response_at is not None and ticket.first_responder == world.manager


def test_ticket_save_writes_whatever_changed_and_only_what_it_read(world, django_assert_num_queries):
    # Given a locked ticket changed in memory, with no one reporting which fields
    ticket = ticket_lock(Ticket.objects.filter(pk=world.inhouse.pk))
    due = timezone.now() + 3 * HOUR
    ticket.inhouse_due_at, ticket.next_due_at, ticket.tags = due, due, ["vip"]
    # When it is saved: one UPDATE, and one statement for the counters (its deadline hour moved)
    with django_assert_num_queries(2):
        ticket_save(ticket)
    # Then every change is in the database
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.inhouse_due_at, stored.next_due_at, stored.tags) == (due, due, ["vip"])
    assert_counters_right(world.program, world.manager)
    # ... nothing is written again when nothing changed and the caller asks for no touch
    with django_assert_num_queries(0):
        ticket_save(ticket, touch=False)
    # ... and a ticket not read by ticket_lock is refused (it would not know what changed)
    with pytest.raises(RuntimeError):
        ticket_save(Ticket.objects.get(pk=ticket.pk))


# --- what the page shows ------------------------------------------------------------------------------------


def test_breached_counts_every_deadline_up_to_now_whatever_the_moment(django_assert_num_queries):
    # Given a manager's program with deadlines around one afternoon: days before, earlier that day, earlier in
    # the hour and in the ten minutes, the same microsecond, later in them, later that day and after; and a
    # ticket without one
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    at = datetime.datetime(2027, 1, 4, 13, 30, tzinfo=datetime.UTC)
    deadlines = [
        at - datetime.timedelta(days=40),
        at - datetime.timedelta(days=1),
        at.replace(hour=0, minute=0) - datetime.timedelta(microseconds=1),
        at.replace(hour=0, minute=0),
        at - 2 * HOUR,
        at.replace(minute=0),
        at - datetime.timedelta(minutes=10),
        at - datetime.timedelta(minutes=1),
        at - datetime.timedelta(microseconds=1),
        at,
        at + datetime.timedelta(microseconds=1),
        at + datetime.timedelta(minutes=4),
        at + datetime.timedelta(minutes=10),
        at.replace(minute=59, second=59),
        at + HOUR,
        at.replace(hour=23, minute=59, second=59, microsecond=999999),
        at + datetime.timedelta(days=1),
        None,
    ]
    for n, due in enumerate(deadlines):
        TicketFactory(program=program, next_due_at=due, queue=["freelancer", "inhouse"][n % 2])
    TicketFactory(program=program, next_due_at=at - HOUR, status=Ticket.Status.SOLVED)
    TicketFactory(program=ProgramFactory(), next_due_at=at - HOUR)
    selectors.queue_counts(user=manager, now=at)  # the program ids are read once per request
    # When the numbers are read at any moment of the day and around it
    moments = [due for due in deadlines if due] + [
        at.replace(minute=0, second=0),
        at.replace(hour=0, minute=0, second=0),
        at - datetime.timedelta(days=400),
        at + datetime.timedelta(days=400),
    ]
    for moment in moments:
        # Then "breached" is every active ticket due by then, like a full count, in one small query
        with django_assert_num_queries(1):
            counts = selectors.queue_counts(user=manager, now=moment)
        assert counts == headlines_counted([program.pk], moment), moment


# --- under concurrency --------------------------------------------------------------------------------------


def _at_once(*workers: Callable[[], None]) -> None:
    """Run the workers in threads (each on its own database connection), started together."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_counters_stay_exact_when_tickets_change_at_once_on_several_connections():
    # Given a program with 40 tickets held by freelancers
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    QueueSettings.objects.get_or_create(program=program)
    freelancer = on_duty_freelancer(program, max_open_tickets=200)
    held = [TicketFactory(program=program, assignee=freelancer) for _ in range(40)]

    def take_in(prefix):
        def work():
            for n in range(25):  # the same counters (same queue, same deadline hour) from every thread
                ticket_intake(
                    program=program,
                    external_id=f"{prefix}-{n}",
                    subject="Hi",
                    body="Where is it?",
                    requester_email="a@example.test",
                    route=False,
                )

        return work

    def solve_and_escalate():
        for n, ticket in enumerate(held[:20]):
            if n % 2:
                ticket_solve(ticket=ticket, actor=freelancer.user, freelancer=freelancer)
            else:
                ticket_escalate(
                    ticket=ticket, freelancer=freelancer, reason="billing", note="Needs finance, please."
                )

    def hand_over_and_route():
        for ticket in held[20:]:
            ticket_hand_over(ticket_id=ticket.pk, reason="Shift over.")

    def compact():
        for _ in range(15):
            counters_compact()

    # When four connections change tickets and the counters are compacted at the same time
    _at_once(take_in("A"), take_in("B"), solve_and_escalate, hand_over_and_route, compact)
    # Then no change was lost or counted twice
    assert Ticket.objects.filter(program=program).count() == 90
    assert_counters_right(program, manager)
    counters_compact()
    assert not QueueCounter.objects.exclude(shard=0).exists()
    assert_counters_right(program, manager)


@pytest.mark.postgres
def test_compaction_folds_each_connections_rows_and_drops_the_empty_ones(world):
    # Given counters written by this connection (rows of its own shard)
    ticket_solve(ticket=world.mine, actor=world.manager)
    ticket_status_set(ticket=world.inhouse, status="closed")
    assert QueueCounter.objects.exclude(shard=0).exists()
    kept = counters_kept(program_ids=[world.program.pk])
    # When the counters are compacted
    result = counters_compact()
    # Then one row per key is left, in shard 0, none at zero, with the same numbers
    assert result["folded"] > 0 and result["dropped"] > 0
    rows = QueueCounter.objects.filter(program=world.program)
    assert set(rows.values_list("shard", flat=True)) == {0} and not rows.filter(n=0).exists()
    assert rows.count() == len(kept) and counters_kept(program_ids=[world.program.pk]) == kept


# --- the repair job -----------------------------------------------------------------------------------------


def test_the_repair_job_fixes_a_broken_counter_and_says_so(world, caplog):
    # Given counters broken in every way: one too high, one gone, one that should not be, and a ticket
    # closed behind the services' back
    QueueCounter.objects.filter(program=world.program, key="queue:inhouse:unassigned").update(n=F("n") + 5)
    QueueCounter.objects.filter(program=world.program, key="queue:freelancer:unassigned").delete()
    QueueCounter.objects.create(program=world.program, key="due-day:2001-01-01", shard=0, n=2)
    Ticket.objects.filter(pk=world.mine.pk).update(status=Ticket.Status.CLOSED)
    assert counters_kept(program_ids=[world.program.pk]) != counters_full_count(
        program_ids=[world.program.pk]
    )
    # When the repair job runs
    with caplog.at_level(logging.WARNING, logger="queues.counters"):
        result = counters_repair()
    # Then the counters equal a full count again, and the drift was logged
    assert result["programs_off"] == 1 and result["keys_fixed"] >= 4
    assert f"queue counters of program {world.program.pk} were off" in caplog.text
    assert_counters_right(world.program, world.manager)
    # ... and running it again finds nothing to fix
    assert counters_repair() == {"programs_off": 0, "keys_fixed": 0, "off_by": 0}


def test_the_repair_command_and_the_tasks(world):
    # Given a counter broken in the program
    QueueCounter.objects.filter(program=world.program, key="queue:inhouse:unassigned").update(n=F("n") - 1)
    # When the command runs for that program
    out = io.StringIO()
    call_command("queue_counters_repair", "--program", world.program.slug, stdout=out)
    # Then it is fixed and the command says how much was off
    assert "programs_off: 1" in out.getvalue() and "off_by: 1" in out.getvalue()
    assert_counters_right(world.program, world.manager)
    with pytest.raises(CommandError, match="No program with the slug nope"):
        call_command("queue_counters_repair", "--program", "nope", stdout=io.StringIO())
    # ... and the scheduled tasks run the same code
    assert queue_counters_repair_task() == {"programs_off": 0, "keys_fixed": 0, "off_by": 0}
    assert set(queue_counters_compact_task()) == {"folded", "dropped"}
    out = io.StringIO()
    call_command("queue_counters_compact", stdout=out)
    assert "folded: 0" in out.getvalue()


def test_an_admin_edit_moves_the_counters_too(world, admin_client):
    # When an admin deletes a ticket, and another with the list's "delete selected" action
    from django.urls import reverse

    url = reverse("admin:queues_ticket_delete", args=[world.waiting.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    response = admin_client.post(
        reverse("admin:queues_ticket_changelist"),
        {"action": "delete_selected", "_selected_action": [world.inhouse.pk], "post": "yes"},
    )
    assert response.status_code == 302
    # Then the counters follow
    assert not Ticket.objects.filter(pk__in=[world.waiting.pk, world.inhouse.pk]).exists()
    assert_counters_right(world.program, world.manager)
