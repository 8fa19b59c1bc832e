"""Onboarding progress: the freelancer ticks steps off, a manager confirms those that need it."""

from django.db import transaction
from django.utils import timezone

from contracts.errors import ContractError
from contracts.models import Contract, OnboardingProgress
from core.audit import audit_record
from core.locks import lock_one
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
    """The freelancer marks a step done. Steps that need confirmation then wait for a manager."""
    progress = _progress_for(contract, step)
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
