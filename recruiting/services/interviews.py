import datetime
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one
from core.outbox import email_enqueue
from recruiting import calendar
from recruiting.errors import RecruitingError
from recruiting.models import Application, Interview, Message
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


# Both people should be awake: a slot outside these local hours for either of them asks for a confirmation.
WAKING_HOURS = (datetime.time(8, 0), datetime.time(21, 0))
OUTSIDE_HOURS_CODE = "outside_waking_hours"
REMINDER_BEFORE = datetime.timedelta(hours=24)


def user_zone(user) -> zoneinfo.ZoneInfo:
    return getattr(user, "zone", None) or zoneinfo.ZoneInfo("UTC")


def interview_time_check(
    *,
    starts_at: datetime.datetime,
    duration_minutes: int,
    candidate_zone: zoneinfo.ZoneInfo,
    interviewer_zone: zoneinfo.ZoneInfo,
    confirm_outside_hours: bool = False,
    field: str = "scheduled_at",
    now: datetime.datetime | None = None,
) -> None:
    """A slot in the past is refused; one outside 08:00–21:00 for the candidate or the interviewer is warned
    (RecruitingError with code OUTSIDE_HOURS_CODE) unless the manager confirmed it."""
    if starts_at <= (now or timezone.now()):
        raise RecruitingError("Choose a time in the future.", field=field)
    if confirm_outside_hours:
        return
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    early, late = WAKING_HOURS
    for who, zone in (("the candidate", candidate_zone), ("the interviewer", interviewer_zone)):
        start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        if start.time() < early or end.date() != start.date() or end.time() > late:
            raise RecruitingError(
                f"{calendar.time_in_zone(starts_at, zone)} is outside 08:00–21:00 for {who}. "
                "Choose another time, or confirm that it suits both of you.",
                field=field,
                code=OUTSIDE_HOURS_CODE,
            )


def _interview_title(application: Application) -> str:
    return f"Interview: {application.posting.title} ({application.posting.program.name})"


def _interview_emails_send(*, interview: Interview, method: str, sent_by, reminder: bool = False) -> None:
    """The invitation (REQUEST), its update, its cancellation (CANCEL) or the 24-hour reminder, to the candidate
    (a message on the timeline) and to the interviewer, each with the same calendar event attached."""
    application = interview.application
    interviewer = interview.interviewer
    candidate_zone, interviewer_zone = application.zone, user_zone(interviewer)
    ics = calendar.interview_ics(
        interview_id=interview.pk,
        method=method,
        sequence=interview.sequence,
        starts_at=interview.scheduled_at,
        duration_minutes=interview.duration_minutes,
        title=_interview_title(application),
        meeting_link=interview.meeting_link,
        candidate_name=application.full_name,
        candidate_email=application.email,
        candidate_zone=candidate_zone,
        interviewer_name=interviewer.get_full_name() if interviewer else "",
        interviewer_email=interviewer.email if interviewer else "",
        interviewer_zone=interviewer_zone,
    )
    if method == calendar.CANCEL:
        purpose, subject = "cancel", f"Cancelled: {_interview_title(application)}"
    elif reminder:
        purpose, subject = "reminder", f"Tomorrow: {_interview_title(application)}"
    else:
        purpose = "invite" if interview.sequence == 0 else "update"
        subject = (
            _interview_title(application)
            if purpose == "invite"
            else f"New time: {_interview_title(application)}"
        )
    context = {
        "interview": interview,
        "application": application,
        "purpose": purpose,
        "interviewer": interviewer,
        "candidate_time": calendar.time_in_zone(interview.scheduled_at, candidate_zone),
        "interviewer_time": calendar.time_in_zone(interview.scheduled_at, interviewer_zone),
    }
    attachments = [(calendar.ICS_FILENAME, ics, calendar.ICS_MIMETYPE)]
    key = f"interview:{interview.pk}:{interview.sequence}:{purpose}"
    program_id = application.posting.program_id
    if application.email and not application.is_anonymised:
        message = Message(
            application=application,
            kind="interview",
            direction=Message.Direction.OUTBOUND,
            subject=subject[:200],
            body=render_to_string("recruiting/email/interview_candidate.txt", context),
            to_email=application.email,
            sent_by=sent_by if getattr(sent_by, "is_authenticated", False) else None,
        )
        message.full_clean()
        message.save()
        email_enqueue(
            to=[application.email],
            subject=message.subject,
            body=message.body,
            attachments=attachments,
            reply_to=[interviewer.email] if interviewer and interviewer.email else None,
            program_id=program_id,
            about=message,
            ordering_key=f"interview:{interview.pk}:candidate",
            dedupe_key=f"{key}:candidate",
        )
    if interviewer is not None and interviewer.email:
        email_enqueue(
            to=[interviewer.email],
            subject=f"{subject} — {application.full_name}",
            body=render_to_string("recruiting/email/interview_interviewer.txt", context),
            attachments=attachments,
            program_id=program_id,
            about=interview,
            ordering_key=f"interview:{interview.pk}:interviewer",
            dedupe_key=f"{key}:interviewer",
        )


