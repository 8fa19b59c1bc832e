import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract
from dashboard.selectors.team import team_table
from dashboard.tables import Table, csv_response
from tests.accounts.factories import FreelancerFactory
from tests.contracts.factories import ContractFactory
from tests.dashboard.conftest import PERIOD_QUERY
from tests.programs.factories import ProgramFactory

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
