import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from queues.errors import IntakeError
from queues.models import AvailabilitySlot, QueueSettings, Ticket, TicketEvent
from queues.services import freelancer_go_away, queues_sweep
from queues.services.csv_import import ticket_csv_import, ticket_csv_preview
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import ProgramFactory, TicketTypeFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db


def test_warning_is_sent_once_to_the_assignee(mailoutbox, django_capture_on_commit_callbacks):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    now = timezone.now()
    ticket = TicketFactory(
        program=program, assignee=freelancer, next_due_at=now + datetime.timedelta(minutes=10)
    )
    TicketFactory(program=program, assignee=freelancer, next_due_at=now + datetime.timedelta(minutes=50))
    with django_capture_on_commit_callbacks(execute=True):
        assert queues_sweep(now=now)["warned"] == 1
        assert queues_sweep(now=now)["warned"] == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [freelancer.user.email]
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_WARNING).count() == 1


def test_breach_notifies_managers_once_and_records_the_miss(mailoutbox, django_capture_on_commit_callbacks):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    freelancer = on_duty_freelancer(program)
    now = timezone.now()
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        sla_due_at=now - datetime.timedelta(minutes=1),
        next_due_at=now - datetime.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert queues_sweep(now=now)["breached"] == 1
        assert queues_sweep(now=now)["breached"] == 0
    ticket.refresh_from_db()
    assert ticket.first_response_met is False and ticket.sla_breached_at is not None
    assert ticket.queue == Ticket.Queue.FREELANCER  # no auto-escalation by default
    assert [m.to for m in mailoutbox] == [[manager.email]]


def test_breach_auto_escalates_when_the_program_says_so():
    program = ProgramFactory()
    QueueSettings.objects.create(program=program, auto_escalate_on_breach=True)
    freelancer = on_duty_freelancer(program)
    now = timezone.now()
    ticket = TicketFactory(
        program=program,
        assignee=freelancer,
        next_due_at=now - datetime.timedelta(minutes=1),
        sla_due_at=now - datetime.timedelta(minutes=1),
    )
    queues_sweep(now=now)
    ticket.refresh_from_db()
    assert ticket.queue == Ticket.Queue.INHOUSE and ticket.escalation_reason == "sla_breach"
    assert ticket.assignee is None and ticket.escalated_by is None


def test_going_away_hands_over_tickets_that_would_breach_before_return(django_capture_on_commit_callbacks):
    program = ProgramFactory()
    leaving = on_duty_freelancer(program)
    colleague = on_duty_freelancer(program)
    now = timezone.now()
    urgent = TicketFactory(
        program=program, assignee=leaving, next_due_at=now + datetime.timedelta(minutes=30)
    )
    relaxed = TicketFactory(program=program, assignee=leaving, next_due_at=now + datetime.timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        freelancer_go_away(freelancer=leaving, until=now + datetime.timedelta(hours=2), actor=leaving.user)
    urgent.refresh_from_db()
    relaxed.refresh_from_db()
    assert urgent.assignee == colleague
    assert relaxed.assignee == leaving
    assert "Handed over from" in urgent.events.get(kind=TicketEvent.Kind.HANDED_OVER).message


def test_off_shift_with_nobody_else_sends_ticket_back_to_the_queue():
    program = ProgramFactory()
    worker = on_duty_freelancer(program, slots=False, online=False)  # the rota alone: presence is not in play
    now = datetime.datetime(2026, 3, 4, 20, 0, tzinfo=datetime.UTC)  # Wednesday evening
    AvailabilitySlot.objects.create(
        freelancer=worker, weekday=2, start_time=datetime.time(9), end_time=datetime.time(17)
    )
    ticket = TicketFactory(program=program, assignee=worker, next_due_at=now + datetime.timedelta(minutes=40))
    result = queues_sweep(now=now)
    ticket.refresh_from_db()
    assert result["handed_over"] == 1 and ticket.assignee is None
    assert ticket.events.filter(kind=TicketEvent.Kind.WAITING).exists()


def test_sweep_command_runs(capsys):
    call_command("queues_sweep", stdout=io.StringIO())


CSV_OK = "external_id,subject,body,requester_email,ticket_type,language\nC-1,Hi,Body,a@example.test,Billing,en\nC-2,Hola,Cuerpo,b@example.test,,es\n"
CSV_BAD = "external_id,subject,body,requester_email,ticket_type\nC-1,Hi,Body,a@example.test,Billing\nC-2,,Body,not-an-email,Astrology\nC-1,Dup,Body,c@example.test,\n"


def test_csv_preview_reports_per_row_errors_and_imports_nothing():
    program = ProgramFactory()
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    preview = ticket_csv_preview(program=program, text=CSV_BAD)
    errors = {row.line: row.errors for row in preview.rows}
    assert errors[2] == []
    assert "subject is required" in errors[3] and any("email" in e for e in errors[3])
    assert any("Astrology" in e for e in errors[3]) and any("repeats line 2" in e for e in errors[4])
    with pytest.raises(IntakeError):
        ticket_csv_import(program=program, text=CSV_BAD, actor=None)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "created_at, message",
    [
        ("2026-02-30T09:00:00Z", "not a real date"),
        ("2026-13-01T09:00:00Z", "not a real date"),
        ("2026-03-01T09:00:00+16:00", "beyond ±14 hours"),
        ("2026-03-01T09:00:00-16:00", "beyond ±14 hours"),
        ("yesterday", "not a date and time"),
    ],
)
def test_csv_preview_impossible_dates_are_row_errors(client, created_at, message):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    text = f"external_id,subject,body,requester_email,created_at\nC-1,Hi,Body,a@example.test,{created_at}\n"
    preview = ticket_csv_preview(program=program, text=text)
    assert preview.new_count == 0 and any(message in e for e in preview.rows[0].errors)
    client.force_login(manager)
    response = client.post(
        f"/manage/queues/{program.slug}/import/",
        {"file": SimpleUploadedFile("t.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Ticket.objects.exists()


def test_csv_preview_reads_a_time_without_offset_in_the_program_zone():
    program = ProgramFactory(time_zone="America/New_York")
    text = (
        "external_id,subject,body,requester_email,created_at\nC-1,Hi,Body,a@example.test,2026-03-02T09:30\n"
    )
    row = ticket_csv_preview(program=program, text=text).rows[0]
    assert row.errors == [] and row.created_at == datetime.datetime(2026, 3, 2, 14, 30, tzinfo=datetime.UTC)


def test_csv_import_is_all_or_nothing_and_idempotent():
    program = ProgramFactory()
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    assert ticket_csv_import(program=program, text=CSV_OK, actor=None) == 2
    assert ticket_csv_import(program=program, text=CSV_OK, actor=None) == 0
    assert Ticket.objects.filter(source="csv").count() == 2


def test_csv_upload_preview_then_confirm_in_the_ui(client):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    TicketTypeFactory(program=program, name="Billing", slug="billing")
    client.force_login(manager)
    url = f"/manage/queues/{program.slug}/import/"
    response = client.post(url, {"file": SimpleUploadedFile("t.csv", CSV_OK.encode(), "text/csv")})
    assert response.status_code == 200 and response.context["preview"].new_count == 2
    assert not Ticket.objects.exists()
    response = client.post(url, {"confirm": "1", "csv_text": CSV_OK})
    assert response.status_code == 302 and Ticket.objects.count() == 2
    binary = client.post(url, {"file": SimpleUploadedFile("t.csv", b"\x00\x01PK", "text/csv")})
    assert binary.status_code == 400 and "not a CSV" in binary.content.decode()
