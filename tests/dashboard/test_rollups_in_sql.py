"""The rollups the dashboard sums in SQL (docs/adr/0028) give exactly the numbers of a full recomputation: the
medians from the duration buckets, the pay from the hours per rate range, the backlog and the coverage from the
program's snapshot; and a refresh rewrites a day's detail rows only when they changed."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from contracts.models import RateChange
from core.db import WidthBucket
from dashboard.models import DailyRollup, DurationBucket, DurationCount, ProgramSnapshot, WorkRollup
from dashboard.periods import Period, last_days
from dashboard.selectors.costs import (
    cost_by_freelancer,
    cost_per_week_for_freelancer,
    cost_report,
    spend_by_program,
)
from dashboard.selectors.coverage import coverage_counts, this_monday, week_counts
from dashboard.selectors.daily import day_facts
from dashboard.selectors.medians import BOUNDS, bucket_of, bucket_range
from dashboard.selectors.program import program_dashboard
from dashboard.selectors.snapshot import snapshot_get
from dashboard.selectors.tickets import ticket_report
from dashboard.services import dashboard_rollups_refresh, dashboard_snapshot_refresh, dashboard_today_refresh
from payments.models import TimeEntry
from queues.models import Ticket
from tests.contracts.factories import ContractFactory
from tests.dashboard.conftest import FIRST, LAST
from tests.dashboard.factories import at, ticket
from tests.payments.factories import TimeEntryFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

pytestmark = pytest.mark.django_db

LATER = at("2026-04-01")


def _live(program, period) -> dict:
    with override_settings(DASHBOARD_ROLLUPS=False):
        return program_dashboard(program=program, period=period)


def _medians(report) -> list:
    return [
        (totals.first_response_median_seconds, totals.resolution_median_seconds)
        for totals in (report["tickets"].current, report["tickets"].previous)
    ]


def test_buckets_keep_the_values_in_order_and_small_ones_exact():
    values = list(range(0, 5000)) + [2**20 - 1, 2**20, 2**31 - 1]
    buckets = [bucket_of(v) for v in values]
    assert buckets == sorted(buckets)
    assert [bucket_of(v) for v in range(32)] == list(range(32))
    assert len({bucket_of(v) for v in range(1 << 12, 1 << 13)}) == 16  # 16 buckets per doubling


def test_the_database_puts_every_value_in_the_same_bucket_as_python(program):
    values = [0, 1, 31, 32, 33, 63, 64, 65, 4095, 4096, 4097, 86399, 86400, 2**30, 2**31 - 1]
    values += random.Random(3).sample(range(200_000), 40)  # noqa: S311 — test data
    for n, seconds in enumerate(values):
        ticket(
            program,
            "2026-03-02",
            first_response_at=at("2026-03-02", 10, n % 60),
            first_response_seconds=seconds,
        )
    found = dict(
        Ticket.objects.filter(program=program)
        .annotate(bucket=WidthBucket(F("first_response_seconds"), bounds=BOUNDS))
        .values_list("first_response_seconds", "bucket")
    )
    assert found == {seconds: bucket_of(seconds) for seconds in values}
    assert all(bucket_range(bucket_of(v))[0] <= v < bucket_range(bucket_of(v))[1] for v in values)


@pytest.mark.parametrize("seed", range(1, 9))
def test_medians_from_the_buckets_equal_the_databases_whatever_the_values(program, seed):
    # Given tickets over both periods with values that crowd some buckets, repeat, and straddle bucket edges
    rng = random.Random(seed)  # noqa: S311 — test data
    days = [FIRST - datetime.timedelta(days=7) + datetime.timedelta(days=n) for n in range(14)]
    pools = [
        [60, 61, 62, 63, 64, 65],
        list(range(4090, 4110)),
        [rng.randrange(1, 200_000) for _ in range(30)],
    ]
    for n in range(rng.randrange(60, 140)):
        day = rng.choice(days)
        first = rng.choice(rng.choice(pools))
        resolved = rng.choice(rng.choice(pools))
        ticket(
            program,
            day.isoformat(),
            hour=rng.randrange(0, 20),
            status=Ticket.Status.SOLVED,
            solved_at=at(day.isoformat(), 21, n % 60),
            first_response_at=at(day.isoformat(), 20, n % 60),
            first_response_seconds=first,
            first_response_met=first < 3600,
            resolution_seconds=resolved,
        )
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="week")
    live = _live(program, period)
    # When some of the days (chosen at random) are rolled up and the others read live
    rolled_days = sorted(rng.sample(days, rng.randrange(1, len(days))))
    for day in rolled_days:
        dashboard_rollups_refresh(program_id=program.pk, start_day=day, end_day=day, now=LATER)
    facts = day_facts(program=program, first_day=days[0], last_day=days[-1])
    assert facts.live_days == len(days) - len(rolled_days)
    # Then every median is the database's, exactly
    assert _medians(program_dashboard(program=program, period=period)) == _medians(live)


def test_pay_from_the_hour_rollups_is_the_live_pay_line_by_line(program):
    # Given two contracts, one with rate changes mid-week and mid-pay-period, entries ending in half cents,
    # and a contract in another currency
    usd = ContractFactory(program=program, hourly_rate=Decimal("10.02"), currency="USD", start_date=FIRST)
    RateChange.objects.create(
        contract=usd, effective_date=datetime.date(2026, 3, 4), hourly_rate=Decimal("10.06")
    )
    RateChange.objects.create(
        contract=usd, effective_date=datetime.date(2026, 3, 6), hourly_rate=Decimal("10.02")
    )
    eur = ContractFactory(program=program, hourly_rate=Decimal("9.99"), currency="EUR", start_date=FIRST)
    for offset in range(-7, 7):
        day = FIRST + datetime.timedelta(days=offset)
        for contract in (usd, eur):
            TimeEntryFactory(
                contract=contract, date=day, hours=Decimal("0.25"), status=TimeEntry.Status.APPROVED
            )
    period = Period(
        key="custom", first_day=FIRST + datetime.timedelta(days=2), last_day=LAST, zone=program.zone, label=""
    )
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = cost_report(program=program, period=period)
    # When all but two of the days are rolled up (the others stay live)
    start = period.previous().first_day
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=start, end_day=LAST - datetime.timedelta(days=2), now=LATER
    )
    WorkRollup.objects.filter(program=program, day=FIRST).delete()
    DailyRollup.objects.filter(program=program, day=FIRST).delete()
    rolled = cost_report(program=program, period=period)
    # Then the totals, the weekly figures and the other currencies are the live ones, to the cent
    assert rolled.figures_up_to == LATER
    assert (rolled.current, rolled.previous) == (live.current, live.previous)
    assert (rolled.hours_per_week, rolled.cost_per_week) == (live.hours_per_week, live.cost_per_week)
    assert rolled.other_currencies == live.other_currencies and rolled.other_currencies
    assert WorkRollup.objects.filter(program=program, rate_since=datetime.date(2026, 3, 4)).exists()


def test_per_freelancer_and_per_program_pay_from_the_hour_rollups_is_the_live_pay(program):
    # Given two freelancers, one with rate changes inside the period and weeks, entries ending in half cents,
    # one paid in another currency, and a program of another manager's zone beside it
    usd = ContractFactory(program=program, hourly_rate=Decimal("10.02"), currency="USD", start_date=FIRST)
    RateChange.objects.create(
        contract=usd, effective_date=datetime.date(2026, 3, 4), hourly_rate=Decimal("10.06")
    )
    RateChange.objects.create(
        contract=usd, effective_date=datetime.date(2026, 3, 10), hourly_rate=Decimal("10.02")
    )
    eur = ContractFactory(program=program, hourly_rate=Decimal("9.99"), currency="EUR", start_date=FIRST)
    other = ContractFactory(hourly_rate=Decimal("7.33"), currency="USD", start_date=FIRST)
    for offset in range(-7, 14):
        day = FIRST + datetime.timedelta(days=offset)
        for contract in (usd, eur, other):
            TimeEntryFactory(
                contract=contract, date=day, hours=Decimal("0.25"), status=TimeEntry.Status.APPROVED
            )
    last = FIRST + datetime.timedelta(days=13)
    period = Period(
        key="custom", first_day=FIRST + datetime.timedelta(days=2), last_day=last, zone=program.zone, label=""
    )
    programs = [program, other.program]
    ranges = {p.pk: (period.first_day, period.last_day) for p in programs}

    def figures() -> tuple:
        return (
            cost_by_freelancer(program=program, period=period),
            cost_per_week_for_freelancer(program=program, freelancer_id=usd.freelancer_id, period=period),
            spend_by_program(programs=programs, ranges=ranges),
        )

    with override_settings(DASHBOARD_ROLLUPS=False):
        live = figures()
    # When most days are rolled up, one day in the middle and the last two are not
    for each in programs:
        dashboard_rollups_refresh(
            program_id=each.pk, start_day=FIRST, end_day=last - datetime.timedelta(days=2), now=LATER
        )
    WorkRollup.objects.filter(day=FIRST + datetime.timedelta(days=5)).delete()
    DailyRollup.objects.filter(day=FIRST + datetime.timedelta(days=5)).delete()
    with CaptureQueriesContext(connection) as queries:
        rolled = figures()
    # Then every figure is the live one, to the cent, in at most four queries each
    assert rolled == live
    assert live[0][usd.freelancer_id]["pay"] and live[0][eur.freelancer_id]["currency"] == "EUR"
    assert len(live[1]) == 2 and live[2][other.program_id]
    assert len(queries) <= 12
    assert WorkRollup.objects.filter(program=program, rate_since=datetime.date(2026, 3, 10)).exists()


def test_the_backlog_from_the_rollups_and_the_snapshot_is_the_live_one(program, period, worked_week):
    # Given the hand-made week, a ticket solved long after it came in, and rollups and a snapshot
    late = ticket(program, "2026-02-27", status=Ticket.Status.SOLVED, solved_at=at("2026-03-10"))
    assert late.solved_at
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=period.previous().first_day, end_day=LAST, now=LATER
    )
    dashboard_snapshot_refresh(program_id=program.pk)
    snapshot = snapshot_get(program=program)
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=LAST)
    # When the report reads them, for a past period and for one that runs until today
    rolled = ticket_report(program=program, period=period, facts=facts, snapshot=snapshot)
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = ticket_report(program=program, period=period)
    # Then the backlog at both ends and by queue is the live count
    assert (rolled.current.backlog, rolled.previous.backlog) == (live.current.backlog, live.previous.backlog)
    assert rolled.backlog_by_queue == live.backlog_by_queue
    assert (rolled.current.etas, rolled.previous.etas) == (live.current.etas, live.previous.etas)
    assert rolled.current.backlog == 3  # T3, T4 and the late one, open on 8 March
    today = Period(key="7d", first_day=LAST, last_day=LAST, zone=program.zone, label="")
    with override_settings(DASHBOARD_ROLLUPS=False):
        live_now = ticket_report(program=program, period=today)
    assert snapshot.open_tickets == {"freelancer": {"new": 2}, "inhouse": {"open": 1}}
    assert sum(n for statuses in snapshot.open_tickets.values() for n in statuses.values()) == 3
    assert live_now.backlog_by_queue == rolled.backlog_by_queue


def test_coverage_from_the_snapshot_is_the_live_count_and_says_when(program):
    on_duty_freelancer(program)
    on_duty_freelancer(program, time_zone="Asia/Manila")
    now = at("2026-03-04", 12)
    live = coverage_counts(program=program, now=now)
    assert dashboard_snapshot_refresh(program_id=program.pk, now=now)
    stored = coverage_counts(program=program, now=now, snapshot=snapshot_get(program=program))
    assert stored["rows"] == live["rows"] and stored["gaps"] == live["gaps"]
    assert stored["as_of"] == now and live["as_of"] is None
    # the next week's counts are there too, for the first minutes after Monday midnight
    next_monday = this_monday(program=program, now=now) + datetime.timedelta(days=7)
    after = coverage_counts(
        program=program, now=at("2026-03-09", 0, 1), snapshot=snapshot_get(program=program)
    )
    assert [c.count for row in after["rows"] for c in row["cells"]] == week_counts(
        program=program, monday=next_monday
    )
    assert ProgramSnapshot.objects.filter(program=program).count() == 1


def test_a_refresh_rewrites_the_details_of_the_days_that_changed_only(program, worked_week):
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    first_ids = set(DurationCount.objects.filter(program=program).values_list("pk", flat=True))
    buckets = set(DurationBucket.objects.filter(program=program).values_list("pk", flat=True))
    assert first_ids and buckets
    # Nothing changed: the same rows stay
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    assert set(DurationCount.objects.filter(program=program).values_list("pk", flat=True)) == first_ids
    # A late first response on 5 March: only that day's rows are written again, and the medians follow
    ticket(
        program,
        "2026-03-05",
        hour=9,
        first_response_at=at("2026-03-05", 9, 5),
        first_response_seconds=300,
        first_response_met=True,
    )
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=at("2026-04-02"))
    after = DurationCount.objects.filter(program=program)
    assert set(after.exclude(day=datetime.date(2026, 3, 5)).values_list("pk", flat=True)) <= first_ids
    assert after.filter(day=datetime.date(2026, 3, 5), seconds=300, count=1).exists()
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="")
    assert _medians(program_dashboard(program=program, period=period)) == _medians(_live(program, period))


def test_today_is_read_from_its_row_up_to_the_refresh_and_live_after_it(program, manager):
    # Given today's tickets, answers and hours on both sides of a refresh of today's row at `refreshed`
    now = timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if now - midnight < datetime.timedelta(minutes=20):
        pytest.skip("too close to midnight to place tickets on both sides of the refresh")
    refreshed = midnight + (now - midnight) / 2
    before, after = midnight + (now - midnight) / 4, refreshed + (now - refreshed) / 2
    contract = ContractFactory(
        program=program, hourly_rate=Decimal("20.00"), currency="USD", start_date=FIRST
    )
    for n, moment in enumerate([before, before, after, after, after]):
        TicketFactory(
            program=program,
            created_at=moment,
            status=Ticket.Status.SOLVED,
            assignee=contract.freelancer,
            first_response_at=moment,
            first_response_seconds=60 * (n + 1),
            first_response_met=n % 2 == 0,
            solved_at=moment,
            resolution_seconds=600 * (5 - n),
        )
    TimeEntryFactory(
        contract=contract, date=now.date(), hours=Decimal("1.50"), status=TimeEntry.Status.APPROVED
    )
    period = last_days(7, today=now.date(), zone=program.zone)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=period.previous().first_day, end_day=now.date(), now=now
    )
    assert dashboard_today_refresh(program_id=program.pk, now=refreshed)
    # When the dashboard reads the period
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=period.last_day)
    rolled = program_dashboard(program=program, period=period)
    # Then today comes from its row (two tickets) and the three after it live, and every number is the live one
    assert facts.partial == {now.date(): refreshed} and facts.live == []
    assert DailyRollup.objects.get(program=program, day=now.date()).tickets_in == 2
    live = _live(program, period)
    assert {key: table.rows for key, table in rolled["tables"].items() if key != "coverage"} == {
        key: table.rows for key, table in live["tables"].items() if key != "coverage"
    }
    for part in ("tickets", "costs", "quality"):
        assert (rolled[part].current, rolled[part].previous) == (live[part].current, live[part].previous)
    assert rolled["tickets"].current.tickets_in == 5 and rolled["costs"].current.hours == Decimal("1.50")
    assert rolled["figures_up_to"] == refreshed
