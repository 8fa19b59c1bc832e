"""core.db is the one home of what differs between PostgreSQL and SQLite (issue #18, item 8)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from core.db import is_postgresql, median_of
from tests.queues.factories import TicketFactory

ROOT = Path(settings.BASE_DIR)
VENDOR_BRANCH = re.compile(r"\.vendor\b|\bdef as_(sqlite|postgresql|mysql|oracle)\b")


def test_no_module_but_core_db_branches_on_the_database():
    offenders = []
    for folder in [*settings.LOCAL_APPS, "bench", "config"]:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "core" / "db.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if VENDOR_BRANCH.search(line) and "print(" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "ask core.db instead:\n" + "\n".join(offenders)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seconds", "expected"),
    [([], None), ([30], Decimal("30")), ([10, 40, 20], Decimal("20")), ([10, 20, 31, 41], Decimal("25.5"))],
)
def test_median_of_is_the_middle_value_or_the_mean_of_the_two_middle_ones(seconds, expected):
    for value in seconds:
        TicketFactory(first_response_seconds=value)
    TicketFactory(first_response_seconds=None)  # ignored, on both databases
    from queues.models import Ticket

    assert median_of(Ticket.objects.all(), "first_response_seconds") == expected


def test_is_postgresql_names_the_database_in_use():
    from django.db import connection

    assert is_postgresql() is (connection.vendor == "postgresql")


@pytest.mark.django_db
def test_update_rows_writes_each_row_its_own_values_in_one_statement(django_assert_num_queries):
    import datetime

    from django.utils import timezone

    from queues.models import Ticket
    from tests.queues.factories import on_duty_freelancer

    first, second, third = TicketFactory(), TicketFactory(), TicketFactory()
    someone = on_duty_freelancer(first.program)
    moment = timezone.now().replace(microsecond=0)
    first.assignee, first.queue, first.next_due_at = someone, Ticket.Queue.FREELANCER, moment
    second.assignee, second.queue, second.next_due_at = None, Ticket.Queue.INHOUSE, None
    third.routed_at = moment - datetime.timedelta(hours=1)
    untouched_subject = third.subject
    third.subject = "not written"
    # one statement (PostgreSQL: UPDATE … FROM unnest; SQLite: the ORM's bulk_update)
    with django_assert_num_queries(1):
        from core.db import update_rows

        update_rows(Ticket, [first, second, third], ["assignee_id", "queue", "next_due_at", "routed_at"])
    rows = {t.pk: t for t in Ticket.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert (rows[first.pk].assignee_id, rows[first.pk].queue, rows[first.pk].next_due_at) == (
        someone.pk,
        Ticket.Queue.FREELANCER,
        moment,
    )
    assert (rows[second.pk].assignee_id, rows[second.pk].queue, rows[second.pk].next_due_at) == (
        None,
        Ticket.Queue.INHOUSE,
        None,
    )
    assert rows[third.pk].routed_at == moment - datetime.timedelta(hours=1)
    assert rows[third.pk].subject == untouched_subject  # only the fields named


@pytest.mark.django_db
def test_update_rows_sends_a_value_shared_by_every_row_once_and_keeps_the_others_in_order(
    django_assert_num_queries,
):
    import datetime

    from django.utils import timezone

    from core.db import update_rows
    from queues.models import Ticket
    from tests.queues.factories import on_duty_freelancer

    # Given three tickets with different in-house deadlines, routed now: between two columns with a value per row,
    # one column given one value on every row, and one emptied on every row (a shared NULL that must be written)
    moment = timezone.now().replace(microsecond=0)
    tickets = [TicketFactory(inhouse_due_at=moment + datetime.timedelta(hours=n)) for n in range(3)]
    people = [on_duty_freelancer(tickets[0].program), None, on_duty_freelancer(tickets[0].program)]
    for n, (ticket, person) in enumerate(zip(tickets, people, strict=True)):
        ticket.assignee = person
        ticket.routed_at = moment
        ticket.inhouse_due_at = None
        ticket.next_due_at = moment + datetime.timedelta(minutes=n)
    # When they are written in one statement
    with django_assert_num_queries(1) as captured:
        update_rows(Ticket, tickets, ["assignee_id", "routed_at", "next_due_at", "inhouse_due_at"])
    # Then the shared values went once, as scalars (only the primary key, assignee and due moment as arrays)
    if is_postgresql():
        assert 'AS v("id", "assignee_id", "next_due_at")' in captured.captured_queries[0]["sql"]
    # and every row has its own values, the shared ones included
    rows = {t.pk: t for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])}
    for n, (ticket, person) in enumerate(zip(tickets, people, strict=True)):
        written = rows[ticket.pk]
        assert written.assignee_id == (person.pk if person else None)
        assert (written.routed_at, written.inhouse_due_at) == (moment, None)
        assert written.next_due_at == moment + datetime.timedelta(minutes=n)
