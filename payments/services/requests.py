"""Payout requests: early payment of approved, unpaid earnings, approved or declined by a manager.

An approved request becomes an advance: a negative adjustment that the next payout run deducts,
so the money is paid once, early, and never again.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one, lock_rows
from core.money import round_money, to_decimal
from payments.balances import freelancer_available
from payments.errors import PaymentsError
from payments.models import Adjustment, PayoutRequest
from payments.services.adjustments import adjustment_create
from payments.services.periods import program_today
from payments.services.rates import exchange_rate_on
from programs.models import Program


def _amount(value):
    try:
        amount = round_money(to_decimal(value))
    except (TypeError, ValueError):
        raise PaymentsError("Enter the amount as a number, e.g. 150.00.", field="amount")
    if not amount.is_finite() or amount <= 0:
        raise PaymentsError("The amount must be more than zero.", field="amount")
    return amount


@transaction.atomic
def payout_request_create(
    *, freelancer: Freelancer, program: Program, amount, note: str = ""
) -> PayoutRequest:
    lock_rows(Freelancer.objects.filter(pk=freelancer.pk))  # two quick requests cannot both spend the balance
    amount = _amount(amount)
    balance = freelancer_available(freelancer_id=freelancer.pk, program_id=program.pk)
    if balance is None or balance.available <= 0:
        raise PaymentsError(f"You have no approved, unpaid earnings in {program} to request.", field="amount")
    if amount > balance.available:
        raise PaymentsError(
            f"You can request at most {balance.available:.2f} {balance.currency} (your available balance).",
            field="amount",
        )
    request = PayoutRequest(
        freelancer=freelancer,
        program=program,
        amount=amount,
        currency=balance.currency,
        note=(note or "").strip()[:300],
        payout_currency=freelancer.payout_currency,
    )
    request.full_clean()
    request.save()
    audit_record(actor=freelancer.user, verb="payout_request.created", target=request, amount=str(amount))
    return request


@transaction.atomic
def payout_request_approve(
    *, request: PayoutRequest, decided_by, today: datetime.date | None = None
) -> PayoutRequest:
    """Approve: convert at today's rate and book the advance against the next payout."""
    lock_rows(Freelancer.objects.filter(pk=request.freelancer_id))
    request = lock_one(PayoutRequest.objects.filter(pk=request.pk).select_related("freelancer", "program"))
    check_transition(
        PayoutRequest.TRANSITIONS, request.status, PayoutRequest.Status.APPROVED, label="payout request"
    )
    balance = freelancer_available(
        freelancer_id=request.freelancer_id, program_id=request.program_id, exclude_request_id=request.pk
    )
    if balance is None or request.amount > balance.available:
        available = balance.available if balance else 0
        raise PaymentsError(
            f"The request is above the available balance now ({available:.2f} {request.currency})."
        )
    on = today or program_today(program=request.program)
    rate, _rate_date = exchange_rate_on(
        base_currency=request.currency, quote_currency=request.payout_currency, on=on
    )
    advance = adjustment_create(
        freelancer=request.freelancer,
        program=request.program,
        kind=Adjustment.Kind.ADVANCE,
        amount=request.amount,
        currency=request.currency,
        reason=f"Early payment (request #{request.pk})",
        created_by=decided_by,
        source_key=f"payout_request:{request.pk}",
    )
    request.status = PayoutRequest.Status.APPROVED
    request.decided_by = decided_by
    request.decided_at = timezone.now()
    request.exchange_rate = rate
    request.payout_amount = round_money(request.amount * rate)
    request.advance = advance
    request.save()
    audit_record(actor=decided_by, verb="payout_request.approved", target=request)
    return request


@transaction.atomic
def payout_request_decline(*, request: PayoutRequest, decided_by, reason: str) -> PayoutRequest:
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError("Give the freelancer a reason for declining.", field="reason")
    request = lock_one(PayoutRequest.objects.filter(pk=request.pk))
    check_transition(
        PayoutRequest.TRANSITIONS, request.status, PayoutRequest.Status.DECLINED, label="payout request"
    )
    request.status = PayoutRequest.Status.DECLINED
    request.decided_by = decided_by
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save()
    audit_record(actor=decided_by, verb="payout_request.declined", target=request, reason=reason)
    return request


@transaction.atomic
def payout_request_cancel(*, request: PayoutRequest, freelancer: Freelancer) -> PayoutRequest:
    request = lock_one(PayoutRequest.objects.filter(pk=request.pk, freelancer=freelancer))
    check_transition(
        PayoutRequest.TRANSITIONS, request.status, PayoutRequest.Status.CANCELLED, label="payout request"
    )
    request.status = PayoutRequest.Status.CANCELLED
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def payout_request_mark_paid(
    *, request: PayoutRequest, paid_on: datetime.date, reference: str, marked_by
) -> PayoutRequest:
    reference = (reference or "").strip()
    if not reference:
        raise PaymentsError("Enter the payment reference.", field="reference")
    request = lock_one(PayoutRequest.objects.filter(pk=request.pk))
    check_transition(
        PayoutRequest.TRANSITIONS, request.status, PayoutRequest.Status.PAID, label="payout request"
    )
    request.status = PayoutRequest.Status.PAID
    request.paid_on = paid_on
    request.payment_reference = reference[:120]
    request.save()
    audit_record(actor=marked_by, verb="payout_request.paid", target=request, reference=reference)
    return request
