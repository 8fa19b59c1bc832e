"""The payout run: close a period and turn approved hours and adjustments into one payout per freelancer.

Safety, in layers:
- PayoutRun is unique per period: starting a period twice gives the same run, which resumes.
- A worker claims the run (status running + heartbeat) under a row lock; a second worker
  leaves it alone unless the heartbeat is stale (the first one crashed).
- Each batch locks the period row, skips freelancers who already have a payout for the
  period, and links every entry and adjustment it paid to the payout, in one transaction.
  A crash loses at most the batch in flight, which the next attempt redoes.
- Payout has a UniqueConstraint(freelancer, program, period) as the last word.
"""

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.money import format_money, round_money
from payments.earnings import ZERO, Earnings, earnings_for
from payments.errors import PaymentsError
from payments.models import (
    Adjustment,
    Payout,
    PayoutDetails,
    PayoutLine,
    PayoutRun,
    PayPeriod,
    PaySchedule,
    TimeEntry,
)
from payments.services.payout_details import payout_details_by_freelancer
from payments.services.periods import (
    pay_period_bounds,
    pay_period_close,
    pay_period_for,
    pay_period_last_ended,
    pay_period_settle_if_paid,
    pay_schedule_get,
    program_today,
)
from payments.services.rates import exchange_rates_on, missing_rate_message
from payments.services.referral_bonuses import referral_bonuses_sync
from payments.services.trial_payouts import trial_payouts_sync
from programs.models import Program
from queues.models import AvailabilityChange, AvailabilitySlot

logger = logging.getLogger(__name__)

RUN_BATCH_SIZE = 250
RUN_STALE_AFTER = datetime.timedelta(minutes=10)
# "Hours far above contract hours": more than this many times the contract's hours for two weeks.
FAR_ABOVE_FACTOR = Decimal("1.5")
# "A total far above the freelancer's usual": more than this many times their average earlier payout in the program,
# once they have at least TYPICAL_MIN_PAYOUTS of them.
TYPICAL_FACTOR = Decimal("3")
TYPICAL_MIN_PAYOUTS = 2


def payout_reference(*, program_id: int, period: PayPeriod, freelancer_id: int) -> str:
    return f"FD{period.start_date:%Y%m%d}-P{program_id}-F{freelancer_id}"


@transaction.atomic
def payout_run_start(
    *,
    program: Program,
    period_end: datetime.date | None = None,
    period: PayPeriod | None = None,
    day: datetime.date | None = None,
    triggered_by=None,
    today: datetime.date | None = None,
    enqueue: bool = True,
) -> PayoutRun:
    """Close the period and create (or find, to resume) its run; the work runs in a Celery task after commit.

    The period is `period`, the one ending on `period_end`, or the one containing `day`; without any of them,
    the period that ended most recently. A period that has not ended yet is refused and nothing changes.
    The run returned says whether this call made it (`created_now`), so a caller can tell a second press apart.
    """
    today = today or program_today(program=program)
    if period is None and day is not None:
        period_end = pay_period_bounds(program=program, day=day)[1]
        if period_end >= today:
            raise PaymentsError(_future_message(period_end), field="day")
    if period is None:
        if period_end is None:
            period = pay_period_last_ended(program=program, today=today)
        else:
            start, end = pay_period_bounds(program=program, day=period_end)
            if end != period_end:
                raise PaymentsError(
                    f"{period_end:%Y-%m-%d} is not the last day of a pay period of {program}; "
                    f"the period containing it ends on {end:%Y-%m-%d}.",
                    field="period_end",
                )
            if end >= today:
                raise PaymentsError(_future_message(end), field="period_end")
            period = pay_period_for(program=program, day=start)
    if period.program_id != program.pk:
        raise PaymentsError("That period belongs to another program.")
    if period.end_date >= today:
        raise PaymentsError(_future_message(period.end_date), field="period_end")
    pay_period_close(period=period, actor=triggered_by)
    referral_bonuses_sync(program=program, created_by=triggered_by)
    run, created = PayoutRun.objects.get_or_create(
        period=period, defaults={"program": program, "run_date": today, "triggered_by": triggered_by}
    )
    run.created_now = created
    if run.status != PayoutRun.Status.COMPLETED:
        trial_payouts_sync(program=program, run=run)  # paid trial tasks: one-off payouts to the candidates
    if created:
        audit_record(actor=triggered_by, verb="payout_run.started", target=run)
    elif run.status != PayoutRun.Status.COMPLETED:
        audit_record(actor=triggered_by, verb="payout_run.resumed", target=run)
    if enqueue and run.status != PayoutRun.Status.COMPLETED:
        from core.tasks import delay_after_commit
        from payments.tasks import payout_run_execute_task

        delay_after_commit(payout_run_execute_task, run.pk)
    return run


