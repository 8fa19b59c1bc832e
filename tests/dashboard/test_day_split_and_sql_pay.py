"""The one rule of which days come from the rollups and which are read live (daily.day_split), and the program
dashboard's pay priced in SQL (work.period_pay): the same lines, to the cent, as payments' pay rule in Python."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from contracts.models import RateChange
from dashboard.models import DailyRollup
from dashboard.periods import last_days
from dashboard.selectors import work
from dashboard.selectors.costs import cost_report
from dashboard.selectors.daily import day_facts, day_split
from dashboard.services import dashboard_rollups_refresh, dashboard_today_refresh
from payments.earnings import WorkedDays, line_amount, line_amount_sql
from payments.models import TimeEntry
from tests.contracts.factories import ContractFactory
from tests.payments.factories import TimeEntryFactory

D = datetime.date
UTC = datetime.UTC
MON, TUE, WED, THU = D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5)


def _row(day: D, *, partial: bool = False, refreshed: datetime.datetime | None = None) -> dict:
    row = {"day": day, "refreshed_at": refreshed or datetime.datetime(2026, 4, 1, tzinfo=UTC), "responses": 1}
    return {**row, "partial": True} if partial else row


def test_days_with_complete_rows_are_rolled_and_the_others_read_live():
    split = day_split(first_day=MON, last_day=THU, rows={MON: _row(MON), WED: _row(WED)})
    assert sorted(split.rolled) == [MON, WED]
    assert split.live == [TUE, THU] and split.partial == {}
    assert split.whole_days_live == [TUE, THU]
    # A reader with one live window per program reads from the first live day on, the rows before it rolled
    rows, since = split.one_live_window(UTC)
    assert [row["day"] for row in rows] == [MON]
    assert since == datetime.datetime(2026, 3, 3, tzinfo=UTC)


def test_todays_row_counts_up_to_its_refresh_when_today_is_the_only_open_day():
    refreshed = datetime.datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    today = _row(THU, partial=True, refreshed=refreshed)
    split = day_split(
        first_day=MON, last_day=THU, rows={MON: _row(MON), TUE: _row(TUE), WED: _row(WED), THU: today}
    )
    assert sorted(split.rolled) == [MON, TUE, WED]
    assert split.partial == {THU: today} and split.live == []
    assert split.whole_days_live == [THU]  # its hours are read whole: time entries have no time
    rows, since = split.one_live_window(UTC)
    assert [row["day"] for row in rows] == [MON, TUE, WED, THU] and since == refreshed


def test_todays_row_is_not_used_when_another_day_is_open():
    today = _row(THU, partial=True, refreshed=datetime.datetime(2026, 3, 5, 9, 30, tzinfo=UTC))
    split = day_split(first_day=MON, last_day=THU, rows={MON: _row(MON), WED: _row(WED), THU: today})
    assert split.partial == {} and split.live == [TUE, THU]
    assert sorted(split.rolled) == [MON, WED]
    assert day_split(first_day=MON, last_day=THU, rows={}).live == [MON, TUE, WED, THU]


@pytest.mark.django_db
def test_the_sql_line_amount_rounds_as_the_pay_rule(db):
    pairs = [
        (Decimal("0.25"), Decimal("10.02")),  # 2.505 -> 2.51
        (Decimal("-0.25"), Decimal("10.02")),  # -2.505 -> -2.51
        (Decimal("1.75"), Decimal("10.06")),  # 17.605
        (Decimal("0.33"), Decimal("9.99")),
    ]
    with connection.cursor() as cursor:
        for hours, rate in pairs:
            cursor.execute(
                f"SELECT {line_amount_sql(hours='%s::numeric', rate='%s::numeric')}", [hours, rate]
            )
            assert cursor.fetchone()[0] == line_amount(hours=hours, rate=rate)


@pytest.mark.django_db
def test_the_dashboards_pay_in_sql_is_the_pay_rules_with_todays_hours_in_the_rolled_lines(
    program, monkeypatch
):
    # Given a week of entries ending in half cents (0.25 h at 10.02), a rate change two days ago, a contract in
    # another currency, finished days rolled up and today's row refreshed (today's hours read live, whole)
    now = timezone.now()
    today = now.astimezone(program.zone).date()
    usd = ContractFactory(program=program, hourly_rate=Decimal("10.02"), currency="USD", start_date=today)
    RateChange.objects.create(
        contract=usd, effective_date=today - datetime.timedelta(days=2), hourly_rate=Decimal("10.06")
    )
    eur = ContractFactory(program=program, hourly_rate=Decimal("9.99"), currency="EUR", start_date=today)
    for offset in range(-13, 1):
        for contract in (usd, eur):
            TimeEntryFactory(
                contract=contract,
                date=today + datetime.timedelta(days=offset),
                hours=Decimal("0.25"),
                status=TimeEntry.Status.APPROVED,
            )
    period = last_days(7, today=today, zone=program.zone)
    with override_settings(DASHBOARD_ROLLUPS=False):
        live = cost_report(program=program, period=period)
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=period.previous().first_day, end_day=today, now=now
    )
    assert dashboard_today_refresh(program_id=program.pk, now=now)
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=period.last_day)
    assert facts.partial == {today: now} and facts.live == []
    # When the report prices the lines in SQL (pay_by, the Python pricing, is not called)
    with monkeypatch.context() as patched:
        patched.setattr(WorkedDays, "pay_by", lambda *args, **kwargs: pytest.fail("priced in Python"))
        rolled = cost_report(program=program, period=period, facts=facts)
    # and in Python, as on SQLite
    monkeypatch.setattr(work, "is_postgresql", lambda: False)
    in_python = cost_report(program=program, period=period, facts=facts)
    # Then every figure is the live one, to the cent
    for report in (rolled, in_python):
        assert (report.current, report.previous) == (live.current, live.previous)
        assert (report.hours_per_week, report.cost_per_week) == (live.hours_per_week, live.cost_per_week)
        assert report.other_currencies == live.other_currencies
    # and each line is rounded once, today's hours in it: 7 × 0.25 h of the period, at two rates, and EUR
    assert rolled.current.hours == Decimal("1.75")
    assert [(code, hours) for code, hours, _pay in rolled.other_currencies] == [("EUR", Decimal("1.75"))]
    assert rolled.other_currencies[0][2] == sum(
        (line_amount(hours=h, rate=Decimal("9.99")) for h in _line_hours(period, today)), Decimal("0")
    )


def _line_hours(period, today) -> list[Decimal]:
    """The hours of the EUR contract's lines in the period: one per pay period it touches (one rate)."""
    per_period: dict[int, Decimal] = {}
    for entry in TimeEntry.objects.filter(
        contract__currency="EUR", date__gte=period.first_day, date__lte=today
    ).order_by("date"):
        per_period[entry.period_id] = per_period.get(entry.period_id, Decimal("0")) + entry.hours
    return list(per_period.values())


