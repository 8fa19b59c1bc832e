"""The work diary: freelancers log, submit and time entries; managers approve or send back."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Freelancer
from contracts.hours import week_bounds
from contracts.models import Contract
from contracts.selectors import contract_active_for, contract_rate_on
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one, lock_rows
from core.money import to_decimal
from payments.earnings import line_amount
from payments.errors import PaymentsError
from payments.models import QUARTER, Activity, Adjustment, Payout, PayPeriod, RunningTimer, TimeEntry
from payments.services.periods import pay_period_for
from programs.models import Program

DAY_LIMIT = Decimal("24")
_UNSET = object()


def freelancer_today(*, freelancer: Freelancer) -> datetime.date:
    return timezone.now().astimezone(freelancer.zone).date()


def _hours(value, field: str = "hours") -> Decimal:
    try:
        hours = to_decimal(value)
    except (TypeError, ValueError):
        raise PaymentsError("Enter hours as a number, e.g. 1.5.", field=field)
    if not hours.is_finite():
        raise PaymentsError("Enter hours as a number, e.g. 1.5.", field=field)
    return hours


def _full_clean(entry: TimeEntry) -> None:
    """The model's own rules (TimeEntry.clean: an estimate is for a non-ticket task…) as a PaymentsError on
    the field, so every caller shows it as a field error (it escaped as a ValidationError: a 500)."""
    try:
        entry.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise PaymentsError(messages[0], field=None if field == NON_FIELD_ERRORS else field)


def _check_and_place(*, entry: TimeEntry, freelancer: Freelancer) -> None:
    """Every rule a saved entry must meet; sets contract, period and the over-cap flag."""
    if entry.hours < 0:
        raise PaymentsError("Hours cannot be negative.", field="hours")
    if entry.hours == 0:
        raise PaymentsError("Hours must be more than zero.", field="hours")
    if entry.hours > DAY_LIMIT:
        raise PaymentsError("A day has at most 24 hours.", field="hours")
    if entry.hours % QUARTER:
        raise PaymentsError("Hours are logged in quarter hours (0.25, 0.5, 0.75…).", field="hours")
    if entry.date > freelancer_today(freelancer=freelancer):
        raise PaymentsError("You cannot log time for a day that has not come yet.", field="date")
    contract = contract_active_for(freelancer_id=freelancer.pk, program_id=entry.program_id)
    if contract is None:
        raise PaymentsError(
            f"You have no active contract in {entry.program}, so you cannot log time there.", field="program"
        )
    if entry.date < contract.start_date or (contract.end_date and entry.date > contract.end_date):
        raise PaymentsError("That day is outside your contract's dates.", field="date")
    period = pay_period_for(program=entry.program, day=entry.date)
    period = lock_one(PayPeriod.objects.filter(pk=period.pk))
    if period.status != PayPeriod.Status.OPEN:
        raise PaymentsError(
            f"{entry.date:%d %b %Y} is in a closed pay period ({period}); ask your manager for a correction.",
            field="date",
        )
    others = TimeEntry.objects.filter(freelancer=freelancer, date=entry.date).exclude(pk=entry.pk)
    day_total = (others.aggregate(total=Sum("hours"))["total"] or Decimal("0")) + entry.hours
    if day_total > DAY_LIMIT:
        raise PaymentsError(
            f"That makes {day_total} h on {entry.date:%d %b}: a day has at most 24 hours across all entries.",
            field="hours",
        )
    week_start, week_end = week_bounds(entry.date)
    week_total = (
        TimeEntry.objects.filter(
            freelancer=freelancer, program_id=entry.program_id, date__range=(week_start, week_end)
        )
        .exclude(pk=entry.pk)
        .exclude(status=TimeEntry.Status.SENT_BACK)
        .aggregate(total=Sum("hours"))["total"]
        or Decimal("0")
    ) + entry.hours
    entry.over_cap = week_total > contract.weekly_hour_cap
    entry.contract = contract
    entry.period = period


@transaction.atomic
def time_entry_create(
    *,
    freelancer: Freelancer,
    program: Program,
    date: datetime.date,
    hours,
    activity: str = Activity.TICKETS,
    note: str = "",
    estimated_hours=None,
    tickets=(),
    submit: bool = False,
) -> TimeEntry:
    """Log hours for a day. Draft unless `submit`; all rules are checked and nothing is saved on error."""
    lock_rows(Freelancer.objects.filter(pk=freelancer.pk))  # one writer per diary: the 24 h rule holds
    entry = TimeEntry(
        freelancer=freelancer,
        program=program,
        date=date,
        hours=_hours(hours),
        activity=activity,
        note=note,
        estimated_hours=None if estimated_hours in (None, "") else _hours(estimated_hours, "estimated_hours"),
    )
    _check_and_place(entry=entry, freelancer=freelancer)
    if submit:
        entry.status = TimeEntry.Status.SUBMITTED
        entry.submitted_at = timezone.now()
    _full_clean(entry)
    entry.save()
    if tickets:
        _set_tickets(entry, tickets)
    return entry


def _set_tickets(entry: TimeEntry, tickets) -> None:
    if hasattr(entry, "tickets"):
        entry.tickets.set([t for t in tickets if t.program_id == entry.program_id])


@transaction.atomic
def time_entry_update(
    *,
    entry: TimeEntry,
    freelancer: Freelancer,
    program: Program | None = None,
    date=None,
    hours=None,
    activity: str | None = None,
    note: str | None = None,
    estimated_hours=_UNSET,
    tickets=None,
) -> TimeEntry:
    """Change a draft or sent-back entry of one's own (approved and submitted ones are not editable)."""
    lock_rows(Freelancer.objects.filter(pk=freelancer.pk))
    entry = lock_one(TimeEntry.objects.filter(pk=entry.pk, freelancer=freelancer))
    if not entry.is_editable:
        raise PaymentsError(
            f"This entry is {entry.get_status_display().lower()} and can no longer be edited."
        )
    if program is not None:
        entry.program = program
    if date is not None:
        entry.date = date
    if hours is not None:
        entry.hours = _hours(hours)
    if activity is not None:
        entry.activity = activity
    if note is not None:
        entry.note = note
    if estimated_hours is not _UNSET:
        entry.estimated_hours = (
            None if estimated_hours in (None, "") else _hours(estimated_hours, "estimated_hours")
        )
    _check_and_place(entry=entry, freelancer=freelancer)
    _full_clean(entry)
    entry.save()
    if tickets is not None:
        _set_tickets(entry, tickets)
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, freelancer: Freelancer) -> None:
    entry = lock_one(TimeEntry.objects.filter(pk=entry.pk, freelancer=freelancer).select_related("period"))
    if not entry.is_editable or entry.period.status != PayPeriod.Status.OPEN:
        raise PaymentsError("Only draft or sent-back entries in an open period can be deleted.")
    entry.delete()


