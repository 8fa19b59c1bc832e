"""The numbers: QA averages (calibration excluded), CSAT and NPS arithmetic, evaluation prefill, leaderboard.

All set-based: a handful of aggregate queries whatever the number of rows.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from contracts.models import Contract
from core.metrics import median, percent, quantize, ratio
from payments.earnings import earnings_for
from payments.models import TimeEntry
from programs.models import Program
from queues.models import Ticket
from queues.selectors import freelancer_ticket_stats
from recruiting.selectors import trial_scores_for_freelancers
from reviews.models import CsatSurvey, NpsInvitation, Review, ThankYouNote


def period_bounds(
    program: Program, start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the program's time zone."""
    zone = program.zone
    return (
        datetime.datetime.combine(start, datetime.time(0), tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone),
    )


# --- QA ------------------------------------------------------------------------------------------------------


def qa_reviews(*, program_id: int, start: datetime.datetime, end: datetime.datetime):
    """QA reviews that count: never calibration scores."""
    return Review.objects.filter(
        program_id=program_id, calibration_session__isnull=True, submitted_at__gte=start, submitted_at__lt=end
    )


def qa_averages(
    *, program_id: int, start: datetime.datetime, end: datetime.datetime, freelancer_ids=None
) -> dict[int, dict]:
    """{freelancer id: {"average": Decimal (one decimal), "count": n, "passed": n}} of QA reviews in [start, end)."""
    qs = qa_reviews(program_id=program_id, start=start, end=end).filter(freelancer__isnull=False)
    if freelancer_ids is not None:
        qs = qs.filter(freelancer_id__in=list(freelancer_ids))
    rows = (
        qs.values("freelancer_id")
        .annotate(average=Avg("score"), count=Count("id"), passed=Count("id", filter=Q(passed=True)))
        .order_by()
    )
    return {
        r["freelancer_id"]: {"average": quantize(r["average"]), "count": r["count"], "passed": r["passed"]}
        for r in rows
    }


# --- CSAT ----------------------------------------------------------------------------------------------------


@dataclass
class CsatStats:
    good: int = 0
    bad: int = 0
    sent: int = 0

    @property
    def responses(self) -> int:
        return self.good + self.bad

    @property
    def percent(self) -> Decimal | None:
        """Share of good answers; None with no answers (never a division by zero)."""
        return percent(self.good, self.responses)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responses, self.sent)


def csat_stats(
    *, program_ids, start: datetime.datetime, end: datetime.datetime, by: str = "program"
) -> dict[int, CsatStats]:
    """CSAT of tickets solved in [start, end), grouped by program ('program') or freelancer ('freelancer')."""
    key = "program_id" if by == "program" else "freelancer_id"
    rows = (
        CsatSurvey.objects.filter(
            program_id__in=list(program_ids), ticket__solved_at__gte=start, ticket__solved_at__lt=end
        )
        .exclude(status=CsatSurvey.Status.SKIPPED)
        .values(key)
        .annotate(
            good=Count("id", filter=Q(rating=CsatSurvey.Rating.GOOD)),
            bad=Count("id", filter=Q(rating=CsatSurvey.Rating.BAD)),
            sent=Count("id"),
        )
        .order_by()
    )
    return {
        r[key]: CsatStats(good=r["good"], bad=r["bad"], sent=r["sent"]) for r in rows if r[key] is not None
    }


# --- NPS -----------------------------------------------------------------------------------------------------


@dataclass
class NpsStats:
    invited: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    week_start: datetime.date | None = None
    comments: list = field(default_factory=list)

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> Decimal | None:
        """% promoters (9–10) − % detractors (0–6), to one decimal; None ("no data") without responses."""
        return nps_value(promoters=self.promoters, detractors=self.detractors, responses=self.responses)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responses, self.invited)


def nps_value(*, promoters: int, detractors: int, responses: int) -> Decimal | None:
    return percent(promoters - detractors, responses)


