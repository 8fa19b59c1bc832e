import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import Freelancer
from contracts.models import Contract
from core.audit import audit_record
from programs.models import Program


@transaction.atomic
def contract_create_draft(
    *,
    program: Program,
    freelancer: Freelancer,
    created_by=None,
    hourly_rate: Decimal,
    currency: str | None = None,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    hours_per_week: Decimal = Decimal("20"),
    weekly_hour_cap: Decimal | None = None,
    role: str = "Tier-1 support agent",
) -> Contract:
    """A draft contract for a freelancer in a program (recruiting's "hire" calls this)."""
    contract = Contract(
        program=program,
        freelancer=freelancer,
        created_by=created_by,
        hourly_rate=hourly_rate,
        currency=currency or program.currency,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=hours_per_week,
        weekly_hour_cap=weekly_hour_cap or hours_per_week,
        role=role,
    )
    contract.full_clean()
    contract.save()
    audit_record(actor=created_by, verb="contract.drafted", target=contract)
    return contract
