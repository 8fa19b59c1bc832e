"""Two-week pay periods anchored on a program date: open → closed (entries locked) → paid."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from payments.models import PERIOD_DAYS, Payout, PayoutRun, PayPeriod, PaySchedule
from programs.models import Program
from programs.services import program_today


def pay_schedule_get(*, program: Program) -> PaySchedule:
    """The program's pay schedule, made on first use: anchored on the Monday of the week the program started."""
    schedule = PaySchedule.objects.filter(program=program).first()
    if schedule is not None:
        return schedule
    created_on = (program.created_at or timezone.now()).astimezone(program.zone).date()
    anchor = created_on - datetime.timedelta(days=created_on.weekday())
    schedule, _ = PaySchedule.objects.get_or_create(program=program, defaults={"anchor_date": anchor})
    return schedule


def pay_period_bounds(*, program: Program, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return pay_schedule_get(program=program).period_bounds(day)


def pay_period_for(*, program: Program, day: datetime.date) -> PayPeriod:
    """The pay period containing `day`, made on first use (a unique constraint makes it one row)."""
    start, end = pay_period_bounds(program=program, day=day)
    period, _ = PayPeriod.objects.get_or_create(program=program, start_date=start, defaults={"end_date": end})
    return period


def pay_period_last_ended(
    *, program: Program, today: datetime.date | None = None, delay_days: int = 0
) -> PayPeriod:
    """The latest period that ended at least `delay_days` days before `today` (made if missing)."""
    today = today or program_today(program=program)
    schedule = pay_schedule_get(program=program)
    cutoff = today - datetime.timedelta(days=1 + delay_days)
    start, end = schedule.period_bounds(cutoff)
    if end > cutoff:
        start -= datetime.timedelta(days=PERIOD_DAYS)
    return pay_period_for(program=program, day=start)


@transaction.atomic
def pay_period_close(*, period: PayPeriod, actor=None) -> PayPeriod:
    """Lock the period's entries: from now on corrections become adjustments in a later period."""
    period = lock_one(PayPeriod.objects.filter(pk=period.pk))
    if period.status != PayPeriod.Status.OPEN:
        return period
    check_transition(PayPeriod.TRANSITIONS, period.status, PayPeriod.Status.CLOSED, label="pay period")
    period.status = PayPeriod.Status.CLOSED
    period.closed_at = timezone.now()
    period.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="pay_period.closed", target=period)
    return period


def pay_period_settle_if_paid(*, period_id: int) -> bool:
    """Mark a closed period paid once its run completed cleanly and every payout in it is paid."""
    period = PayPeriod.objects.select_related("program").get(pk=period_id)
    if period.status != PayPeriod.Status.CLOSED:
        return False
    run_done = PayoutRun.objects.filter(period=period, status=PayoutRun.Status.COMPLETED).exists()
    unpaid = Payout.objects.filter(period=period).exclude(status=Payout.Status.PAID).exists()
    if not run_done or unpaid:
        return False
    period.status = PayPeriod.Status.PAID
    period.paid_at = timezone.now()
    period.save(update_fields=["status", "paid_at", "updated_at"])
    audit_record(verb="pay_period.paid", target=period)
    return True
