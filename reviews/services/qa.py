"""QA reviews: assignments (weekly sample or a manager's pick), scoring, disputes, calibration."""

import datetime
import hashlib
import math
import random
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Freelancer, User
from channels.models import ProgramChannel
from channels.services import channel_kind_of
from contracts.models import Contract
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from programs.models import Program, QAScorecard, SupportPlan
from programs.scoring import ScoreError, scorecard_score
from programs.selectors import program_inhouse_member, program_inhouse_team
from queues.models import Ticket
from reviews.errors import ReviewError
from reviews.models import (
    CalibrationSession,
    CriterionScore,
    Dispute,
    Review,
    ReviewAssignment,
    ReviewSettings,
    week_start_of,
)

SOLVED_STATUSES = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
SETTINGS_FIELDS = (
    "sample_mode",
    "sample_size",
    "new_freelancer_weeks",
    "new_freelancer_multiplier",
    "csat_enabled",
    "csat_source",
    "csat_window_days",
    "csat_link_days",
    "nps_enabled",
    "nps_link_days",
    "silence_login_days",
    "silence_unanswered_hours",
)


def program_local_date(program: Program, moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(program.zone).date()


def local_midnight(program: Program, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=program.zone)


@transaction.atomic
def review_settings_update(*, program: Program, actor, **fields) -> ReviewSettings:
    settings_row, _ = ReviewSettings.objects.get_or_create(program=program)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ReviewError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    if (
        fields.get("csat_source") == ReviewSettings.CsatSource.ZENDESK
        and channel_kind_of(program) != ProgramChannel.Kind.ZENDESK
    ):
        raise ReviewError(
            "Zendesk's satisfaction ratings need the program's channel to be Zendesk.", field="csat_source"
        )
    for name, value in fields.items():
        setattr(settings_row, name, value)
    settings_row.full_clean()
    settings_row.save()
    audit_record(
        actor=actor, verb="reviews.settings_updated", target=program, **{k: str(v) for k, v in fields.items()}
    )
    return settings_row


def reviewers_for_program(program: Program) -> list[User]:
    """The support plan's reviewers; without any, the program's in-house managers and agents."""
    plan_reviewers = SupportPlan.reviewers.through.objects.filter(supportplan__program=program).values(
        "user_id"
    )
    reviewers = list(User.objects.filter(is_active=True, pk__in=plan_reviewers).order_by("pk"))
    if not reviewers:
        reviewers = list(program_inhouse_team(program=program).order_by("pk"))
    return reviewers


def _ticket_freelancer(ticket: Ticket) -> Freelancer | None:
    """Whose work the ticket shows: the assignee, or the freelancer who escalated it."""
    return ticket.assignee or ticket.escalated_by


def _scorecard(program: Program) -> QAScorecard:
    scorecard = QAScorecard.objects.filter(program=program).first()
    if scorecard is None or not scorecard.criteria.exists():
        raise ReviewError(
            "This program has no QA scorecard yet: add criteria in the worksheet's support plan."
        )
    return scorecard


# --- assignments ---------------------------------------------------------------------------------------------


def _least_loaded(reviewers: list[User], load: dict[int, int]) -> User | None:
    if not reviewers:
        return None
    reviewer = min(reviewers, key=lambda u: (load.get(u.pk, 0), u.pk))
    load[reviewer.pk] = load.get(reviewer.pk, 0) + 1
    return reviewer


def _open_load(program: Program) -> dict[int, int]:
    return dict(
        ReviewAssignment.objects.filter(
            program=program, status=ReviewAssignment.Status.OPEN, reviewer__isnull=False
        )
        .values("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
        .order_by()
    )


@transaction.atomic
def review_assignment_create(*, ticket: Ticket, actor, reviewer: User | None = None) -> ReviewAssignment:
    """A manager picks a ticket for review (any ticket a freelancer handled, solved or not)."""
    freelancer = _ticket_freelancer(ticket)
    if freelancer is None:
        raise ReviewError(
            "Nobody from the freelancer team handled this ticket, so there is nothing to review."
        )
    if (
        ReviewAssignment.objects.filter(ticket=ticket).exists()
        or Review.objects.filter(ticket=ticket, calibration_session__isnull=True).exists()
    ):
        raise ReviewError("This ticket is already picked for review.")
    program = ticket.program
    if (
        reviewer is not None
        and reviewer not in reviewers_for_program(program)
        and not program_inhouse_member(program=program, user=reviewer)
    ):
        raise ReviewError("The reviewer must be a reviewer or manager of the program.", field="reviewer")
    if reviewer is None:
        reviewer = (
            actor
            if getattr(actor, "is_inhouse", False)
            else _least_loaded(reviewers_for_program(program), _open_load(program))
        )
    moment = ticket.solved_at or ticket.created_at
    assignment = ReviewAssignment(
        program=program,
        ticket=ticket,
        freelancer=freelancer,
        reviewer=reviewer,
        source=ReviewAssignment.Source.MANUAL,
        week_start=week_start_of(program_local_date(program, moment)),
        created_by=actor,
    )
    assignment.full_clean(exclude=["ticket"])
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ReviewError("This ticket is already picked for review.")
    audit_record(
        actor=actor, verb="review.assigned", target=ticket, reviewer=str(reviewer or ""), source="manual"
    )
    return assignment


def sample_size_for(*, settings_row: ReviewSettings, solved: int, is_new: bool) -> int:
    """How many of `solved` tickets to sample: a count or a percentage (rounded up), more for new freelancers,
    never more than were solved."""
    if solved <= 0 or settings_row.sample_size <= 0:
        return 0
    if settings_row.sample_mode == ReviewSettings.SampleMode.PERCENT:
        base = math.ceil(solved * settings_row.sample_size / 100)
    else:
        base = settings_row.sample_size
    if is_new:
        base *= settings_row.new_freelancer_multiplier
    return min(base, solved)


def _new_freelancer_ids(program: Program, week_end: datetime.date, weeks: int) -> set[int]:
    """Freelancers whose contract in the program started fewer than `weeks` weeks before the week ended."""
    if weeks <= 0:
        return set()
    since = week_end - datetime.timedelta(weeks=weeks)
    return set(
        Contract.objects.filter(program=program, start_date__gt=since)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .values_list("freelancer_id", flat=True)
    )


def review_sampling_run(
    *,
    week_start: datetime.date | None = None,
    now: datetime.datetime | None = None,
    program_ids: Iterable[int] | None = None,
) -> dict[str, int]:
    """The weekly job: for each active program, sample last week's solved tickets per freelancer and assign them
    to the program's reviewers. Safe to run twice: a freelancer already sampled for that week is skipped, and a
    ticket has at most one assignment (database constraint)."""
    now = now or timezone.now()
    summary = {"programs": 0, "assignments": 0}
    programs = Program.objects.filter(status=Program.Status.ACTIVE, scorecard__isnull=False)
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    for program in programs.select_related("review_settings", "scorecard"):
        week = week_start or week_start_of(program_local_date(program, now)) - datetime.timedelta(days=7)
        summary["assignments"] += _sample_program_week(program=program, week_start=week)
        summary["programs"] += 1
    return summary


@transaction.atomic
def _sample_program_week(*, program: Program, week_start: datetime.date) -> int:
    lock_one(Program.objects.filter(pk=program.pk))  # one sampler per program at a time
    settings_row = ReviewSettings.for_program(program)
    start = local_midnight(program, week_start)
    end = local_midnight(program, week_start + datetime.timedelta(days=7))
    solved = (
        Ticket.objects.filter(
            program=program,
            solved_at__gte=start,
            solved_at__lt=end,
            assignee__isnull=False,
            status__in=SOLVED_STATUSES,
        )
        .filter(review_assignment__isnull=True)
        .exclude(pk__in=Review.objects.filter(calibration_session__isnull=True).values("ticket_id"))
        .order_by("pk")
        .values_list("pk", "assignee_id")
    )
    by_freelancer: dict[int, list[int]] = {}
    for ticket_id, freelancer_id in solved:
        by_freelancer.setdefault(freelancer_id, []).append(ticket_id)
    already = set(
        ReviewAssignment.objects.filter(
            program=program, week_start=week_start, source=ReviewAssignment.Source.SAMPLED
        ).values_list("freelancer_id", flat=True)
    )
    solved_counts = dict(
        Ticket.objects.filter(
            program=program, solved_at__gte=start, solved_at__lt=end, assignee__isnull=False
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
        .order_by()
    )
    new_ids = _new_freelancer_ids(
        program, week_start + datetime.timedelta(days=6), settings_row.new_freelancer_weeks
    )
    reviewers = reviewers_for_program(program)
    load = _open_load(program)
    made = 0
    for freelancer_id, ticket_ids in sorted(by_freelancer.items()):
        if freelancer_id in already:
            continue
        size = sample_size_for(
            settings_row=settings_row,
            solved=solved_counts.get(freelancer_id, len(ticket_ids)),
            is_new=freelancer_id in new_ids,
        )
        size = min(size, len(ticket_ids))
        if not size:
            continue
        # Deterministic per program, week and freelancer: a rerun picks the same tickets.
        seed = int(hashlib.sha256(f"{program.pk}:{week_start}:{freelancer_id}".encode()).hexdigest()[:12], 16)
        picked = sorted(random.Random(seed).sample(ticket_ids, size))  # noqa: S311 — sampling, not security
        for ticket_id in picked:
            ReviewAssignment.objects.create(
                program=program,
                ticket_id=ticket_id,
                freelancer_id=freelancer_id,
                reviewer=_least_loaded(reviewers, load),
                source=ReviewAssignment.Source.SAMPLED,
                week_start=week_start,
            )
            made += 1
    if made:
        audit_record(
            verb="review.sampled", target=program, week_start=week_start.isoformat(), assignments=made
        )
    return made


@transaction.atomic
def review_assignment_reassign(*, assignment: ReviewAssignment, reviewer: User, actor) -> ReviewAssignment:
    if assignment.status != ReviewAssignment.Status.OPEN:
        raise ReviewError("Only open assignments can be reassigned.")
    if reviewer.pk not in {
        u.pk for u in reviewers_for_program(assignment.program)
    } and not program_inhouse_member(program=assignment.program, user=reviewer):
        raise ReviewError("The reviewer must be a reviewer or manager of the program.", field="reviewer")
    assignment.reviewer = reviewer
    assignment.save(update_fields=["reviewer", "updated_at"])
    audit_record(actor=actor, verb="review.reassigned", target=assignment, reviewer=str(reviewer))
    return assignment


@transaction.atomic
def review_assignment_cancel(*, assignment: ReviewAssignment, actor) -> ReviewAssignment:
    if assignment.status != ReviewAssignment.Status.OPEN:
        raise ReviewError("Only open assignments can be cancelled.")
    assignment.status = ReviewAssignment.Status.CANCELLED
    assignment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="review.assignment_cancelled", target=assignment)
    return assignment


# --- scoring -------------------------------------------------------------------------------------------------


def _clean_ratings(scorecard: QAScorecard, criteria, ratings: Mapping) -> dict[int, int]:
    """Ratings as {criterion id: int}; a missing or out-of-scale rating is an error on that criterion's field."""
    cleaned = {}
    for criterion in criteria:
        raw = ratings.get(criterion.pk, ratings.get(str(criterion.pk)))
        field = f"rating_{criterion.pk}"
        if raw is None or raw == "":
            raise ReviewError(f"Rate “{criterion.name}”.", field=field)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ReviewError(
                f"“{criterion.name}” must be a whole number from 0 to {scorecard.scale_max}.", field=field
            )
        if isinstance(raw, bool) or str(value) != str(raw).strip() or not 0 <= value <= scorecard.scale_max:
            raise ReviewError(
                f"“{criterion.name}” must be rated from 0 to {scorecard.scale_max}.", field=field
            )
        cleaned[criterion.pk] = value
    return cleaned


@transaction.atomic
def review_submit(
    *,
    ticket: Ticket,
    reviewer: User,
    ratings: Mapping,
    comments: Mapping | None = None,
    comment: str = "",
    calibration_session: CalibrationSession | None = None,
) -> Review:
    """Score a ticket against its program's scorecard. The overall score is programs.scoring.scorecard_score
    (weighted, 0–100; a critical criterion rated 0 makes it 0). Calibration scores go into the session."""
    comments = comments or {}
    program = ticket.program
    scorecard = _scorecard(program)
    criteria = list(scorecard.criteria.all())
    cleaned = _clean_ratings(scorecard, criteria, ratings)
    try:
        score = scorecard_score(scorecard=scorecard, ratings=cleaned, criteria=criteria)
    except ScoreError as exc:  # our own checks above should have caught it; keep the message
        raise ReviewError(exc.message, field=exc.field)
    critical_fail = any(c.is_critical and cleaned[c.pk] == 0 for c in criteria)
    assignment = None
    if calibration_session is not None:
        session = lock_one(CalibrationSession.objects.filter(pk=calibration_session.pk))
        if session.status != CalibrationSession.Status.OPEN:
            raise ReviewError("This calibration session is closed.")
        if not session.reviewers.filter(pk=reviewer.pk).exists():
            raise ReviewError("You are not a reviewer in this calibration session.")
        if Review.objects.filter(calibration_session=session, reviewer=reviewer).exists():
            raise ReviewError("You already scored this calibration ticket.")
    else:
        if Review.objects.filter(ticket=ticket, calibration_session__isnull=True).exists():
            raise ReviewError("This ticket has already been reviewed.")
        assignment = ReviewAssignment.objects.filter(ticket=ticket).first()
        if assignment is not None and assignment.status == ReviewAssignment.Status.CANCELLED:
            assignment = None
    freelancer = _ticket_freelancer(ticket)
    if freelancer is None and calibration_session is None:
        raise ReviewError(
            "Nobody from the freelancer team handled this ticket, so there is nothing to review."
        )
    review = Review(
        program=program,
        ticket=ticket,
        freelancer=freelancer,
        reviewer=reviewer,
        assignment=assignment,
        calibration_session=calibration_session,
        score=score,
        original_score=score,
        critical_fail=critical_fail,
        passed=score >= scorecard.passing_score,
        comment=(comment or "").strip(),
        submitted_at=timezone.now(),
    )
    review.full_clean(exclude=["ticket", "assignment", "calibration_session"])
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ReviewError("This ticket has already been reviewed.")
    CriterionScore.objects.bulk_create(
        CriterionScore(
            review=review,
            criterion=c,
            rating=cleaned[c.pk],
            comment=str(comments.get(c.pk, comments.get(str(c.pk), "")) or "").strip(),
        )
        for c in criteria
    )
    if assignment is not None:
        assignment.status = ReviewAssignment.Status.DONE
        assignment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=reviewer,
        verb="review.calibration_scored" if calibration_session else "review.submitted",
        target=review,
        ticket=ticket.pk,
        score=str(score),
        critical_fail=critical_fail,
    )
    return review


# --- disputes ------------------------------------------------------------------------------------------------


@transaction.atomic
def review_dispute(*, review: Review, freelancer: Freelancer, comment: str) -> Dispute:
    """The freelancer disputes their review, once, with a comment."""
    comment = (comment or "").strip()
    if review.freelancer_id != freelancer.pk or review.calibration_session_id is not None:
        raise ReviewError("You can only dispute your own reviews.")
    if not comment:
        raise ReviewError("Say what you disagree with.", field="comment")
    if Dispute.objects.filter(review=review).exists():
        raise ReviewError("This review has already been disputed; a review can be disputed once.")
    dispute = Dispute(review=review, comment=comment[:5000], score_before=review.score)
    try:
        with transaction.atomic():
            dispute.save()
    except IntegrityError:
        raise ReviewError("This review has already been disputed; a review can be disputed once.")
    audit_record(actor=freelancer.user, verb="review.disputed", target=review)
    return dispute


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, actor, outcome: str, note: str, new_score=None) -> Dispute:
    """A manager resolves a dispute: accepted / partly accepted (score may change) or rejected (score kept)."""
    dispute = lock_one(Dispute.objects.filter(pk=dispute.pk).select_related("review"))
    check_transition(Dispute.TRANSITIONS, dispute.status, Dispute.Status.RESOLVED, label="dispute")
    if outcome not in Dispute.Outcome.values:
        raise ReviewError("Choose accepted, partly accepted or rejected.", field="outcome")
    note = (note or "").strip()
    if not note:
        raise ReviewError("Explain the decision: the freelancer reads it.", field="resolution_note")
    review = dispute.review
    score = review.score
    if new_score not in (None, ""):
        try:
            new_score = Decimal(str(new_score)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ReviewError("Enter the new score as a number from 0 to 100.", field="new_score")
        if not Decimal(0) <= new_score <= Decimal(100):
            raise ReviewError("The score goes from 0 to 100.", field="new_score")
        if outcome == Dispute.Outcome.REJECTED and new_score != review.score:
            raise ReviewError(
                "A rejected dispute keeps the score; leave the new score empty.", field="new_score"
            )
        score = new_score
    dispute.status = Dispute.Status.RESOLVED
    dispute.outcome = outcome
    dispute.resolution_note = note
    dispute.score_after = score
    dispute.resolved_by = actor
    dispute.resolved_at = timezone.now()
    dispute.save()
    if score != review.score:
        review.score = score
        review.passed = score >= review.program.scorecard.passing_score
        review.save(update_fields=["score", "passed", "updated_at"])
    audit_record(
        actor=actor,
        verb="review.dispute_resolved",
        target=review,
        outcome=outcome,
        score_before=str(dispute.score_before),
        score_after=str(score),
    )
    return dispute


# --- calibration ---------------------------------------------------------------------------------------------


@transaction.atomic
def calibration_session_create(
    *, program: Program, ticket: Ticket, title: str, reviewers: Iterable[User], actor
) -> CalibrationSession:
    if ticket.program_id != program.pk:
        raise ReviewError("Pick a ticket of this program.", field="ticket")
    _scorecard(program)
    reviewers = list(reviewers)
    if len(reviewers) < 2:
        raise ReviewError("Calibration needs at least two reviewers.", field="reviewers")
    allowed = set(program.managers.values_list("pk", flat=True)) | {
        u.pk for u in reviewers_for_program(program)
    }
    if any(u.pk not in allowed for u in reviewers):
        raise ReviewError("Reviewers must be reviewers or managers of the program.", field="reviewers")
    session = CalibrationSession(
        program=program,
        ticket=ticket,
        title=(title or "").strip() or f"Calibration #{ticket.pk}",
        created_by=actor,
    )
    session.full_clean(exclude=["ticket"])
    session.save()
    session.reviewers.set(reviewers)
    audit_record(
        actor=actor, verb="calibration.created", target=session, ticket=ticket.pk, reviewers=len(reviewers)
    )
    return session


@transaction.atomic
def calibration_session_close(*, session: CalibrationSession, actor) -> CalibrationSession:
    session = lock_one(CalibrationSession.objects.filter(pk=session.pk))
    check_transition(
        CalibrationSession.TRANSITIONS,
        session.status,
        CalibrationSession.Status.CLOSED,
        label="calibration session",
    )
    if Review.objects.filter(calibration_session=session).count() < 2:
        raise ReviewError("Wait for at least two reviewers to score before closing the session.")
    session.status = CalibrationSession.Status.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="calibration.closed", target=session)
    return session