@transaction.atomic
def interview_schedule(
    *,
    application: Application,
    scheduled_by,
    scheduled_at: datetime.datetime,
    duration_minutes: int = 30,
    meeting_link: str = "",
    interviewer=None,
    questions: list[str] | None = None,
    confirm_outside_hours: bool = False,
) -> Interview:
    """Book the interview and send the invitation with its calendar event to the candidate and the interviewer."""
    application = lock_one(Application.objects.filter(pk=application.pk))
    if application.is_anonymised:
        raise RecruitingError("This application was anonymised.")
    interview_time_check(
        starts_at=scheduled_at,
        duration_minutes=duration_minutes,
        candidate_zone=application.zone,
        interviewer_zone=user_zone(interviewer or scheduled_by),
        confirm_outside_hours=confirm_outside_hours,
    )
    if application.stage != Application.Stage.INTERVIEW:
        application = application_move(
            application=application,
            to_stage=Application.Stage.INTERVIEW,
            moved_by=scheduled_by,
            note="Interview scheduled",
        )
    program = application.posting.program
    interview = Interview(
        application=application,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        meeting_link=meeting_link,
        interviewer=interviewer or scheduled_by,
        questions=[q.strip() for q in (questions or interview_questions_for(program=program)) if q.strip()],
        invited_at=timezone.now(),
    )
    interview.full_clean()
    interview.save()
    audit_record(
        actor=scheduled_by,
        verb="interview.scheduled",
        target=application,
        scheduled_at=scheduled_at.isoformat(),
    )
    _interview_emails_send(interview=interview, method=calendar.REQUEST, sent_by=scheduled_by)
    return interview


def _interview_open_locked(interview: Interview) -> Interview:
    interview = lock_one(Interview.objects.filter(pk=interview.pk))
    if interview.cancelled_at is not None:
        raise RecruitingError("This interview was cancelled.")
    if interview.completed_at is not None:
        raise RecruitingError("This interview already took place.")
    return Interview.objects.select_related("application__posting__program", "interviewer").get(
        pk=interview.pk
    )


@transaction.atomic
def interview_reschedule(
    *,
    interview: Interview,
    rescheduled_by,
    scheduled_at: datetime.datetime,
    confirm_outside_hours: bool = False,
) -> Interview:
    """Move the interview: the same calendar event with a higher SEQUENCE, and a fresh 24-hour reminder."""
    interview = _interview_open_locked(interview)
    application = interview.application
    if scheduled_at == interview.scheduled_at:
        raise RecruitingError("That is the time already booked.", field="scheduled_at")
    interview_time_check(
        starts_at=scheduled_at,
        duration_minutes=interview.duration_minutes,
        candidate_zone=application.zone,
        interviewer_zone=user_zone(interview.interviewer),
        confirm_outside_hours=confirm_outside_hours,
    )
    previous = interview.scheduled_at
    interview.scheduled_at = scheduled_at
    interview.sequence += 1
    interview.invited_at = timezone.now()
    interview.reminded_at = None
    interview.save(update_fields=["scheduled_at", "sequence", "invited_at", "reminded_at", "updated_at"])
    audit_record(
        actor=rescheduled_by,
        verb="interview.rescheduled",
        target=application,
        scheduled_at=scheduled_at.isoformat(),
        previous=previous.isoformat(),
    )
    _interview_emails_send(interview=interview, method=calendar.REQUEST, sent_by=rescheduled_by)
    return interview


@transaction.atomic
def interview_cancel(*, interview: Interview, cancelled_by) -> Interview:
    """Call the interview off: METHOD:CANCEL for the same event removes it from both calendars."""
    interview = _interview_open_locked(interview)
    interview.sequence += 1
    interview.cancelled_at = timezone.now()
    interview.save(update_fields=["sequence", "cancelled_at", "updated_at"])
    audit_record(actor=cancelled_by, verb="interview.cancelled", target=interview.application)
    _interview_emails_send(interview=interview, method=calendar.CANCEL, sent_by=cancelled_by)
    return interview


def interview_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: one reminder per booked time, 24 hours before it, to both people.

    Interviews booked less than 24 hours ahead get none (the invitation was the reminder). Claimed with a
    conditional update of reminded_at (cleared by a reschedule) and enqueued under a per-SEQUENCE dedupe key,
    so two runs never both send it."""
    now = now or timezone.now()
    due = (
        Interview.objects.filter(
            cancelled_at__isnull=True,
            completed_at__isnull=True,
            reminded_at__isnull=True,
            scheduled_at__gt=now,
            scheduled_at__lte=now + REMINDER_BEFORE,
            invited_at__lte=F("scheduled_at") - REMINDER_BEFORE,
        )
        .select_related("application__posting__program", "interviewer")
        .order_by("scheduled_at", "pk")
    )
    sent = 0
    for interview in due:
        with transaction.atomic():
            if not Interview.objects.filter(pk=interview.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            _interview_emails_send(interview=interview, method=calendar.REQUEST, sent_by=None, reminder=True)
        sent += 1
    return sent


@transaction.atomic
def interview_record(
    *,
    interview: Interview,
    recorded_by,
    ratings: list[int],
    question_notes: list[str],
    notes: str = "",
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
        if ratings
        else None
    )
    interview.notes = (notes or "").strip()
    interview.recommendation = recommendation
    interview.completed_at = interview.completed_at or timezone.now()
    interview.full_clean()
    interview.save()
    audit_record(
        actor=recorded_by,
        verb="interview.recorded",
        target=interview.application,
        recommendation=recommendation,
    )
    return interview
