"""Additive facts per program-local day: read from the daily rollups where they are complete, live otherwise.

The live queries here are the dashboard's own (one pass per timestamp column, grouped by local day), limited
to the days asked for; dashboard.services.dashboard_rollups_refresh stores exactly what live_day_facts returns.

A rollup row stands in for the live numbers of its day only when it was refreshed after the day ended
(refreshed_at >= the next local midnight). Every other day of the range (today, a day never refreshed, a row
written while the day was still running) is read live, in one window from the first to the last such day, so a
missing rollup never gives a wrong number. Late changes to a finished day (a CSAT answer, a time entry submitted
days later) reach the rollups at their next refresh (dashboard/schedules.py); the page says "figures up to".

settings.DASHBOARD_ROLLUPS = False turns the rollups off (everything live), e.g. to compare.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncHour

from dashboard.metrics import to_decimal
from dashboard.models import DailyRollup
from dashboard.selectors._pay import pay_rows
from queues.selectors import tickets_of_program
from reviews.selectors import CSAT_COUNTS, csat_answered

TICKETS, CSAT, PAY, MEDIANS, SOLVED = "tickets", "csat", "pay", "medians", "solved"  # SOLVED: only the solves
ALL_PARTS = frozenset({TICKETS, CSAT, PAY, MEDIANS})
Q_MET = Q(first_response_met=True)
PART_COLUMNS = {  # the DailyRollup columns each part reads (the histograms are the big ones)
    TICKETS: [
        "tickets_in",
        "arrivals",
        "solved",
        "solved_by_freelancers",
        "responses",
        "responses_met",
        "escalated",
        "escalation_reasons",
    ],
    CSAT: ["csat_answers", "csat_satisfied"],
    PAY: ["pay"],
    MEDIANS: ["first_response_seconds", "resolution_seconds"],
    SOLVED: ["solved", "solved_by_freelancers"],
}


@dataclass
class DayFacts:
    tickets_in: int = 0
    arrivals: list = field(default_factory=lambda: [0] * 24)  # tickets in per local hour
    solved: int = 0
    solved_by_freelancers: int = 0
    responses: int = 0
    responses_met: int = 0
    escalated: int = 0
    escalation_reasons: dict = field(default_factory=dict)  # reason value -> escalations
    csat_answers: int = 0
    csat_satisfied: int = 0
    pay: dict = field(default_factory=dict)  # currency -> [hours, pay] (Decimals, pay not rounded)
    first_response_seconds: dict = field(default_factory=dict)  # seconds -> first responses (histogram)
    resolution_seconds: dict = field(default_factory=dict)  # seconds -> solves (histogram)

    def as_row(self) -> dict:
        """The DailyRollup fields (money as exact decimal strings in JSON)."""
        return {
            "tickets_in": self.tickets_in,
            "arrivals": list(self.arrivals),
            "solved": self.solved,
            "solved_by_freelancers": self.solved_by_freelancers,
            "responses": self.responses,
            "responses_met": self.responses_met,
            "escalated": self.escalated,
            "escalation_reasons": dict(self.escalation_reasons),
            "csat_answers": self.csat_answers,
            "csat_satisfied": self.csat_satisfied,
            "pay": {currency: [str(hours), str(pay)] for currency, (hours, pay) in self.pay.items()},
            "first_response_seconds": {str(k): v for k, v in self.first_response_seconds.items()},
            "resolution_seconds": {str(k): v for k, v in self.resolution_seconds.items()},
        }

    @classmethod
    def from_row(cls, row: dict) -> "DayFacts":
        """From DailyRollup values (the columns of the parts read; the others stay empty)."""
        facts = cls(**{name: row[name] for name in INT_COLUMNS if name in row})
        if "arrivals" in row:
            facts.arrivals = list(row["arrivals"] or [0] * 24)
        if "escalation_reasons" in row:
            facts.escalation_reasons = dict(row["escalation_reasons"] or {})
        if "pay" in row:
            facts.pay = {
                currency: [Decimal(hours), Decimal(pay)]
                for currency, (hours, pay) in (row["pay"] or {}).items()
            }
        for histogram in ("first_response_seconds", "resolution_seconds"):
            if histogram in row:
                setattr(facts, histogram, {int(k): v for k, v in (row[histogram] or {}).items()})
        return facts


INT_COLUMNS = (
    "tickets_in",
    "solved",
    "solved_by_freelancers",
    "responses",
    "responses_met",
    "escalated",
    "csat_answers",
    "csat_satisfied",
)


@dataclass
class Facts:
    """DayFacts of the days that have any (a day missing here had none), and how fresh the rollup part is."""

    days: dict  # date -> DayFacts
    up_to: datetime.datetime | None = None  # oldest refresh of the rollup rows used; None when all live
    live_days: int = 0
    has_medians: bool = False  # the days carry the first-response and resolution histograms


def midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def rollups_enabled() -> bool:
    return getattr(settings, "DASHBOARD_ROLLUPS", True)


def live_day_facts(
    *, program, first_day: datetime.date, last_day: datetime.date, parts=ALL_PARTS
) -> dict[datetime.date, DayFacts]:
    """{local day: DayFacts} over [first_day, last_day] from the live tables: up to six grouped queries
    (tickets: created, solved, first responses, escalations; CSAT; pay)."""
    zone = program.zone
    start_at, end_at = midnight(first_day, zone), midnight(last_day + datetime.timedelta(days=1), zone)
    days: dict[datetime.date, DayFacts] = {}

    def on(day) -> DayFacts:
        if isinstance(day, datetime.datetime):
            day = day.date()
        return days.setdefault(day, DayFacts())

    tickets = tickets_of_program(program_id=program.pk)

    def window(name):
        return tickets.filter(**{f"{name}__gte": start_at, f"{name}__lt": end_at})

    if TICKETS in parts or SOLVED in parts:
        for row in (
            window("solved_at")
            .annotate(day=TruncDate("solved_at", tzinfo=zone))
            .values("day")
            .annotate(n=Count("*"), by_freelancers=Count("assignee"))
            .order_by()
        ):
            facts = on(row["day"])
            facts.solved += row["n"]
            facts.solved_by_freelancers += row["by_freelancers"]
    if TICKETS in parts:
        # One time-zone conversion per row: group by the local hour, take its day and hour in Python.
        for row in (
            window("created_at")
            .annotate(local_hour=TruncHour("created_at", tzinfo=zone))
            .values("local_hour")
            .annotate(n=Count("*"))
            .order_by()
        ):
            facts = on(row["local_hour"])
            facts.tickets_in += row["n"]
            facts.arrivals[row["local_hour"].hour] += row["n"]
        for row in (
            window("first_response_at")
            .filter(first_response_met__isnull=False)
            .annotate(day=TruncDate("first_response_at", tzinfo=zone))
            .values("day")
            .annotate(n=Count("*"), met=Count("first_response_at", filter=Q_MET))
            .order_by()
        ):
            facts = on(row["day"])
            facts.responses += row["n"]
            facts.responses_met += row["met"]
        for row in (
            window("escalated_at")
            .filter(escalated_by__isnull=False)
            .annotate(day=TruncDate("escalated_at", tzinfo=zone))
            .values("day", "escalation_reason")
            .annotate(n=Count("*"))
            .order_by()
        ):
            facts = on(row["day"])
            facts.escalated += row["n"]
            reason = row["escalation_reason"] or "other"
            facts.escalation_reasons[reason] = facts.escalation_reasons.get(reason, 0) + row["n"]
    if MEDIANS in parts:
        for name, histogram in (
            ("first_response", "first_response_seconds"),
            ("solved", "resolution_seconds"),
        ):
            stamp = f"{name}_at"
            for row in (
                window(stamp)
                .filter(**{f"{histogram}__isnull": False})
                .annotate(day=TruncDate(stamp, tzinfo=zone))
                .values("day", histogram)
                .annotate(n=Count("*"))
                .order_by()
            ):
                counts = getattr(on(row["day"]), histogram)
                counts[row[histogram]] = counts.get(row[histogram], 0) + row["n"]
    if CSAT in parts:
        for row in (
            csat_answered(program_ids=[program.pk], start=start_at, end=end_at)
            .annotate(day=TruncDate("ticket__solved_at", tzinfo=zone))
            .values("day")
            .annotate(**CSAT_COUNTS)
        ):
            facts = on(row["day"])
            facts.csat_answers += row["answers"]
            facts.csat_satisfied += row["satisfied"]
    if PAY in parts:
        for day, currency, hours, pay in pay_rows(windows={program.pk: (first_day, last_day)}, group="date"):
            entry = on(day).pay.setdefault(currency, [Decimal("0"), Decimal("0")])
            entry[0] += to_decimal(hours)
            entry[1] += to_decimal(pay)
    return days


def day_facts(*, program, first_day: datetime.date, last_day: datetime.date, parts=ALL_PARTS) -> Facts:
    """DayFacts of [first_day, last_day]: complete rollup rows (one query) plus live queries for the other days."""
    zone = program.zone
    result = Facts(days={})
    covered: set[datetime.date] = set()
    if rollups_enabled():
        columns = list(
            dict.fromkeys(["day", "refreshed_at"] + [c for part in parts for c in PART_COLUMNS[part]])
        )
        rows = (
            DailyRollup.objects.filter(program_id=program.pk, day__gte=first_day, day__lte=last_day)
            .order_by()
            .values(*columns)
        )
        for row in rows:
            if row["refreshed_at"] < midnight(row["day"] + datetime.timedelta(days=1), zone):
                continue  # written while the day was still running: not complete
            covered.add(row["day"])
            result.days[row["day"]] = DayFacts.from_row(row)
            if result.up_to is None or row["refreshed_at"] < result.up_to:
                result.up_to = row["refreshed_at"]
    missing = [first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    missing = [day for day in missing if day not in covered]
    result.live_days = len(missing)
    if not covered:
        parts = set(parts) - {
            MEDIANS
        }  # all live: the callers compute the medians in SQL (see Facts.has_medians)
    result.has_medians = MEDIANS in parts
    if missing:
        live = live_day_facts(program=program, first_day=missing[0], last_day=missing[-1], parts=parts)
        for day in missing:
            if day in live:
                result.days[day] = live[day]
    return result


def histogram_median(histogram: dict, *, exact_float: bool):
    """The median of the values counted in {value: count}, as PostgreSQL's PERCENTILE_CONT(0.5) computes it
    (exact_float: the same float interpolation of the two middle values, a float as the database returns it) or
    as median_of()'s fallback does elsewhere
    (the Decimal mean of the middle value(s)). None when there are no values."""
    total = sum(histogram.values())
    if not total:
        return None
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    if exact_float:
        return float(low) + (float(high) - float(low)) * (0.5 * (total - 1) - low_rank)
    return sum(to_decimal(v) for v in {low_rank: low, high_rank: high}.values()) / (
        1 if low_rank == high_rank else 2
    )


def medians_from_facts(facts: Facts, first_day: datetime.date, histogram: str, *, exact_float: bool) -> tuple:
    """(median of the days from first_day on, median of the days before it) of one histogram of the facts."""
    current: dict = {}
    previous: dict = {}
    for day, day_facts_ in facts.days.items():
        target = current if day >= first_day else previous
        for value, n in getattr(day_facts_, histogram).items():
            target[value] = target.get(value, 0) + n
    return (
        histogram_median(current, exact_float=exact_float),
        histogram_median(previous, exact_float=exact_float),
    )
