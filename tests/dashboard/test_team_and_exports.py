import csv
import datetime
import io
import random
import statistics
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract
from dashboard.metrics import percent, seconds_to_hours
from dashboard.selectors.team import team_table
from dashboard.tables import Table, csv_response
from queues.models import Ticket
from reviews.models import CsatSurvey
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.dashboard.conftest import PERIOD_QUERY
from tests.dashboard.factories import CsatSurveyFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # streamed: the first line leaves before the last is written
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_team_table_numbers_and_sorting(program, period, worked_week):
    quiet = ContractFactory(program=program, freelancer__legal_name="Bo Quiet", status=Contract.Status.SIGNED)
    ContractFactory(program=program, freelancer__legal_name="Dee Draft", status=Contract.Status.DRAFT)
    rows = team_table(program=program, period=period)
    assert [row.name for row in rows] == ["Ana Reyes", "Bo Quiet"]  # drafts are not in the team
    ana = rows[0]
    assert (ana.solved, ana.escalated, ana.escalation_rate) == (2, 1, Decimal("33.3"))
    assert (ana.first_response_hours, ana.sla_attainment) == (Decimal("0.50"), Decimal("66.7"))
    assert (ana.qa_average, ana.csat) == (Decimal("85.0"), Decimal("100.0"))
    assert (ana.hours, ana.cost, ana.cost_per_ticket) == (
        Decimal("6.50"),
        Decimal("154.00"),
        Decimal("77.00"),
    )
    assert (ana.tier_label, ana.contract_status_label) == ("Tier 1", "Active")
    bo = rows[1]
    assert (bo.solved, bo.sla_attainment, bo.cost_per_ticket, bo.contract_status) == (0, None, None, "signed")
    assert quiet.freelancer_id == bo.freelancer_id
    # No data sorts last whichever the direction.
    assert [r.name for r in team_table(program=program, period=period, sort="sla", descending=False)] == [
        "Ana Reyes",
        "Bo Quiet",
    ]
    assert [r.name for r in team_table(program=program, period=period, sort="name", descending=True)] == [
        "Bo Quiet",
        "Ana Reyes",
    ]


def test_team_page_links_each_row_to_the_freelancer_page(client, program, manager, worked_week):
    client.force_login(manager)
    response = client.get(
        reverse("dashboard:program_team", args=[program.slug]) + "?sort=sla&dir=asc&" + PERIOD_QUERY
    )
    assert response.status_code == 200
    ana = worked_week["ana"]
    assert reverse("dashboard:freelancer", args=[program.slug, ana.pk]) in response.content.decode()
    assert response.context["sort"] == "sla" and response.context["descending"] is False


def test_team_page_rows_show_the_numbers_escaped(client, program, manager, worked_week):
    # The rows are written by dashboard_tags.team_rows: each value as cell() shows it, every one escaped.
    ContractFactory(program=program, freelancer__legal_name="<b>Bo</b> & Co", status=Contract.Status.SIGNED)
    client.force_login(manager)
    body = client.get(
        reverse("dashboard:program_team", args=[program.slug]) + "?" + PERIOD_QUERY
    ).content.decode()
    ana = worked_week["ana"]
    link = (
        reverse("dashboard:freelancer", args=[program.slug, ana.pk])
        + "?"
        + PERIOD_QUERY.replace("&", "&amp;")
    )
    row = body[body.index(f'<a href="{link}">Ana Reyes</a>') :].split("</tr>")[0]
    cells = [part.split("</td>")[0] for part in row.split("<td")[1:]]
    assert [cell.split(">", 1)[1] for cell in cells] == [
        "2",
        "0.50",
        "66.7",
        "85.0",
        "100.0",
        "33.3",
        "6.50",
        "77.00 USD",
        "Tier 1",
        "Active",
    ]
    assert "&lt;b&gt;Bo&lt;/b&gt; &amp; Co</a>" in body and "<b>Bo</b>" not in body
    bo_row = body[body.index("&lt;b&gt;Bo") :].split("</tr>")[0]
    # no data: the five rates and medians, and the cost per ticket; solved and hours are 0
    assert bo_row.count("<td>—</td>") == 6 and bo_row.count("<td>0</td>") == 2


