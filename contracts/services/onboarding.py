"""Onboarding progress: the freelancer ticks steps off, a manager confirms those that need it.

Two kinds of step are not a bare tick (issue 19, item 4): a "read" step that links a Knowledge article is ticked
only after the freelancer opened the article from the checklist (onboarding_article_open records it), and a quiz
step is done only by passing its quiz (onboarding_quiz_submit grades it on the server with programs.knowledge's
one rule and records every try). A manager's confirmation still completes any step.
"""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from contracts.errors import ContractError
from contracts.models import Contract, OnboardingProgress, QuizAttempt
from core.audit import audit_record
from core.locks import lock_one
from programs.knowledge import quiz_grade, quiz_question_list
from programs.models import OnboardingStep

ONBOARDING_STATUSES = (Contract.Status.SIGNED, Contract.Status.ACTIVE)


def _progress_for(contract: Contract, step: OnboardingStep) -> OnboardingProgress:
    if step.program_id != contract.program_id:
        raise ContractError("That step belongs to another program.", code="step_program")
    if contract.status not in ONBOARDING_STATUSES:
        raise ContractError("Onboarding starts once the contract is signed.", code="onboarding_status")
    OnboardingProgress.objects.get_or_create(contract=contract, step=step)
    return lock_one(OnboardingProgress.objects.filter(contract=contract, step=step))


@transaction.atomic
def onboarding_step_complete(*, contract: Contract, step: OnboardingStep, user) -> OnboardingProgress:
    """The freelancer marks a step done. Steps that need confirmation then wait for a manager.

    A quiz step is done by passing its quiz, not here; a read step with an article needs the article opened."""
    progress = _progress_for(contract, step)
    if progress.done_at is None and step.kind == OnboardingStep.Kind.QUIZ:
        raise ContractError(
            "This step is done by passing its quiz: open “Take the quiz”.", code="quiz_required"
        )
    if progress.done_at is None and step.article_id is not None and progress.opened_at is None:
        raise ContractError(
            "Open the article first; then you can mark this step done.", code="article_not_opened"
        )
    if progress.done_at is None:
        progress.done_at = timezone.now()
        progress.done_by = user
        progress.save(update_fields=["done_at", "done_by", "updated_at"])
        audit_record(actor=user, verb="onboarding.step_done", target=contract, step=step.title)
    return progress


@transaction.atomic
def onboarding_step_undo(*, contract: Contract, step: OnboardingStep, user) -> OnboardingProgress:
    """Untick a step ticked by mistake; a confirmed step stays (the manager already checked it)."""
    progress = _progress_for(contract, step)
    if progress.confirmed_at is not None:
        raise ContractError("A manager already confirmed this step.", code="step_confirmed")
    if step.kind == OnboardingStep.Kind.QUIZ and progress.done_at is not None:
        raise ContractError("A passed quiz stays passed.", code="quiz_passed")
    if progress.done_at is not None:
        progress.done_at = None
        progress.done_by = None
        progress.save(update_fields=["done_at", "done_by", "updated_at"])
        audit_record(actor=user, verb="onboarding.step_undone", target=contract, step=step.title)
    return progress


@transaction.atomic
def onboarding_step_confirm(*, contract: Contract, step: OnboardingStep, actor) -> OnboardingProgress:
    """A manager confirms a step (and marks it done if the freelancer had not, e.g. a shadowing session they ran)."""
    progress = _progress_for(contract, step)
    now = timezone.now()
    if progress.confirmed_at is None:
        progress.done_at = progress.done_at or now
        progress.done_by = progress.done_by or actor
        progress.confirmed_at = now
        progress.confirmed_by = actor
        progress.save(update_fields=["done_at", "done_by", "confirmed_at", "confirmed_by", "updated_at"])
        audit_record(actor=actor, verb="onboarding.step_confirmed", target=contract, step=step.title)
    return progress


@transaction.atomic
def onboarding_article_open(*, contract: Contract, step: OnboardingStep, user) -> OnboardingProgress:
    """The freelancer opened the step's article from the checklist: record the first time (what lets them tick it).

    Not an audit line: opening a page changes nothing; the time stays on the progress row."""
    if step.article_id is None:
        raise ContractError("This step has no article to open.", code="no_article")
    progress = _progress_for(contract, step)
    if progress.opened_at is None:
        progress.opened_at = timezone.now()
        progress.save(update_fields=["opened_at", "updated_at"])
    return progress


@transaction.atomic
def onboarding_quiz_submit(
    *, contract: Contract, step: OnboardingStep, user, answers: Mapping[int, int]
) -> QuizAttempt:
    """Grade one try at a quiz step ({question id: chosen answer index}) and record it; a pass marks the step done.

    A fail is recorded too (the freelancer may try again); the caller shows the score and the pass mark. A quiz
    without questions cannot be passed: its manager adds them first."""
    if step.kind != OnboardingStep.Kind.QUIZ:
        raise ContractError("This step has no quiz.", code="not_quiz")
    progress = _progress_for(contract, step)
    questions = list(quiz_question_list(step=step))
    if not questions:
        raise ContractError(
            "This quiz has no questions yet, so it cannot be taken. Your program manager adds them.",
            code="quiz_empty",
        )
    unanswered = [q for q in questions if q.pk not in answers]
    if unanswered:
        raise ContractError("Answer every question, then submit.", field="answers", code="quiz_unanswered")
    grade = quiz_grade(questions=questions, answers=answers, pass_mark_percent=step.pass_mark_percent)
    now = timezone.now()
    attempt = QuizAttempt.objects.create(
        contract=contract,
        step=step,
        correct_count=grade.correct,
        question_count=grade.total,
        score_percent=grade.score_percent,
        pass_mark_percent=grade.pass_mark_percent,
        passed=grade.passed,
        answers={str(q.pk): answers[q.pk] for q in questions},
        submitted_by=user,
        submitted_at=now,
    )
    if grade.passed and progress.done_at is None:
        progress.done_at = now
        progress.done_by = user
        progress.save(update_fields=["done_at", "done_by", "updated_at"])
        audit_record(
            actor=user,
            verb="onboarding.quiz_passed",
            target=contract,
            step=step.title,
            score=f"{grade.correct}/{grade.total}",
        )
    return attempt