@transaction.atomic
def time_entries_submit(*, freelancer: Freelancer, week_start: datetime.date) -> int:
    """Submit the week's draft and sent-back entries for approval. Returns how many were submitted."""
    week_start, week_end = week_bounds(week_start)
    entries = lock_rows(
        TimeEntry.objects.filter(
            freelancer=freelancer,
            date__range=(week_start, week_end),
            status__in=[TimeEntry.Status.DRAFT, TimeEntry.Status.SENT_BACK],
            period__status=PayPeriod.Status.OPEN,
        )
    )
    now = timezone.now()
    for entry in entries:
        check_transition(TimeEntry.TRANSITIONS, entry.status, TimeEntry.Status.SUBMITTED, label="time entry")
    TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=TimeEntry.Status.SUBMITTED, submitted_at=now, updated_at=now
    )
    return len(entries)


def _review(entry_ids, *, by, target: str, comment: str = "", program_ids=None) -> list[TimeEntry]:
    """Move submitted entries to approved / sent back. Periods are locked so a payout run cannot interleave."""
    entries = list(TimeEntry.objects.filter(pk__in=list(entry_ids)).select_related("program", "contract"))
    if program_ids is not None and any(e.program_id not in program_ids for e in entries):
        raise PaymentsError("Not found.")
    lock_rows(PayPeriod.objects.filter(pk__in={e.period_id for e in entries}))
    entries = lock_rows(
        TimeEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related(
            "program", "contract", "period", "freelancer"
        )
    )
    now = timezone.now()
    paid = _paid_keys(entries)
    for entry in entries:
        check_transition(TimeEntry.TRANSITIONS, entry.status, target, label="time entry")
        # Its pay is fixed once the period is closed, or once the freelancer was paid for the period early
        # (an off-cycle payout): from then on it is paid, or taken back, by a correction.
        priced = (
            entry.period.status != PayPeriod.Status.OPEN
            or (entry.freelancer_id, entry.program_id, entry.period_id) in paid
        )
        if entry.status == TimeEntry.Status.APPROVED and (entry.correction_id or priced):
            raise PaymentsError(
                "This entry is approved and already paid (its period is closed or its payout made); "
                "record a correction instead."
            )
        entry.status = target
        entry.reviewed_by = by
        entry.reviewed_at = now
        entry.review_comment = comment
        entry.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"])
        if target == TimeEntry.Status.APPROVED and priced:
            _late_approval_correction(entry=entry, by=by)
    return entries


