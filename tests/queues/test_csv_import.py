"""The CSV import goes through intake's batch (queues.services.intake.tickets_intake), in one transaction.

The preview's rules are tested in tests/queues/test_sweep.py (with the sweep, where they began).
"""

import pytest

from queues.errors import IntakeError
from queues.models import Ticket
from queues.services.csv_import import ticket_csv_import
from queues.services.intake import MAX_BATCH
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db
HEADER = "external_id,subject,body,requester_email,language\n"


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"C-{n},Subject {n},Body,c{n}@example.test,en\n" for n in range(start, start + count))


def test_an_import_is_one_insert_a_batch_and_routed_after_commit(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    # Given a program with a freelancer, one of the file's tickets already in Flexdesk
    program = ProgramFactory()
    manager = ManagerFactory()
    freelancer = on_duty_freelancer(program, max_open_tickets=MAX_BATCH * 2)
    TicketFactory(program=program, external_id="C-0")
    count = MAX_BATCH + 20
    # When the file is imported
    # savepoint, the preview's look-up of existing ids, the program's queue policy, then per MAX_BATCH rows
    # one statement that inserts the tickets and adds their counters (queues.counters), release
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(6):
        created = ticket_csv_import(program=program, text=HEADER + _rows(count), actor=manager)
    # Then every new row is a ticket of the import, received by the manager, and routed
    assert created == count - 1
    imported = Ticket.objects.filter(program=program, source=Ticket.Source.CSV)
    assert imported.count() == count - 1 and set(imported.values_list("received_by", flat=True)) == {
        manager.pk
    }
    assert not imported.filter(assignee__isnull=True).exists()
    assert imported.filter(assignee=freelancer).count() == count - 1


def test_a_rule_the_preview_does_not_check_names_the_line_and_imports_nothing():
    program = ProgramFactory()
    text = HEADER + _rows(3) + "C-9,Subject,Body,d@example.test,far-too-long-a-code\n"
    with pytest.raises(IntakeError) as raised:
        ticket_csv_import(program=program, text=text, actor=None)
    assert raised.value.message.startswith("Line 5: language:")
    assert not Ticket.objects.exists()
