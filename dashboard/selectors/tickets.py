"""Ticket numbers of one program: grouped aggregate queries over queues.Ticket, read only.

Since the daily rollups, the per-day counts come from dashboard.selectors.daily (rollup rows of finished days,
and the queries below, run by daily.live_day_facts, for the other days only) and the medians from
dashboard.selectors.medians (the duration rollups summed in SQL). With no rollup at all the medians are the
FILTERed PERCENTILE_CONTs below. The notes below describe the live queries.

Each query covers the chosen period and the previous one at once ([previous start, end)), grouped by
day in the program's time zone; totals of both periods are sums of those (at most 2 × 366) grouped rows.
One query per timestamp column, each computing several measures with conditional aggregates:

- created_at: tickets in per day, and per (day, hour) for the coverage chart's arrivals;
- solved_at: solved and solved by freelancers per day, then the two resolution medians (FILTERed aggregates);
- first_response_at: responses and responses within the SLA per day, then the two first-response medians;
- escalated_at: escalations per day and reason;
- backlog at the end of both periods and the open tickets by queue and status now, in one statement over the
  open tickets and the ones solved after the previous period ended.

The ranges hit queues' reporting indexes; the solved_at and first_response_at ones cover the columns read
here (assignee, resolution_seconds; first_response_met, first_response_seconds), and the counts are COUNT(*)
or over indexed columns (Django allows no FILTER on COUNT(*)), so PostgreSQL answers them with index-only scans.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Q, Value
from django.db.models.functions import TruncHour
from django.utils import timezone

from core.db import Median, is_postgresql, median_of
from dashboard.metrics import percent, seconds_to_hours
from dashboard.models import Duration
from dashboard.periods import Period
from dashboard.selectors.daily import MEDIANS, SOLVED, TICKETS, Facts, day_facts
from dashboard.selectors.medians import CURRENT, PREVIOUS, period_medians
from queues.eta import eta_met_q, eta_missed_q
from queues.selectors import (
    TICKET_ACTIVE_STATUSES,
    TICKET_QUEUE_CHOICES,
    queue_settings_get,
    tickets_of_program,
)

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from dashboard.models import ProgramSnapshot
    from queues.models import QueueSettings


@dataclass
class TicketTotals:
    tickets_in: int = 0
    solved: int = 0
    solved_by_freelancers: int = 0
    responses: int = 0
    responses_met: int = 0
    escalated: int = 0
    backlog: int = 0
    first_response_median_seconds: object = None
    resolution_median_seconds: object = None
    # ETAs promised to customers that fell due in the period (queues.eta: met = solved by then)
    etas: int = 0
    etas_met: int = 0
    etas_missed: int = 0

    @property
    def sla_attainment(self):
        return percent(self.responses_met, self.responses)

    @property
    def eta_attainment(self):
        """Percent of the ETAs due in the period (and passed) that were met; ones still ahead are not counted."""
        return percent(self.etas_met, self.etas_met + self.etas_missed)

    @property
    def escalation_rate(self):
        """Freelancer escalations / (tickets freelancers solved + escalated), as queues defines it per person."""
        return percent(self.escalated, self.solved_by_freelancers + self.escalated)

    @property
    def first_response_hours(self):
        return seconds_to_hours(self.first_response_median_seconds)

    @property
    def resolution_hours(self):
        return seconds_to_hours(self.resolution_median_seconds)


@dataclass
class TicketReport:
    current: TicketTotals
    previous: TicketTotals
    days: list[datetime.date]
    created_per_day: dict = field(default_factory=dict)
    solved_per_day: dict = field(default_factory=dict)
    responses_per_day: dict = field(default_factory=dict)  # day -> (responses, met)
    escalations_per_week: dict = field(default_factory=dict)  # monday -> (escalated, handled)
    escalation_reasons: list = field(default_factory=list)  # [(label, count)] in the period
    backlog_by_queue: list = field(default_factory=list)  # [(queue label, new, open, pending)]
    arrivals_by_hour: dict = field(default_factory=dict)  # (weekday 0=Monday, hour) -> tickets in the period


def _window(period: Period, field_name: str) -> Q:
    previous = period.previous()
    return Q(**{f"{field_name}__gte": previous.start_at, f"{field_name}__lt": period.end_at})


def _medians(queryset, field_name: str, value_field: str, period: Period) -> tuple:
    """(current median, previous median) of value_field over a queryset of both periods, told apart by field_name.

    PostgreSQL: one aggregate with two FILTERed PERCENTILE_CONTs (no GROUP BY, no sort of the rows besides the
    aggregates' own). Elsewhere: median_of() for each period.
    """
    in_current = Q(**{f"{field_name}__gte": period.start_at})
    if is_postgresql():
        found = queryset.order_by().aggregate(
            current=Median(value_field, filter=in_current),
            previous=Median(value_field, filter=~in_current),
        )
        return found["current"], found["previous"]
    return median_of(queryset.filter(in_current), value_field), median_of(
        queryset.exclude(in_current), value_field
    )


def _created(report: TicketReport, tickets, period: Period, pick) -> None:
    """Tickets in per day of both periods and per (weekday, hour) of the chosen one. One index-only query."""
    # One time-zone conversion per row: group by the local hour, take its day and hour in Python.
    rows = (
        tickets.filter(_window(period, "created_at"))
        .annotate(local_hour=TruncHour("created_at", tzinfo=period.zone))
        .values("local_hour")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        local_hour, n = row["local_hour"], row["n"]
        day = local_hour.date()
        pick(day).tickets_in += n
        if day >= period.first_day:
            report.created_per_day[day] = report.created_per_day.get(day, 0) + n
            key = (day.weekday(), local_hour.hour)
            report.arrivals_by_hour[key] = report.arrivals_by_hour.get(key, 0) + n


def ticket_report(
    *, program, period: Period, facts: Facts | None = None, snapshot: "ProgramSnapshot | None" = None
) -> TicketReport:
    """The program's ticket numbers for the period and the one before it: a fixed number of queries.

    The per-day counts come from `facts` (dashboard.selectors.daily.day_facts over both periods: rollups of
    finished days, live for the rest), the medians from the duration rollups (dashboard.selectors.medians) when
    the facts used any, and the backlog from the rollups and the program's `snapshot` (snapshot_get) when given;
    what is missing is counted live.
    """
    previous = period.previous()
    if facts is None:
        facts = day_facts(
            program=program, first_day=previous.first_day, last_day=period.last_day, parts={TICKETS, MEDIANS}
        )
    tickets = tickets_of_program(program_id=program.pk)
    current, before = TicketTotals(), TicketTotals()

    def pick(day):
        return current if day >= period.first_day else before

    report = TicketReport(current=current, previous=before, days=period.day_list)
    handled_per_week: dict = defaultdict(int)
    escalated_per_week: dict = defaultdict(int)
    reasons: dict = defaultdict(int)
    for day in sorted(facts.days):
        day_facts_ = facts.days[day]
        totals, in_current = pick(day), day >= period.first_day
        totals.tickets_in += day_facts_.tickets_in
        totals.solved += day_facts_.solved
        totals.solved_by_freelancers += day_facts_.solved_by_freelancers
        totals.responses += day_facts_.responses
        totals.responses_met += day_facts_.responses_met
        totals.escalated += day_facts_.escalated
        if not in_current:
            continue
        if day_facts_.tickets_in:
            report.created_per_day[day] = day_facts_.tickets_in
            for hour, n in enumerate(day_facts_.arrivals):
                if n:
                    key = (day.weekday(), hour)
                    report.arrivals_by_hour[key] = report.arrivals_by_hour.get(key, 0) + n
        if day_facts_.solved:
            report.solved_per_day[day] = day_facts_.solved
            handled_per_week[_monday(day)] += day_facts_.solved_by_freelancers
        if day_facts_.responses:
            report.responses_per_day[day] = (day_facts_.responses, day_facts_.responses_met)
        if day_facts_.escalated:
            escalated_per_week[_monday(day)] += day_facts_.escalated
            for reason, n in day_facts_.escalation_reasons.items():
                reasons[reason] += n
    for monday in sorted(set(escalated_per_week) | set(handled_per_week)):
        escalated = escalated_per_week.get(monday, 0)
        report.escalations_per_week[monday] = (escalated, handled_per_week.get(monday, 0) + escalated)
    settings = queue_settings_get(program=program)
    report.escalation_reasons = sorted(
        ((_reason_label(settings, reason), n) for reason, n in reasons.items()),
        key=lambda pair: (-pair[1], pair[0]),
    )
    responded = tickets.filter(_window(period, "first_response_at"))
    solved = tickets.filter(_window(period, "solved_at"))

    if facts.has_medians:  # exact medians from the duration rollups (+ the live days), no scan of the period
        medians = period_medians(
            program=program, facts=facts, first_day=period.first_day, exact_float=is_postgresql()
        )
        current.first_response_median_seconds = medians[Duration.FIRST_RESPONSE, CURRENT]
        before.first_response_median_seconds = medians[Duration.FIRST_RESPONSE, PREVIOUS]
        current.resolution_median_seconds = medians[Duration.RESOLUTION, CURRENT]
        before.resolution_median_seconds = medians[Duration.RESOLUTION, PREVIOUS]
    else:
        current.first_response_median_seconds, before.first_response_median_seconds = _medians(
            responded, "first_response_at", "first_response_seconds", period
        )
        current.resolution_median_seconds, before.resolution_median_seconds = _medians(
            solved, "solved_at", "resolution_seconds", period
        )
    if not _backlog_from_rollups(report, tickets, period, facts, snapshot):
        _backlog(report, tickets, period)
    return report


def _eta_counts(period: Period, now) -> dict:
    """The ETAs promised to customers that fell due in either period, met and missed (queues.eta's rule)."""
    in_current = Q(eta_at__gte=period.start_at)
    return {
        "etas_current": Count("pk", filter=in_current),
        "etas_current_met": Count("pk", filter=in_current & eta_met_q()),
        "etas_current_missed": Count("pk", filter=in_current & eta_missed_q(now)),
        "etas_previous": Count("pk", filter=~in_current),
        "etas_previous_met": Count("pk", filter=~in_current & eta_met_q()),
        "etas_previous_missed": Count("pk", filter=~in_current & eta_missed_q(now)),
    }


def _set_etas(report: TicketReport, found: dict) -> None:
    for totals, which in ((report.current, "current"), (report.previous, "previous")):
        totals.etas = found[f"etas_{which}"] or 0
        totals.etas_met = found[f"etas_{which}_met"] or 0
        totals.etas_missed = found[f"etas_{which}_missed"] or 0


def _backlog_from_rollups(
    report: TicketReport, tickets, period: Period, facts: Facts, snapshot: "ProgramSnapshot | None"
) -> bool:
    """The backlog without counting the open tickets: at the end of a finished day from its rollup, at the end
    of a period that runs until now (today's) and by queue now from the snapshot; then one query for the ETAs
    (an index range). False, doing nothing, when a number is missing (the caller counts them all live)."""
    if snapshot is None:
        return False
    now = timezone.now()
    open_now = sum(n for statuses in snapshot.open_tickets.values() for n in statuses.values())
    ends = []
    for which in (period, period.previous()):
        if which.end_at > now:  # the period runs until now: its backlog is what is open now
            ends.append(open_now)
            continue
        day = facts.days.get(which.last_day)
        if which.last_day in facts.live or day is None or day.backlog is None:
            return False
        ends.append(day.backlog)
    report.current.backlog, report.previous.backlog = ends
    report.backlog_by_queue = [
        (label, *(snapshot.open_tickets.get(value, {}).get(status, 0) for status in TICKET_ACTIVE_STATUSES))
        for value, label in TICKET_QUEUE_CHOICES
    ]
    previous = period.previous()
    _set_etas(
        report,
        tickets.filter(eta_at__gte=previous.start_at, eta_at__lt=period.end_at).aggregate(
            **_eta_counts(period, now)
        ),
    )
    return True


def _backlog(report: TicketReport, tickets, period: Period) -> None:
    """Backlog at the end of each period, the open tickets by queue and status now, and the ETAs promised to
    customers that fell due in each period (met, missed). One query.

    A ticket was in the backlog at the end of a period when it was created before that end and was still open
    then: open now, or solved after it. So each backlog is (open now, created before the end) + (not open now,
    solved after the end, created before it). The statement reads the two parts in two subselects, each on its own
    index (queues' partial index of active tickets; the program + solved_at one from the previous period's end),
    instead of one OR that made PostgreSQL scan the whole ticket table.
    """
    previous = period.previous()
    active = Q(status__in=TICKET_ACTIVE_STATUSES)
    open_counts = {
        "current": Count("pk", filter=Q(created_at__lt=period.end_at)),
        "previous": Count("pk", filter=Q(created_at__lt=previous.end_at)),
    }
    for queue_value, _label in TICKET_QUEUE_CHOICES:
        for status in TICKET_ACTIVE_STATUSES:
            open_counts[f"{queue_value}__{status}"] = Count("pk", filter=Q(queue=queue_value, status=status))
    solved_counts = {
        "current_solved": Count("pk", filter=Q(created_at__lt=period.end_at, solved_at__gte=period.end_at)),
        "previous_solved": Count("pk", filter=Q(created_at__lt=previous.end_at)),
    }
    open_part = tickets.filter(active).annotate(one=Value(1)).values("one").annotate(**open_counts)
    solved_part = (
        tickets.exclude(active)
        .filter(solved_at__gte=previous.end_at)
        .annotate(one=Value(1))
        .values("one")
        .annotate(**solved_counts)
    )
    # The ETAs promised to customers that fell due in either period, met and missed (queues.eta's rule), in the
    # same statement: a third subselect, so the dashboard's query count does not grow.
    eta_counts = _eta_counts(period, timezone.now())
    eta_part = (
        tickets.filter(eta_at__gte=previous.start_at, eta_at__lt=period.end_at)
        .annotate(one=Value(1))
        .values("one")
        .annotate(**eta_counts)
    )
    open_sql, open_params = open_part.query.sql_with_params()
    solved_sql, solved_params = solved_part.query.sql_with_params()
    eta_sql, eta_params = eta_part.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM (SELECT 1 AS here) base LEFT JOIN ({open_sql}) open_part ON 1 = 1 "  # noqa: S608
            f"LEFT JOIN ({solved_sql}) solved_part ON 1 = 1 LEFT JOIN ({eta_sql}) eta_part ON 1 = 1",
            [*open_params, *solved_params, *eta_params],
        )
        row = cursor.fetchone()
        found = {column[0]: value or 0 for column, value in zip(cursor.description, row, strict=True)}
    report.current.backlog = found["current"] + found["current_solved"]
    report.previous.backlog = found["previous"] + found["previous_solved"]
    _set_etas(report, found)
    report.backlog_by_queue = [
        (label, *(found[f"{value}__{status}"] for status in TICKET_ACTIVE_STATUSES))
        for value, label in TICKET_QUEUE_CHOICES
    ]


def solved_totals(*, program, period: Period, facts: Facts | None = None) -> TicketReport:
    """Only the tickets solved (and solved by freelancers) in the period and the previous one, for the cost page's
    cost per ticket: from `facts` (day_facts with the SOLVED part: rollups of finished days, one live query for the
    rest) instead of the whole ticket report. The rest of the report stays empty."""
    if facts is None:
        facts = day_facts(
            program=program, first_day=period.previous().first_day, last_day=period.last_day, parts={SOLVED}
        )
    current, before = TicketTotals(), TicketTotals()
    for day, day_facts_ in facts.days.items():
        totals = current if day >= period.first_day else before
        totals.solved += day_facts_.solved
        totals.solved_by_freelancers += day_facts_.solved_by_freelancers
    return TicketReport(current=current, previous=before, days=period.day_list)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _reason_label(settings: "QueueSettings", value: str) -> str:
    return settings.reason_label(value)


def arrivals_by_hour(*, program, period: Period) -> dict[tuple[int, int], int]:
    """Tickets created in the period per (weekday 0=Monday, hour) in the program's time zone (one query).

    ticket_report() computes the same numbers in its created-per-day query (report.arrivals_by_hour)."""
    report = TicketReport(current=TicketTotals(), previous=TicketTotals(), days=period.day_list)
    in_period = tickets_of_program(program_id=program.pk).filter(created_at__gte=period.start_at)
    _created(report, in_period, period, lambda day: report.current)
    return report.arrivals_by_hour


def sla_attainment_per_day(report: TicketReport) -> list:
    """Percent of first responses within the SLA, per day of the period (None on a day without responses)."""
    result = []
    for day in report.days:
        responses, met = report.responses_per_day.get(day, (0, 0))
        result.append(percent(met, responses))
    return result
