"""Daily rollups: the dashboard's numbers from rollups equal the live ones, days not covered are read live."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from dashboard.models import DailyRollup, DurationCount, ProgramSnapshot, WorkRollup
from dashboard.periods import Period
from dashboard.schedules import SCHEDULES
from dashboard.selectors.costs import cost_report
from dashboard.selectors.daily import day_facts
from dashboard.selectors.home import manager_home
from dashboard.selectors.program import program_dashboard
from dashboard.selectors.tickets import solved_totals
from dashboard.services import dashboard_rollups_refresh, dashboard_today_refresh, rollups_due
from dashboard.tasks import dashboard_rollups_refresh_recent_task
from payments.models import TimeEntry
from queues.models import Ticket
from tests.contracts.factories import ContractFactory
from tests.dashboard.conftest import FIRST, LAST, PERIOD_QUERY
from tests.dashboard.factories import CsatSurveyFactory, at, ticket
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

LATER = at("2026-04-01")  # "now" for the refreshes: every day of the hand-made data has ended


def _numbers(report: dict) -> dict:
    """Everything the page shows, as plain values: every table's rows and the totals behind the cards."""
    numbers = {key: table.rows for key, table in report["tables"].items()}
    for part in ("tickets", "costs", "quality"):
        numbers[part] = (report[part].current, report[part].previous)
    return numbers


def _live(program, period) -> dict:
    with override_settings(DASHBOARD_ROLLUPS=False):
        return program_dashboard(program=program, period=period)


def test_rollup_backed_numbers_equal_the_live_ones(program, period, worked_week):
    # Given the hand-made week, and the rollups of both periods refreshed after they ended
    live = _live(program, period)
    written = dashboard_rollups_refresh(
        program_id=program.pk, start_day=period.previous().first_day, end_day=LAST, now=LATER
    )
    # When the dashboard reads them
    rolled = program_dashboard(program=program, period=period)
    # Then it used the rollups for every day and shows exactly the same numbers
    assert written == 14
    assert rolled["figures_up_to"] == LATER and live["figures_up_to"] is None
    assert _numbers(rolled) == _numbers(live)
    assert rolled["tickets"].current.tickets_in == 7 and rolled["costs"].current.pay == Decimal("140.00")
    assert rolled["quality"].current.csat_answers == 4
    # and the stored hours stay exact, with their rate (4 h at 20.00 on 3 March; the draft is not counted)
    assert list(
        WorkRollup.objects.filter(program=program, day=datetime.date(2026, 3, 3)).values_list(
            "hours", "rate", "currency", "rate_since"
        )
    ) == [(Decimal("4.00"), Decimal("20.00"), "USD", None)]


def test_the_manager_home_from_the_rollups_equals_the_live_one(program, manager, worked_week):
    # Given the hand-made week rolled up after it ended but for one day in the middle, and "now" the day after
    now = at("2026-03-09", 10)
    CsatSurveyFactory(ticket=ticket(program, "2026-03-09", solved_at=at("2026-03-09", 9)), rating="good")

    def health() -> list:
        return [
            (row.sla_attainment, row.csat, row.spend, row.backlog, row.breached)
            for row in manager_home(user=manager, now=now)
        ]

    with override_settings(DASHBOARD_ROLLUPS=False):
        live = health()
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    DailyRollup.objects.filter(program=program, day=datetime.date(2026, 3, 5)).delete()
    WorkRollup.objects.filter(program=program, day=datetime.date(2026, 3, 5)).delete()
    # When the home reads the rollups for the days before the first one without a row, the rest live
    rolled = health()
    # Then it shows the same numbers
    assert rolled == live
    assert live[0][0] is not None and live[0][1] is not None and live[0][2]
    # and with every past day rolled up and today's row written at 09:30, what came after it is read live
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    dashboard_today_refresh(program_id=program.pk, now=at("2026-03-09", 9, 30))
    late = ticket(
        program,
        "2026-03-09",
        first_response_at=at("2026-03-09", 9, 45),
        first_response_seconds=60,
        first_response_met=False,
        solved_at=at("2026-03-09", 9, 50),
    )
    CsatSurveyFactory(ticket=late, rating="bad")
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = health()
    with CaptureQueriesContext(connection) as queries:
        assert health() == live and live != rolled
    assert any(
        "2026-03-09 09:30:00" in query["sql"] for query in queries.captured_queries
    )  # from the refresh on