@pytest.mark.django_db
def test_the_pay_in_sql_follows_late_changes_and_leaves_out_the_days_read_live(program, monkeypatch):
    # Given three weeks of entries (quarter hours, a rate change in the middle), the finished days rolled up (the
    # 7-day period and the one before it cut weeks mid-week)
    now = timezone.now()
    today = now.astimezone(program.zone).date()
    contract = ContractFactory(
        program=program, hourly_rate=Decimal("10.02"), start_date=today - datetime.timedelta(days=30)
    )
    RateChange.objects.create(
        contract=contract, effective_date=today - datetime.timedelta(days=5), hourly_rate=Decimal("10.06")
    )
    for offset in range(-16, 1):
        TimeEntryFactory(
            contract=contract,
            date=today + datetime.timedelta(days=offset),
            hours=Decimal("0.25") * (1 + offset % 3),
            status=TimeEntry.Status.APPROVED,
        )
    period = last_days(7, today=today, zone=program.zone)
    first = period.previous().first_day
    dashboard_rollups_refresh(program_id=program.pk, start_day=first, end_day=today, now=now)

    def same_as_live():
        with override_settings(DASHBOARD_ROLLUPS=False):
            live = cost_report(program=program, period=period)
        facts = day_facts(program=program, first_day=first, last_day=period.last_day)
        with monkeypatch.context() as patched:
            patched.setattr(WorkedDays, "pay_by", lambda *args, **kwargs: pytest.fail("priced in Python"))
            rolled = cost_report(program=program, period=period, facts=facts)
        assert (rolled.current, rolled.previous) == (live.current, live.previous)
        assert (rolled.hours_per_week, rolled.cost_per_week) == (live.hours_per_week, live.cost_per_week)
        return facts, rolled

    same_as_live()  # Then the pay priced in SQL is the live pay, to the cent, at each step below
    # When an entry of a finished day comes late and that day alone is refreshed
    late_day = today - datetime.timedelta(days=3)
    TimeEntryFactory(
        contract=contract, date=late_day, hours=Decimal("0.75"), status=TimeEntry.Status.APPROVED
    )
    dashboard_rollups_refresh(
        program_id=program.pk, start_day=late_day, end_day=late_day, now=now + datetime.timedelta(seconds=1)
    )
    _facts, rolled = same_as_live()
    assert rolled.current.hours == sum(
        (entry.hours for entry in TimeEntry.objects.filter(date__gte=period.first_day)), Decimal("0")
    )
    # and a day in the middle has no complete row any more (read live: its stored hours are left out)
    middle = today - datetime.timedelta(days=8)
    DailyRollup.objects.filter(program=program, day=middle).delete()
    TimeEntryFactory(contract=contract, date=middle, hours=Decimal("0.25"), status=TimeEntry.Status.APPROVED)
    facts, _rolled = same_as_live()
    assert middle in facts.live
