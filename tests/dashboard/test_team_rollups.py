"""The team table from the per-freelancer rollups (docs/adr/0028, addendum "team table"): the same numbers as
the live read, the first-response medians exact (PERCENTILE_CONT's value, so the same rounding)."""

import datetime
import random
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from dashboard.models import DailyRollup, FreelancerDay, FreelancerResponseCells, FreelancerResponseCount
from dashboard.periods import Period
from dashboard.selectors.medians import freelancer_response_medians
from dashboard.selectors.team import freelancer_numbers, team_table
from dashboard.services import dashboard_rollups_refresh, dashboard_today_refresh
from queues.models import Ticket
from queues.selectors import freelancer_ticket_stats
from tests.accounts.factories import UserFactory
from tests.contracts.factories import ContractFactory
from tests.dashboard.factories import CsatSurveyFactory, ReviewFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("America/New_York")  # summer time starts on 8 March 2026: a 23-hour day
FIRST, LAST = datetime.date(2026, 3, 2), datetime.date(2026, 3, 13)
LATER = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)


def _database_medians(program, start, end) -> dict[int, float]:
    """PERCENTILE_CONT(0.5) per freelancer over the tickets, straight from the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY t.first_response_seconds) "
            "FROM queues_ticket t JOIN accounts_freelancer f ON f.user_id = t.first_responder_id "
            "WHERE t.program_id = %s AND t.first_response_at >= %s AND t.first_response_at < %s "
            "AND t.first_response_seconds IS NOT NULL GROUP BY f.id",
            [program.pk, start, end],
        )
        return dict(cursor.fetchall())


def _seconds(rng: random.Random, kind: int) -> int:
    """Times that cross the levels: exact small values, ties, wide spreads, values in one pair of buckets."""
    if kind == 0:
        return rng.choice([0, 1, 31, 32, 33, 600, 600, 601])  # the exact buckets and ties
    if kind == 1:
        return rng.randrange(60, 10_860)  # the bench's spread
    if kind == 2:
        return rng.choice([4096, 4097, 4351, 4352, 8191, 8192])  # the edges of buckets, groups and pairs
    return rng.randrange(1, 2_000_000)  # days and weeks


@pytest.fixture
def team(db):
    program = ProgramFactory(slug="team", time_zone="America/New_York", currency="USD")
    people = [ContractFactory(program=program).freelancer for _ in range(6)]
    return program, people


def _fill(program, people, rng: random.Random) -> None:
    agent: Any = UserFactory()
    start = datetime.datetime.combine(FIRST, datetime.time(0), tzinfo=ZONE)
    end = datetime.datetime.combine(LAST + datetime.timedelta(days=1), datetime.time(0), tzinfo=ZONE)
    # moments on both sides of each local midnight, and inside the days
    moments = []
    for n in range(-1, (LAST - FIRST).days + 2):
        midnight = datetime.datetime.combine(
            FIRST + datetime.timedelta(days=n), datetime.time(0), tzinfo=ZONE
        )
        moments += [midnight - datetime.timedelta(microseconds=1), midnight]
    span = int((end - start).total_seconds())
    for index, person in enumerate(people):
        count = [1, 2, 7, 40, 61, 120][index]  # odd and even counts, one and two values
        for n in range(count):
            moment = (
                moments[n]
                if n < len(moments) and index >= 3
                else start + datetime.timedelta(seconds=rng.randrange(-3600, span + 3600))
            )
            t = TicketFactory(
                program=program,
                status=Ticket.Status.SOLVED,
                assignee=person,
                solved_at=moment,
                escalated_by=person if n % 5 == 0 else None,
                escalated_at=moment if n % 5 == 0 else None,
                first_responder_id=agent.pk if n % 9 == 4 else person.user_id,
                first_response_at=moment,
                first_response_seconds=_seconds(rng, (index + n) % 4),
                first_response_met=n % 3 != 0,
            )
            if n % 4 == 1:
                CsatSurveyFactory(ticket=t, freelancer=person, rating=rng.choice(["good", "bad", ""]))
            if n % 6 == 2:
                ReviewFactory(
                    ticket=t,
                    freelancer=person,
                    score=Decimal(rng.randrange(5000, 10000)) / 100,
                    submitted_at=moment,
                )


@pytest.mark.parametrize("seed", [22, 7, 1_000])
def test_team_table_from_the_freelancer_rollups_equals_the_live_one(team, seed):
    # Given six freelancers with 1 to 120 first responses over twelve days in New York (across the summer-time
    # change and on both sides of local midnights), times with ties, in the exact buckets, on bucket, group and
    # pair edges and weeks long, responses by an agent, escalations, CSAT answers and QA reviews
    program, people = team
    _fill(program, people, random.Random(seed))
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="")
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = team_table(program=program, period=period)
    # When the days are rolled up but the last two (read live, as today would be)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=FIRST, end_day=LAST - datetime.timedelta(days=2), now=LATER
    )
    assert FreelancerResponseCount.objects.filter(program=program).exists()
    assert FreelancerResponseCells.objects.filter(program=program, level=2).exists()
    with CaptureQueriesContext(connection) as queries:
        rolled = team_table(program=program, period=period)
    # Then every row is the live one: counts, rates, CSAT, QA and the medians to the displayed precision
    assert rolled == live
    assert sum(row.solved for row in live) > 200 and all(row.first_response_hours is not None for row in live)
    assert len(queries) <= 20
    # And the medians are the database's PERCENTILE_CONT values, exactly, rolled up or not
    last_stored = LAST - datetime.timedelta(days=2)
    live_from = datetime.datetime.combine(LAST - datetime.timedelta(days=1), datetime.time(0), tzinfo=ZONE)
    end = datetime.datetime.combine(LAST + datetime.timedelta(days=1), datetime.time(0), tzinfo=ZONE)
    start = datetime.datetime.combine(FIRST, datetime.time(0), tzinfo=ZONE)
    expected = _database_medians(program, start, end)
    assert (
        freelancer_response_medians(
            program=program, first_day=FIRST, last_stored=last_stored, live=(live_from, end)
        )
        == expected
    )
    assert freelancer_response_medians(
        program=program, first_day=FIRST, last_stored=None, live=(start, end)
    ) == (expected)
    stored_only = _database_medians(program, start, live_from)
    assert (
        freelancer_response_medians(program=program, first_day=FIRST, last_stored=last_stored, live=None)
        == stored_only
    )
    assert len(expected) == 6


def test_a_day_without_a_complete_row_is_read_live_from_it_on(team):
    # Given rolled-up days whose per-freelancer rows would be wrong if they were read
    program, people = team
    _fill(program, people, random.Random(3))
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="")
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = team_table(program=program, period=period)
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    assert team_table(program=program, period=period) == live
    middle = FIRST + datetime.timedelta(days=5)
    # When a day in the middle loses its DailyRollup row and the later days' freelancer rows are spoiled
    DailyRollup.objects.filter(program=program, day=middle).delete()
    FreelancerDay.objects.filter(program=program, day__gt=middle).update(solved=999)
    FreelancerResponseCount.objects.filter(program=program, day__gt=middle).update(seconds=1)
    # Then the table reads that day and the rest live: still the live numbers
    assert team_table(program=program, period=period) == live
    # And after a late change the refresh shows it (the day's digest covers its freelancer rows)
    DailyRollup.objects.filter(program=program).update(detail_digest="")  # rewrite the spoiled rows too
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    changed = Ticket.objects.filter(program=program, first_responder_id=people[5].user_id).first()
    changed.first_response_seconds = 7
    changed.save()
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = team_table(program=program, period=period)
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=LATER)
    assert team_table(program=program, period=period) == live


def test_today_from_its_partial_rows_and_the_minutes_after_them(team):
    # Given the days rolled up, the last one (today) up to 15:00 by the five-minute job, and tickets after that
    program, people = team
    _fill(program, people, random.Random(11))
    refreshed = datetime.datetime.combine(LAST, datetime.time(15), tzinfo=ZONE)
    now = refreshed + datetime.timedelta(minutes=4)
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=LAST, now=refreshed)
    dashboard_today_refresh(program_id=program.pk, now=refreshed)
    assert FreelancerResponseCount.objects.filter(program=program, day=LAST).exists()
    for n, person in enumerate(people):
        TicketFactory(
            program=program,
            status=Ticket.Status.SOLVED,
            assignee=person,
            solved_at=refreshed + datetime.timedelta(seconds=n),
            first_responder_id=person.user_id,
            first_response_at=refreshed
            + datetime.timedelta(seconds=n),  # the first one exactly at the refresh
            first_response_seconds=4096 + n,
            first_response_met=True,
        )
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="")
    # When the numbers are read with today's partial rows
    stats, quality = freelancer_numbers(program=program, period=period, now=now)
    # Then they are the live ones
    live_stats = freelancer_ticket_stats(program_id=program.pk, start=period.start_at, end=period.end_at)
    assert stats == live_stats
    with override_settings(DASHBOARD_ROLLUPS=False):
        assert freelancer_numbers(program=program, period=period, now=now) == (live_stats, quality)
    assert DailyRollup.objects.get(program=program, day=LAST).refreshed_at == refreshed


def test_a_period_running_past_today_reads_today_after_its_refresh_and_the_days_after(team):
    # Given today's partial rows and a custom period that ends next week
    program, people = team
    _fill(program, people, random.Random(5))
    today = LAST - datetime.timedelta(days=3)
    refreshed = datetime.datetime.combine(today, datetime.time(9), tzinfo=ZONE)
    dashboard_rollups_refresh(program_id=program.pk, start_day=FIRST, end_day=today, now=refreshed)
    dashboard_today_refresh(program_id=program.pk, now=refreshed)
    period = Period(key="custom", first_day=FIRST, last_day=LAST, zone=program.zone, label="")
    # When it is read an hour after the refresh
    stats, quality = freelancer_numbers(
        program=program, period=period, now=refreshed + datetime.timedelta(hours=1)
    )
    # Then today's tickets after the refresh and the later days' are counted too
    with override_settings(DASHBOARD_ROLLUPS=False):
        assert (stats, quality) == freelancer_numbers(program=program, period=period)
    assert DailyRollup.objects.filter(program=program, day=today).exists()