def test_dst_days_and_local_hours_match_the_live_numbers(manager):
    # Given a New York program with work around the autumn change (1 November 2026: 01:00–02:00 happens twice)
    program = ProgramFactory(slug="ny", time_zone="America/New_York", currency="USD", managers=[manager])
    contract = ContractFactory(
        program=program, hourly_rate=Decimal("17.35"), currency="USD", start_date=datetime.date(2026, 1, 1)
    )
    ana = contract.freelancer
    first_half = at("2026-11-01", 5, 30)  # 01:30 EDT
    second_half = at("2026-11-01", 6, 30)  # 01:30 EST
    for created in (
        at("2026-11-01", 3, 59),
        first_half,
        second_half,
        at("2026-11-02", 4, 59),
        at("2026-11-02", 5),
    ):
        solved = ticket(
            program,
            "2026-11-01",
            assignee=ana,
            status=Ticket.Status.SOLVED,
            solved_at=created,
            first_response_at=created,
            first_response_seconds=60,
            first_response_met=True,
            first_responder=ana.user,
            escalated_at=created,
            escalated_by=ana,
            escalation_reason="bug",
        )
        Ticket.objects.filter(pk=solved.pk).update(created_at=created)
        CsatSurveyFactory(ticket=solved, freelancer=ana, rating="good" if created.hour % 2 else "bad")
    for day, hours in [("2026-10-31", "1.25"), ("2026-11-01", "7.75"), ("2026-11-08", "0.50")]:
        TimeEntryFactory(
            contract=contract,
            date=datetime.date.fromisoformat(day),
            hours=Decimal(hours),
            status=TimeEntry.Status.APPROVED,
        )
    period = Period(
        key="custom",
        first_day=datetime.date(2026, 10, 26),
        last_day=datetime.date(2026, 11, 8),
        zone=program.zone,
        label="26 Oct – 8 Nov",
    )
    live = _live(program, period)
    # When the rollups are refreshed and read
    dashboard_rollups_refresh(
        program_id=program.pk,
        start_day=period.previous().first_day,
        end_day=period.last_day,
        now=at("2026-11-10"),
    )
    rolled = program_dashboard(program=program, period=period)
    # Then the numbers are the live ones, with both 01:30s in the 01:00 hour of Sunday 1 November
    assert rolled["figures_up_to"] is not None
    assert _numbers(rolled) == _numbers(live)
    assert rolled["tickets"].arrivals_by_hour[(6, 1)] == 2
    assert rolled["tickets"].created_per_day == {
        datetime.date(2026, 10, 31): 1,
        datetime.date(2026, 11, 1): 3,
        datetime.date(2026, 11, 2): 1,
    }
    assert rolled["costs"].current.pay == Decimal("164.83")  # 9.50 h × 17.35 = 164.825, half-up


def test_an_empty_period_has_empty_rollups_and_no_numbers(program, period):
    live = _live(program, period)
    assert dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER) == 7
    rolled = program_dashboard(program=program, period=period)
    assert DailyRollup.objects.filter(program=program, tickets_in=0, qa_reviews=0).count() == 7
    assert not WorkRollup.objects.filter(program=program).exists()
    assert not DurationCount.objects.filter(program=program).exists()
    assert _numbers(rolled) == _numbers(live)
    assert rolled["tickets"].current.tickets_in == 0 and rolled["quality"].current.csat is None


def test_days_without_a_complete_rollup_are_read_live(program, period, worked_week):
    # Given rollups for 2–4 March only, and a row for 5 March written while that day was still running (wrong)
    live = _live(program, period)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=FIRST, end_day=datetime.date(2026, 3, 4), now=LATER
    )
    DailyRollup.objects.create(
        program=program,
        day=datetime.date(2026, 3, 5),
        tickets_in=99,
        solved=99,
        refreshed_at=at("2026-03-05", 18),
    )
    # When the dashboard reads the period
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=LAST)
    rolled = program_dashboard(program=program, period=period)
    # Then the other days (and the early row's day) come live and every number is still right
    assert facts.live_days == 14 - 3
    assert _numbers(rolled) == _numbers(live)


def test_refresh_is_idempotent_and_never_writes_unfinished_days(program, worked_week):
    now = at("2026-03-06", 12)
    assert (
        dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=now) == 4
    )  # 2–5 March
    first = list(
        DailyRollup.objects.order_by("day").values_list("day", "tickets_in", "solved", "detail_digest")
    )
    assert dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=now) == 4
    assert (
        list(DailyRollup.objects.order_by("day").values_list("day", "tickets_in", "solved", "detail_digest"))
        == first
    )
    assert max(day for day, *_ in first) == datetime.date(2026, 3, 5)
    assert dashboard_rollups_refresh(program_id=program.pk, start_day=LAST, end_day=FIRST, now=now) == 0
    assert dashboard_rollups_refresh(program_id=999999, start_day=FIRST, end_day=LAST, now=now) == 0


def test_a_late_csat_answer_shows_after_the_next_refresh(program, period, worked_week):
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    late = ticket(program, "2026-03-04", status=Ticket.Status.SOLVED, solved_at=at("2026-03-04", 15))
    CsatSurveyFactory(ticket=late, rating="bad")
    assert (
        program_dashboard(program=program, period=period)["quality"].current.csat_answers == 4
    )  # as of LATER
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=at("2026-04-02"))
    rolled = program_dashboard(program=program, period=period)
    assert rolled["quality"].current.csat_answers == 5
    assert _numbers(rolled) == _numbers(_live(program, period))


