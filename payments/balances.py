"""A freelancer's approved, unpaid earnings per program (the portal balance and the payout-request limit)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from payments.earnings import earnings_for
from payments.models import Adjustment, Payout, PayoutRequest, TimeEntry
from programs.models import Program

ZERO = Decimal("0.00")


@dataclass
class Balance:
    program: Program
    currency: str
    approved_hours: Decimal = ZERO
    earned_not_run: Decimal = ZERO
    adjustments: Decimal = ZERO
    unpaid_payouts: Decimal = ZERO
    pending_requests: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.earned_not_run + self.adjustments + self.unpaid_payouts - self.pending_requests


def freelancer_balances(*, freelancer_id: int, exclude_request_id: int | None = None) -> list[Balance]:
    """Per program: approved hours not yet in a payout (at each day's rate) + pending adjustments +
    payouts not yet paid − early-payment requests still waiting. A constant number of queries."""
    rows: dict[int, Balance] = {}
    programs: dict[int, Program] = {}

    def row(program_id, currency):
        if program_id not in rows:
            rows[program_id] = Balance(program=None, currency=currency)
        return rows[program_id]

    earned = earnings_for(TimeEntry.objects.unpaid().filter(freelancer_id=freelancer_id))
    for (_fid, program_id), earning in earned.items():
        balance = row(program_id, earning.currency)
        balance.earned_not_run += earning.amount
        balance.approved_hours += earning.hours
    for item in (
        Adjustment.objects.filter(freelancer_id=freelancer_id, payout__isnull=True)
        .order_by()
        .values("program_id", "currency")
        .annotate(total=Sum("amount"))
    ):
        row(item["program_id"], item["currency"]).adjustments += item["total"]
    for item in (
        Payout.objects.filter(freelancer_id=freelancer_id)
        .exclude(status=Payout.Status.PAID)
        .order_by()
        .values("program_id", "currency")
        .annotate(total=Sum("total"))
    ):
        row(item["program_id"], item["currency"]).unpaid_payouts += item["total"]
    pending = PayoutRequest.objects.filter(freelancer_id=freelancer_id, status=PayoutRequest.Status.PENDING)
    if exclude_request_id:
        pending = pending.exclude(pk=exclude_request_id)
    for item in pending.order_by().values("program_id", "currency").annotate(total=Sum("amount")):
        row(item["program_id"], item["currency"]).pending_requests += item["total"]
    programs = Program.objects.in_bulk(rows.keys())
    for program_id, balance in rows.items():
        balance.program = programs[program_id]
    return sorted(rows.values(), key=lambda b: b.program.name)


def freelancer_available(*, freelancer_id: int, program_id: int, exclude_request_id: int | None = None):
    for balance in freelancer_balances(freelancer_id=freelancer_id, exclude_request_id=exclude_request_id):
        if balance.program.pk == program_id:
            return balance
    return None
