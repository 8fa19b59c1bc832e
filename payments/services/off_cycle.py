"""The off-cycle payout: a freelancer who leaves is paid for the current period now, not when it ends.

It is the payout the period's regular run would make, made early: the same pricing (runs.payouts_build_and_save,
so the Decimal arithmetic is the regular run's to the cent), over the same rows (approved entries of the period
and the unpaid adjustments), saved as the freelancer's one payout for the period. Nothing is paid twice:

- Payout is unique per freelancer, program and period, and the regular run skips freelancers who already have
  one for the period (runs._candidate_freelancer_ids).
- The period stays open for everyone else, so an entry of this freelancer approved afterwards is paid like a
  late approval: by a correction adjustment in a later run (time_entries._review looks for the payout).
- The period's row lock serialises this with approvals and with the run's batches.
"""

import datetime

from django.db import transaction
from django.db.models import Max, Q

from accounts.models import Freelancer
from contracts.models import Contract
from core.audit import audit_record
from core.locks import lock_one
from core.money import format_money
from payments.errors import PaymentsError
from payments.models import Payout, PayPeriod, TimeEntry
from payments.services.periods import pay_period_for, program_today
from payments.services.runs import payouts_build_and_save
from programs.models import Program

LIVE_CONTRACT = (Contract.Status.SIGNED, Contract.Status.ACTIVE)
LEFT_CONTRACT = (Contract.Status.ENDED, Contract.Status.TERMINATED)


def freelancer_is_leaving(*, freelancer: Freelancer, program: Program) -> bool:
    """They had a contract in the program, and none that is live (signed or active) runs on without an end date."""
    contracts = Contract.objects.filter(freelancer=freelancer, program=program)
    if not contracts.filter(status__in=LIVE_CONTRACT + LEFT_CONTRACT).exists():
        return False
    return not contracts.filter(status__in=LIVE_CONTRACT, end_date__isnull=True).exists()


@transaction.atomic
def payout_off_cycle_create(
    *,
    program: Program,
    freelancer: Freelancer,
    created_by,
    today: datetime.date | None = None,
) -> tuple[Payout, bool]:
    """The leaving freelancer's payout for the current period, made now: (payout, made by this call).

    The current period is the one containing today, or their last contract day when that came earlier in it; a
    last day in a period that has already ended is refused (that period's regular run pays them).

    Idempotent: when the freelancer already has a payout for the period, that payout is returned and nothing
    changes. Refused (PaymentsError, nothing changed) for a freelancer who is not leaving, with nothing to pay,
    or whose pay cannot be priced (mixed currencies, no exchange rate).
    """
    today = today or program_today(program=program)
    if not freelancer_is_leaving(freelancer=freelancer, program=program):
        raise PaymentsError(
            f"{freelancer.legal_name} is not leaving {program.name}: an off-cycle payout is for a freelancer whose "
            "contract has ended or has an end date. Their time is paid by the regular payout run.",
            field="freelancer",
        )
    last_day = Contract.objects.filter(freelancer=freelancer, program=program).aggregate(
        last=Max("end_date")
    )["last"]
    period = pay_period_for(program=program, day=min(today, last_day) if last_day else today)
    period = lock_one(PayPeriod.objects.filter(pk=period.pk))
    existing = Payout.objects.filter(freelancer=freelancer, program=program, period=period).first()
    if existing is not None:
        return existing, False
    if period.end_date < today:
        raise PaymentsError(
            f"{freelancer.legal_name}'s last day ({last_day:%d %b %Y}) is in the pay period that ended on "
            f"{period.end_date:%d %b %Y}: start the payout run of that period, which pays them with everyone else.",
            field="freelancer",
        )
    if period.status != PayPeriod.Status.OPEN:  # a run closed it early by hand: that run pays them
        raise PaymentsError(
            f"The period {period} is already closed; its payout run pays {freelancer.legal_name}."
        )
    payouts, errors = payouts_build_and_save(
        period=period, run=None, run_date=today, freelancer_ids=[freelancer.pk]
    )
    if errors:
        raise PaymentsError(f"Nothing was paid: {errors[0]['message']}")
    if not payouts:
        raise PaymentsError(
            f"{freelancer.legal_name} has no approved time or adjustment to pay in {program.name} for "
            f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}; nothing was changed.",
            field="freelancer",
        )
    (payout,) = payouts
    waiting = (
        TimeEntry.objects.filter(freelancer=freelancer, program=program, period=period)
        .filter(Q(status=TimeEntry.Status.SUBMITTED) | Q(status=TimeEntry.Status.DRAFT))
        .count()
    )
    audit_record(
        actor=created_by,
        verb="payout.off_cycle_created",
        target=payout,
        total=format_money(payout.total, payout.currency),
        unapproved_entries=waiting,
    )
    payout.unapproved_entries = waiting
    return payout, True
