"""Facts per program-local day: read from the daily rollups where they are complete, live otherwise.

The live queries here are the dashboard's own (one pass per timestamp column, grouped by local day), limited
to the days asked for; dashboard.services.dashboard_rollups_refresh stores exactly what live_day_facts returns.

A rollup row stands in for the live numbers of its day only when it was refreshed after the day ended
(refreshed_at >= the next local midnight). Every other day of the range (today, a day never refreshed, a row
written while the day was still running) is read live, in one window from the first to the last such day, so a
missing rollup never gives a wrong number. Late changes to a finished day (a CSAT answer, a time entry submitted
days later) reach the rollups at their next refresh (dashboard/schedules.py); the page says "figures up to".

What is read for a finished day is one DailyRollup row of counts (a few integers, the 24 arrivals, the
escalation reasons): never a row per ticket, per time entry or per value. The medians (dashboard.selectors.
medians) and the pay (dashboard.selectors.work) sum their own rollup tables in SQL; for the live days the facts
carry the priced hours.

settings.DASHBOARD_ROLLUPS = False turns the rollups off (everything live), e.g. to compare.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from dashboard.models import DailyRollup
from payments.earnings import PricedDay
from payments.selectors import counted_work
from queues.selectors import TICKET_ACTIVE_STATUSES, tickets_of_program
from reviews.selectors import CSAT_COUNTS, csat_answered, qa_reviews_submitted

# What a caller may ask for. SOLVED: only the solves (the cost page); WORK: the priced hours of the live days;
# BACKLOG: the tickets open at each day's end (the refresh stores it; a page reads it from the rollups only).
TICKETS, CSAT, QA, MEDIANS, SOLVED, WORK = "tickets", "csat", "qa", "medians", "solved", "work"
BACKLOG = "backlog"
ALL_PARTS = frozenset({TICKETS, CSAT, QA, MEDIANS, WORK})
REFRESH_PARTS = ALL_PARTS | {BACKLOG}
Q_MET = Q(first_response_met=True)
PART_COLUMNS = {  # the DailyRollup columns each part reads
    TICKETS: [
        "tickets_in",
        "arrivals",
        "solved",
        "solved_by_freelancers",
        "responses",
        "responses_met",
        "escalated",
        "escalation_reasons",
        "backlog",
    ],
    CSAT: ["csat_answers", "csat_satisfied"],
    QA: ["qa_reviews", "qa_score_sum"],
    MEDIANS: [],  # in DurationBucket / DurationCount (dashboard.selectors.medians)
    SOLVED: ["solved", "solved_by_freelancers"],
    WORK: [],  # in WorkRollup (dashboard.selectors.work)
    BACKLOG: ["backlog"],
}
INT_COLUMNS = (
    "tickets_in",
    "solved",
    "solved_by_freelancers",
    "responses",
    "responses_met",
    "escalated",
    "csat_answers",
    "csat_satisfied",
    "qa_reviews",
)


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
    qa_reviews: int = 0
    qa_score_sum: Decimal = Decimal("0")
    backlog: int | None = None  # open at the day's end; None: not known (a live day)
    # Read live by the rollup refresh only (a rollup keeps them in tables of their own):
    first_response_seconds: dict = field(default_factory=dict)  # seconds -> first responses (histogram)
    resolution_seconds: dict = field(default_factory=dict)  # seconds -> solves (histogram)
    work: list[PricedDay] = field(default_factory=list)  # the day's counted hours, priced (payments.earnings)

    def as_row(self) -> dict:
        """The DailyRollup fields."""
        return {
            **{name: getattr(self, name) for name in INT_COLUMNS},
            "arrivals": list(self.arrivals),
            "escalation_reasons": dict(self.escalation_reasons),
            "qa_score_sum": self.qa_score_sum,
            "backlog": self.backlog or 0,
        }

    def add(self, other: "DayFacts") -> None:
        """Add the counts of another part of the same day (today's rollup row and what came after it)."""
        for name in INT_COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.arrivals = [a + b for a, b in zip(self.arrivals, other.arrivals, strict=True)]
        for reason, n in other.escalation_reasons.items():
            self.escalation_reasons[reason] = self.escalation_reasons.get(reason, 0) + n
        self.qa_score_sum += other.qa_score_sum
        self.work = other.work  # the hours of a day are always read whole (time entries carry no time of day)

    @classmethod
    def from_row(cls, row: dict) -> "DayFacts":
        """From DailyRollup values (the columns of the parts read; the others stay empty)."""
        facts = cls(**{name: row[name] for name in INT_COLUMNS if name in row})
        if "arrivals" in row:
            facts.arrivals = list(row["arrivals"] or [0] * 24)
        if "escalation_reasons" in row:
            facts.escalation_reasons = dict(row["escalation_reasons"] or {})
        if "qa_score_sum" in row:
            facts.qa_score_sum = row["qa_score_sum"]
        if "backlog" in row:
            facts.backlog = row["backlog"]
        return facts


@dataclass
class Facts:
    """DayFacts of the days that have any (a day missing here had none), and which days the rollups covered."""

    days: dict  # date -> DayFacts
    first_day: datetime.date
    last_day: datetime.date
    up_to: datetime.datetime | None = None  # oldest refresh of the rollup rows used; None when all live
    live: list[datetime.date] = field(default_factory=list)  # the days read live (in order)
    parts: frozenset = ALL_PARTS
    # today, when its rollup row (written by the job while the day runs) covers it up to that instant and the
    # rest is read live: {day: the row's refreshed_at}
    partial: dict = field(default_factory=dict)

    def live_windows(self, zone) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The instants read live, as [start, end) windows: runs of live days, and the end of a partial day."""
        windows: list[tuple[datetime.datetime, datetime.datetime]] = []
        for day in self.live:
            start, end = midnight(day, zone), midnight(day + datetime.timedelta(days=1), zone)
            if windows and windows[-1][1] == start:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
        for day, since in sorted(self.partial.items()):
            windows.append((since, midnight(day + datetime.timedelta(days=1), zone)))
        return windows

    @property
    def whole_days_live(self) -> list[datetime.date]:
        """The days whose hours are read live: the live days and the partial one."""
        return sorted([*self.live, *self.partial])

    @property
    def live_days(self) -> int:
        return len(self.live)

    @property
    def covered(self) -> bool:
        """Some day came from the rollups."""
        return len(self.live) < (self.last_day - self.first_day).days + 1

    @property
    def has_medians(self) -> bool:
        """The medians can come from the duration rollups plus the live days' histograms."""
        return MEDIANS in self.parts and self.covered


def midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def rollups_enabled() -> bool:
    return getattr(settings, "DASHBOARD_ROLLUPS", True)


def is_complete(day: datetime.date, refreshed_at: datetime.datetime, zone) -> bool:
    """A rollup row stands for its day once it was written after the day ended."""
    return refreshed_at >= midnight(day + datetime.timedelta(days=1), zone)


def _usable(row: dict, zone, now: datetime.datetime | None) -> dict | None:
    """The row as a reader may use it: complete (is_complete), today's written while the day runs (with `now`;
    marked "partial": it counts up to its refreshed_at), or None (written while a past day was still running)."""
    if is_complete(row["day"], row["refreshed_at"], zone):
        return row
    if now is not None and is_partial_today(row["day"], row["refreshed_at"], zone, now):
        return {**row, "partial": True}
    return None


@dataclass
class DaySplit:
    """Which days of a range come from the rollups and which are read live (day_split): the one rule that
    day_facts, the manager's home and the hours (dashboard.selectors.work) apply."""

    first_day: datetime.date
    last_day: datetime.date
    rolled: dict  # day -> its complete row: the row stands for the day
    live: list[datetime.date] = field(default_factory=list)  # read live, whole (in order)
    # today -> its row, which counts up to row["refreshed_at"]; the rest of today is read live
    partial: dict = field(default_factory=dict)

    @property
    def whole_days_live(self) -> list[datetime.date]:
        """The days whose hours are read live: the live days and the partial one (time entries have no time)."""
        return sorted([*self.live, *self.partial])

    def one_live_window(self, zone) -> tuple[list[dict], datetime.datetime | None]:
        """For a reader with one live window per program: (the rows to add, the first instant read live, None
        when nothing is). From that instant to the end of the range everything is read live, so the rows are the
        rolled days before it (a rolled day after a live one is read live instead: the same numbers) and the
        partial row, which ends at it."""
        if self.live:
            first = self.live[0]
            return [row for day, row in sorted(self.rolled.items()) if day < first], midnight(first, zone)
        rows = [row for _, row in sorted(self.rolled.items())]
        if self.partial:
            (row,) = self.partial.values()
            return [*rows, row], row["refreshed_at"]
        return rows, None


def day_split(
    *, first_day: datetime.date, last_day: datetime.date, rows: dict[datetime.date, dict]
) -> DaySplit:
    """Split [first_day, last_day] by the usable rollup rows found (`rows`: {day: row} as complete_rows gives
    them, today's marked "partial"). A day with a complete row comes from it. Today's row stands for today up to
    its refresh, the rest of today read live, when today is the only day without a complete row (so the live
    queries read minutes of tickets, not a day's); otherwise every day without a complete row is read live
    (and today's row is not used)."""
    split = DaySplit(first_day=first_day, last_day=last_day, rolled={})
    partial = {}
    day = first_day
    while day <= last_day:
        row = rows.get(day)
        if row is None:
            split.live.append(day)
        elif row.get("partial"):
            partial[day] = row
            split.live.append(day)
        else:
            split.rolled[day] = row
        day += datetime.timedelta(days=1)
    if partial and split.live == sorted(partial):
        split.partial, split.live = partial, []
    return split


def complete_rows(
    *,
    programs,
    windows: dict[int, tuple[datetime.date, datetime.date]],
    columns: tuple[str, ...] = (),
    now: datetime.datetime | None = None,
) -> dict[int, dict[datetime.date, dict]]:
    """{program_id: {day: {column: value}}} of the days of each program's (first, last) window whose DailyRollup
    row is complete (is_complete: the rule day_facts applies), for reports over several programs or without
    day_facts. With `now`, also today's row written while the day runs (is_partial_today), marked "partial":
    it counts up to its refreshed_at. One query (none with the rollups off: then every day is read live)."""
    found: dict[int, dict[datetime.date, dict]] = {pk: {} for pk in windows}
    if not windows or not rollups_enabled():
        return found
    zones = {program.pk: program.zone for program in programs}
    condition = Q(pk__in=[])
    for program_id, (first_day, last_day) in windows.items():
        condition |= Q(program_id=program_id, day__gte=first_day, day__lte=last_day)
    for row in (
        DailyRollup.objects.filter(condition).order_by().values("program_id", "day", "refreshed_at", *columns)
    ):
        usable = _usable(row, zones[row["program_id"]], now)
        if usable is not None:
            found[row["program_id"]][row["day"]] = usable
    return found


def live_day_facts(
    *,
    program,
    first_day: datetime.date,
    last_day: datetime.date,
    parts=ALL_PARTS,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> dict[datetime.date, DayFacts]:
    """{local day: DayFacts} over [first_day, last_day] from the live tables: up to nine grouped queries
    (tickets: created, solved, first responses, escalations, the two histograms; CSAT; QA; the hours).

    since / until narrow the instants read to [since, until) inside those days (today's rollup row covers up to
    its refresh, the page reads from there on); the hours are always those of the whole days (a time entry has
    a date, no time)."""
    zone = program.zone
    start_at = since or midnight(first_day, zone)
    end_at = until or midnight(last_day + datetime.timedelta(days=1), zone)
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
        # Escalations by freelancers: COUNT(escalated_by) rather than a WHERE on it, which PostgreSQL answered by
        # AND-ing the (program, escalated_at) range with the index of every escalated ticket ever.
        for row in (
            window("escalated_at")
            .annotate(day=TruncDate("escalated_at", tzinfo=zone))
            .values("day", "escalation_reason")
            .annotate(n=Count("escalated_by"))
            .order_by()
        ):
            if not row["n"]:
                continue
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
    if QA in parts:
        for row in (
            qa_reviews_submitted(program_ids=[program.pk], start=start_at, end=end_at)
            .annotate(day=TruncDate("submitted_at", tzinfo=zone))
            .values("day")
            .annotate(n=Count("id"), total=Sum("score"))
        ):
            facts = on(row["day"])
            facts.qa_reviews += row["n"]
            facts.qa_score_sum += row["total"] or 0
    if BACKLOG in parts:
        _backlog_per_day(days=days, on=on, tickets=tickets, first_day=first_day, last_day=last_day, zone=zone)
    if WORK in parts:
        # The pay rule's own query (payments.selectors.counted_work): each day's hours per contract, pay period
        # and rate range, with the rate, ready to be priced line by line.
        for priced in counted_work(windows={program.pk: (first_day, last_day)}).priced_days():
            on(priced.day.date).work.append(priced)
    return days


def _backlog_per_day(*, days, on, tickets, first_day, last_day, zone) -> None:
    """The tickets open at the end of each day, as dashboard.selectors.tickets' backlog query counts them now:
    open now and created by the day's end, or not open now but solved after it (and created by then). Two
    grouped queries (the open tickets by the day they came in; the others solved after the first day's end by
    the days they came in and were solved), added up per day in Python (at most a row per pair of days)."""
    active = Q(status__in=TICKET_ACTIVE_STATUSES)
    open_by_day = (
        tickets.filter(active)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("*"))
        .order_by()
    )
    opened = sorted((row["day"], row["n"]) for row in open_by_day)
    solved_later = (
        tickets.exclude(active)
        .filter(solved_at__gte=midnight(first_day + datetime.timedelta(days=1), zone))
        .annotate(
            created_day=TruncDate("created_at", tzinfo=zone), solved_day=TruncDate("solved_at", tzinfo=zone)
        )
        .values("created_day", "solved_day")
        .annotate(n=Count("*"))
        .order_by()
    )
    spans = [(row["created_day"], row["solved_day"], row["n"]) for row in solved_later]
    day, position, open_so_far = first_day, 0, 0
    while day <= last_day:
        while position < len(opened) and opened[position][0] <= day:
            open_so_far += opened[position][1]
            position += 1
        on(day).backlog = open_so_far + sum(n for created, solved, n in spans if created <= day < solved)
        day += datetime.timedelta(days=1)


def is_partial_today(
    day: datetime.date, refreshed_at: datetime.datetime, zone, now: datetime.datetime
) -> bool:
    """Today's row, written by the job while the day runs: it counts up to refreshed_at."""
    return day == now.astimezone(zone).date() and midnight(day, zone) <= refreshed_at <= now


def day_facts(*, program, first_day: datetime.date, last_day: datetime.date, parts=ALL_PARTS) -> Facts:
    """DayFacts of [first_day, last_day]: rollup rows (one query) plus live queries for the rest.

    A finished day's complete row stands for the day. Today's row (the job writes one as the day runs) stands
    for the day up to its refresh, and the rest of today is read live, so the live queries read minutes of
    tickets, not a whole day; the hours of today are read whole. When another day of the range has no complete
    row, the days without one are read live, in one window from the first to the last (today's row is then not
    used). Which days are which: day_split."""
    zone = program.zone
    now = timezone.now()
    parts = frozenset(parts)
    result = Facts(days={}, first_day=first_day, last_day=last_day, parts=parts)
    rows: dict[datetime.date, dict] = {}
    if rollups_enabled():
        columns = list(
            dict.fromkeys(["day", "refreshed_at"] + [c for part in parts for c in PART_COLUMNS[part]])
        )
        for row in (
            DailyRollup.objects.filter(program_id=program.pk, day__gte=first_day, day__lte=last_day)
            .order_by()
            .values(*columns)
        ):
            usable = _usable(row, zone, now)
            if usable is not None:
                rows[row["day"]] = usable
    split = day_split(first_day=first_day, last_day=last_day, rows=rows)
    for day, row in split.rolled.items():
        result.days[day] = DayFacts.from_row(row)
    stamps = [row["refreshed_at"] for row in (*split.rolled.values(), *split.partial.values())]
    result.partial = {day: row["refreshed_at"] for day, row in split.partial.items()}
    partial = {day: (row["refreshed_at"], DayFacts.from_row(row)) for day, row in split.partial.items()}
    result.up_to = min(stamps, default=None)
    result.live = split.live
    live_parts = parts - {MEDIANS}  # the medians read the live days' tickets themselves (selectors.medians)
    if result.live:
        live = live_day_facts(
            program=program, first_day=result.live[0], last_day=result.live[-1], parts=live_parts
        )
        for day in result.live:
            if day in live:
                result.days[day] = live[day]
    for day, (since, stored) in partial.items():
        later = live_day_facts(program=program, first_day=day, last_day=day, parts=live_parts, since=since)
        if day in later:
            stored.add(later[day])
        result.days[day] = stored
    return result
