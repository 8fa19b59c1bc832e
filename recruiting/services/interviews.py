import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one
from recruiting.errors import RecruitingError
from recruiting.models import Application, Interview
from recruiting.services.applications import application_move

DEFAULT_INTERVIEW_QUESTIONS = [
    "Walk us through a difficult customer conversation and how you resolved it.",
    "How do you handle a question you don't know the answer to?",
    "How do you organise your time across several open tickets?",
    "Why do you want to work with us?",
]
RATING_MIN, RATING_MAX = 1, 5


def interview_questions_for(*, program) -> list[str]:
    profile = getattr(program, "candidate_profile", None)
    questions = [q for q in (getattr(profile, "interview_questions", None) or []) if isinstance(q, str) and q]
    return questions or list(DEFAULT_INTERVIEW_QUESTIONS)


@transaction.atomic
def interview_schedule(
    *, application: Application, scheduled_by, scheduled_at: datetime.datetime, duration_minutes: int = 30,
    meeting_link: str = "", interviewer=None, questions: list[str] | None = None,
) -> Interview:
    application = lock_one(Application.objects.filter(pk=application.pk))
    if application.is_anonymised:
        raise RecruitingError("This application was anonymised.")
    if scheduled_at <= timezone.now():
        raise RecruitingError("Choose a time in the future.", field="scheduled_at")
    if application.stage != Application.Stage.INTERVIEW:
        application = application_move(application=application, to_stage=Application.Stage.INTERVIEW,
                                       moved_by=scheduled_by, note="Interview scheduled")
    program = application.posting.program
    interview = Interview(
        application=application, scheduled_at=scheduled_at, duration_minutes=duration_minutes,
        meeting_link=meeting_link, interviewer=interviewer or scheduled_by,
        questions=[q.strip() for q in (questions or interview_questions_for(program=program)) if q.strip()],
    )
    interview.full_clean()
    interview.save()
    audit_record(actor=scheduled_by, verb="interview.scheduled", target=application,
                 scheduled_at=scheduled_at.isoformat())
    return interview


@transaction.atomic
def interview_record(
    *, interview: Interview, recorded_by, ratings: list[int], question_notes: list[str], notes: str = "",
    recommendation: str,
) -> Interview:
    """The interview's scorecard: a 1–5 rating per question, notes, and a recommendation."""
    interview = lock_one(Interview.objects.filter(pk=interview.pk))
    if len(ratings) != len(interview.questions):
        raise RecruitingError("Rate every question.", field="ratings")
    for rating in ratings:
        if not isinstance(rating, int) or isinstance(rating, bool) or not RATING_MIN <= rating <= RATING_MAX:
            raise RecruitingError(f"Ratings go from {RATING_MIN} to {RATING_MAX}.", field="ratings")
    if recommendation not in Interview.Recommendation.values:
        raise RecruitingError("Choose a recommendation.", field="recommendation")
    question_notes = list(question_notes) + [""] * (len(ratings) - len(question_notes))
    interview.ratings = [
        {"question": q, "rating": r, "notes": (n or "").strip()}
        for q, r, n in zip(interview.questions, ratings, question_notes, strict=False)
    ]
    interview.average_rating = (
        (Decimal(sum(ratings)) / Decimal(len(ratings))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if ratings else None
    )
    interview.notes = (notes or "").strip()
    interview.recommendation = recommendation
    interview.completed_at = interview.completed_at or timezone.now()
    interview.full_clean()
    interview.save()
    audit_record(actor=recorded_by, verb="interview.recorded", target=interview.application,
                 recommendation=recommendation)
    return interview
