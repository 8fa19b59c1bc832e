import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from dashboard.selectors.home import manager_home
from dashboard.selectors.recruiting import recruiting_funnel
from payments.models import TimeEntry
from programs.models import SuccessMetric
from queues.models import Ticket
from recruiting.models import Application, Posting, StageChange
from tests.accounts.factories import ManagerFactory
from tests.contracts.factories import ContractFactory
from tests.dashboard.factories import CsatSurveyFactory
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import AnnouncementFactory, BudgetFactory, ProgramFactory
from tests.queues.factories import TicketFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory

pytestmark = pytest.mark.django_db
Stage = Application.Stage


def _moved(application, *stages, days_after=None):
    for previous, stage in zip([application.stage, *stages], stages, strict=False):
        StageChange.objects.create(application=application, from_stage=previous, to_stage=stage)
    application.stage = stages[-1]
    application.save(update_fields=["stage"])
    if days_after is not None:
        StageChange.objects.filter(application=application, to_stage=stages[-1]).update(
            changed_at=application.created_at + datetime.timedelta(days=days_after)
        )


def test_funnel_counts_reached_stages_conversion_and_time_to_hire(program):
    posting = PostingFactory(program=program, title="Weekend agent")
    other = PostingFactory(program=program, title="Night agent", status=Posting.Status.CLOSED)
    hired = ApplicationFactory(posting=posting, source="upwork")
    _moved(hired, Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED, days_after=10)
    # The recorded source counts, not a guess from the profile link.
    rejected_after_interview = ApplicationFactory(
        posting=posting, source="upwork", profile_url="https://www.linkedin.com/in/x"
    )
    _moved(rejected_after_interview, Stage.SCREENING, Stage.TRIAL_TASK, Stage.INTERVIEW, Stage.REJECTED)
    screening = ApplicationFactory(posting=posting)
    _moved(screening, Stage.SCREENING)
    ApplicationFactory(posting=posting)
    ApplicationFactory(posting=other)
    ApplicationFactory(posting=PostingFactory())  # another program's

    funnel = recruiting_funnel(program=program)
    total = funnel["total"]
    assert total.total == 5
    assert total.reached == {
        "applied": 5,
        "screening": 3,
        "trial_task": 2,
        "interview": 2,
        "offer": 1,
        "hired": 1,
    }
    assert [value for _a, _b, value in total.conversions] == [
        Decimal("60.0"),
        Decimal("66.7"),
        Decimal("100.0"),
        Decimal("50.0"),
        Decimal("100.0"),
    ]
    assert total.overall_conversion == Decimal("20.0")
    assert total.hired_days == Decimal("10.0")
    assert total.now["rejected"] == 1 and total.now["applied"] == 2
    by_posting = {row.label: row for row in funnel["postings"]}
    assert by_posting["Weekend agent (open)"].total == 4
    assert by_posting["Night agent (closed)"].reached["screening"] == 0
    by_source = {row.label: row.total for row in funnel["sources"]}
    assert by_source == {"Direct": 3, "Upwork": 2}
    assert funnel["open_postings"] == 1


def test_funnel_of_a_program_without_postings_shows_no_data(client, program, manager):
    client.force_login(manager)
    response = client.get(reverse("dashboard:program_funnel", args=[program.slug]))
    assert response.status_code == 200
    assert response.context["funnel"]["total"].overall_conversion is None


def test_manager_home_shows_each_managed_program_at_a_glance(client, program, manager):
    now = timezone.now()
    SuccessMetric.objects.create(
        program=program, kind=SuccessMetric.Kind.SLA_ATTAINMENT, direction="at_least", target=Decimal("90")
    )
    for met in [True, True, True, False]:
        TicketFactory(
            program=program,
            first_response_at=now - datetime.timedelta(hours=2),
            first_response_met=met,
            status=Ticket.Status.SOLVED,
            solved_at=now - datetime.timedelta(hours=1),
        )
    TicketFactory(program=program, next_due_at=now - datetime.timedelta(minutes=5))
    CsatSurveyFactory(ticket=Ticket.objects.filter(program=program, status=Ticket.Status.SOLVED).first())
    contract = ContractFactory(program=program, hourly_rate=Decimal("20.00"))
    TimeEntryFactory(
        contract=contract, date=now.date(), hours=Decimal("10.00"), status=TimeEntry.Status.SUBMITTED
    )
    PostingFactory(program=program)
    not_mine = ProgramFactory(managers=[ManagerFactory()])
    TicketFactory(program=not_mine)

    rows = manager_home(user=manager)
    assert [row.program for row in rows] == [program]
    row = rows[0]
    assert (row.sla_attainment, row.sla_colour) == (Decimal("75.0"), "red")
    assert (row.backlog, row.breached) == (1, 1)
    assert row.csat == Decimal("100.0")
    assert row.spend == Decimal("220.00")  # 10 h × 20.00 + 10 % fee
    assert row.budget == Decimal("2958.90")  # 3000 a month × 30 days × 12 / 365
    assert row.budget_used == Decimal("7.4")
    assert row.open_postings == 1

    client.force_login(manager)
    url = reverse("dashboard:manage_home")
    response = client.get(url)
    assert response.status_code == 200
    assert reverse("dashboard:program", args=[program.slug]) in response.content.decode()
    assert not_mine.name not in response.content.decode()