def test_freelancer_page_shows_weeks_reviews_contracts_and_time(client, program, manager, worked_week):
    client.force_login(manager)
    ana = worked_week["ana"]
    response = client.get(reverse("dashboard:freelancer", args=[program.slug, ana.pk]) + "?" + PERIOD_QUERY)
    assert response.status_code == 200
    week = response.context["weeks"][0]
    assert week.monday == datetime.date(2026, 3, 2)
    assert (week.solved, week.escalated, week.sla_attainment, week.hours, week.pay) == (
        2,
        1,
        Decimal("66.7"),
        Decimal("6.50"),
        Decimal("140.00"),
    )
    assert week.quality.qa_average == Decimal("85.0")
    assert len(response.context["reviews"]) == 2 and len(response.context["time_entries"]) == 4
    assert list(response.context["contracts"]) == [worked_week["contract"]]
    rows = _csv(
        client.get(reverse("dashboard:freelancer_export", args=[program.slug, ana.pk]) + "?" + PERIOD_QUERY)
    )
    assert rows[1][:3] == ["2026-03-02", "2", "1"]


def test_freelancer_outside_the_program_is_not_found(client, program, manager, worked_week):
    client.force_login(manager)
    elsewhere = ContractFactory(program=ProgramFactory()).freelancer
    drafted = ContractFactory(program=program, status=Contract.Status.DRAFT).freelancer
    for freelancer_id in [elsewhere.pk, drafted.pk, FreelancerFactory().pk, 999999]:
        url = reverse("dashboard:freelancer", args=[program.slug, freelancer_id])
        assert client.get(url).status_code == 404


def test_every_table_exports_to_csv(client, program, manager, worked_week):
    client.force_login(manager)
    keys = [
        "metrics",
        "tickets",
        "sla",
        "backlog",
        "csat-nps",
        "qa",
        "hours-cost",
        "escalation-rate",
        "escalation-reasons",
        "coverage",
        "team",
        "cost-comparison",
        "cost-spend",
        "funnel-postings",
        "funnel-sources",
        "funnel-stages",
    ]
    for key in keys:
        response = client.get(reverse("dashboard:export", args=[program.slug, key]) + "?" + PERIOD_QUERY)
        rows = _csv(response)
        assert len(rows) >= (1 if key == "funnel-sources" else 2), key  # no applications: header only
        assert f"{program.slug}-{key}-2026-03-02-2026-03-08.csv" in response["Content-Disposition"]
    metrics = _csv(
        client.get(reverse("dashboard:export", args=[program.slug, "metrics"]) + "?" + PERIOD_QUERY)
    )
    assert metrics[0] == [
        "Metric",
        "Direction",
        "Target",
        "Actual",
        "Status",
        "Previous period",
        "Change",
        "Trend",
    ]
    assert metrics[1] == [
        "SLA attainment (%)",
        "at least (≥)",
        "90.00",
        "66.7",
        "red",
        "100.0",
        "-33.3",
        "worse",
    ]
    assert metrics[-1][3:5] == ["", "no data"]
    tickets = _csv(
        client.get(reverse("dashboard:export", args=[program.slug, "tickets"]) + "?" + PERIOD_QUERY)
    )
    assert tickets[1:3] == [["2026-03-02", "4", "1"], ["2026-03-03", "1", "3"]]
    team = _csv(client.get(reverse("dashboard:export", args=[program.slug, "team"]) + "?" + PERIOD_QUERY))
    assert team[1][:4] == ["Ana Reyes", "Tier 1", "Active", "2"]
    assert client.get(reverse("dashboard:export", args=[program.slug, "nothing"])).status_code == 404


