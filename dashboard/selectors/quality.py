"""Quality numbers (QA reviews, CSAT, NPS) from the reviews app, with reviews' own definitions. Read only.

- QA average: mean score (0–100) of QA reviews submitted in the period; calibration reviews never count.
- CSAT: good answers / all answers, for surveys of tickets solved in the period (skipped surveys left out).
- NPS: % promoters (9–10) − % detractors (0–6) of the answers to the weekly rounds whose week starts
  in the period (the round's week is its bucket on the weekly chart).
Every function is a fixed number of grouped queries.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from dashboard.metrics import nps, percent, quantize
from dashboard.periods import Period
from dashboard.selectors._sql import week_start
from dashboard.selectors.daily import CSAT, QA, Facts, day_facts
from reviews.selectors import (
    CSAT_COUNTS,
    csat_answered,
    csat_answered_in_windows,
    evaluation_list_for_freelancer,
    evaluation_list_for_manager,
    nps_answers_of_weeks,
    qa_reviews_submitted,
    review_list_for_freelancer,
    review_list_for_manager,
)


@dataclass
class QualityTotals:
    qa_count: int = 0
    qa_sum: object = None
    csat_answers: int = 0
    csat_satisfied: int = 0
    nps_promoters: int = 0
    nps_passives: int = 0
    nps_detractors: int = 0

    @property
    def qa_average(self):
        if not self.qa_count or self.qa_sum is None:
            return None
        return quantize(self.qa_sum / self.qa_count)

    @property
    def csat(self):
        return percent(self.csat_satisfied, self.csat_answers)

    @property
    def nps_answers(self) -> int:
        return self.nps_promoters + self.nps_passives + self.nps_detractors

    @property
    def nps(self):
        return nps(self.nps_promoters, self.nps_passives, self.nps_detractors)


@dataclass
class QualityReport:
    current: QualityTotals
    previous: QualityTotals
    weekly: dict = field(default_factory=dict)  # monday -> QualityTotals


def _qa(program_ids, start, end):
    return qa_reviews_submitted(program_ids=program_ids, start=start, end=end)


def _nps(program_ids, first_day, last_day):
    return nps_answers_of_weeks(program_ids=program_ids, first_day=first_day, last_day=last_day)


def _csat(program_ids, start, end):
    return csat_answered(program_ids=program_ids, start=start, end=end)


NPS_COUNTS = {
    "promoters": Count("id", filter=Q(score__gte=9)),
    "passives": Count("id", filter=Q(score__in=[7, 8])),
    "detractors": Count("id", filter=Q(score__lte=6)),
}


def _add_qa(totals: QualityTotals, count, total):
    totals.qa_count += count
    totals.qa_sum = (totals.qa_sum or 0) + (total or 0)


def quality_report(*, program, period: Period, facts: Facts | None = None) -> QualityReport:
    """Period and previous-period totals, and the period's weekly buckets. The QA and CSAT counts per day come from
    `facts` (day_facts over both periods: rollups of finished days, live for the rest); one query for NPS."""
    previous = period.previous()
    report = QualityReport(current=QualityTotals(), previous=QualityTotals())

    def bucket(day: datetime.date) -> QualityTotals:
        if day < period.first_day:
            return report.previous
        return report.current

    def week(day: datetime.date) -> QualityTotals:
        return report.weekly.setdefault(week_start(day), QualityTotals())

    ids = [program.pk]
    if facts is None:
        facts = day_facts(
            program=program, first_day=previous.first_day, last_day=period.last_day, parts={CSAT, QA}
        )
    for day in sorted(facts.days):
        day_facts_ = facts.days[day]
        in_period = [bucket(day)] + ([week(day)] if day >= period.first_day else [])
        if day_facts_.qa_reviews:
            for totals in in_period:
                _add_qa(totals, day_facts_.qa_reviews, day_facts_.qa_score_sum)
        if day_facts_.csat_answers:
            for totals in in_period:
                totals.csat_answers += day_facts_.csat_answers
                totals.csat_satisfied += day_facts_.csat_satisfied
    for row in (
        _nps(ids, previous.first_day, period.last_day).values("round__week_start").annotate(**NPS_COUNTS)
    ):
        day = row["round__week_start"]
        for totals in [bucket(day)] + ([week(day)] if day >= period.first_day else []):
            totals.nps_promoters += row["promoters"]
            totals.nps_passives += row["passives"]
            totals.nps_detractors += row["detractors"]
    return report


def quality_by_freelancer(*, program, period: Period, freelancer_ids=None) -> dict[int, QualityTotals]:
    """{freelancer_id: QA and CSAT totals} over the period (two queries)."""
    qa = _qa([program.pk], period.start_at, period.end_at).filter(freelancer__isnull=False)
    csat = _csat([program.pk], period.start_at, period.end_at).filter(freelancer__isnull=False)
    if freelancer_ids is not None:
        ids = list(freelancer_ids)
        qa, csat = qa.filter(freelancer_id__in=ids), csat.filter(freelancer_id__in=ids)
    result: dict[int, QualityTotals] = {}
    for row in qa.values("freelancer_id").annotate(n=Count("id"), total=Sum("score")):
        _add_qa(result.setdefault(row["freelancer_id"], QualityTotals()), row["n"], row["total"])
    for row in csat.values("freelancer_id").annotate(**CSAT_COUNTS):
        totals = result.setdefault(row["freelancer_id"], QualityTotals())
        totals.csat_answers, totals.csat_satisfied = row["answers"], row["satisfied"]
    return result


def quality_by_program(
    *, windows: dict[int, tuple[datetime.datetime, datetime.datetime]]
) -> dict[int, QualityTotals]:
    """{program_id: CSAT totals} for several programs, each over its own [start, end) ({program_id: (start, end)}).
    One query."""
    if not windows:
        return {}
    result: dict[int, QualityTotals] = {}
    rows = csat_answered_in_windows(windows=windows).values("program_id").annotate(**CSAT_COUNTS)
    for row in rows:
        result[row["program_id"]] = QualityTotals(
            csat_answers=row["answers"], csat_satisfied=row["satisfied"]
        )
    return result


def quality_weeks_for_freelancer(*, program, freelancer_id: int, period: Period) -> dict:
    """{monday: QA and CSAT totals} of one freelancer over the period (two queries)."""
    zone = program.zone
    weeks: dict = {}
    for row in (
        _qa([program.pk], period.start_at, period.end_at)
        .filter(freelancer_id=freelancer_id)
        .annotate(day=TruncDate("submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"), total=Sum("score"))
    ):
        _add_qa(weeks.setdefault(week_start(row["day"]), QualityTotals()), row["n"], row["total"])
    for row in (
        _csat([program.pk], period.start_at, period.end_at)
        .filter(freelancer_id=freelancer_id)
        .annotate(day=TruncDate("ticket__solved_at", tzinfo=zone))
        .values("day")
        .annotate(**CSAT_COUNTS)
    ):
        totals = weeks.setdefault(week_start(row["day"]), QualityTotals())
        totals.csat_answers += row["answers"]
        totals.csat_satisfied += row["satisfied"]
    return weeks


def freelancer_quality_records(*, user, program, freelancer) -> dict:
    """The freelancer's latest QA reviews and evaluations in the program, through reviews' scoped selectors."""
    reviews = review_list_for_manager(user=user, program=program, freelancer_id=freelancer.pk)[:20]
    evaluations = evaluation_list_for_manager(user=user, program=program).filter(freelancer=freelancer)[:10]
    return {
        "reviews": [
            {
                "date": r.submitted_at,
                "score": r.score,
                "passed": r.passed,
                "ticket": r.ticket_id,
                "status": "disputed" if getattr(r, "dispute", None) is not None else "",
                "url": reverse("reviews:review_detail", args=[r.pk]),
            }
            for r in reviews
        ],
        "evaluations": [
            {
                "date": e.period_end,
                "outcome": e.get_outcome_display(),
                "summary": e.summary,
                "url": reverse("reviews:evaluation_detail", args=[e.pk]),
            }
            for e in evaluations
        ],
    }


REVIEW_NEWS_DAYS = 14


def reviews_to_read(*, freelancer, now=None) -> list[dict]:
    """QA reviews and evaluations of the last two weeks, for the portal's "waiting for you" list (two queries)."""
    since = (now or timezone.now()) - datetime.timedelta(days=REVIEW_NEWS_DAYS)
    items = [
        {
            "title": f"QA review of ticket #{r.ticket_id}: {r.score} ({r.program.name})",
            "url": reverse("reviews:portal_review", args=[r.pk]),
        }
        for r in review_list_for_freelancer(freelancer=freelancer).filter(submitted_at__gte=since)[:5]
    ]
    items += [
        {
            "title": f"Evaluation {e.period_start:%d %b}–{e.period_end:%d %b}: {e.get_outcome_display()} ({e.program.name})",
            "url": reverse("reviews:portal_evaluation", args=[e.pk]),
        }
        for e in evaluation_list_for_freelancer(freelancer=freelancer).filter(created_at__gte=since)[:3]
    ]
    return items
