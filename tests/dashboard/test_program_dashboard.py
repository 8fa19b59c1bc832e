import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.selectors.costs import cost_report
from dashboard.selectors.program import program_dashboard
from dashboard.selectors.quality import quality_report
from dashboard.selectors.tickets import ticket_report
from programs.models import SuccessMetric
from queues.models import Ticket
from tests.accounts.factories import ManagerFactory
from tests.dashboard.conftest import PERIOD_QUERY
from tests.dashboard.factories import at, ticket
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db
Kind = SuccessMetric.Kind


def test_ticket_numbers_of_a_hand_made_week(program, period, worked_week):
    report = ticket_report(program=program, period=period)
    now = report.current
    assert (now.tickets_in, now.solved, now.solved_by_freelancers) == (7, 5, 2)
    assert (now.responses, now.responses_met, now.sla_attainment) == (3, 2, Decimal("66.7"))
    assert (now.escalated, now.escalation_rate) == (1, Decimal("33.3"))  # 1 / (2 solved + 1 escalated)
    assert now.first_response_hours == Decimal("0.50")  # median of 600, 1800, 7200 s
    assert now.resolution_hours == Decimal("13.00")  # median of 7200 and 86400 s
    assert now.backlog == 2  # T3 (in-house, open) and T4 (new); T6 came after the period
    before = report.previous
    assert (before.tickets_in, before.solved, before.sla_attainment, before.backlog) == (
        1,
        1,
        Decimal("100.0"),
        0,
    )
    assert report.created_per_day[datetime.date(2026, 3, 2)] == 4
    assert report.solved_per_day[datetime.date(2026, 3, 3)] == 3
    assert report.escalation_reasons == [("Billing", 1)]
    # Backlog by queue is now, not at the end of the period: T4 and T6 wait for freelancers, T3 is in-house.
    assert report.backlog_by_queue == [("Freelancers", 2, 0, 0), ("In-house team", 0, 1, 0)]


def test_cost_uses_the_rate_in_force_each_day_and_adds_the_platform_fee(program, period, worked_week):
    report = cost_report(program=program, period=period)
    assert report.current.hours == Decimal("6.50")  # the 8 h draft does not count
    assert report.current.pay == Decimal("140.00")  # 4 × 20.00 + 2.5 × 24.00
    assert report.current.cost == Decimal("154.00")  # + 10 % platform fee
    assert (report.previous.hours, report.previous.cost) == (Decimal("1.00"), Decimal("22.00"))
    assert report.period_budget == Decimal("690.41")  # 3000 × 7 days × 12 / 365
    assert report.weekly_budget == Decimal("692.31")  # 3000 × 12 / 52
    assert report.budget_used_percent == Decimal("22.3")
    assert report.inhouse_cost_per_hour == Decimal("30.00")  # 5200 × 12 / 52 / (2 × 20 h)
    assert report.inhouse_cost_per_ticket == Decimal("12.00")  # 5200 × 12 / 52 / 100 tickets
    assert report.cost_per_hour == Decimal("23.69")
    assert report.cost_per_week == {datetime.date(2026, 3, 2): Decimal("154.00")}


def test_quality_numbers(program, period, worked_week):
    report = quality_report(program=program, period=period)
    assert (report.current.qa_count, report.current.qa_average) == (2, Decimal("85.0"))
    assert (report.current.csat_answers, report.current.csat) == (4, Decimal("75.0"))
    assert (report.current.nps_answers, report.current.nps) == (4, Decimal("25.0"))
    assert report.previous.qa_average is None and report.previous.csat is None and report.previous.nps is None


def test_each_metric_is_coloured_against_its_target(program, period, worked_week):
    rows = {row.metric.kind: row for row in program_dashboard(program=program, period=period)["metric_rows"]}
    assert {kind: (row.actual, row.colour) for kind, row in rows.items()} == {
        Kind.SLA_ATTAINMENT: (Decimal("66.7"), "red"),
        Kind.FIRST_RESPONSE: (Decimal("0.50"), "green"),
        Kind.CSAT: (Decimal("75.0"), "amber"),  # within 10 % of 80
        Kind.QA_SCORE: (Decimal("85.0"), "green"),
        Kind.NPS: (Decimal("25.0"), "red"),
        Kind.ESCALATION_RATE: (Decimal("33.3"), "amber"),  # 31 + 3.1
        Kind.COST_PER_TICKET: (Decimal("77.00"), "red"),  # 154.00 / 2 tickets freelancers solved
        Kind.BACKLOG: (Decimal("2"), "green"),
        Kind.OTHER: (None, "grey"),
    }
    assert (rows[Kind.SLA_ATTAINMENT].trend.delta, rows[Kind.SLA_ATTAINMENT].trend.state) == (
        Decimal("-33.3"),
        "worse",
    )
    assert rows[Kind.COST_PER_TICKET].previous == Decimal("22.00")  # 22.00 / 1 ticket the week before
    assert rows[Kind.BACKLOG].trend.state == "worse"
    assert rows[Kind.OTHER].measured is False


