"""Referral bonuses: the referrer of a hired freelancer is paid the program's bonus once the referred freelancer
has worked the hours the program sets (approved time in that program).

Checked by every payout run before it computes (as paid trial tasks are), so the bonus is in the first run after
the hours are reached. Once per referral: the adjustment's source key is unique.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from accounts.models import Freelancer
from core.money import round_money
from payments.errors import PaymentsError
from payments.models import Adjustment, TimeEntry
from payments.services.adjustments import adjustment_create, contract_currency
from payments.services.periods import program_today
from payments.services.rates import exchange_rate_on
from programs.models import Program


def referral_bonus_key(referral_id: int) -> str:
    return f"recruiting:referral:{referral_id}"


def approved_hours(*, freelancer_ids: Iterable[int], program_id: int) -> dict[int, Decimal]:
    """{freelancer id: approved hours in the program}. One query."""
    rows = (
        TimeEntry.objects.filter(
            freelancer_id__in=list(freelancer_ids), program_id=program_id, status=TimeEntry.Status.APPROVED
        )
        .order_by()
        .values("freelancer_id")
        .annotate(total=Sum("hours"))
    )
    return {row["freelancer_id"]: row["total"] or Decimal("0") for row in rows}


def referral_bonuses_sync(*, program: Program, created_by: Any = None) -> int:
    """Pay each due referral bonus of the program as a bonus adjustment to the referrer. Safe to run twice.

    A bonus in another currency than the referrer's contract is converted at today's rate; without a rate it
    waits (nothing is created) and the next run tries again.
    """
    try:
        from recruiting.selectors import referral_bonuses_due
    except ImportError:  # recruiting does not offer referrals
        return 0
    paid = set(
        Adjustment.objects.filter(source_key__startswith="recruiting:referral:").values_list(
            "source_key", flat=True
        )
    )
    due = [
        (referral, rule, referral.application.freelancer_id)
        for referral, rule in referral_bonuses_due(program_id=program.pk)
        if referral.application is not None
        and referral.application.freelancer_id is not None
        and referral_bonus_key(referral.pk) not in paid
    ]
    if not due:
        return 0
    hours = approved_hours(freelancer_ids={referred_id for _, _, referred_id in due}, program_id=program.pk)
    created = 0
    for referral, rule, referred_id in due:
        if hours.get(referred_id, Decimal("0")) < rule.after_hours:
            continue
        referrer = Freelancer.objects.get(pk=referral.referrer_id)
        currency = contract_currency(freelancer=referrer, program=program)
        amount = rule.amount
        reason = f"Referral bonus: {referral.full_name or 'your referral'} worked {rule.after_hours} hours"
        try:
            if rule.currency != currency:
                rate, _ = exchange_rate_on(
                    base_currency=rule.currency, quote_currency=currency, on=program_today(program=program)
                )
                amount = round_money(rule.amount * rate)
                reason = f"{reason} ({rule.amount} {rule.currency})"
            adjustment_create(
                freelancer=referrer,
                program=program,
                kind=Adjustment.Kind.BONUS,
                amount=amount,
                currency=currency,
                created_by=created_by,
                source_key=referral_bonus_key(referral.pk),
                reason=reason,
                # The program set the amount in advance; above the limit it is paid and its payout flagged.
                confirm_over_limit=True,
                over_limit_reason="Referral bonus set by the program",
            )
            created += 1
        except PaymentsError:
            continue
    return created