def test_csv_cells_that_look_like_formulas_stay_text():
    table = Table(
        key="t",
        title="T",
        headers=["Name", "Amount"],
        rows=[['=HYPERLINK("http://evil")', Decimal("-5.00")], ["@SUM(A1)", -3], ["Plain", None]],
    )
    rows = _csv(csv_response(table, filename="t.csv"))
    assert rows[1:] == [['\'=HYPERLINK("http://evil")', "-5.00"], ["'@SUM(A1)", "-3"], ["Plain", ""]]


def test_the_team_export_sends_its_header_before_it_counts_the_rows(client, program, manager, worked_week):
    client.force_login(manager)
    response = client.get(reverse("dashboard:export", args=[program.slug, "team"]) + "?" + PERIOD_QUERY)
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_rows:
        header = next(chunks).decode()
    assert header.startswith("Freelancer,Tier,") and not before_rows.captured_queries
    with CaptureQueriesContext(connection) as rows:
        body = b"".join(chunks).decode()
    assert rows.captured_queries and body.startswith("Ana Reyes,Tier 1,Active,2,")


def test_team_table_ticket_numbers_equal_a_recount_of_the_tickets(program, period):
    # Given three freelancers' tickets solved, escalated and first-answered at moments in and around the
    # period (its first and last microseconds too), first responses by an in-house agent, and CSAT answers
    # good, bad and unanswered
    people = [ContractFactory(program=program).freelancer for _ in range(3)]
    agent = UserFactory()
    rng = random.Random(22)
    moments = [period.start_at - datetime.timedelta(microseconds=1), period.start_at, period.end_at]
    moments += [period.end_at - datetime.timedelta(microseconds=1)]
    moments += [period.start_at + datetime.timedelta(minutes=rng.randrange(-2000, 12000)) for _ in range(50)]
    for n, moment in enumerate(moments):
        person = people[n % 3]
        responder = agent.pk if n % 7 == 0 else person.user_id
        t = TicketFactory(
            program=program,
            status=Ticket.Status.SOLVED if n % 4 else Ticket.Status.OPEN,
            assignee=person if n % 4 else None,
            solved_at=moment if n % 4 else None,
            escalated_by=person if n % 5 == 0 else None,
            escalated_at=moment if n % 5 == 0 else None,
            first_responder_id=responder,
            first_response_at=moment,
            first_response_seconds=rng.randrange(60, 9000),
            first_response_met=rng.random() < 0.6,
        )
        if n % 4:
            CsatSurveyFactory(ticket=t, freelancer=person, rating=rng.choice(["good", "good", "bad", ""]))
    # When the team table is read
    rows = {row.freelancer_id: row for row in team_table(program=program, period=period)}

    # Then each freelancer's numbers are a recount of their tickets in [start, end)
    def within(moment):
        return moment is not None and period.start_at <= moment < period.end_at

    tickets = list(Ticket.objects.filter(program=program))
    surveys = list(CsatSurvey.objects.filter(program=program).select_related("ticket"))
    for person in people:
        solved = sum(1 for t in tickets if t.assignee_id == person.pk and within(t.solved_at))
        escalated = sum(1 for t in tickets if t.escalated_by_id == person.pk and within(t.escalated_at))
        responses = [
            t for t in tickets if t.first_responder_id == person.user_id and within(t.first_response_at)
        ]
        answers = [
            s for s in surveys if s.freelancer_id == person.pk and s.rating and within(s.ticket.solved_at)
        ]
        row = rows[person.pk]
        assert (row.solved, row.escalated) == (solved, escalated)
        assert row.escalation_rate == percent(escalated, solved + escalated)
        assert row.sla_attainment == percent(sum(t.first_response_met for t in responses), len(responses))
        median = statistics.median(t.first_response_seconds for t in responses)
        assert row.first_response_hours == seconds_to_hours(round(median))
        assert row.csat == percent(sum(s.rating == "good" for s in answers), len(answers))
        assert solved and escalated and responses and answers  # the recount is not of nothing
