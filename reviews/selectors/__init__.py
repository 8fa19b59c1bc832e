"""Reads that serve requests: each starts from what the user may see (a manager: the programs they manage;
a freelancer: their own things). Numbers live in reviews.selectors.metrics."""

import datetime
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.models import Contract
from contracts.selectors import freelancer_program_ids
from programs.models import Announcement, Program, QACriterion
from programs.selectors import announcement_list_published, program_list
from queues.models import Ticket
from queues.selectors import ticket_thread
from reviews.models import (
    CalibrationSession,
    CriterionScore,
    CsatSurvey,
    Dispute,
    Evaluation,
    Feedback,
    NpsInvitation,
    Review,
    ReviewAssignment,
    SilenceCheckIn,
    ThankYouNote,
    week_start_of,
)
from reviews.selectors.metrics import (  # noqa: F401 — re-exported for views and other apps
    METRIC_LABELS,
    CsatStats,
    NpsStats,
    csat_stats,
    evaluation_metrics,
    leaderboard,
    nps_value,
    nps_weeks,
    percent,
    period_bounds,
    qa_averages,
)


def review_programs(*, user) -> QuerySet[Program]:
    return program_list(user=user).order_by("name")


def program_for_reviews(*, user, slug: str | None) -> Program | None:
    if not slug:
        return None
    return review_programs(user=user).filter(slug=slug).select_related("scorecard").first()


# --- assignments and reviews (manager side) ----------------------------------------------------------------


