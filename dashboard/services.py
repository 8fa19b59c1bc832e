"""The dashboard's writes: the weekly summary e-mailed to each program's managers, and the daily rollups."""

import datetime
import hashlib
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one
from core.outbox import email_enqueue
from core.tokens import token_new
from dashboard.metrics import percent
from dashboard.models import (
    DailyRollup,
    DurationBucket,
    DurationCount,
    FreelancerDay,
    FreelancerResponseCells,
    FreelancerResponseCount,
    ProgramSnapshot,
    WeeklySummary,
    WorkRollup,
)
from dashboard.periods import Period
from dashboard.selectors.coverage import this_monday, week_counts
from dashboard.selectors.daily import BACKLOG, REFRESH_PARTS, WORK, DayFacts, live_day_facts
from dashboard.selectors.medians import HISTOGRAMS, bucket_of, buckets_of
from dashboard.selectors.program import program_dashboard
from dashboard.selectors.snapshot import open_tickets_now
from dashboard.selectors.team import FreelancerDayRows, freelancer_day_rows
from dashboard.tables import cell_text
from programs.selectors import program_get_by_id, program_list_active, program_staff_emails

if TYPE_CHECKING:
    from programs.models import Program

logger = logging.getLogger(__name__)


def last_full_week(*, program: "Program", now=None) -> datetime.date:
    """The Monday of the last whole week (Monday–Sunday) in the program's time zone."""
    today = (now or timezone.now()).astimezone(program.zone).date()
    return today - datetime.timedelta(days=today.weekday() + 7)


def weekly_summary_data(*, program: "Program", week_start: datetime.date) -> dict:
    """A snapshot of the week's numbers as text (JSON-safe; the shared page renders it as it was sent)."""
    period = Period(
        key="week",
        first_day=week_start,
        last_day=week_start + datetime.timedelta(days=6),
        zone=program.zone,
        label=f"Week of {week_start:%d %b %Y}",
    )
    report = program_dashboard(program=program, period=period)
    tickets, costs, quality = report["tickets"], report["costs"], report["quality"]
    return {
        "program": program.name,
        "period": period.label,
        "first_day": week_start.isoformat(),
        "last_day": period.last_day.isoformat(),
        "currency": program.currency,
        "metrics": [
            {
                "label": row.label,
                "direction": row.metric.get_direction_display(),
                "target": cell_text(row.metric.target),
                "actual": cell_text(row.actual),
                "previous": cell_text(row.previous),
                "colour": row.colour,
                "trend": row.trend.state,
                "arrow": row.trend.arrow,
                "change": cell_text(row.trend.delta),
                "unit": row.unit,
            }
            for row in report["metric_rows"]
        ],
        "headline": [
            ["Tickets in", cell_text(tickets.current.tickets_in)],
            ["Tickets solved", cell_text(tickets.current.solved)],
            ["First-response SLA attainment (%)", cell_text(tickets.current.sla_attainment)],
            ["Backlog at the end of the week", cell_text(tickets.current.backlog)],
            ["Escalation rate (%)", cell_text(tickets.current.escalation_rate)],
            ["CSAT (%)", cell_text(quality.current.csat)],
            ["NPS", cell_text(quality.current.nps)],
            ["QA average", cell_text(quality.current.qa_average)],
            ["Freelancer hours", cell_text(costs.current.hours)],
            [f"Freelancer cost ({program.currency})", cell_text(costs.current.cost)],
            [f"Budget for the week ({program.currency})", cell_text(costs.period_budget)],
            ["Budget used (%)", cell_text(percent(costs.current.cost, costs.period_budget))],
        ],
    }