def _paid_keys(entries) -> set[tuple[int, int, int]]:
    """(freelancer_id, program_id, period_id) of these entries that already have their payout (one query)."""
    keys = {(e.freelancer_id, e.program_id, e.period_id) for e in entries}
    if not keys:
        return set()
    condition = Q()
    for freelancer_id, program_id, period_id in keys:
        condition |= Q(freelancer_id=freelancer_id, program_id=program_id, period_id=period_id)
    return set(Payout.objects.filter(condition).values_list("freelancer_id", "program_id", "period_id"))


def late_entry_price(*, entry: TimeEntry) -> tuple[Decimal, Decimal]:
    """(amount, rate): what an entry approved after its period closed is paid: a pay line of its own, its hours ×
    the rate in force on its day (payments.earnings.line_amount, the rule every pay line follows)."""
    rate = contract_rate_on(contract=entry.contract, on=entry.date)
    return line_amount(hours=entry.hours, rate=rate), rate


def _late_approval_correction(*, entry: TimeEntry, by) -> None:
    """An entry approved after its period closed (or its payout was made early) is paid by a correction in the
    next run."""
    amount, rate = late_entry_price(entry=entry)
    adjustment = Adjustment(
        freelancer=entry.freelancer,
        program=entry.program,
        kind=Adjustment.Kind.CORRECTION,
        amount=amount,
        currency=entry.contract.currency,
        created_by=by,
        reason=f"{entry.hours} h on {entry.date:%Y-%m-%d} approved after its "
        f"{'period closed' if entry.period.status != PayPeriod.Status.OPEN else 'payout was made'} ({rate}/h)",
    )
    adjustment.full_clean()
    adjustment.save()
    entry.correction = adjustment
    entry.save(update_fields=["correction", "updated_at"])
    audit_record(actor=by, verb="time_entry.late_approval", target=entry, adjustment=adjustment.pk)


@transaction.atomic
def time_entry_approve(*, entry: TimeEntry, approved_by) -> TimeEntry:
    (entry,) = _review([entry.pk], by=approved_by, target=TimeEntry.Status.APPROVED)
    audit_record(actor=approved_by, verb="time_entry.approved", target=entry)
    return entry


@transaction.atomic
def time_entry_send_back(*, entry: TimeEntry, sent_back_by, comment: str) -> TimeEntry:
    comment = (comment or "").strip()
    if not comment:
        raise PaymentsError(
            "Say what needs fixing: a comment is required to send an entry back.", field="comment"
        )
    (entry,) = _review([entry.pk], by=sent_back_by, target=TimeEntry.Status.SENT_BACK, comment=comment)
    audit_record(actor=sent_back_by, verb="time_entry.sent_back", target=entry, comment=comment)
    return entry