def assignment_list(
    *,
    user,
    program: Program | None = None,
    status: str | None = ReviewAssignment.Status.OPEN,
    mine: bool = False,
) -> QuerySet[ReviewAssignment]:
    qs = ReviewAssignment.objects.filter(program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(program=program)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(reviewer=user)
    return qs.select_related("program", "ticket", "freelancer", "reviewer", "review").order_by(
        "status", "-week_start", "program__name", "freelancer__legal_name", "pk"
    )


def assignment_get(*, user, pk) -> ReviewAssignment | None:
    return assignment_list(user=user, status=None).filter(pk=pk).first()


def review_list_for_manager(
    *, user, program: Program | None = None, freelancer_id: int | None = None, calibration: bool = False
) -> QuerySet[Review]:
    qs = Review.objects.filter(
        program__in=program_list(user=user), calibration_session__isnull=not calibration
    )
    if program is not None:
        qs = qs.filter(program=program)
    if freelancer_id:
        qs = qs.filter(freelancer_id=freelancer_id)
    return qs.select_related("program", "ticket", "freelancer", "reviewer", "dispute").order_by(
        "-submitted_at", "-pk"
    )


def _review_detail_queryset() -> QuerySet[Review]:
    return Review.objects.select_related(
        "program__scorecard",
        "ticket__program",
        "ticket__assignee",
        "ticket__escalated_by",
        "freelancer__user",
        "reviewer",
        "dispute__resolved_by",
        "calibration_session",
    ).prefetch_related(
        Prefetch("criterion_scores", queryset=CriterionScore.objects.select_related("criterion"))
    )


def review_get_for_manager(*, user, pk) -> Review | None:
    return _review_detail_queryset().filter(program__in=program_list(user=user), pk=pk).first()


def ticket_for_review(*, user, pk) -> Ticket | None:
    """A ticket of a program the user manages (another program's ticket is not found)."""
    return (
        Ticket.objects.filter(program__in=program_list(user=user), pk=pk)
        .select_related(
            "program__scorecard",
            "program__review_settings",
            "assignee__user",
            "escalated_by__user",
            "ticket_type",
            "review_assignment__reviewer",
        )
        .first()
    )


def scorecard_criteria(*, program: Program) -> list[QACriterion]:
    return list(QACriterion.objects.filter(scorecard__program=program).order_by("position", "id"))


def review_screen(*, ticket: Ticket) -> dict:
    """What the review screen shows beside the scorecard: the thread (replies and notes)."""
    return {"thread": ticket_thread(ticket=ticket)}


def reviewable_tickets(*, user, program: Program, search: str = "") -> QuerySet[Ticket]:
    """Tickets a manager may pick for review: handled by a freelancer, not yet picked or reviewed."""
    qs = (
        Ticket.objects.filter(program=program, program__in=program_list(user=user))
        .filter(Q(assignee__isnull=False) | Q(escalated_by__isnull=False))
        .filter(review_assignment__isnull=True)
        .exclude(pk__in=Review.objects.filter(calibration_session__isnull=True).values("ticket_id"))
    )
    search = (search or "").strip()
    if search:
        term = (
            Q(subject__icontains=search) | Q(external_id=search) | Q(assignee__legal_name__icontains=search)
        )
        if search.isdigit():
            term |= Q(pk=int(search))
        qs = qs.filter(term)
    return qs.select_related("assignee", "escalated_by").order_by("-solved_at", "-created_at", "-pk")


def dispute_list(*, user, status: str | None = Dispute.Status.OPEN) -> QuerySet[Dispute]:
    qs = Dispute.objects.filter(review__program__in=program_list(user=user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "review__program", "review__ticket", "review__freelancer", "review__reviewer", "resolved_by"
    ).order_by("status", "-created_at", "-pk")


def dispute_get(*, user, pk) -> Dispute | None:
    return dispute_list(user=user, status=None).filter(pk=pk).first()


# --- reviews (freelancer side) -------------------------------------------------------------------------------


def review_list_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Review]:
    return (
        Review.objects.filter(freelancer=freelancer, calibration_session__isnull=True)
        .select_related("program", "ticket", "dispute")
        .order_by("-submitted_at", "-pk")
    )


def review_get_for_freelancer(*, freelancer: Freelancer, pk) -> Review | None:
    return (
        _review_detail_queryset()
        .filter(freelancer=freelancer, calibration_session__isnull=True, pk=pk)
        .first()
    )


def freelancer_qa_summary(*, freelancer: Freelancer, days: int = 30) -> list[dict]:
    """Per program: QA average, count and passes over the last `days` (calibration never counts). One query."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = (
        Review.objects.filter(
            freelancer=freelancer, calibration_session__isnull=True, submitted_at__gte=since
        )
        .values("program__name")
        .annotate(count=Count("id"), passed=Count("id", filter=Q(passed=True)), average=Avg("score"))
        .order_by("program__name")
    )
    return [
        {
            "program": r["program__name"],
            "count": r["count"],
            "passed": r["passed"],
            "average": Decimal(str(r["average"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        }
        for r in rows
    ]


# --- calibration ---------------------------------------------------------------------------------------------


def calibration_list(*, user) -> QuerySet[CalibrationSession]:
    return (
        CalibrationSession.objects.filter(program__in=program_list(user=user))
        .select_related("program", "ticket", "created_by")
        .prefetch_related("reviewers")
        .annotate(scored=Count("reviews", distinct=True))
        .order_by("status", "-created_at", "-pk")
    )


def calibration_get(*, user, pk) -> CalibrationSession | None:
    return (
        CalibrationSession.objects.filter(program__in=program_list(user=user), pk=pk)
        .select_related(
            "program__scorecard", "ticket__program", "ticket__assignee", "ticket__escalated_by", "created_by"
        )
        .prefetch_related("reviewers")
        .first()
    )


@dataclass
class CriterionSpread:
    criterion: QACriterion
    ratings: list
    low: int
    high: int
    mean: Decimal
    spread: int
    stdev: Decimal


@dataclass
class ReviewerDeviation:
    reviewer: User
    score: Decimal
    deviation: Decimal
    verdict: str  # "strict", "lenient", "in line"


def calibration_report(*, session: CalibrationSession, threshold: Decimal = Decimal("5")) -> dict:
    """Spread per criterion and each reviewer's overall score against the mean: more than `threshold` points
    below is strict, above is lenient."""
    reviews = list(
        Review.objects.filter(calibration_session=session)
        .select_related("reviewer")
        .prefetch_related(
            Prefetch("criterion_scores", queryset=CriterionScore.objects.select_related("criterion"))
        )
        .order_by("reviewer__display_name", "reviewer__email")
    )
    by_criterion: dict[int, list] = {}
    criteria: dict[int, QACriterion] = {}
    for review in reviews:
        for item in review.criterion_scores.all():
            by_criterion.setdefault(item.criterion_id, []).append(
                (review.reviewer, item.rating, item.comment)
            )
            criteria[item.criterion_id] = item.criterion
    spreads = []
    for cid, entries in sorted(by_criterion.items(), key=lambda kv: (criteria[kv[0]].position, kv[0])):
        ratings = [r for _, r, _ in entries]
        spreads.append(
            CriterionSpread(
                criterion=criteria[cid],
                ratings=entries,
                low=min(ratings),
                high=max(ratings),
                mean=_mean(ratings),
                spread=max(ratings) - min(ratings),
                stdev=Decimal(str(statistics.pstdev(ratings))).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                ),
            )
        )
    mean_score = _mean([r.score for r in reviews]) if reviews else None
    deviations = []
    for review in reviews:
        deviation = (review.score - mean_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        verdict = "strict" if deviation < -threshold else ("lenient" if deviation > threshold else "in line")
        deviations.append(
            ReviewerDeviation(
                reviewer=review.reviewer, score=review.score, deviation=deviation, verdict=verdict
            )
        )
    return {
        "reviews": reviews,
        "spreads": spreads,
        "mean_score": mean_score,
        "deviations": deviations,
        "threshold": threshold,
    }


def _mean(values) -> Decimal:
    values = [Decimal(str(v)) for v in values]
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def calibration_reviewer_choices(*, program: Program) -> QuerySet[User]:
    from reviews.services.qa import reviewers_for_program

    ids = set(program.managers.values_list("pk", flat=True)) | {u.pk for u in reviewers_for_program(program)}
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "email")


# --- CSAT ----------------------------------------------------------------------------------------------------


def csat_responses(*, user, program: Program | None = None) -> QuerySet[CsatSurvey]:
    qs = CsatSurvey.objects.filter(program__in=program_list(user=user), status=CsatSurvey.Status.ANSWERED)
    if program is not None:
        qs = qs.filter(program=program)
    return qs.select_related("program", "ticket", "freelancer").order_by("-answered_at", "-pk")


def csat_for_ticket(*, ticket: Ticket) -> CsatSurvey | None:
    return CsatSurvey.objects.filter(ticket=ticket).first()


def csat_from_zendesk_program_ids(*, program_ids) -> set[int]:
    """Which of these programs take Zendesk's satisfaction ratings instead of Flexdesk's survey (one query)."""
    from reviews.services.surveys import zendesk_rated_programs

    return set(zendesk_rated_programs().filter(pk__in=list(program_ids)).values_list("pk", flat=True))


# --- evaluations ---------------------------------------------------------------------------------------------


def evaluation_list_for_manager(*, user, program: Program | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.filter(program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(program=program)
    return qs.select_related("program", "freelancer", "created_by").order_by("-created_at", "-pk")


def evaluation_get_for_manager(*, user, pk) -> Evaluation | None:
    return evaluation_list_for_manager(user=user).select_related("contract").filter(pk=pk).first()


def evaluation_list_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Evaluation]:
    # private_notes are deferred: the portal never loads them.
    return (
        Evaluation.objects.filter(freelancer=freelancer)
        .defer("private_notes")
        .select_related("program", "contract")
        .order_by("-created_at", "-pk")
    )


def evaluation_get_for_freelancer(*, freelancer: Freelancer, pk) -> Evaluation | None:
    return evaluation_list_for_freelancer(freelancer=freelancer).filter(pk=pk).first()


@dataclass
class EvaluationDue:
    program: Program
    freelancer: Freelancer
    last_end: datetime.date | None
    period_start: datetime.date
    period_end: datetime.date
    is_due: bool


def evaluations_due(
    *, user, program: Program | None = None, today: datetime.date | None = None
) -> list[EvaluationDue]:
    """Each freelancer with an active contract in the user's programs, with the next period on the program's
    cadence (support plan, default 30 days) and whether it is due. Three queries."""
    programs = program_list(user=user)
    if program is not None:
        programs = programs.filter(pk=program.pk)
    contracts = list(
        Contract.objects.filter(program__in=programs, status=Contract.Status.ACTIVE)
        .select_related("program__support_plan", "freelancer")
        .order_by("program__name", "freelancer__legal_name")
    )
    last = {
        (r["program_id"], r["freelancer_id"]): r["last"]
        for r in Evaluation.objects.filter(program__in=programs)
        .values("program_id", "freelancer_id")
        .annotate(last=Max("period_end"))
        .order_by()
    }
    rows = []
    for contract in contracts:
        prog = contract.program
        cadence = getattr(getattr(prog, "support_plan", None), "evaluation_cadence_days", None) or 30
        day = today or timezone.now().astimezone(prog.zone).date()
        last_end = last.get((prog.pk, contract.freelancer_id))
        start = (
            (last_end + datetime.timedelta(days=1))
            if last_end
            else max(contract.start_date, day - datetime.timedelta(days=cadence))
        )
        end = min(start + datetime.timedelta(days=cadence - 1), day)
        rows.append(
            EvaluationDue(
                program=prog,
                freelancer=contract.freelancer,
                last_end=last_end,
                period_start=start,
                period_end=max(end, start),
                is_due=(start + datetime.timedelta(days=cadence - 1)) <= day,
            )
        )
    return rows


def freelancer_in_program(*, user, program: Program, freelancer_id) -> Freelancer | None:
    """A freelancer who has (or had) a contract in a program the user manages."""
    if program is None or not program_list(user=user).filter(pk=program.pk).exists():
        return None
    return (
        Freelancer.objects.filter(pk=freelancer_id, contracts__program=program)
        .exclude(contracts__status__in=[Contract.Status.DRAFT])
        .select_related("user")
        .distinct()
        .first()
    )


# --- recognition, check-ins, feedback, announcements ---------------------------------------------------------


def thank_you_notes_for_freelancer(*, freelancer: Freelancer, limit: int = 20) -> QuerySet[ThankYouNote]:
    return ThankYouNote.objects.filter(freelancer=freelancer).select_related("program", "sent_by")[:limit]


def check_in_list(*, user, days: int = 14) -> QuerySet[SilenceCheckIn]:
    since = timezone.now().date() - datetime.timedelta(days=days)
    return (
        SilenceCheckIn.objects.filter(program__in=program_list(user=user), day__gte=since)
        .select_related("program", "freelancer")
        .order_by("-day", "freelancer__legal_name")
    )


def feedback_list(
    *,
    user,
    program: Program | None = None,
    status: str | None = Feedback.Status.OPEN,
    kind: str | None = None,
) -> QuerySet[Feedback]:
    qs = Feedback.objects.filter(program__in=program_list(user=user))
    if program is not None:
        qs = qs.filter(program=program)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("program", "freelancer", "done_by").order_by(
        "kind", "status", "-created_at", "-pk"
    )


def feedback_grouped(
    *, user, program: Program | None = None, status: str | None = Feedback.Status.OPEN
) -> list[dict]:
    """Feedback grouped by kind, in the order of Feedback.Kind (one query)."""
    groups = {value: [] for value in Feedback.Kind.values}
    for item in feedback_list(user=user, program=program, status=status):
        groups[item.kind].append(item)
    return [{"kind": value, "label": label, "items": groups[value]} for value, label in Feedback.Kind.choices]


def feedback_get(*, user, pk) -> Feedback | None:
    return feedback_list(user=user, status=None).filter(pk=pk).first()


def feedback_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Feedback]:
    return (
        Feedback.objects.filter(freelancer=freelancer)
        .select_related("program")
        .order_by("-created_at", "-pk")
    )


def pulse_due_programs(*, freelancer: Freelancer, today: datetime.date | None = None) -> list[Program]:
    """The freelancer's programs whose pulse for this week is still unanswered."""
    week = week_start_of(today or timezone.now().astimezone(freelancer.zone).date())
    programs = Program.objects.filter(pk__in=freelancer_program_ids(freelancer_id=freelancer.pk)).order_by(
        "name"
    )
    answered = set(
        Feedback.objects.filter(freelancer=freelancer, kind=Feedback.Kind.PULSE, week_start=week).values_list(
            "program_id", flat=True
        )
    )
    return [p for p in programs if p.pk not in answered]


def freelancer_programs(*, freelancer: Freelancer) -> QuerySet[Program]:
    return Program.objects.filter(pk__in=freelancer_program_ids(freelancer_id=freelancer.pk)).order_by("name")


def announcements_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Announcement]:
    return announcement_list_published(program_ids=freelancer_program_ids(freelancer_id=freelancer.pk))