def weekly_summary_send(*, program_id: int, week_start: datetime.date) -> WeeklySummary | None:
    """Build, store and e-mail one program's summary of one week, once.

    Safe to run twice: the (program, week) row is locked, and a summary already sent is left alone.
    The e-mail goes through the outbox in the same transaction (it carries the share link: sensitive).
    """
    program = program_get_by_id(pk=program_id)
    if program is None:
        return None
    if week_start.weekday() != 0:
        raise ValueError("A weekly summary starts on a Monday.")
    WeeklySummary.objects.get_or_create(program=program, week_start=week_start)
    with transaction.atomic():
        summary = lock_one(WeeklySummary.objects.filter(program=program, week_start=week_start))
        if summary.sent_at is not None:
            return summary
        recipients = program_staff_emails(program=program)
        token, digest = token_new()
        summary.data = weekly_summary_data(program=program, week_start=week_start)
        summary.token_hash = digest
        summary.recipients = recipients
        summary.sent_at = timezone.now()
        summary.full_clean()
        summary.save()
        if recipients:
            share_url = settings.SITE_URL.rstrip("/") + reverse("dashboard:weekly_summary", args=[token])
            dashboard_url = settings.SITE_URL.rstrip("/") + reverse("dashboard:program", args=[program.slug])
            context = {"data": summary.data, "share_url": share_url, "dashboard_url": dashboard_url}
            email_enqueue(
                to=recipients,
                subject=f"{program.name}: weekly summary, {summary.data['period']}",
                body=render_to_string("dashboard/email/weekly_summary.txt", context),
                html_body=render_to_string("dashboard/email/weekly_summary.html", context),
                program_id=program.pk,
                about=summary,
                sensitive=True,
            )
        audit_record(
            verb="dashboard.weekly_summary_sent",
            target=summary,
            recipients=len(recipients),
            week_start=week_start.isoformat(),
        )
    return summary


def weekly_summaries_due(*, now=None) -> list[tuple[int, datetime.date]]:
    """(program id, Monday) of every active program's last full week not yet summarised. Two queries."""
    wanted = {program.pk: last_full_week(program=program, now=now) for program in program_list_active()}
    sent = set(
        WeeklySummary.objects.filter(
            program_id__in=wanted, week_start__in=set(wanted.values()), sent_at__isnull=False
        ).values_list("program_id", "week_start")
    )
    return [(pk, monday) for pk, monday in wanted.items() if (pk, monday) not in sent]


# --- Daily rollups ------------------------------------------------------------------------------------------------

ROLLUP_WINDOW_DAYS = (
    45  # late changes (a CSAT answer, a time entry submitted or approved later) touch recent weeks
)
ROLLUP_CHUNK_DAYS = 31  # a backfill refreshes in chunks, each one set of queries and one upsert
ROLLUP_FIELDS = [*DayFacts().as_row(), "detail_digest", "refreshed_at"]
DETAIL_BATCH = 2000


def _detail_rows(
    program_id: int, day: datetime.date, facts: DayFacts
) -> tuple[list[DurationBucket], list[DurationCount], list[WorkRollup]]:
    """The day's DurationBucket, DurationCount and WorkRollup rows (not saved)."""
    buckets, counts = [], []
    for measure, attribute in HISTOGRAMS.items():
        histogram = getattr(facts, attribute)
        for bucket, n in sorted(buckets_of(histogram).items()):
            buckets.append(
                DurationBucket(program_id=program_id, day=day, measure=measure, bucket=bucket, count=n)
            )
        for seconds, n in sorted(histogram.items()):
            counts.append(
                DurationCount(
                    program_id=program_id,
                    day=day,
                    measure=measure,
                    bucket=bucket_of(seconds),
                    seconds=seconds,
                    count=n,
                )
            )
    work = [
        WorkRollup(
            program_id=program_id,
            day=day,
            freelancer_id=priced.day.freelancer_id,
            contract_id=priced.day.contract_id,
            period_id=priced.day.period_id,
            correction_id=priced.day.correction_id,
            rate_since=priced.rate_since,
            rate=priced.rate,
            currency=priced.currency,
            hours=priced.day.hours,
        )
        for priced in sorted(
            facts.work,
            key=lambda p: (p.day.contract_id, p.day.period_id, p.day.correction_id or 0, str(p.rate_since)),
        )
    ]
    return buckets, counts, work


