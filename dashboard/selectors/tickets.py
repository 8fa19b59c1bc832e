"""Ticket numbers of one program: grouped aggregate queries over queues.Ticket, read only.

Each query covers the chosen period and the previous one at once ([previous start, end)), grouped by
day in the program's time zone; totals of both periods are sums of those (at most 2 × 366) grouped rows.
The ranges hit queues' reporting indexes (program + created_at / solved_at / first_response_at /
escalated_at), so the cost follows the tickets in the period, not the program's history.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate

from dashboard.metrics import percent, seconds_to_hours
from dashboard.periods import Period
from dashboard.selectors._sql import Median, median_of, supports_median
from queues.models import QueueSettings, Ticket
from queues.selectors import queue_settings_get


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

    @property
    def sla_attainment(self):
        return percent(self.responses_met, self.responses)

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


def _window(period: Period, field_name: str) -> Q:
    previous = period.previous()
    return Q(**{f"{field_name}__gte": previous.start_at, f"{field_name}__lt": period.end_at})


def _bucket(period: Period, field_name: str) -> Case:
    """1 for the chosen period, 0 for the previous one."""
    return Case(When(**{f"{field_name}__gte": period.start_at}, then=Value(1)), default=Value(0),
                output_field=IntegerField())


def _per_day(queryset, field_name: str, zone, **aggregates):
    return (
        queryset.annotate(day=TruncDate(field_name, tzinfo=zone)).values("day").annotate(**aggregates).order_by("day")
    )


def _medians(queryset, field_name: str, value_field: str, period: Period) -> tuple:
    """(current median, previous median) of value_field, the periods told apart by field_name."""
    if supports_median():
        rows = (
            queryset.filter(**{f"{value_field}__isnull": False})
            .annotate(bucket=_bucket(period, field_name)).values("bucket")
            .annotate(median=Median(value_field)).order_by()
        )
        found = {row["bucket"]: row["median"] for row in rows}
        return found.get(1), found.get(0)
    current = queryset.filter(**{f"{field_name}__gte": period.start_at})
    previous = queryset.filter(**{f"{field_name}__lt": period.start_at})
    return median_of(current, value_field), median_of(previous, value_field)


def ticket_report(*, program, period: Period) -> TicketReport:
    """The program's ticket numbers for the period and the one before it: a fixed number of queries."""
    zone = program.zone
    previous = period.previous()
    tickets = Ticket.objects.filter(program_id=program.pk).order_by()
    current, before = TicketTotals(), TicketTotals()

    def pick(day):
        return current if day >= period.first_day else before

    report = TicketReport(current=current, previous=before, days=period.day_list)

    # COUNT(*) lets PostgreSQL answer from the (program, created_at) index alone.
    for row in _per_day(tickets.filter(_window(period, "created_at")), "created_at", zone, n=Count("*")):
        pick(row["day"]).tickets_in += row["n"]
        if row["day"] >= period.first_day:
            report.created_per_day[row["day"]] = row["n"]

    solved_rows = _per_day(
        tickets.filter(_window(period, "solved_at")), "solved_at", zone,
        n=Count("id"), by_freelancers=Count("id", filter=Q(assignee__isnull=False)),
    )
    handled_per_week: dict = defaultdict(int)
    for row in solved_rows:
        totals = pick(row["day"])
        totals.solved += row["n"]
        totals.solved_by_freelancers += row["by_freelancers"]
        if row["day"] >= period.first_day:
            report.solved_per_day[row["day"]] = row["n"]
            handled_per_week[_monday(row["day"])] += row["by_freelancers"]

    response_rows = _per_day(
        tickets.filter(_window(period, "first_response_at"), first_response_met__isnull=False),
        "first_response_at", zone, n=Count("id"), met=Count("id", filter=Q(first_response_met=True)),
    )
    for row in response_rows:
        totals = pick(row["day"])
        totals.responses += row["n"]
        totals.responses_met += row["met"]
        if row["day"] >= period.first_day:
            report.responses_per_day[row["day"]] = (row["n"], row["met"])

    escalated_per_week: dict = defaultdict(int)
    reasons: dict = defaultdict(int)
    escalation_rows = (
        tickets.filter(_window(period, "escalated_at"), escalated_by__isnull=False)
        .annotate(day=TruncDate("escalated_at", tzinfo=zone))
        .values("day", "escalation_reason").annotate(n=Count("id")).order_by("day")
    )
    for row in escalation_rows:
        pick(row["day"]).escalated += row["n"]
        if row["day"] >= period.first_day:
            escalated_per_week[_monday(row["day"])] += row["n"]
            reasons[row["escalation_reason"] or "other"] += row["n"]
    for monday in sorted(set(escalated_per_week) | set(handled_per_week)):
        escalated = escalated_per_week.get(monday, 0)
        report.escalations_per_week[monday] = (escalated, handled_per_week.get(monday, 0) + escalated)
    settings = queue_settings_get(program=program)
    report.escalation_reasons = sorted(
        ((_reason_label(settings, reason), n) for reason, n in reasons.items()), key=lambda pair: -pair[1]
    )

    current.first_response_median_seconds, before.first_response_median_seconds = _medians(
        tickets.filter(_window(period, "first_response_at")), "first_response_at", "first_response_seconds", period
    )
    current.resolution_median_seconds, before.resolution_median_seconds = _medians(
        tickets.filter(_window(period, "solved_at")), "solved_at", "resolution_seconds", period
    )

    # Backlog at the end of each period: created before it and still open then (open now, or solved after it).
    backlog = tickets.filter(created_at__lt=period.end_at).filter(
        Q(status__in=Ticket.ACTIVE_STATUSES) | Q(solved_at__gte=previous.end_at)
    ).aggregate(
        current=Count("id", filter=Q(status__in=Ticket.ACTIVE_STATUSES) | Q(solved_at__gte=period.end_at)),
        previous=Count("id", filter=Q(created_at__lt=previous.end_at)),
    )
    current.backlog, before.backlog = backlog["current"], backlog["previous"]

    by_queue = (
        tickets.filter(status__in=Ticket.ACTIVE_STATUSES).values("queue")
        .annotate(**{status: Count("id", filter=Q(status=status)) for status in Ticket.ACTIVE_STATUSES})
        .order_by("queue")
    )
    found = {row["queue"]: row for row in by_queue}
    report.backlog_by_queue = [
        (label, *(found.get(value, {}).get(status, 0) for status in Ticket.ACTIVE_STATUSES))
        for value, label in Ticket.Queue.choices
    ]
    return report


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _reason_label(settings: QueueSettings, value: str) -> str:
    return settings.reason_label(value)


def arrivals_by_hour(*, program, period: Period) -> dict[tuple[int, int], int]:
    """Tickets created in the period per (weekday 0=Monday, hour) in the program's time zone."""
    zone = program.zone
    rows = (
        Ticket.objects.filter(program_id=program.pk, created_at__gte=period.start_at, created_at__lt=period.end_at)
        .annotate(weekday=ExtractIsoWeekDay("created_at", tzinfo=zone), hour=ExtractHour("created_at", tzinfo=zone))
        .values("weekday", "hour").annotate(n=Count("*")).order_by()
    )
    return {(row["weekday"] - 1, row["hour"]): row["n"] for row in rows}


def sla_attainment_per_day(report: TicketReport) -> list:
    """Percent of first responses within the SLA, per day of the period (None on a day without responses)."""
    result = []
    for day in report.days:
        responses, met = report.responses_per_day.get(day, (0, 0))
        result.append(percent(met, responses))
    return result