# --- overview ------------------------------------------------------------------------------------------------


def reviews_overview(*, user) -> list[dict]:
    """Per program the headline numbers of the reviews home page (a fixed number of queries)."""
    programs = list(review_programs(user=user).select_related("scorecard"))
    ids = [p.pk for p in programs]
    now = timezone.now()
    since = now - datetime.timedelta(days=30)
    open_assignments = dict(
        ReviewAssignment.objects.filter(program_id__in=ids, status=ReviewAssignment.Status.OPEN)
        .values("program_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "n")
        .order_by()
    )
    open_disputes = dict(
        Dispute.objects.filter(review__program_id__in=ids, status=Dispute.Status.OPEN)
        .values("review__program_id")
        .annotate(n=Count("id"))
        .values_list("review__program_id", "n")
        .order_by()
    )
    qa = {
        r["program_id"]: r
        for r in Review.objects.filter(
            program_id__in=ids,
            calibration_session__isnull=True,
            submitted_at__gte=since,
        )
        .values("program_id")
        .annotate(avg=Avg("score"), n=Count("id"))
        .order_by()
    }
    csat = csat_stats(program_ids=ids, start=since, end=now)
    open_feedback = dict(
        Feedback.objects.filter(program_id__in=ids, status=Feedback.Status.OPEN)
        .values("program_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "n")
        .order_by()
    )
    rows = []
    for program in programs:
        q = qa.get(program.pk)
        rows.append(
            {
                "program": program,
                "open_assignments": open_assignments.get(program.pk, 0),
                "open_disputes": open_disputes.get(program.pk, 0),
                "qa_average": Decimal(str(q["avg"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if q
                else None,
                "qa_count": q["n"] if q else 0,
                "csat": csat.get(program.pk, CsatStats()),
                "open_feedback": open_feedback.get(program.pk, 0),
            }
        )
    return rows


def freelancers_by_ids(*, ids) -> dict[int, Freelancer]:
    return {f.pk: f for f in Freelancer.objects.filter(pk__in=list(ids)).select_related("user")}


def nps_recent_comments(*, programs, limit: int = 20) -> list:
    return list(
        NpsInvitation.objects.filter(round__program__in=list(programs), answered_at__isnull=False)
        .exclude(comment="")
        .select_related("round__program")
        .order_by("-answered_at")[:limit]
    )


# --- sources for the dashboard's aggregates (it reads reviews only through these selectors) -----------------
# Unscoped and unordered: the caller has already scoped the program ids to the user.


def csat_answered(*, program_ids, start: datetime.datetime, end: datetime.datetime) -> QuerySet[CsatSurvey]:
    """Answered surveys of the programs' tickets solved in [start, end).

    A plain join: the tickets come from queues' (program, solved_at) index, each survey by its unique ticket id
    (or a hash of the program's surveys). The former extra "ticket_id IN (solved tickets)" subquery made the
    planner scan the ticket table in parallel and probe it once more per survey (~170 ms on 200,000 tickets).
    """
    return CsatSurvey.objects.filter(
        program_id__in=program_ids,
        ticket__program_id__in=program_ids,
        ticket__solved_at__gte=start,
        ticket__solved_at__lt=end,
        rating__in=[CsatSurvey.Rating.GOOD, CsatSurvey.Rating.BAD],
    ).order_by()


def csat_answered_in_windows(*, windows: dict) -> QuerySet[CsatSurvey]:
    """Answered surveys of tickets solved in each program's own window ({program_id: (start, end)}); as
    csat_answered, the ticket's program is named too, so the tickets come from the (program, solved_at) index
    (without it PostgreSQL ranged over every program's solves: 19 ms for minutes of tickets at 1,000,000)."""
    window = Q()
    for program_id, (start, end) in windows.items():
        window |= Q(
            program_id=program_id,
            ticket__program_id=program_id,
            ticket__solved_at__gte=start,
            ticket__solved_at__lt=end,
        )
    return CsatSurvey.objects.filter(
        window, rating__in=[CsatSurvey.Rating.GOOD, CsatSurvey.Rating.BAD]
    ).order_by()


# Aggregates over csat_answered(): answers and satisfied (good) answers.
# Counted over ticket_id (never empty) rather than id: the (ticket_id) INCLUDE (rating, program_id) index then
# answers a join from a few tickets with index-only probes instead of a scan of every survey.
CSAT_COUNTS = {
    "answers": Count("ticket_id"),
    "satisfied": Count("ticket_id", filter=Q(rating=CsatSurvey.Rating.GOOD)),
}


def qa_reviews_submitted(
    *, program_ids, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Review]:
    """QA reviews submitted in [start, end) in the programs; calibration reviews never count."""
    return Review.objects.filter(
        program_id__in=program_ids,
        calibration_session__isnull=True,
        submitted_at__gte=start,
        submitted_at__lt=end,
    ).order_by()


def nps_answers_of_weeks(
    *, program_ids, first_day: datetime.date, last_day: datetime.date
) -> QuerySet[NpsInvitation]:
    """Answered NPS invitations of the programs' weekly rounds whose week starts in [first_day, last_day]."""
    return NpsInvitation.objects.filter(
        round__program_id__in=program_ids,
        round__week_start__gte=first_day,
        round__week_start__lte=last_day,
        score__isnull=False,
    ).order_by()
