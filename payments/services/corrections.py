"""Rate changes that reach back into work already paid: the difference becomes a correction adjustment.

This is payments' answer to contracts.paid_work (registered in payments.apps.ready). Work is
"already paid" once its pay is fixed: the approved hours of a period that has its payout (whatever
the payout's status), or an entry paid by a late-approval correction. Its amount is priced with the
same code that priced it then (earnings_for for payout hours, late_entry_price for late entries),
once under the rate history before the change and once after; the difference, per pay period, is a
correction for the next payout run. Pricing the period's whole work (not only the days from the
effective date) keeps the per-line rounding the payout used, so the correction is exact to the cent.
"""

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from contracts.models import Contract, RateChange
from contracts.paid_work import Correction, PaidPeriod
from core.locks import lock_rows
from core.money import format_money
from payments.earnings import ZERO, earnings_for
from payments.models import Adjustment, Payout, PayPeriod, TimeEntry
from payments.services.adjustments import adjustment_create
from payments.services.time_entries import late_entry_price


def _priced_entries(contract: Contract) -> QuerySet[TimeEntry]:
    """Approved entries of the contract whose pay is fixed: in their period's payout, or by a late correction."""
    payout = Payout.objects.filter(
        freelancer_id=OuterRef("freelancer_id"),
        program_id=OuterRef("program_id"),
        period_id=OuterRef("period_id"),
    )
    return TimeEntry.objects.filter(contract_id=contract.pk, status=TimeEntry.Status.APPROVED).filter(
        Q(correction__isnull=False) | Exists(payout)
    )


def _priced_amount(contract: Contract, period_id: int) -> Decimal:
    """What the contract's priced work in the period comes to under the rate history as it stands now."""
    entries = _priced_entries(contract).filter(period_id=period_id)
    in_payout = sum((e.amount for e in earnings_for(entries.filter(correction__isnull=True)).values()), ZERO)
    late = sum(
        (
            late_entry_price(entry=entry)[0]
            for entry in entries.filter(correction__isnull=False).select_related("contract")
        ),
        ZERO,
    )
    return in_payout + late


def paid_periods_from(*, contract: Contract, date_from: datetime.date) -> list[PaidPeriod]:
    # Days from the next rate change on keep their rate: a change only reaches up to the next one.
    until = (
        RateChange.objects.filter(contract_id=contract.pk, effective_date__gt=date_from)
        .order_by("effective_date")
        .values_list("effective_date", flat=True)
        .first()
    )
    # Closed periods, and an open one where this freelancer was already paid (an off-cycle payout).
    paid_early = Payout.objects.filter(
        period_id=OuterRef("pk"), freelancer_id=contract.freelancer_id, program_id=contract.program_id
    )
    closed = PayPeriod.objects.filter(program_id=contract.program_id, end_date__gte=date_from).filter(
        ~Q(status=PayPeriod.Status.OPEN) | Exists(paid_early)
    )
    if until is not None:
        closed = closed.filter(start_date__lt=until)
    # A payout run locks the period of each batch: holding these locks, no run prices this work meanwhile.
    periods = {period.pk: period for period in lock_rows(closed)}
    if not periods:
        return []
    affected = _priced_entries(contract).filter(period_id__in=list(periods), date__gte=date_from)
    if until is not None:
        affected = affected.filter(date__lt=until)
    hours = dict(
        affected.order_by().values("period_id").annotate(total=Sum("hours")).values_list("period_id", "total")
    )
    statuses = dict(
        Payout.objects.filter(
            freelancer_id=contract.freelancer_id, program_id=contract.program_id, period_id__in=list(hours)
        ).values_list("period_id", "status")
    )
    return [
        PaidPeriod(
            period_id=period_id,
            start_date=periods[period_id].start_date,
            end_date=periods[period_id].end_date,
            payout_status=Payout.Status(statuses[period_id]).label.lower()
            if period_id in statuses
            else "paid by a correction",
            hours=hours[period_id],
            amount=_priced_amount(contract, period_id),
        )
        for period_id in sorted(hours, key=lambda pk: periods[pk].start_date)
    ]


def paid_periods_correct(
    *, contract: Contract, change: RateChange, before: list[PaidPeriod], actor
) -> list[Correction]:
    """After `change` is saved: one correction adjustment per period whose priced work now comes to another amount."""
    corrections = []
    for period in before:
        difference = _priced_amount(contract, period.period_id) - period.amount
        if not difference:
            continue
        adjustment = adjustment_create(
            freelancer=contract.freelancer,
            program=contract.program,
            kind=Adjustment.Kind.CORRECTION,
            amount=difference,
            currency=contract.currency,
            created_by=actor,
            reason=(
                f"Rate change to {format_money(change.hourly_rate, contract.currency)}/h from "
                f"{change.effective_date:%d %b %Y}: {period.hours} h already paid in {period.label}"
            ),
            source_key=f"contracts:rate_change:{change.pk}:period:{period.period_id}",
            # The manager confirmed the change into paid days; a large difference is recorded and flagged.
            confirm_over_limit=True,
            over_limit_reason="Correction of a rate change confirmed into days already paid",
        )
        corrections.append(Correction(period=period, amount=difference, adjustment_id=adjustment.pk))
    return corrections
