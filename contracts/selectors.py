import datetime
from decimal import Decimal

from django.db.models import QuerySet

from contracts.hours import hours_worked_in_week
from contracts.models import Contract, RateChange


def contract_active_for(*, freelancer_id: int, program_id: int) -> Contract | None:
    return Contract.objects.filter(
        freelancer_id=freelancer_id, program_id=program_id, status=Contract.Status.ACTIVE
    ).first()


def contract_rate_on(*, contract: Contract, on: datetime.date) -> Decimal:
    """The hourly rate in force on a date: the latest rate change effective on or before it, else the starting rate."""
    change = (
        RateChange.objects.filter(contract=contract, effective_date__lte=on).order_by("-effective_date").first()
    )
    return change.hourly_rate if change else contract.hourly_rate


def rate_on(*, freelancer_id: int, program_id: int, on: datetime.date) -> Decimal | None:
    """"The rate of freelancer F in program P on date D" (None when no contract covers that date)."""
    contract = (
        Contract.objects.filter(freelancer_id=freelancer_id, program_id=program_id, start_date__lte=on)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.SENT])
        .order_by("-start_date")
        .first()
    )
    if contract is None or (contract.end_date and contract.end_date < on):
        return None
    return contract_rate_on(contract=contract, on=on)


def queue_ready_freelancer_ids(*, program_id: int) -> QuerySet:
    """Freelancer ids that may take tickets in the program: active contract and required onboarding done.

    A values_list queryset, usable as a subquery: Freelancer.objects.filter(pk__in=...).
    """
    return Contract.objects.filter(program_id=program_id, status=Contract.Status.ACTIVE).values_list(
        "freelancer_id", flat=True
    )


def freelancer_is_queue_ready(*, freelancer_id: int, program_id: int) -> bool:
    return queue_ready_freelancer_ids(program_id=program_id).filter(freelancer_id=freelancer_id).exists()


def freelancers_at_weekly_cap(*, program_id: int, freelancer_ids, on: datetime.date) -> set[int]:
    """Of these freelancers, the ones whose hours this week reached their contract's weekly cap."""
    caps = dict(
        Contract.objects.filter(
            program_id=program_id, status=Contract.Status.ACTIVE, freelancer_id__in=list(freelancer_ids)
        ).values_list("freelancer_id", "weekly_hour_cap")
    )
    worked = hours_worked_in_week(program_id=program_id, freelancer_ids=caps.keys(), day=on)
    return {fid for fid, cap in caps.items() if worked[fid] >= cap}


def freelancer_program_ids(*, freelancer_id: int) -> QuerySet:
    """Programs the freelancer works in or is joining (any contract past draft that has not ended)."""
    return (
        Contract.objects.filter(freelancer_id=freelancer_id)
        .exclude(status__in=[Contract.Status.DRAFT, Contract.Status.ENDED, Contract.Status.TERMINATED])
        .values_list("program_id", flat=True)
    )