def _future_message(end: datetime.date) -> str:
    return (
        f"The pay period ending {end:%Y-%m-%d} has not ended yet; "
        f"it can be run from {end + datetime.timedelta(days=1):%Y-%m-%d}."
    )


def payout_runs_due(*, today: datetime.date | None = None, enqueue: bool = True) -> list[PayoutRun]:
    """The daily check: start (or resume) the run of every ended period that has not been paid out.

    Looks at the period that just ended (after the schedule's grace days), periods left open
    after their end, and runs that did not complete. Safe to call any number of times a day.
    """
    started = []
    for program in Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk"):
        local_today = today or program_today(program=program)
        schedule = pay_schedule_get(program=program)
        latest = pay_period_last_ended(program=program, today=local_today, delay_days=schedule.run_after_days)
        cutoff = local_today - datetime.timedelta(days=schedule.run_after_days)
        periods = {latest.pk: latest}
        for period in PayPeriod.objects.filter(program=program, end_date__lt=cutoff).filter(
            Q(status=PayPeriod.Status.OPEN)
            | Q(
                runs__status__in=[
                    PayoutRun.Status.PENDING,
                    PayoutRun.Status.RUNNING,
                    PayoutRun.Status.FAILED,
                    PayoutRun.Status.COMPLETED_WITH_ERRORS,
                ]
            )
        ):
            periods[period.pk] = period
        for period in sorted(periods.values(), key=lambda p: p.start_date):
            if PayoutRun.objects.filter(period=period, status=PayoutRun.Status.COMPLETED).exists():
                continue
            started.append(
                payout_run_start(program=program, period=period, today=local_today, enqueue=enqueue)
            )
    return started


def _claim(run_id: int) -> PayoutRun | None:
    """Take the run for this worker, or None when it is done or another live worker has it."""
    with transaction.atomic():
        run = lock_one(PayoutRun.objects.filter(pk=run_id))
        now = timezone.now()
        if run.status == PayoutRun.Status.COMPLETED:
            return None
        if (
            run.status == PayoutRun.Status.RUNNING
            and run.heartbeat_at
            and now - run.heartbeat_at < RUN_STALE_AFTER
        ):
            return None
        check_transition(PayoutRun.TRANSITIONS, run.status, PayoutRun.Status.RUNNING, label="payout run")
        run.status = PayoutRun.Status.RUNNING
        run.attempts += 1
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.finished_at = None
        run.save(
            update_fields=["status", "attempts", "started_at", "heartbeat_at", "finished_at", "updated_at"]
        )
        return run


def _candidate_freelancer_ids(period: PayPeriod) -> list[int]:
    with_entries = set(
        TimeEntry.objects.payable().filter(period=period).values_list("freelancer_id", flat=True).distinct()
    )
    with_adjustments = set(
        Adjustment.objects.filter(program_id=period.program_id, payout__isnull=True)
        .filter(Q(period__isnull=True) | Q(period=period))
        .values_list("freelancer_id", flat=True)
        .distinct()
    )
    already = set(Payout.objects.filter(period=period).values_list("freelancer_id", flat=True))
    return sorted((with_entries | with_adjustments) - already)