def _digest(buckets: list, counts: list, work: list) -> str:
    """A fingerprint of a day's detail rows: equal digests, equal rows (SHA-256 of their values in order)."""
    text = repr(
        (
            [(row.measure, row.bucket, row.count) for row in buckets],
            [(row.measure, row.seconds, row.count) for row in counts],
            [
                (
                    row.contract_id,
                    row.period_id,
                    row.correction_id,
                    str(row.rate_since),
                    str(row.rate),
                    row.currency,
                )
                + (str(row.hours),)
                for row in work
            ],
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def dashboard_rollups_refresh(
    *, program_id: int, start_day: datetime.date, end_day: datetime.date, now: datetime.datetime | None = None
) -> int:
    """(Re)write the program's daily rollups of [start_day, end_day] (program-local days); returns the rows written.

    Only finished days are written (end_day is capped at yesterday in the program's time zone; today's row is
    dashboard_today_refresh's). The facts are computed by the dashboard's own live queries (live_day_facts: one
    pass per timestamp column, and payments' counted_work for the hours) and written in one bulk upsert, a
    DailyRollup row for every day, empty days included, stamped with the time taken before the queries ran. A
    day's detail rows (durations, hours) are rewritten only when their digest changed, so the five-minute job
    writes little besides yesterday's. Idempotent: running it again rewrites the same rows with the same numbers
    (and a later stamp).
    """
    program = program_get_by_id(pk=program_id)
    if program is None:
        return 0
    now = now or timezone.now()
    end_day = min(end_day, now.astimezone(program.zone).date() - datetime.timedelta(days=1))
    if end_day < start_day:
        return 0
    facts = live_day_facts(program=program, first_day=start_day, last_day=end_day, parts=REFRESH_PARTS)
    team = freelancer_day_rows(program=program, first_day=start_day, last_day=end_day)  # the team table's
    days = [start_day + datetime.timedelta(days=n) for n in range((end_day - start_day).days + 1)]
    _write_days(
        program=program,
        facts={day: facts.get(day, DayFacts()) for day in days},
        now=now,
        team={day: team.get(day, FreelancerDayRows([], [], [])) for day in days},
    )
    return len(days)


def dashboard_today_refresh(*, program_id: int, now: datetime.datetime | None = None) -> bool:
    """(Re)write today's rollup row (program time zone) with what happened from midnight up to `now`: the page
    then reads only what came after it live (dashboard.selectors.daily.day_facts), minutes of tickets instead
    of a day's. Not the hours (a time entry has a date, no time: today's are read whole, live) nor the backlog
    (today's is what is open now). The row is stamped `now`, before the queries ran, and counts up to it only.
    What the rollup job runs every five minutes; idempotent. False when there is no such program."""
    program = program_get_by_id(pk=program_id)
    if program is None:
        return False
    now = now or timezone.now()
    today = now.astimezone(program.zone).date()
    facts = live_day_facts(
        program=program, first_day=today, last_day=today, parts=REFRESH_PARTS - {WORK, BACKLOG}, until=now
    )
    team = freelancer_day_rows(program=program, first_day=today, last_day=today, until=now)
    _write_days(
        program=program,
        facts={today: facts.get(today, DayFacts())},
        now=now,
        team={today: team.get(today, FreelancerDayRows([], [], []))},
    )
    return True


def _write_days(
    *,
    program: "Program",
    facts: dict[datetime.date, DayFacts],
    now: datetime.datetime,
    team: dict[datetime.date, FreelancerDayRows] | None = None,
) -> None:
    """Upsert the days' DailyRollup rows (stamped `now`), and rewrite the detail rows (durations, hours, the
    team table's per-freelancer rows) of the days whose digest changed. Two runs at once are
    serialised by the locks on the days' rows, taken before the digests are compared (so the digests read are
    the last committed ones)."""
    rows, details = [], {}
    team = team or {}
    for day, day_facts in sorted(facts.items()):
        details[day] = _detail_rows(program.pk, day, day_facts)
        digest = _digest(*details[day])
        if day in team:
            digest = hashlib.sha256((digest + team[day].digest_text()).encode()).hexdigest()
        rows.append(
            DailyRollup(
                program=program,
                day=day,
                refreshed_at=now,
                detail_digest=digest,
                **day_facts.as_row(),
            )
        )
    with transaction.atomic():
        stored = dict(
            DailyRollup.objects.select_for_update()
            .filter(program=program, day__in=list(facts))
            .order_by("day")
            .values_list("day", "detail_digest")
        )
        DailyRollup.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["program", "day"],
            update_fields=ROLLUP_FIELDS,
        )
        changed = [row.day for row in rows if stored.get(row.day) != row.detail_digest]
        if changed:
            for model in (
                DurationBucket,
                DurationCount,
                WorkRollup,
                FreelancerDay,
                FreelancerResponseCells,
                FreelancerResponseCount,
            ):
                model.objects.filter(program=program, day__in=changed).delete()
            DurationBucket.objects.bulk_create(
                [row for day in changed for row in details[day][0]], batch_size=DETAIL_BATCH
            )
            DurationCount.objects.bulk_create(
                [row for day in changed for row in details[day][1]], batch_size=DETAIL_BATCH
            )
            WorkRollup.objects.bulk_create(
                [row for day in changed for row in details[day][2]], batch_size=DETAIL_BATCH
            )
            for model, part in (
                (FreelancerDay, "days"),
                (FreelancerResponseCells, "cells"),
                (FreelancerResponseCount, "counts"),
            ):
                model.objects.bulk_create(
                    [row for day in changed if day in team for row in getattr(team[day], part)],
                    batch_size=DETAIL_BATCH,
                )


def dashboard_snapshot_refresh(*, program_id: int, now: datetime.datetime | None = None) -> bool:
    """(Re)write the program's ProgramSnapshot: the open tickets by queue and status now, and the freelancers on
    shift per hour of this week and the next. What the rollup job runs every five minutes, so the page's "now"
    is at most that old (and says so). Idempotent; False when there is no such program."""
    program = program_get_by_id(pk=program_id)
    if program is None:
        return False
    now = now or timezone.now()
    monday = this_monday(program=program, now=now)
    ProgramSnapshot.objects.update_or_create(
        program=program,
        defaults={
            "monday": monday,
            "coverage": week_counts(program=program, monday=monday),
            "next_coverage": week_counts(program=program, monday=monday + datetime.timedelta(days=7)),
            "open_tickets": open_tickets_now(program=program),
            "refreshed_at": now,
        },
    )
    return True


def dashboard_rollups_backfill(
    *, program_id: int, start_day: datetime.date, end_day: datetime.date, now: datetime.datetime | None = None
) -> int:
    """dashboard_rollups_refresh over a long range, ROLLUP_CHUNK_DAYS at a time. Returns the rows written."""
    written = 0
    while start_day <= end_day:
        last = min(end_day, start_day + datetime.timedelta(days=ROLLUP_CHUNK_DAYS - 1))
        written += dashboard_rollups_refresh(
            program_id=program_id, start_day=start_day, end_day=last, now=now
        )
        start_day = last + datetime.timedelta(days=1)
    return written


def rollup_recent_range(
    *, program: "Program", now: datetime.datetime | None = None, days: int = ROLLUP_WINDOW_DAYS
) -> tuple[datetime.date, datetime.date]:
    """The finished days the periodic refresh rewrites: the last `days` up to yesterday (program time zone)."""
    yesterday = (now or timezone.now()).astimezone(program.zone).date() - datetime.timedelta(days=1)
    return yesterday - datetime.timedelta(days=days - 1), yesterday


def rollups_due() -> list[tuple[int, datetime.date, datetime.date]]:
    """(program id, first day, last day) of the recent window of every active program. One query."""
    return [(program.pk, *rollup_recent_range(program=program)) for program in program_list_active()]