def test_an_empty_period_shows_no_data_and_never_divides_by_zero(client, program, manager):
    SuccessMetric.objects.create(program=program, kind=Kind.CSAT, direction="at_least", target=Decimal("90"))
    SuccessMetric.objects.create(
        program=program, kind=Kind.COST_PER_TICKET, direction="at_most", target=Decimal("5")
    )
    client.force_login(manager)
    response = client.get(reverse("dashboard:program", args=[program.slug]) + "?" + PERIOD_QUERY)
    assert response.status_code == 200
    rows = response.context["metric_rows"]
    assert [(row.actual, row.colour, row.trend.state) for row in rows] == [
        (None, "grey", "none"),
        (None, "grey", "none"),
    ]
    content = response.content.decode()
    assert "no data" in content
    assert "No data for this period." in content


def test_the_dashboard_page_shows_the_metrics_and_chart_data(client, program, manager, worked_week):
    client.force_login(manager)
    response = client.get(reverse("dashboard:program", args=[program.slug]) + "?" + PERIOD_QUERY)
    content = response.content.decode()
    assert response.status_code == 200
    assert "66.7 %" in content and "off target" in content and "close to target" in content
    assert 'id="chart-tickets-data"' in content and "chart.umd.min.js" in content
    assert "cdn" not in content.lower()
    keys = [chart.key for chart in response.context["charts"]]
    assert keys == [
        "tickets",
        "sla",
        "backlog",
        "csat-nps",
        "qa",
        "hours-cost",
        "escalation-rate",
        "escalation-reasons",
        "coverage",
    ]


def test_bad_period_input_shows_a_message_and_the_default_period(client, program, manager):
    client.force_login(manager)
    url = reverse("dashboard:program", args=[program.slug])
    response = client.get(url + "?period=custom&start=2026-03-08&end=2026-03-01")
    assert response.status_code == 200
    assert "The end of the range is before its start." in response.content.decode()
    assert response.context["period"].key == "30d"
    response = client.get(url + "?period=<script>")
    assert response.status_code == 200
    assert "Unknown period" in response.content.decode()
    assert "<script>" not in response.content.decode().split("Unknown period")[0][-200:]


def test_another_managers_program_is_not_found(client, program):
    stranger = ManagerFactory()
    ProgramFactory(slug="theirs", managers=[stranger])
    client.force_login(stranger)
    for name in [
        "dashboard:program",
        "dashboard:program_team",
        "dashboard:program_costs",
        "dashboard:program_funnel",
    ]:
        assert client.get(reverse(name, args=[program.slug])).status_code == 404
    assert client.get(reverse("dashboard:export", args=[program.slug, "metrics"])).status_code == 404
    assert client.get(reverse("dashboard:program", args=["theirs"])).status_code == 200


def test_freelancers_cannot_open_the_manager_dashboard(client, program, worked_week):
    client.force_login(worked_week["ana"].user)
    assert client.get(reverse("dashboard:program", args=[program.slug])).status_code == 403


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_tickets(client, program, manager, worked_week):
    client.force_login(manager)
    urls = [
        reverse(name, args=[program.slug]) + "?" + PERIOD_QUERY
        for name in [
            "dashboard:program",
            "dashboard:program_team",
            "dashboard:program_costs",
            "dashboard:program_funnel",
        ]
    ]
    urls.append(
        reverse("dashboard:freelancer", args=[program.slug, worked_week["ana"].pk]) + "?" + PERIOD_QUERY
    )
    before = [_page_queries(client, url) for url in urls]
    ana, contract = worked_week["ana"], worked_week["contract"]
    for n in range(40):
        day = f"2026-03-0{2 + n % 7}"
        ticket(
            program,
            day,
            hour=n % 24,
            assignee=ana,
            status=Ticket.Status.SOLVED,
            solved_at=at(day, 23),
            first_response_at=at(day, 22),
            first_response_seconds=60 * n,
            first_response_met=n % 2 == 0,
            first_responder=ana.user,
            escalation_reason="",
        )
    for n in range(10):
        TimeEntryFactory(contract=contract, date=datetime.date(2026, 3, 2 + n % 7), hours=Decimal("1.25"))
    after = [_page_queries(client, url) for url in urls]
    assert after == before


def test_coverage_counts_match_the_queues_rota(program):
    from dashboard.selectors.coverage import coverage_counts
    from queues.models import AvailabilitySlot
    from queues.selectors import program_coverage
    from tests.queues.factories import on_duty_freelancer

    on_duty_freelancer(program)  # all week
    part_timer = on_duty_freelancer(program, time_zone="Asia/Manila", slots=False)
    AvailabilitySlot.objects.create(
        freelancer=part_timer, weekday=2, start_time=datetime.time(8), end_time=datetime.time(13, 30)
    )
    now = at("2026-03-04", 12)
    ours = coverage_counts(program=program, now=now)
    theirs = program_coverage(program=program, now=now)
    assert [[c.count for c in row["cells"]] for row in ours["rows"]] == [
        [c.count for c in row["cells"]] for row in theirs["rows"]
    ]
    assert ours["gaps"] == theirs["gaps"] == 0
    assert ours["rows"][2]["cells"][0].count == 2  # Wednesday 08:00 in Manila is 00:00 UTC
