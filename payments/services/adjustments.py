"""Money outside hours × rate: bonuses (reviews creates them), paid trial tasks, corrections, deductions."""

from django.db import IntegrityError, transaction

from accounts.models import Freelancer
from contracts.models import Contract
from core.audit import audit_record
from core.money import round_money, to_decimal
from payments.errors import PaymentsError
from payments.models import Adjustment, PayPeriod
from programs.models import Program


def contract_currency(*, freelancer: Freelancer, program: Program) -> str:
    """The currency the freelancer is paid in for this program: their latest contract's, else the program's."""
    contract = (
        Contract.objects.filter(freelancer=freelancer, program=program)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .order_by("-start_date").only("currency").first()
    )
    return contract.currency if contract else program.currency


def adjustment_create(
    *, freelancer: Freelancer, program: Program, kind: str, amount, currency: str, reason: str, created_by,
    period: PayPeriod | None = None, source_key: str | None = None,
) -> Adjustment:
    """Add money to (or take it from) a freelancer's next payout in a program.

    `amount` is a Decimal (or str/int, never float) in the contract currency; deductions may be
    given positive and are stored negative. `period` pins it to an open period's run; without it,
    the next run of the program pays it. `source_key` (e.g. "reviews:bonus:42") makes the call
    idempotent: a second call with the same key returns the first adjustment.
    """
    if source_key:
        existing = Adjustment.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    if kind not in Adjustment.Kind.values:
        raise PaymentsError(f"Unknown adjustment kind “{kind}”.", field="kind")
    try:
        amount = round_money(to_decimal(amount))  # a float is a programming error: TypeError, loudly
    except ValueError:
        raise PaymentsError("Enter the amount as a number, e.g. 25.00.", field="amount")
    if not amount.is_finite():
        raise PaymentsError("Enter the amount as a number, e.g. 25.00.", field="amount")
    if kind in (Adjustment.Kind.DEDUCTION, Adjustment.Kind.ADVANCE):
        amount = -abs(amount)
    if amount == 0:
        raise PaymentsError("The amount cannot be zero.", field="amount")
    if kind in (Adjustment.Kind.BONUS, Adjustment.Kind.PAID_TRIAL) and amount < 0:
        raise PaymentsError("A bonus or paid trial task must be a positive amount; use a deduction to take money.",
                            field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError("Give a reason: it is printed on the freelancer's statement.", field="reason")
    expected = contract_currency(freelancer=freelancer, program=program)
    if currency != expected:
        raise PaymentsError(
            f"{freelancer} is paid in {expected} in {program}; enter the adjustment in {expected}.", field="currency"
        )
    if period is not None and (period.program_id != program.pk or period.status != PayPeriod.Status.OPEN):
        raise PaymentsError("Adjustments go into an open period of the same program (or leave the period empty).",
                            field="period")
    adjustment = Adjustment(
        freelancer=freelancer, program=program, kind=kind, amount=amount, currency=currency, reason=reason[:300],
        created_by=created_by, period=period, source_key=source_key or None,
    )
    adjustment.full_clean()
    try:
        with transaction.atomic():
            adjustment.save()
            audit_record(actor=created_by, verb="adjustment.created", target=adjustment, kind=kind,
                         amount=str(amount), currency=currency)
    except IntegrityError:
        if source_key:
            return Adjustment.objects.get(source_key=source_key)
        raise
    return adjustment


def paid_trial_adjustments_sync(*, program: Program, freelancer_ids, created_by=None) -> int:
    """Turn recruiting's paid trial tasks of hired freelancers into adjustments, once each (source key).

    A trial paid in another currency than the contract's is converted at today's rate; without a rate
    it waits (nothing is created) and the next run tries again, so it is never lost nor paid twice.
    """
    try:
        from recruiting.selectors import paid_trial_tasks_for_freelancers
    except ImportError:  # recruiting does not offer it
        return 0
    from payments.services.periods import program_today
    from payments.services.rates import exchange_rate_on

    created = 0
    for task in paid_trial_tasks_for_freelancers(program_id=program.pk, freelancer_ids=list(freelancer_ids)):
        key = f"recruiting:trial_task:{task.pk}"
        if not task.amount or Adjustment.objects.filter(source_key=key).exists():
            continue
        freelancer = Freelancer.objects.get(pk=task.application.freelancer_id)
        currency = contract_currency(freelancer=freelancer, program=program)
        amount = task.amount
        try:
            if task.currency != currency:
                rate, _ = exchange_rate_on(base_currency=task.currency, quote_currency=currency,
                                           on=program_today(program=program))
                amount = round_money(task.amount * rate)
            adjustment_create(
                freelancer=freelancer, program=program, kind=Adjustment.Kind.PAID_TRIAL, amount=amount,
                currency=currency, created_by=created_by, source_key=key,
                reason=f"Paid trial task ({task.amount} {task.currency})"
                if task.currency != currency else "Paid trial task",
            )
            created += 1
        except PaymentsError:
            continue
    return created