def test_the_cost_page_reads_solved_tickets_and_hours_from_the_rollups_and_prices_them_by_the_pay_rule(
    program, period, worked_week
):
    live = cost_report(program=program, period=period)
    live_solved = solved_totals(program=program, period=period)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=period.previous().first_day, end_day=LAST, now=LATER
    )
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=period.last_day)
    rolled = cost_report(program=program, period=period, facts=facts)
    rolled_solved = solved_totals(program=program, period=period)
    assert (rolled_solved.current, rolled_solved.previous) == (live_solved.current, live_solved.previous)
    assert (rolled_solved.current.solved, rolled_solved.current.solved_by_freelancers) == (5, 2)
    assert rolled.figures_up_to == LATER
    # the rolled-up hours are priced line by line by payments' rule: the same pay as from the time entries
    assert (rolled.current, rolled.previous, rolled.cost_per_week, rolled.hours_per_week) == (
        live.current,
        live.previous,
        live.cost_per_week,
        live.hours_per_week,
    )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_page_with_rollups_keeps_a_fixed_query_count_and_says_how_fresh(
    client, program, manager, worked_week
):
    client.force_login(manager)
    url = reverse("dashboard:program", args=[program.slug]) + "?" + PERIOD_QUERY
    all_live = _count(client, url)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=FIRST - datetime.timedelta(days=7), end_day=LAST, now=LATER
    )
    before = _count(client, url)
    assert before < all_live  # the covered days need no live query at all
    ana = worked_week["ana"]
    for n in range(20):
        solved = ticket(
            program,
            f"2026-03-0{2 + n % 7}",
            hour=n % 24,
            assignee=ana,
            status=Ticket.Status.SOLVED,
            solved_at=at(f"2026-03-0{2 + n % 7}", 23),
        )
        CsatSurveyFactory(ticket=solved, freelancer=ana, rating="good")
        TimeEntryFactory(
            contract=worked_week["contract"],
            date=datetime.date(2026, 3, 2 + n % 7),
            hours=Decimal("1.00"),
            status=TimeEntry.Status.APPROVED,
        )
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    assert _count(client, url) == before
    page = client.get(url).content.decode()
    assert "figures up to" in page


def test_the_periodic_job_and_the_command_refresh_recent_days(program, worked_week):
    assert any(s["task"] == "dashboard.tasks.dashboard_rollups_refresh_recent_task" for s in SCHEDULES)
    due = rollups_due()
    assert [pk for pk, *_ in due] == [program.pk]
    assert (due[0][2] - due[0][1]).days + 1 == 45
    out = io.StringIO()
    call_command(
        "refresh_dashboard_rollups",
        "--program",
        "support",
        "--start",
        "2026-02-23",
        "--end",
        "2026-03-08",
        stdout=out,
    )
    assert "14 rollup row(s) written" in out.getvalue()
    call_command(
        "refresh_dashboard_rollups",
        "--program",
        "support",
        "--start",
        "2026-02-23",
        "--end",
        "2026-03-08",
        stdout=io.StringIO(),
    )
    # the 14 days, and today's row as of now (the command and the job also write it, and the snapshot)
    assert DailyRollup.objects.filter(program=program).count() == 14 + 1
    assert ProgramSnapshot.objects.filter(program=program).exists()
    assert dashboard_rollups_refresh_recent_task() == 1  # eager in tests: refreshes the last 45 days
    assert DailyRollup.objects.filter(program=program).count() == 14 + 45 + 1


def test_medians_from_the_day_histograms_equal_the_databases(program, period, worked_week):
    # Given uneven first responses and resolutions, repeated values and an even count, across both periods
    ana = worked_week["ana"]
    for n, (seconds, resolution) in enumerate(
        [(5, 61), (5, 61), (7, 999), (100, 3), (3, 17), (42, 40000), (13, 8), (13, 77)]
    ):
        day = f"2026-0{2 if n % 3 == 0 else 3}-{'27' if n % 3 == 0 else f'0{3 + n % 5}'}"
        ticket(
            program,
            day,
            hour=6,
            assignee=ana,
            status=Ticket.Status.SOLVED,
            solved_at=at(day, 7 + n),
            first_response_at=at(day, 6, n),
            first_response_seconds=seconds,
            first_response_met=seconds < 50,
            resolution_seconds=resolution,
        )
    live = _live(program, period)
    # When a part of the days comes from rollups and the rest live
    dashboard_rollups_refresh(
        program_id=program.pk,
        start_day=datetime.date(2026, 2, 26),
        end_day=datetime.date(2026, 3, 4),
        now=LATER,
    )
    rolled = program_dashboard(program=program, period=period)
    # Then both medians of both periods are exactly the database's
    for name in ("current", "previous"):
        got, expected = getattr(rolled["tickets"], name), getattr(live["tickets"], name)
        assert got.first_response_median_seconds == expected.first_response_median_seconds
        assert got.resolution_median_seconds == expected.resolution_median_seconds
    assert rolled["tickets"].current.resolution_median_seconds is not None
    assert _numbers(rolled) == _numbers(live)