def test_manager_home_query_count_does_not_grow_with_programs(client, manager):
    client.force_login(manager)
    url = reverse("dashboard:manage_home")
    ProgramFactory(managers=[manager])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(4):
        extra = ProgramFactory(managers=[manager])
        BudgetFactory(program=extra)
        TicketFactory(program=extra)
        PostingFactory(program=extra)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["rows"]) == 5
    assert len(second) == len(first)


def _portal_world(program):
    contract = ContractFactory(program=program)
    freelancer = contract.freelancer
    TicketFactory(
        program=program,
        assignee=freelancer,
        subject="Where is my parcel?",
        next_due_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    TimeEntryFactory(
        contract=contract, date=timezone.now().date(), hours=Decimal("2.00"), status=TimeEntry.Status.DRAFT
    )
    sent = ContractFactory(
        program=ProgramFactory(name="Acme"), freelancer=freelancer, status=Contract.Status.SENT
    )
    AnnouncementFactory(program=program, title="Known bug: tracking links", published_at=timezone.now())
    AnnouncementFactory(program=ProgramFactory(), title="Someone else's news", published_at=timezone.now())
    return freelancer, sent


def test_portal_home_shows_what_waits_for_the_freelancer(client, program):
    freelancer, sent = _portal_world(program)
    client.force_login(freelancer.user)
    response = client.get(reverse("dashboard:portal_home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Where is my parcel?" in content
    assert reverse("contracts:portal_contract_detail", args=[sent.pk]) in content
    assert "1 time entry (2.00 h) to submit" in content
    assert "Known bug: tracking links" in content
    assert "Someone else&#x27;s news" not in content and "Someone else's news" not in content


def test_portal_home_query_count_does_not_grow_with_tickets(client, program):
    freelancer, _sent = _portal_world(program)
    client.force_login(freelancer.user)
    url = reverse("dashboard:portal_home")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(12):
        TicketFactory(program=program, assignee=freelancer)
        AnnouncementFactory(program=program, published_at=timezone.now())
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)


def test_managers_get_the_wrong_role_page_on_the_portal(client, manager):
    client.force_login(manager)
    assert client.get(reverse("dashboard:portal_home")).status_code == 403


def test_manager_home_backlog_and_breaches_equal_a_full_count_of_each_program(manager):
    # Given two managed programs with active tickets due around a moment (days before, earlier in its ten
    # minutes, the moment itself, after), tickets without a deadline, solved ones and another manager's
    # program's; and a managed program without tickets
    at = datetime.datetime(2027, 1, 4, 13, 34, tzinfo=datetime.UTC)
    programs = [ProgramFactory(managers=[manager]) for _ in range(3)]
    deadlines = [
        at - datetime.timedelta(days=3),
        at.replace(hour=0, minute=0),
        at - datetime.timedelta(minutes=4),
        at - datetime.timedelta(minutes=1),
        at,
        at + datetime.timedelta(microseconds=1),
        at + datetime.timedelta(minutes=30),
        at + datetime.timedelta(days=2),
        None,
    ]
    for n, due in enumerate(deadlines):
        TicketFactory(program=programs[n % 2], next_due_at=due, queue=["freelancer", "inhouse"][n % 2])
    TicketFactory(
        program=programs[0], next_due_at=at - datetime.timedelta(hours=1), status=Ticket.Status.SOLVED
    )
    TicketFactory(
        program=ProgramFactory(managers=[ManagerFactory()]), next_due_at=at - datetime.timedelta(hours=1)
    )

    def counted(program, moment):
        active = Ticket.objects.filter(program=program, status__in=Ticket.ACTIVE_STATUSES)
        return active.count(), active.filter(next_due_at__lte=moment).count()

    # When the home is read at moments around the deadlines
    for moment in [due for due in deadlines if due] + [at - datetime.timedelta(days=30)]:
        rows = manager_home(user=manager, now=moment)
        # Then each program's backlog and breaches are what counting its active tickets says
        assert {row.program.pk: (row.backlog, row.breached) for row in rows} == {
            program.pk: counted(program, moment) for program in programs
        }, moment
