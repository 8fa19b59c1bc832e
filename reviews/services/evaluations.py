"""Evaluations and their outcomes, and recognition (thank-you notes).

Each outcome acts through the owning app's service, inside the same transaction: a failure there (no active
contract, a rate below the floor, a payments rule) rolls the whole evaluation back.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Freelancer
from contracts.models import RateChange
from contracts.selectors import contract_active_for, standing_get
from contracts.services import contract_terminate, freelancer_tier_set, rate_change_create
from core.audit import audit_record
from core.errors import DomainError
from core.locks import lock_one
from core.money import round_money
from core.outbox import email_enqueue
from payments.models import Adjustment
from payments.services import adjustment_create, contract_currency
from programs.models import Program
from reviews.errors import ReviewError
from reviews.models import Evaluation, ThankYouNote
from reviews.selectors.metrics import evaluation_metrics

Outcome = Evaluation.Outcome
NEEDS_ACTIVE_CONTRACT = {Outcome.RATE_ADJUSTMENT, Outcome.PROMOTE, Outcome.END_CONTRACT}
# The owning services name their own arguments in their errors; here the same values have the evaluation's names.
RATE_FIELDS = {
    "hourly_rate": "new_hourly_rate",
    "effective_date": "rate_effective_date",
    "override_reason": "rate_override_reason",
}
BONUS_FIELDS = {"amount": "bonus_amount"}


@contextmanager
def _errors_named_as(fields: dict[str, str]):
    try:
        yield
    except DomainError as error:
        error.field = fields.get(error.field, error.field)
        raise


def _money(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float):
        raise TypeError("Money must not be a float.")
    try:
        amount = round_money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise ReviewError("Enter an amount such as 50.00.", field=field)
    if not amount.is_finite() or amount <= 0:
        raise ReviewError("The amount must be above zero.", field=field)
    return amount


def _site_link(name: str, **kwargs) -> str:
    from django.conf import settings

    return settings.SITE_URL + reverse(name, kwargs=kwargs)


@transaction.atomic
def evaluation_create(
    *,
    program: Program,
    freelancer: Freelancer,
    actor,
    period_start: datetime.date,
    period_end: datetime.date,
    outcome: str,
    summary: str,
    private_notes: str = "",
    bonus_amount=None,
    new_hourly_rate=None,
    rate_effective_date: datetime.date | None = None,
    plan_goals: str = "",
    plan_review_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    end_reason: str = "",
    rate_override_reason: str = "",
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
    confirm_paid_period: bool = False,
    confirm_over_limit: bool = False,
    over_limit_reason: str = "",
) -> Evaluation:
    """Record an evaluation with the period's numbers (snapshotted) and apply its outcome.

    The confirmations go to the owning rules unchanged: a new rate outside the program's pay range needs
    `confirm_out_of_range` with `out_of_range_reason`, one taking effect in paid days `confirm_paid_period`
    (contracts.rate_change_create); a bonus above the adjustment limit `confirm_over_limit` with
    `over_limit_reason` (payments.adjustment_create). Each reason is recorded there and in its audit row.
    """
    if outcome not in Outcome.values:
        raise ReviewError("Choose an outcome.", field="outcome")
    summary = (summary or "").strip()
    if not summary:
        raise ReviewError("Write a summary: the freelancer reads it in the portal.", field="summary")
    if period_start is None or period_end is None or period_end < period_start:
        raise ReviewError("The period ends before it starts.", field="period_end")
    freelancer = lock_one(Freelancer.objects.filter(pk=freelancer.pk))
    contract = contract_active_for(freelancer_id=freelancer.pk, program_id=program.pk)
    if outcome in NEEDS_ACTIVE_CONTRACT and contract is None:
        raise ReviewError(
            f"{freelancer} has no active contract in {program}; this outcome needs one.", field="outcome"
        )
    evaluation = Evaluation(
        program=program,
        freelancer=freelancer,
        contract=contract,
        period_start=period_start,
        period_end=period_end,
        outcome=outcome,
        summary=summary,
        private_notes=(private_notes or "").strip(),
        created_by=actor,
        metrics=evaluation_metrics(
            program=program, freelancer_id=freelancer.pk, start_date=period_start, end_date=period_end
        ),
    )
    if outcome == Outcome.RECOGNIZE:
        evaluation.bonus_amount = _money(bonus_amount, "bonus_amount")
        if evaluation.bonus_amount is not None:
            evaluation.bonus_currency = contract_currency(freelancer=freelancer, program=program)
    elif outcome == Outcome.RATE_ADJUSTMENT:
        evaluation.new_hourly_rate = _money(new_hourly_rate, "new_hourly_rate")
        if evaluation.new_hourly_rate is None:
            raise ReviewError("Give the new hourly rate.", field="new_hourly_rate")
        if rate_effective_date is None:
            raise ReviewError("Give the date the new rate takes effect.", field="rate_effective_date")
        evaluation.rate_effective_date = rate_effective_date
    elif outcome == Outcome.PROMOTE:
        tier = standing_get(freelancer_id=freelancer.pk, program_id=program.pk).tier
        if tier >= 2:
            raise ReviewError(f"{freelancer} is already tier {tier} in {program.name}.", field="outcome")
        evaluation.tier_before, evaluation.tier_after = tier, 2
    elif outcome == Outcome.PERFORMANCE_PLAN:
        evaluation.plan_goals = (plan_goals or "").strip()
        if not evaluation.plan_goals:
            raise ReviewError("Write the plan's goals.", field="plan_goals")
        if plan_review_date is None or plan_review_date <= period_end:
            raise ReviewError("Set a review date after the evaluated period.", field="plan_review_date")
        evaluation.plan_review_date = plan_review_date
    elif outcome == Outcome.END_CONTRACT:
        evaluation.end_reason = (end_reason or "").strip()
        if not evaluation.end_reason:
            raise ReviewError("Give the reason the contract ends.", field="end_reason")
        if end_date is None:
            raise ReviewError("Give the date the contract ends.", field="end_date")
        evaluation.end_date = end_date
    evaluation.full_clean(exclude=["bonus_currency"])
    evaluation.save()
    _apply_outcome(
        evaluation=evaluation,
        freelancer=freelancer,
        contract=contract,
        actor=actor,
        rate_override_reason=rate_override_reason,
        confirm_out_of_range=confirm_out_of_range,
        out_of_range_reason=out_of_range_reason,
        confirm_paid_period=confirm_paid_period,
        confirm_over_limit=confirm_over_limit,
        over_limit_reason=over_limit_reason,
    )
    audit_record(
        actor=actor,
        verb="evaluation.recorded",
        target=evaluation,
        outcome=outcome,
        freelancer=freelancer.pk,
        program=program.slug,
    )
    link = _site_link("reviews:portal_evaluation", pk=evaluation.pk)
    body = render_to_string("reviews/email/evaluation.txt", {"evaluation": evaluation, "link": link})
    email = freelancer.user.email
    email_enqueue(
        to=[email],
        subject=f"Your evaluation in {program.name}",
        body=body,
        program_id=program.pk,
        about=evaluation,
    )
    return evaluation


def _apply_outcome(
    *,
    evaluation: Evaluation,
    freelancer: Freelancer,
    contract,
    actor,
    rate_override_reason: str,
    confirm_out_of_range: bool,
    out_of_range_reason: str,
    confirm_paid_period: bool,
    confirm_over_limit: bool,
    over_limit_reason: str,
):
    outcome = evaluation.outcome
    period = f"{evaluation.period_start:%d %b} – {evaluation.period_end:%d %b %Y}"
    if outcome == Outcome.RECOGNIZE and evaluation.bonus_amount is not None:
        with _errors_named_as(BONUS_FIELDS):
            adjustment = adjustment_create(
                freelancer=freelancer,
                program=evaluation.program,
                kind=Adjustment.Kind.BONUS,
                amount=evaluation.bonus_amount,
                currency=evaluation.bonus_currency,
                reason=f"Recognition bonus: evaluation {period}",
                created_by=actor,
                source_key=f"reviews:evaluation:{evaluation.pk}",
                confirm_over_limit=confirm_over_limit,
                over_limit_reason=over_limit_reason,
            )
        evaluation.adjustment_id = adjustment.pk
        evaluation.save(update_fields=["adjustment_id", "updated_at"])
    elif outcome == Outcome.RATE_ADJUSTMENT:
        with _errors_named_as(RATE_FIELDS):
            change = rate_change_create(
                contract=contract,
                effective_date=evaluation.rate_effective_date,
                hourly_rate=evaluation.new_hourly_rate,
                reason=RateChange.Reason.EVALUATION,
                approved_by=actor,
                note=f"Evaluation {period}",
                override_reason=rate_override_reason,
                confirm_out_of_range=confirm_out_of_range,
                out_of_range_reason=out_of_range_reason,
                confirm_paid_period=confirm_paid_period,
            )
        evaluation.rate_change_id = change.pk
        evaluation.save(update_fields=["rate_change_id", "updated_at"])
    elif outcome == Outcome.PROMOTE:
        freelancer_tier_set(
            freelancer=freelancer,
            program=evaluation.program,
            tier=evaluation.tier_after or 2,
            actor=actor,
            evaluation=evaluation.pk,
        )
    elif outcome == Outcome.END_CONTRACT:
        contract_terminate(
            contract=contract,
            reason=f"Evaluation {period}: {evaluation.end_reason}",
            ended_on=evaluation.end_date,
            actor=actor,
        )


@transaction.atomic
def thank_you_send(
    *, program: Program, freelancer: Freelancer, actor, message: str, period_label: str = ""
) -> ThankYouNote:
    """A 'thank you' from the leaderboard: stored (the portal shows it) and e-mailed after commit."""
    message = (message or "").strip()
    if not message:
        raise ReviewError("Write a few words of thanks.", field="message")
    if len(message) > 2000:
        raise ReviewError("Keep it under 2,000 characters.", field="message")
    note = ThankYouNote(
        program=program,
        freelancer=freelancer,
        sent_by=actor,
        message=message,
        period_label=(period_label or "")[:60],
    )
    note.full_clean()
    note.save()
    audit_record(actor=actor, verb="recognition.thank_you", target=freelancer, program=program.slug)
    body = render_to_string(
        "reviews/email/thank_you.txt", {"note": note, "link": _site_link("reviews:portal_reviews")}
    )
    email = freelancer.user.email
    email_enqueue(
        to=[email], subject=f"Thank you from {program.name}", body=body, program_id=program.pk, about=note
    )
    return note
