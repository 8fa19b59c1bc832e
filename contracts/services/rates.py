import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Freelancer
from contracts.conversion import convert
from contracts.errors import ContractError, RateBelowFloor, RateChangeInPaidPeriod, RateOutOfRange
from contracts.models import Contract, DocumentTemplate, RateChange, RateFloor
from contracts.paid_work import paid_periods_correct, paid_periods_from
from contracts.selectors import rate_floor_for
from core.audit import audit_record
from core.locks import lock_one
from core.money import format_money, round_money, to_decimal
from programs.models import CandidateProfile, Program

# The error codes that mean "confirm with a reason and it goes through": forms reveal the confirmation fields.
RATE_CONFIRMATION_CODES = {"rate_out_of_range", "rate_out_of_range_reason"}
PAID_PERIOD_CODE = "rate_change_paid_period"


def rate_range_problem(*, program: Program, hourly_rate: Decimal, currency: str) -> str:
    """Why `hourly_rate` is outside what the program pays ("" when it is inside). The one rule for every
    starting rate (contract drafts) and every rate change.

    The bounds come from the worksheet's candidate profile: "pay from" is the lower bound; the ceiling,
    when set, is the upper one (postings advertise "pay up to", raises may go above it up to the ceiling);
    without a ceiling "pay up to" is. A program without a pay range has no bounds to check. A rate in
    another currency is converted at today's exchange rate; without one it cannot be compared, which
    counts as outside: a rate is never let through unexamined.
    """
    profile = (
        CandidateProfile.objects.filter(program=program)
        .only("pay_min", "pay_max", "pay_currency", "rate_ceiling")
        .first()
    )
    if profile is None:
        return ""
    lower = profile.pay_min
    upper = profile.rate_ceiling if profile.rate_ceiling is not None else profile.pay_max
    if lower is None and upper is None:
        return ""
    amount = to_decimal(hourly_rate)
    shown = format_money(amount, currency)
    compared = amount
    if currency != profile.pay_currency:
        today = timezone.now().astimezone(program.zone).date()
        compared = convert(amount=amount, from_currency=currency, to_currency=profile.pay_currency, on=today)
        if compared is None:
            return (
                f"The program's pay range is in {profile.pay_currency} and this rate is in {currency}; "
                f"there is no {currency}→{profile.pay_currency} exchange rate to compare them"
            )
        shown = f"{shown} (about {format_money(compared, profile.pay_currency)})"
    if upper is not None and compared > upper:
        what = "rate ceiling" if profile.rate_ceiling is not None else "pay range, which goes up to"
        return f"{shown} per hour is above the program's {what} {format_money(upper, profile.pay_currency)}"
    if lower is not None and compared < lower:
        return (
            f"{shown} per hour is below the program's pay range, which starts at "
            f"{format_money(lower, profile.pay_currency)}"
        )
    return ""


def rate_range_check(
    *,
    program: Program,
    hourly_rate: Decimal,
    currency: str,
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
) -> str:
    """Raise RateOutOfRange for a rate outside the program's range unless it is confirmed with a reason.

    Returns the problem that was confirmed ("" for a rate in range): the caller records it with the reason.
    """
    problem = rate_range_problem(program=program, hourly_rate=hourly_rate, currency=currency)
    if not problem:
        return ""
    if not confirm_out_of_range:
        raise RateOutOfRange(
            f"{problem}. Check the amount; to use it anyway, tick “confirm” and give the reason.",
            field="hourly_rate",
            code="rate_out_of_range",
        )
    if not (out_of_range_reason or "").strip():
        raise RateOutOfRange(
            f"{problem}: give the reason for this rate.",
            field="out_of_range_reason",
            code="rate_out_of_range_reason",
        )
    return problem


def rate_floor_check(
    *,
    program: Program,
    freelancer: Freelancer,
    hourly_rate: Decimal,
    currency: str,
    override_reason: str = "",
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
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
    confirm_paid_period: bool = False,
) -> RateChange:
    """A new hourly rate from `effective_date` on. The only way a contract's rate changes after it is signed.

    A rate outside the program's range needs `confirm_out_of_range` and a reason (rate_range_check).
    A change that takes effect in days already paid out is refused, naming the periods, unless
    `confirm_paid_period`: then the difference for those days becomes a correction adjustment in the
    next payout, so the statements and the rate history agree.
    """
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
        raise ContractError(
            "The change cannot take effect before the contract starts.", field="effective_date"
        )
    if contract.end_date and effective_date > contract.end_date:
        raise ContractError("The change cannot take effect after the contract ends.", field="effective_date")
    if reason not in RateChange.Reason.values:
        raise ContractError("Choose a reason for the change.", field="reason")
    if RateChange.objects.filter(contract=contract, effective_date=effective_date).exists():
        raise ContractError("There is already a rate change effective on that date.", field="effective_date")
    rate_floor_check(
        program=contract.program,
        freelancer=contract.freelancer,
        hourly_rate=hourly_rate,
        currency=contract.currency,
        override_reason=override_reason,
    )
    out_of_range = rate_range_check(
        program=contract.program,
        hourly_rate=hourly_rate,
        currency=contract.currency,
        confirm_out_of_range=confirm_out_of_range,
        out_of_range_reason=out_of_range_reason,
    )
    paid = paid_periods_from(contract=contract, date_from=effective_date)
    if paid and not confirm_paid_period:
        periods = "; ".join(f"{period.label} ({period.payout_status})" for period in paid)
        raise RateChangeInPaidPeriod(
            f"{effective_date:%d %b %Y} falls in work already paid out: pay period {periods}. "
            "Choose a later effective date, or confirm to pay the difference as a correction in the next payout.",
            field="effective_date",
            code=PAID_PERIOD_CODE,
        )
    change = RateChange(
        contract=contract,
        effective_date=effective_date,
        hourly_rate=hourly_rate,
        reason=reason,
        note=note.strip(),
        approved_by=approved_by,
        below_floor_override_reason=override_reason.strip(),
        out_of_range_reason=out_of_range_reason.strip() if out_of_range else "",
        paid_period_confirmed=bool(paid),
    )
    change.full_clean()
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        raise ContractError("There is already a rate change effective on that date.", field="effective_date")
    corrections = paid_periods_correct(contract=contract, change=change, before=paid, actor=approved_by)
    audit_record(
        actor=approved_by,
        verb="contract.rate_changed",
        target=contract,
        effective_date=effective_date.isoformat(),
        hourly_rate=str(hourly_rate),
        currency=contract.currency,
        reason=reason,
        below_floor_override=bool(override_reason.strip()),
        out_of_range=out_of_range,
        out_of_range_reason=change.out_of_range_reason,
        paid_periods=[period.label for period in paid],
        corrections=[
            {"period": c.period.label, "amount": str(c.amount), "adjustment": c.adjustment_id}
            for c in corrections
        ],
    )
    return change


@transaction.atomic
def rate_floor_create(
    *, program: Program, label: str, countries: list[str], minimum_hourly_rate: Decimal, currency: str, actor
) -> RateFloor:
    floor = RateFloor(
        program=program,
        label=label.strip(),
        countries=countries,
        minimum_hourly_rate=round_money(minimum_hourly_rate),
        currency=currency,
    )
    floor.full_clean()
    floor.save()
    audit_record(
        actor=actor,
        verb="rate_floor.created",
        target=floor,
        minimum=str(floor.minimum_hourly_rate),
        currency=currency,
        countries=floor.countries,
    )
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
