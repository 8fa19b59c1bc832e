import datetime
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.money import CURRENCY_CODES, round_money, to_decimal
from programs.models import QAScorecard
from programs.scoring import scorecard_score
from recruiting import scoring
from recruiting.errors import RecruitingError
from recruiting.models import Application, TrialTask
from recruiting.services.applications import application_move

# Candidates who are a little late can still submit (the submission is marked late).
TRIAL_LINK_GRACE = datetime.timedelta(days=2)
MAX_TRIAL_ANSWER_CHARS = 10000


def _clean_questions(questions) -> list[str]:
    cleaned = [q.strip() for q in (questions or []) if q and q.strip()]
    if not cleaned:
        raise RecruitingError("Add at least one support question to answer.", field="support_questions")
    return cleaned


@transaction.atomic
def trial_task_send(
    *,
    application: Application,
    sent_by,
    instructions: str,
    support_questions: list[str],
    is_paid: bool,
    amount=None,
    currency: str = "USD",
    deadline: datetime.datetime,
    send_message: bool = True,
) -> TrialTask:
    """Give the candidate a trial task: a private link, the follow-up message, the trial-task stage."""
    from recruiting.services.messages import message_send_template

    application = lock_one(Application.objects.filter(pk=application.pk))
    if application.is_anonymised:
        raise RecruitingError("This application was anonymised.")
    if not (instructions or "").strip():
        raise RecruitingError("Write the instructions.", field="instructions")
    questions = _clean_questions(support_questions)
    if deadline <= timezone.now():
        raise RecruitingError("The deadline must be in the future.", field="deadline")
    if currency not in CURRENCY_CODES:
        raise RecruitingError("Choose a currency from the list.", field="currency")
    if is_paid:
        if amount in (None, ""):
            raise RecruitingError("Say how much the paid trial task pays.", field="amount")
        amount = round_money(to_decimal(amount))
        if amount <= 0:
            raise RecruitingError("The amount must be above zero.", field="amount")
    else:
        amount = None
    if application.stage == Application.Stage.APPLIED:
        application = application_move(
            application=application,
            to_stage=Application.Stage.SCREENING,
            moved_by=sent_by,
            note="Screened: trial task sent",
        )
    if application.stage != Application.Stage.TRIAL_TASK:
        application = application_move(
            application=application,
            to_stage=Application.Stage.TRIAL_TASK,
            moved_by=sent_by,
            note="Trial task sent",
        )
    trial = TrialTask(
        application=application,
        instructions=instructions.strip(),
        support_questions=questions,
        is_paid=is_paid,
        amount=amount,
        currency=currency,
        deadline=deadline,
        token=secrets.token_urlsafe(32),
        expires_at=deadline + TRIAL_LINK_GRACE,
        sent_by=sent_by,
    )
    trial.full_clean()
    trial.save()
    audit_record(
        actor=sent_by,
        verb="trial_task.sent",
        target=application,
        trial_task_id=trial.pk,
        paid=is_paid,
        amount=str(amount) if amount is not None else None,
    )
    if send_message:
        message_send_template(application=application, kind="follow_up", sent_by=sent_by)
    return trial


@transaction.atomic
def trial_task_submit(*, trial_task: TrialTask, answers: list[str]) -> TrialTask:
    """The candidate's answers, through the private link. Once only, before the link expires."""
    trial = lock_one(TrialTask.objects.filter(pk=trial_task.pk))
    if trial.status == TrialTask.Status.CANCELLED or trial.is_expired:
        raise RecruitingError("This trial task link is no longer valid.")
    if trial.status != TrialTask.Status.SENT:
        raise RecruitingError("This trial task was already submitted. Thank you!", code="already_submitted")
    answers = [(a or "").strip() for a in answers]
    if len(answers) != len(trial.support_questions) or any(not a for a in answers):
        raise RecruitingError("Answer every question.", field="answers")
    if any(len(a) > MAX_TRIAL_ANSWER_CHARS for a in answers):
        raise RecruitingError(f"Keep each answer under {MAX_TRIAL_ANSWER_CHARS} characters.", field="answers")
    now = timezone.now()
    check_transition(
        TrialTask.TRANSITIONS, TrialTask.Status(trial.status), TrialTask.Status.SUBMITTED, label="trial task"
    )
    trial.answers = [
        {"question": q, "answer": a} for q, a in zip(trial.support_questions, answers, strict=True)
    ]
    trial.status = TrialTask.Status.SUBMITTED
    trial.submitted_at = now
    trial.save(update_fields=["answers", "status", "submitted_at", "updated_at"])
    Application.objects.filter(pk=trial.application_id, candidate_replied_at__isnull=True).update(
        candidate_replied_at=now
    )
    audit_record(verb="trial_task.submitted", target=trial.application, trial_task_id=trial.pk)
    return trial


def grading_criteria(*, program) -> tuple[QAScorecard | None, list]:
    """The program's QA scorecard and its criteria when it has one with criteria, else (None, rubric)."""
    scorecard = QAScorecard.objects.filter(program=program).prefetch_related("criteria").first()
    if scorecard is not None:
        criteria = list(scorecard.criteria.all())
        if criteria:
            return scorecard, criteria
    return None, scoring.RUBRIC


@transaction.atomic
def trial_task_grade(*, trial_task: TrialTask, graded_by, ratings: dict, notes: str = "") -> TrialTask:
    """Grade a submitted trial: the program's QA scorecard when it exists, else the short rubric.

    `ratings` maps criterion id (scorecard) or rubric key → integer rating. The score is kept on the
    trial task and on the application (application.trial_score), which stays linked to the freelancer.
    """
    trial = lock_one(TrialTask.objects.filter(pk=trial_task.pk))
    check_transition(
        TrialTask.TRANSITIONS, TrialTask.Status(trial.status), TrialTask.Status.GRADED, label="trial task"
    )
    application = Application.objects.select_related("posting__program").get(pk=trial.application_id)
    scorecard, criteria = grading_criteria(program=application.posting.program)
    if scorecard is not None:
        by_id = {}
        for key, value in ratings.items():
            try:
                by_id[int(key)] = value
            except (TypeError, ValueError):
                raise RecruitingError("Unknown criterion.", field="ratings")
        score = scorecard_score(scorecard=scorecard, ratings=by_id, criteria=criteria)
        stored = {str(k): v for k, v in by_id.items()}
    else:
        score = scoring.rubric_score(ratings=ratings)
        stored = {k: ratings[k] for k, _n, _h in scoring.RUBRIC}
    trial.ratings = stored
    trial.score = Decimal(score)
    trial.grading_notes = (notes or "").strip()
    trial.status = TrialTask.Status.GRADED
    trial.graded_at = timezone.now()
    trial.graded_by = graded_by
    trial.save(
        update_fields=["ratings", "score", "grading_notes", "status", "graded_at", "graded_by", "updated_at"]
    )
    Application.objects.filter(pk=application.pk).update(trial_score=trial.score)
    audit_record(actor=graded_by, verb="trial_task.graded", target=application, score=str(trial.score))
    return trial


@transaction.atomic
def trial_task_cancel(*, trial_task: TrialTask, cancelled_by) -> TrialTask:
    trial = lock_one(TrialTask.objects.filter(pk=trial_task.pk))
    check_transition(
        TrialTask.TRANSITIONS, TrialTask.Status(trial.status), TrialTask.Status.CANCELLED, label="trial task"
    )
    trial.status = TrialTask.Status.CANCELLED
    trial.save(update_fields=["status", "updated_at"])
    audit_record(actor=cancelled_by, verb="trial_task.cancelled", target=trial.application)
    return trial