@transaction.atomic
def time_entries_approve_week(
    *,
    program: Program,
    freelancer: Freelancer,
    week_start: datetime.date,
    approved_by,
    include_over_cap: bool = False,
) -> tuple[int, int]:
    """Approve a freelancer's submitted week in one go. Over-cap entries need a look of their own unless
    `include_over_cap`. Returns (approved, skipped)."""
    week_start, week_end = week_bounds(week_start)
    submitted = TimeEntry.objects.filter(
        program=program,
        freelancer=freelancer,
        date__range=(week_start, week_end),
        status=TimeEntry.Status.SUBMITTED,
    )
    skipped = 0 if include_over_cap else submitted.filter(over_cap=True).count()
    if not include_over_cap:
        submitted = submitted.filter(over_cap=False)
    ids = list(submitted.values_list("pk", flat=True))
    _review(ids, by=approved_by, target=TimeEntry.Status.APPROVED)
    if ids:
        audit_record(
            actor=approved_by,
            verb="time_entry.week_approved",
            target=freelancer,
            program=program.slug,
            week=str(week_start),
            count=len(ids),
        )
    return len(ids), skipped


def weekly_hours(*, program_id: int, freelancer_ids, week_start: datetime.date, week_end: datetime.date):
    """contracts.hours provider: hours logged per freelancer in a week (sent-back entries do not count)."""
    rows = (
        TimeEntry.objects.filter(
            program_id=program_id, freelancer_id__in=list(freelancer_ids), date__range=(week_start, week_end)
        )
        .exclude(status=TimeEntry.Status.SENT_BACK)
        .order_by()
        .values("freelancer_id")
        .annotate(total=Sum("hours"))
    )
    return {row["freelancer_id"]: row["total"] for row in rows}


# The optional start/stop timer.


@transaction.atomic
def timer_start(
    *, freelancer: Freelancer, program: Program, activity: str = Activity.TICKETS, note: str = ""
) -> RunningTimer:
    lock_rows(Freelancer.objects.filter(pk=freelancer.pk))
    if RunningTimer.objects.filter(freelancer=freelancer).exists():
        raise PaymentsError("A timer is already running; stop it first.")
    if not Contract.objects.filter(
        freelancer=freelancer, program=program, status=Contract.Status.ACTIVE
    ).exists():
        raise PaymentsError(f"You have no active contract in {program}.", field="program")
    timer = RunningTimer(
        freelancer=freelancer, program=program, activity=activity, note=note, started_at=timezone.now()
    )
    timer.full_clean()
    timer.save()
    return timer


def timer_hours(started_at: datetime.datetime, now: datetime.datetime) -> Decimal:
    """Elapsed time to the nearest quarter hour, at least a quarter."""
    quarters = (Decimal((now - started_at).total_seconds()) / Decimal(900)).quantize(
        Decimal("1"), ROUND_HALF_UP
    )
    return max(quarters, Decimal("1")) * QUARTER


@transaction.atomic
def timer_stop(*, freelancer: Freelancer) -> TimeEntry:
    """Stop the timer and log its time as a draft entry on the day it started (in the freelancer's zone)."""
    timer = (
        RunningTimer.objects.select_for_update()
        .filter(freelancer=freelancer)
        .select_related("program")
        .first()
    )
    if timer is None:
        raise PaymentsError("No timer is running.")
    hours = timer_hours(timer.started_at, timezone.now())
    if hours > DAY_LIMIT:
        raise PaymentsError("The timer ran for more than a day; discard it and log the time by hand.")
    day = timer.started_at.astimezone(freelancer.zone).date()
    entry = time_entry_create(
        freelancer=freelancer,
        program=timer.program,
        date=day,
        hours=hours,
        activity=timer.activity,
        note=timer.note,
    )
    timer.delete()
    return entry


@transaction.atomic
def timer_discard(*, freelancer: Freelancer) -> None:
    RunningTimer.objects.filter(freelancer=freelancer).delete()