def nps_weeks(*, program: Program, weeks: int = 8, today: datetime.date | None = None) -> list[NpsStats]:
    """The last `weeks` rounds of a program, newest first, each with its counts and response rate (2 queries)."""
    rounds = list(program.nps_rounds.order_by("-week_start")[:weeks])
    ids = [r.pk for r in rounds]
    counts = {
        r["round_id"]: r
        for r in NpsInvitation.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(
            invited=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            passives=Count("id", filter=Q(score__in=[7, 8])),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by()
    }
    result = []
    for nps_round in rounds:
        row = counts.get(nps_round.pk, {})
        result.append(
            NpsStats(
                week_start=nps_round.week_start,
                invited=row.get("invited", 0),
                promoters=row.get("promoters", 0),
                passives=row.get("passives", 0),
                detractors=row.get("detractors", 0),
            )
        )
    return result


# --- evaluations and the leaderboard ---------------------------------------------------------------------------


def evaluation_metrics(
    *, program: Program, freelancer_id: int, start_date: datetime.date, end_date: datetime.date
) -> dict:
    """The numbers an evaluation is prefilled with, as strings (stored as a JSON snapshot)."""
    start, end = period_bounds(program, start_date, end_date)
    qa = qa_averages(program_id=program.pk, start=start, end=end, freelancer_ids=[freelancer_id]).get(
        freelancer_id, {}
    )
    csat = csat_stats(program_ids=[program.pk], start=start, end=end, by="freelancer").get(
        freelancer_id, CsatStats()
    )
    tickets = freelancer_ticket_stats(
        program_id=program.pk, start=start, end=end, freelancer_ids=[freelancer_id]
    )
    stats = tickets.get(freelancer_id)
    resolution = median(
        Ticket.objects.filter(
            program=program, assignee_id=freelancer_id, solved_at__gte=start, solved_at__lt=end
        ).values_list("resolution_seconds", flat=True)
    )
    entries = TimeEntry.objects.filter(
        program=program,
        freelancer_id=freelancer_id,
        date__gte=start_date,
        date__lte=end_date,
        status__in=[TimeEntry.Status.SUBMITTED, TimeEntry.Status.APPROVED],
    )
    earning = earnings_for(entries).get((freelancer_id, program.pk))
    cent = Decimal("0.01")
    hours = Decimal(str(earning.hours if earning else 0)).quantize(cent)
    cost = Decimal(str(earning.amount if earning else 0)).quantize(cent, rounding=ROUND_HALF_UP)
    solved = stats.solved if stats else 0
    contract = (
        Contract.objects.filter(program=program, freelancer_id=freelancer_id)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .order_by("-start_date")
        .first()
    )
    trial = trial_scores_for_freelancers(program_id=program.pk, freelancer_ids=[freelancer_id]).get(
        freelancer_id
    )

    def text(value):
        return None if value is None else str(value)

    return {
        "qa_average": text(qa.get("average")),
        "qa_reviews": qa.get("count", 0),
        "csat_percent": text(csat.percent),
        "csat_responses": csat.responses,
        "tickets_solved": solved,
        "first_response_median_minutes": text(quantize(stats.first_response_median_seconds / 60))
        if stats and stats.first_response_median_seconds is not None
        else None,
        "resolution_median_hours": text(quantize(resolution / 3600)) if resolution is not None else None,
        "sla_attainment": text(stats.sla_attainment) if stats else None,
        "escalation_rate": text(stats.escalation_rate) if stats else None,
        "hours_worked": text(hours),
        "cost": text(cost),
        "cost_per_ticket": text(ratio(cost, solved)),
        "currency": earning.currency if earning else (contract.currency if contract else program.currency),
        "trial_score": text(trial),
    }


METRIC_LABELS = [
    ("qa_average", "QA average (0–100)"),
    ("qa_reviews", "QA reviews"),
    ("csat_percent", "CSAT (% good)"),
    ("csat_responses", "CSAT answers"),
    ("tickets_solved", "Tickets solved"),
    ("first_response_median_minutes", "First response, median (min)"),
    ("resolution_median_hours", "Resolution, median (h)"),
    ("sla_attainment", "SLA attainment (%)"),
    ("escalation_rate", "Escalation rate (%)"),
    ("hours_worked", "Hours worked"),
    ("cost_per_ticket", "Cost per ticket"),
    ("trial_score", "Trial task score (at hiring)"),
]


@dataclass
class LeaderboardRow:
    freelancer: object
    qa_average: Decimal | None
    qa_reviews: int
    csat: CsatStats
    solved: int
    sla_attainment: Decimal | None
    thanks: int
    rank: int = 0


def leaderboard(
    *, program: Program, start_date: datetime.date, end_date: datetime.date, min_reviews: int = 1
) -> list[LeaderboardRow]:
    """High performers of the program for the period: QA average first, then CSAT, then tickets solved.
    Freelancers with fewer than `min_reviews` QA reviews are listed after those ranked."""
    from accounts.models import Freelancer

    start, end = period_bounds(program, start_date, end_date)
    ids = set(
        Contract.objects.filter(program=program)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .values_list("freelancer_id", flat=True)
    )
    qa = qa_averages(program_id=program.pk, start=start, end=end)
    csat = csat_stats(program_ids=[program.pk], start=start, end=end, by="freelancer")
    tickets = freelancer_ticket_stats(program_id=program.pk, start=start, end=end)
    ids |= set(qa) | set(csat) | {fid for fid, s in tickets.items() if s.solved}
    thanks = dict(
        ThankYouNote.objects.filter(program=program, created_at__gte=start, created_at__lt=end)
        .values("freelancer_id")
        .annotate(n=Count("id"))
        .values_list("freelancer_id", "n")
        .order_by()
    )
    freelancers = {f.pk: f for f in Freelancer.objects.filter(pk__in=ids).select_related("user")}
    rows = []
    for fid, freelancer in freelancers.items():
        stats = tickets.get(fid)
        q = qa.get(fid, {})
        rows.append(
            LeaderboardRow(
                freelancer=freelancer,
                qa_average=q.get("average"),
                qa_reviews=q.get("count", 0),
                csat=csat.get(fid, CsatStats()),
                solved=stats.solved if stats else 0,
                sla_attainment=stats.sla_attainment if stats else None,
                thanks=thanks.get(fid, 0),
            )
        )

    def key(row: LeaderboardRow):
        ranked = row.qa_reviews >= min_reviews and row.qa_average is not None
        return (
            not ranked,
            -(row.qa_average or 0),
            -(row.csat.percent or 0),
            -row.solved,
            row.freelancer.legal_name,
        )

    rows.sort(key=key)
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.qa_reviews >= min_reviews and row.qa_average is not None else 0
    return rows