def payout_run_execute(*, run_id: int, batch_size: int = RUN_BATCH_SIZE) -> PayoutRun:
    """Do (or resume) the run's work in batches, recording progress. Idempotent."""
    run = _claim(run_id)
    if run is None:
        return PayoutRun.objects.get(pk=run_id)
    period = run.period
    errors: list[dict] = []
    try:
        candidates = _candidate_freelancer_ids(period)
        already = Payout.objects.filter(period=period).count()
        PayoutRun.objects.filter(pk=run.pk).update(
            total_count=already + len(candidates), done_count=already, errors=[], error_count=0
        )
        for start in range(0, len(candidates), batch_size):
            errors.extend(_run_batch(run=run, freelancer_ids=candidates[start : start + batch_size]))
    except Exception as exc:
        logger.exception("Payout run %s failed", run.pk)
        errors.append({"freelancer_id": None, "freelancer": "", "message": f"The run stopped: {exc}"})
        PayoutRun.objects.filter(pk=run.pk).update(
            status=PayoutRun.Status.FAILED, errors=errors, error_count=len(errors), finished_at=timezone.now()
        )
        raise
    status = PayoutRun.Status.COMPLETED_WITH_ERRORS if errors else PayoutRun.Status.COMPLETED
    PayoutRun.objects.filter(pk=run.pk).update(
        status=status,
        errors=errors,
        error_count=len(errors),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    run.refresh_from_db()
    if status == PayoutRun.Status.COMPLETED:
        pay_period_settle_if_paid(period_id=period.pk)  # a period with nothing to pay is settled at once
    audit_record(
        verb="payout_run.finished", target=run, status=status, created=run.created_count, errors=len(errors)
    )
    return run


def _run_batch(*, run: PayoutRun, freelancer_ids: list[int]) -> list[dict]:
    """Create the payouts of one batch of freelancers; a constant number of queries whatever the entries."""
    with transaction.atomic():
        period = lock_one(PayPeriod.objects.filter(pk=run.period_id))
        done = set(
            Payout.objects.filter(period=period, freelancer_id__in=freelancer_ids).values_list(
                "freelancer_id", flat=True
            )
        )
        todo = [fid for fid in freelancer_ids if fid not in done]
        payouts, errors = payouts_build_and_save(
            period=period, run=run, run_date=run.run_date, freelancer_ids=todo
        )
        PayoutRun.objects.filter(pk=run.pk).update(
            done_count=F("done_count") + len(freelancer_ids) - len(done),
            created_count=F("created_count") + len(payouts),
            heartbeat_at=timezone.now(),
        )
    return errors


def payouts_build_and_save(
    *,
    period: PayPeriod,
    run: PayoutRun | None,
    run_date: datetime.date,
    freelancer_ids: list[int],
) -> tuple[list[Payout], list[dict]]:
    """Price and save the payouts of these freelancers for the period: (payouts made, errors).

    The one pricing of a payout, for a regular run's batch and for an off-cycle payout alike. The caller holds the
    period's row lock and has left out freelancers who already have a payout for the period: their payable
    entries and unpaid adjustments are then exactly what these payouts pay (see TimeEntryQuerySet).
    """
    errors: list[dict] = []
    todo = list(freelancer_ids)
    entries = TimeEntry.objects.payable().filter(period=period, freelancer_id__in=todo)
    earnings = earnings_for(entries)
    adjustments_by_freelancer: dict[int, list[Adjustment]] = {}
    for adjustment in (
        Adjustment.objects.filter(program_id=period.program_id, payout__isnull=True, freelancer_id__in=todo)
        .filter(Q(period__isnull=True) | Q(period=period))
        .order_by("created_at", "pk")
    ):
        adjustments_by_freelancer.setdefault(adjustment.freelancer_id, []).append(adjustment)
    freelancers = {
        f.pk: f for f in Freelancer.objects.filter(pk__in=todo).only("id", "legal_name", "payout_currency")
    }
    details = payout_details_by_freelancer(freelancer_ids=todo)
    plans = []
    for fid in todo:
        earning = earnings.get((fid, period.program_id))
        adjustments = adjustments_by_freelancer.get(fid, [])
        if earning is None and not adjustments:
            continue
        currencies = set(earning.currencies) if earning else set()
        currencies |= {a.currency for a in adjustments}
        if len(currencies) != 1:
            errors.append(
                _error(
                    freelancers[fid],
                    "Hours and adjustments are in different currencies ("
                    + ", ".join(sorted(currencies))
                    + "); fix the adjustment or contract.",
                )
            )
            continue
        plans.append((freelancers[fid], earning, adjustments, currencies.pop()))

    unscheduled = days_without_shifts(
        program_id=period.program_id, days_by_freelancer={f.pk: e.days for f, e, _, _ in plans if e}
    )
    thresholds, typical = _total_bounds(
        period=period, run_date=run_date, plans=[(f.pk, currency) for f, _, _, currency in plans]
    )
    rates = exchange_rates_on(
        pairs={(currency, f.payout_currency) for f, _, _, currency in plans}, on=run_date
    )
    payouts, lines_by_freelancer, adjustment_ids = [], {}, []
    for freelancer, earning, adjustments, currency in plans:
        if currency == freelancer.payout_currency:
            rate, rate_date = Decimal("1"), run_date
        else:
            found = rates.get((currency, freelancer.payout_currency))
            if found is None:
                errors.append(
                    _error(freelancer, missing_rate_message(currency, freelancer.payout_currency, run_date))
                )
                continue
            rate, rate_date = found.rate, found.on_date
        payout, lines = _build_payout(
            run=run,
            period=period,
            freelancer=freelancer,
            earning=earning,
            adjustments=adjustments,
            currency=currency,
            rate=rate,
            rate_date=rate_date,
            unscheduled_days=unscheduled.get(freelancer.pk, []),
            details=details.get(freelancer.pk),
            threshold=thresholds[currency],
            typical=typical.get((freelancer.pk, currency)),
        )
        payouts.append(payout)
        lines_by_freelancer[freelancer.pk] = lines
        adjustment_ids.extend(a.pk for a in adjustments)

    Payout.objects.bulk_create(payouts)
    created_ids = dict(
        Payout.objects.filter(period=period, freelancer_id__in=lines_by_freelancer).values_list(
            "freelancer_id", "pk"
        )
    )
    all_lines = []
    for fid, lines in lines_by_freelancer.items():
        for line in lines:
            line.payout_id = created_ids[fid]
            all_lines.append(line)
    PayoutLine.objects.bulk_create(all_lines)
    payout_of = Subquery(
        Payout.objects.filter(period_id=period.pk, freelancer_id=OuterRef("freelancer_id"))
        .order_by()
        .values("pk")[:1]
    )
    Adjustment.objects.filter(pk__in=adjustment_ids).update(payout_id=payout_of)
    return payouts, errors


def _total_bounds(*, period: PayPeriod, run_date: datetime.date, plans: list[tuple[int, str]]):
    """({currency: the program's anomaly threshold in it, or a note why it cannot be compared},
    {(freelancer_id, currency): average earlier payout}) for a batch: three queries whatever its size."""
    schedule = PaySchedule.objects.select_related("program").filter(program_id=period.program_id).first()
    if schedule is None:  # periods are made through the schedule; this is a program set up by hand
        schedule = PaySchedule(
            program=Program.objects.get(pk=period.program_id), anchor_date=period.start_date
        )
    program, threshold = schedule.program, schedule.payout_anomaly_threshold
    currencies = {currency for _, currency in plans}
    rates = exchange_rates_on(pairs={(program.currency, c) for c in currencies}, on=run_date)
    thresholds: dict[str, Decimal | str] = {}
    for currency in currencies:
        if currency == program.currency:
            thresholds[currency] = threshold
        elif (program.currency, currency) in rates:
            thresholds[currency] = round_money(threshold * rates[(program.currency, currency)].rate)
        else:
            thresholds[currency] = (
                f"No {program.currency}→{currency} exchange rate to compare the total with the program's "
                f"anomaly threshold of {format_money(threshold, program.currency)}."
            )
    typical = {}
    for row in (
        Payout.objects.filter(
            program_id=period.program_id,
            freelancer_id__in=[fid for fid, _ in plans],
            period__start_date__lt=period.start_date,
        )
        .order_by()
        .values("freelancer_id", "currency")
        .annotate(total=Sum("total"), count=Count("id"))
    ):
        if row["count"] >= TYPICAL_MIN_PAYOUTS and row["total"] > 0:
            typical[(row["freelancer_id"], row["currency"])] = round_money(row["total"] / row["count"])
    return thresholds, typical


def _error(freelancer: Freelancer, message: str) -> dict:
    return {"freelancer_id": freelancer.pk, "freelancer": freelancer.legal_name, "message": message}


def days_without_shifts(*, program_id: int, days_by_freelancer: dict[int, set]) -> dict[int, list]:
    """Days with time logged but no shift: no weekly availability slot on that weekday (for this program or
    any program) and no one-off extra hours that day. Two queries for the whole batch."""
    if not days_by_freelancer:
        return {}
    ids = list(days_by_freelancer)
    weekdays: dict[int, set] = {}
    for fid, weekday in (
        AvailabilitySlot.objects.filter(freelancer_id__in=ids)
        .filter(Q(program__isnull=True) | Q(program_id=program_id))
        .values_list("freelancer_id", "weekday")
    ):
        weekdays.setdefault(fid, set()).add(weekday)
    first = min(min(days) for days in days_by_freelancer.values() if days)
    last = max(max(days) for days in days_by_freelancer.values() if days)
    extra: dict[int, set] = {}
    for fid, starts_at, ends_at in (
        AvailabilityChange.objects.filter(
            freelancer_id__in=ids,
            kind=AvailabilityChange.Kind.EXTRA,
            starts_at__date__lte=last + datetime.timedelta(days=1),
            ends_at__date__gte=first - datetime.timedelta(days=1),
        )
        .filter(Q(program__isnull=True) | Q(program_id=program_id))
        .values_list("freelancer_id", "starts_at", "ends_at")
    ):
        day = starts_at.date()
        while day <= ends_at.date():
            extra.setdefault(fid, set()).add(day)
            day += datetime.timedelta(days=1)
    return {
        fid: sorted(
            d for d in days if d.weekday() not in weekdays.get(fid, set()) and d not in extra.get(fid, set())
        )
        for fid, days in days_by_freelancer.items()
    }


def _build_payout(
    *,
    run,
    period,
    freelancer,
    earning: Earnings | None,
    adjustments,
    currency,
    rate,
    rate_date,
    unscheduled_days=(),
    details: PayoutDetails | None = None,
    threshold: Decimal | str | None = None,
    typical: Decimal | None = None,
):
    lines = []
    hours = ZERO
    if earning is not None:
        hours = earning.hours
        for line in earning.lines:
            lines.append(
                PayoutLine(
                    kind=PayoutLine.Kind.HOURS,
                    description=f"{line.hours} h at {line.rate} {currency}/h",
                    date_from=line.date_from,
                    date_to=line.date_to,
                    hours=line.hours,
                    rate=line.rate,
                    amount=line.amount,
                )
            )
    for adjustment in adjustments:
        lines.append(
            PayoutLine(
                kind=PayoutLine.Kind.ADJUSTMENT,
                description=f"{adjustment.get_kind_display()}: {adjustment.reason}"[:250],
                amount=adjustment.amount,
                adjustment=adjustment,
            )
        )
    hours_amount = sum((line.amount for line in lines if line.kind == PayoutLine.Kind.HOURS), ZERO)
    adjustments_amount = sum((a.amount for a in adjustments), ZERO)
    total = hours_amount + adjustments_amount
    expected = earning.hours_per_week * 2 if earning and earning.hours_per_week else None
    anomalies = []
    if expected and hours > expected * FAR_ABOVE_FACTOR:
        anomalies.append(f"{hours} h is far above the contract's {expected} h for two weeks.")
    if earning and earning.over_cap_entries:
        anomalies.append(f"{earning.over_cap_entries} entries were logged above the weekly hour cap.")
    if unscheduled_days:
        shown = ", ".join(f"{d:%a %d %b}" for d in unscheduled_days[:4]) + (
            "…" if len(unscheduled_days) > 4 else ""
        )
        anomalies.append(f"Time logged on {len(unscheduled_days)} day(s) without a shift: {shown}.")
    if total < 0:
        anomalies.append("Deductions are larger than the earnings: the total is negative.")
    for adjustment in adjustments:
        if adjustment.over_limit_reason:
            anomalies.append(
                f"{adjustment.get_kind_display()} of {format_money(adjustment.amount, currency)} is above the "
                f"program's adjustment limit (confirmed: {adjustment.over_limit_reason})."
            )
    if isinstance(threshold, str):
        anomalies.append(threshold)
    elif threshold is not None and total > threshold:
        anomalies.append(
            f"The total {format_money(total, currency)} is above the program's anomaly threshold "
            f"of {format_money(threshold, currency)}."
        )
    if typical is not None and total > typical * TYPICAL_FACTOR:
        anomalies.append(
            f"The total {format_money(total, currency)} is more than {TYPICAL_FACTOR} times this "
            f"freelancer's typical payout ({format_money(typical, currency)})."
        )
    payout = Payout(
        run=run,
        program_id=period.program_id,
        freelancer=freelancer,
        period=period,
        hours=hours,
        currency=currency,
        hours_amount=hours_amount,
        adjustments_amount=adjustments_amount,
        total=total,
        payout_currency=freelancer.payout_currency,
        exchange_rate=rate,
        exchange_rate_date=rate_date,
        payout_amount=round_money(total * rate),
        payout_method=details.summary if details else "",
        reference=payout_reference(program_id=period.program_id, period=period, freelancer_id=freelancer.pk),
        expected_hours=expected,
        anomalies=anomalies,
    )
    return payout, lines
