"""Money outside hours × rate: bonuses (reviews creates them), corrections, deductions.

Paid trial tasks are paid to the candidate as TrialPayouts (payments.services.trial_payouts), not here.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import Freelancer
from contracts.models import Contract
from core.audit import audit_record
from core.money import format_money, round_money, to_decimal
from payments.errors import PaymentsError
from payments.models import Adjustment, PayPeriod
from payments.services.periods import pay_schedule_get, program_today
from payments.services.rates import money_convert
from programs.models import Program

# Advances balance an early payment already bounded by the available balance (payments.services.requests).
LIMIT_EXEMPT_KINDS = {Adjustment.Kind.ADVANCE}
OVER_LIMIT_CODES = ("adjustment_over_limit", "adjustment_over_limit_reason")


def adjustment_limit_problem(*, program: Program, amount: Decimal, currency: str) -> str:
    """Why `amount` is above the program's adjustment limit ("" when it is not). The one rule for the limit.

    The limit (PaySchedule.adjustment_limit) is in the program currency and bounds the size of an
    adjustment either way (a deduction too). An amount in another currency is compared at today's
    rate; without one it cannot be compared, which counts as above: never let it through unexamined.
    """
    limit = pay_schedule_get(program=program).adjustment_limit
    shown_limit = format_money(limit, program.currency)
    if currency != program.currency:
        converted = money_convert(
            amount=limit,
            from_currency=program.currency,
            to_currency=currency,
            on=program_today(program=program),
        )
        if converted is None:
            return (
                f"The program's adjustment limit is {shown_limit} and there is no {program.currency}→{currency} "
                "exchange rate to compare this amount with it"
            )
        limit, shown_limit = converted, f"{shown_limit} (about {format_money(converted, currency)})"
    if abs(amount) > limit:
        return f"{format_money(abs(amount), currency)} is above the program's limit of {shown_limit} per adjustment"
    return ""


def contract_currency(*, freelancer: Freelancer, program: Program) -> str:
    """The currency the freelancer is paid in for this program: their latest contract's, else the program's."""
    contract = (
        Contract.objects.filter(freelancer=freelancer, program=program)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .order_by("-start_date")
        .only("currency")
        .first()
    )
    return contract.currency if contract else program.currency


def adjustment_create(
    *,
    freelancer: Freelancer,
    program: Program,
    kind: str,
    amount,
    currency: str,
    reason: str,
    created_by,
    period: PayPeriod | None = None,
    source_key: str | None = None,
    confirm_over_limit: bool = False,
    over_limit_reason: str = "",
) -> Adjustment:
    """Add money to (or take it from) a freelancer's next payout in a program.

    `amount` is a Decimal (or str/int, never float) in the contract currency; deductions may be
    given positive and are stored negative. `period` pins it to an open period's run; without it,
    the next run of the program pays it. `source_key` (e.g. "reviews:bonus:42") makes the call
    idempotent: a second call with the same key returns the first adjustment.

    An amount above the program's adjustment limit is refused unless `confirm_over_limit` with an
    `over_limit_reason`; the reason is recorded and the payout that pays it is flagged in its run.
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
        raise PaymentsError(
            "A bonus or paid trial task must be a positive amount; use a deduction to take money.",
            field="amount",
        )
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError("Give a reason: it is printed on the freelancer's statement.", field="reason")
    expected = contract_currency(freelancer=freelancer, program=program)
    if currency != expected:
        raise PaymentsError(
            f"{freelancer} is paid in {expected} in {program}; enter the adjustment in {expected}.",
            field="currency",
        )
    if period is not None and (period.program_id != program.pk or period.status != PayPeriod.Status.OPEN):
        raise PaymentsError(
            "Adjustments go into an open period of the same program (or leave the period empty).",
            field="period",
        )
    over_limit = (
        ""
        if kind in LIMIT_EXEMPT_KINDS
        else adjustment_limit_problem(program=program, amount=amount, currency=currency)
    )
    over_limit_reason = (over_limit_reason or "").strip() if over_limit else ""
    if over_limit and not confirm_over_limit:
        raise PaymentsError(
            f"{over_limit}. Check the amount; to add it anyway, tick “confirm” and give the reason.",
            field="amount",
            code=OVER_LIMIT_CODES[0],
        )
    if over_limit and not over_limit_reason:
        raise PaymentsError(
            f"{over_limit}: give the reason for this amount.",
            field="over_limit_reason",
            code=OVER_LIMIT_CODES[1],
        )
    adjustment = Adjustment(
        freelancer=freelancer,
        program=program,
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason[:300],
        created_by=created_by,
        period=period,
        source_key=source_key or None,
        over_limit_reason=over_limit_reason,
    )
    adjustment.full_clean()
    try:
        with transaction.atomic():
            adjustment.save()
            audit_record(
                actor=created_by,
                verb="adjustment.created",
                target=adjustment,
                kind=kind,
                amount=str(amount),
                currency=currency,
                over_limit=over_limit,
                over_limit_reason=over_limit_reason,
            )
    except IntegrityError:
        if source_key:
            return Adjustment.objects.get(source_key=source_key)
        raise
    return adjustment
