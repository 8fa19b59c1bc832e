import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import Freelancer
from contracts.errors import ContractError, RateBelowFloor
from contracts.models import Contract, DocumentTemplate, RateChange, RateFloor
from contracts.selectors import rate_floor_for
from core.audit import audit_record
from core.locks import lock_one
from core.money import format_money, round_money, to_decimal
from programs.models import Program


def rate_floor_check(
    *, program: Program, freelancer: Freelancer, hourly_rate: Decimal, currency: str, override_reason: str = ""
) -> RateFloor | None:
    """Raise RateBelowFloor when the rate is under the floor for the freelancer's region and no reason is given.

    Returns the floor that applied (None when the program has none for that region). A floor in
    another currency cannot be compared without an exchange rate, so it needs an override too:
    never silently let a rate through.
    """
    floor = rate_floor_for(program=program, country=freelancer.country)
    if floor is None or override_reason.strip():
        return floor
    if floor.currency != currency:
        raise RateBelowFloor(
            f"The rate floor for {floor.label} is {format_money(floor.minimum_hourly_rate, floor.currency)}, "
            f"and this rate is in {currency}: give an override reason to confirm it.",
            field="override_reason",
            code="rate_floor_currency",
        )
    if to_decimal(hourly_rate) < floor.minimum_hourly_rate:
        raise RateBelowFloor(
            f"{format_money(hourly_rate, currency)} is below the rate floor for {floor.label} "
            f"({format_money(floor.minimum_hourly_rate, floor.currency)}). Raise the rate or give an override reason.",
            field="hourly_rate",
            code="rate_below_floor",
        )
    return floor


@transaction.atomic
def rate_change_create(
    *,
    contract: Contract,
    effective_date: datetime.date,
    hourly_rate: Decimal,
    reason: str,
    approved_by,
    note: str = "",
    override_reason: str = "",
) -> RateChange:
    """A new hourly rate from `effective_date` on. The only way a contract's rate changes after it is signed."""
    contract = lock_one(Contract.objects.filter(pk=contract.pk).select_related("program", "freelancer"))
    if contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
        raise ContractError(
            "Rates change through rate changes on signed or active contracts; edit a draft's rate directly.",
            code="rate_change_status",
        )
    hourly_rate = round_money(hourly_rate)
    if hourly_rate <= 0:
        raise ContractError("The rate must be above zero.", field="hourly_rate")
    if effective_date < contract.start_date:
        raise ContractError("The change cannot take effect before the contract starts.", field="effective_date")
    if contract.end_date and effective_date > contract.end_date:
        raise ContractError("The change cannot take effect after the contract ends.", field="effective_date")
    if reason not in RateChange.Reason.values:
        raise ContractError("Choose a reason for the change.", field="reason")
    if RateChange.objects.filter(contract=contract, effective_date=effective_date).exists():
        raise ContractError("There is already a rate change effective on that date.", field="effective_date")
    rate_floor_check(
        program=contract.program, freelancer=contract.freelancer, hourly_rate=hourly_rate,
        currency=contract.currency, override_reason=override_reason,
    )
    change = RateChange(
        contract=contract, effective_date=effective_date, hourly_rate=hourly_rate, reason=reason,
        note=note.strip(), approved_by=approved_by, below_floor_override_reason=override_reason.strip(),
    )
    change.full_clean()
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        raise ContractError("There is already a rate change effective on that date.", field="effective_date")
    audit_record(
        actor=approved_by, verb="contract.rate_changed", target=contract,
        effective_date=effective_date.isoformat(), hourly_rate=str(hourly_rate), currency=contract.currency,
        reason=reason, below_floor_override=bool(override_reason.strip()),
    )
    return change


@transaction.atomic
def rate_floor_create(
    *, program: Program, label: str, countries: list[str], minimum_hourly_rate: Decimal, currency: str, actor
) -> RateFloor:
    floor = RateFloor(
        program=program, label=label.strip(), countries=countries, minimum_hourly_rate=round_money(minimum_hourly_rate),
        currency=currency,
    )
    floor.full_clean()
    floor.save()
    audit_record(actor=actor, verb="rate_floor.created", target=floor, minimum=str(floor.minimum_hourly_rate),
                 currency=currency, countries=floor.countries)
    return floor


@transaction.atomic
def rate_floor_delete(*, floor: RateFloor, actor) -> None:
    audit_record(actor=actor, verb="rate_floor.deleted", target=floor)
    floor.delete()


@transaction.atomic
def document_template_save(
    *, program: Program | None, kind: str, title: str, body: str, actor
) -> DocumentTemplate:
    """Create or update the program's (or the default) template. Documents already issued keep their text."""
    template = DocumentTemplate.objects.filter(program=program, kind=kind).first() or DocumentTemplate(
        program=program, kind=kind
    )
    template.title = title.strip()
    template.body = body.replace("\r\n", "\n")
    template.updated_by = actor
    template.full_clean(validate_constraints=False)
    template.save()
    audit_record(actor=actor, verb="document_template.saved", target=template, kind=kind)
    return template
