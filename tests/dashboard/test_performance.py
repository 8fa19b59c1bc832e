"""The rewritten (faster) queries give the same numbers as the definitions, and the pages stay at a fixed query count.

The timing target itself is a benchmark (bench/dashboard.py), not a test; these tests pin what the rewrite must keep.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract
from dashboard.periods import Period
from dashboard.selectors.coverage import coverage_counts
from dashboard.selectors.team import team_table
from dashboard.selectors.tickets import arrivals_by_hour, solved_totals, ticket_report
from dashboard.tables import Table
from dashboard.templatetags.dashboard_tags import table_rows
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket
from queues.selectors import program_coverage
from tests.contracts.factories import ContractFactory
from tests.dashboard.conftest import PERIOD_QUERY
from tests.dashboard.factories import CsatSurveyFactory, at, ticket
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

pytestmark = pytest.mark.django_db


def test_the_cost_page_solved_counts_match_the_ticket_report(program, period, worked_week):
    full = ticket_report(program=program, period=period)
    light = solved_totals(program=program, period=period)
    for name in ("current", "previous"):
        expected, got = getattr(full, name), getattr(light, name)
        assert (got.solved, got.solved_by_freelancers) == (expected.solved, expected.solved_by_freelancers)
    assert (light.current.solved, light.current.solved_by_freelancers) == (5, 2)
    assert (light.previous.solved, light.previous.solved_by_freelancers) == (1, 1)


def test_arrivals_and_days_are_counted_in_the_programs_time_zone(manager):
    # Given a New York program and tickets near local midnight (UTC-5 in early March)
    program = ProgramFactory(slug="ny", time_zone="America/New_York", managers=[manager])
    zone = program.zone
    period = Period(
        key="custom",
        first_day=datetime.date(2026, 3, 2),
        last_day=datetime.date(2026, 3, 8),
        zone=zone,
        label="2–8 Mar",
    )
    ticket(program, "2026-03-02", hour=3)  # Sunday 1 March 22:00 in New York: the previous period
    ticket(
        program, "2026-03-02", hour=5, status=Ticket.Status.SOLVED, solved_at=at("2026-03-02", 6)
    )  # Mon 00:00
    ticket(program, "2026-03-03", hour=4)  # Monday 2 March 23:00
    ticket(program, "2026-03-09", hour=3)  # Sunday 8 March 23:00 EDT (clocks went forward that morning)
    ticket(program, "2026-03-09", hour=4)  # Monday 9 March 00:00 EDT: after the period
    # When the report is built
    report = ticket_report(program=program, period=period)
    # Then each ticket lands on its local day and hour
    assert report.created_per_day == {datetime.date(2026, 3, 2): 2, datetime.date(2026, 3, 8): 1}
    assert (report.current.tickets_in, report.previous.tickets_in) == (3, 1)
    assert report.arrivals_by_hour == {(0, 0): 1, (0, 23): 1, (6, 23): 1}
    assert report.solved_per_day == {datetime.date(2026, 3, 2): 1}
    assert arrivals_by_hour(program=program, period=period) == report.arrivals_by_hour


def test_backlog_and_open_tickets_by_queue_come_from_one_query(program, period, worked_week):
    with CaptureQueriesContext(connection) as queries:
        report = ticket_report(program=program, period=period)
    assert (report.current.backlog, report.previous.backlog) == (2, 0)
    assert report.backlog_by_queue == [("Freelancers", 2, 0, 0), ("In-house team", 0, 1, 0)]
    backlog_queries = [q["sql"] for q in queries.captured_queries if "'pending'" in q["sql"]]
    assert len(backlog_queries) == 1


def test_table_rows_escape_every_cell():
    table = Table(
        key="t",
        title="T",
        headers=["Name", "Value"],
        rows=[["<script>alert(1)</script>", Decimal("1.50")], ["Bo & Co", None]],
    )
    html = str(table_rows(table))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Bo &amp; Co" in html
    assert '<th scope="row" class="fw-normal">Bo &amp; Co</th><td>—</td>' in html
    assert "<td>1.50</td>" in html
    empty = str(table_rows(Table(key="e", title="E", headers=["A", "B"], rows=[])))
    assert 'colspan="2"' in empty and "No data for this period." in empty


def test_team_table_leaves_out_people_without_a_contract_past_draft(program, period, worked_week):
    # Given someone with work in the program whose only contract is a draft
    draft = ContractFactory(program=program, freelancer__legal_name="Dee Draft", status=Contract.Status.DRAFT)
    solved = ticket(
        program,
        "2026-03-03",
        assignee=draft.freelancer,
        status=Ticket.Status.SOLVED,
        solved_at=at("2026-03-03", 15),
    )
    CsatSurveyFactory(ticket=solved, freelancer=draft.freelancer, rating="bad")
    TimeEntryFactory(contract=draft, date=datetime.date(2026, 3, 3), hours=Decimal("3.00"))
    # When the team table is built
    rows = team_table(program=program, period=period)
    # Then only the team is listed, and Ana's numbers are untouched
    assert [row.name for row in rows] == ["Ana Reyes"]
    assert (rows[0].solved, rows[0].csat, rows[0].hours) == (2, Decimal("100.0"), Decimal("6.50"))


def test_coverage_counts_match_the_rota_with_away_time_and_extra_hours(program):
    # Given one freelancer on all week, away on Wednesday morning, and one with extra hours on Thursday
    regular = on_duty_freelancer(program)
    AvailabilityChange.objects.create(
        freelancer=regular,
        kind=AvailabilityChange.Kind.AWAY,
        starts_at=at("2026-03-04", 8),
        ends_at=at("2026-03-04", 12),
    )
    extra = on_duty_freelancer(program, slots=False, time_zone="Europe/Warsaw")
    AvailabilitySlot.objects.create(
        freelancer=extra, weekday=0, start_time=datetime.time(9), end_time=datetime.time(17)
    )
    AvailabilityChange.objects.create(
        freelancer=extra,
        kind=AvailabilityChange.Kind.EXTRA,
        program=program,
        starts_at=at("2026-03-05", 20),
        ends_at=at("2026-03-05", 23),
    )
    now = at("2026-03-04", 7)
    # When both count the week
    ours = coverage_counts(program=program, now=now)
    theirs = program_coverage(program=program, now=now)
    # Then they agree hour by hour
    assert [[c.count for c in row["cells"]] for row in ours["rows"]] == [
        [c.count for c in row["cells"]] for row in theirs["rows"]
    ]
    assert ours["gaps"] == theirs["gaps"] == 4  # Wednesday 08:00–12:00 UTC
    assert ours["rows"][3]["cells"][21].count == 2  # Thursday 21:00: the extra hours
    assert ours["rows"][0]["cells"][10].count == 2  # Monday 10:00 UTC is 11:00 in Warsaw


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.postgres
def test_the_program_pages_run_a_fixed_small_number_of_queries(client, program, manager, worked_week):
    """On PostgreSQL (the benchmark's database) the pages do no more queries than after the rewrite: 24 for the
    dashboard (it was 25), 10 for the costs (it was 17); one of each is the manager's verified two-factor device.
    Adding tickets does not change the count."""
    client.force_login(manager)
    dashboard = reverse("dashboard:program", args=[program.slug]) + "?" + PERIOD_QUERY
    costs = reverse("dashboard:program_costs", args=[program.slug]) + "?" + PERIOD_QUERY
    before = (_count(client, dashboard), _count(client, costs))
    assert before[0] <= 24 and before[1] <= 10
    ana = worked_week["ana"]
    for n in range(30):
        ticket(
            program,
            f"2026-03-0{2 + n % 7}",
            hour=n % 24,
            assignee=ana,
            status=Ticket.Status.SOLVED,
            solved_at=at(f"2026-03-0{2 + n % 7}", 23),
            first_response_at=at(f"2026-03-0{2 + n % 7}", 22),
            first_response_seconds=30 * n,
            first_response_met=True,
            first_responder=ana.user,
        )
    assert (_count(client, dashboard), _count(client, costs)) == before
