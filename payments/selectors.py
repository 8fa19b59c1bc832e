"""Reads that serve a request: scoped to what the user may see, with their own joins and aggregates."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from accounts.models import Freelancer
from contracts.hours import week_bounds
from contracts.models import Contract
from core.money import round_money
from payments.earnings import WorkedDays, worked_days
from payments.models import (
    Adjustment,
    ExchangeRate,
    Invoice,
    Payout,
    PayoutDetails,
    PayoutLine,
    PayoutRequest,
    PayoutRun,
    PayPeriod,
    PaySchedule,
    RunningTimer,
    TimeEntry,
    TrialPayout,
)
from programs.models import Program
from programs.selectors import program_list

ZERO = Decimal("0")
# Hours a report counts: submitted or approved (drafts are not claimed yet, sent-back ones are disputed).
COUNTED_STATUSES = (TimeEntry.Status.SUBMITTED, TimeEntry.Status.APPROVED)


def managed_programs(*, user) -> QuerySet[Program]:
    return program_list(user=user).order_by("name")


def managed_program_get(*, user, slug: str | None) -> Program | None:
    if not slug:
        return None
    return managed_programs(user=user).filter(slug=slug).first()


# Time entries ---------------------------------------------------------------------------------------------


def freelancer_programs_for_time(*, freelancer: Freelancer) -> QuerySet[Program]:
    """Programs the freelancer may log time in: an active contract."""
    return (
        Program.objects.filter(contracts__freelancer=freelancer, contracts__status=Contract.Status.ACTIVE)
        .distinct()
        .order_by("name")
    )


def time_entries_of_week(*, freelancer: Freelancer, week_start: datetime.date) -> QuerySet[TimeEntry]:
    start, end = week_bounds(week_start)
    return (
        TimeEntry.objects.filter(freelancer=freelancer, date__range=(start, end))
        .select_related("program", "period", "reviewed_by")
        .prefetch_related("tickets")
        .order_by("date", "program__name", "id")
    )


def timesheet(*, freelancer: Freelancer, week_start: datetime.date) -> dict:
    """The weekly grid: one row per program, one column per day, with totals and estimate vs actual."""
    start, end = week_bounds(week_start)
    days = [start + datetime.timedelta(days=i) for i in range(7)]
    entries = list(time_entries_of_week(freelancer=freelancer, week_start=start))
    programs = {p.pk: p for p in freelancer_programs_for_time(freelancer=freelancer)}
    for entry in entries:
        programs.setdefault(entry.program_id, entry.program)
    cells: dict[tuple[int, datetime.date], Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if entry.status != TimeEntry.Status.SENT_BACK:
            cells[(entry.program_id, entry.date)] += entry.hours
    rows = []
    for program in sorted(programs.values(), key=lambda p: p.name):
        hours = [cells[(program.pk, day)] for day in days]
        rows.append({"program": program, "hours": hours, "total": sum(hours, ZERO)})
    day_totals = [sum((cells[(p, day)] for p in programs), ZERO) for day in days]
    estimated = [e for e in entries if e.estimated_hours is not None]
    return {
        "week_start": start,
        "week_end": end,
        "days": days,
        "rows": rows,
        "day_totals": day_totals,
        "total": sum(day_totals, ZERO),
        "entries": entries,
        "counts": {
            status: sum(1 for e in entries if e.status == status) for status in TimeEntry.Status.values
        },
        "can_submit": any(e.is_editable and e.period.is_open for e in entries),
        "estimated_total": sum((e.estimated_hours for e in estimated), ZERO),
        "estimated_actual_total": sum((e.hours for e in estimated), ZERO),
        "previous_week": start - datetime.timedelta(days=7),
        "next_week": start + datetime.timedelta(days=7),
    }


def running_timer_for(*, freelancer: Freelancer) -> RunningTimer | None:
    return RunningTimer.objects.filter(freelancer=freelancer).select_related("program").first()


def time_entry_for_freelancer(*, freelancer: Freelancer) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(freelancer=freelancer).select_related("program", "period")


def time_entries_for_manager(*, user) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(program__in=managed_programs(user=user)).select_related(
        "program", "freelancer", "period", "contract"
    )


def approval_groups(
    *, user, program: Program | None = None, status: str = TimeEntry.Status.SUBMITTED
) -> list[dict]:
    """Entries waiting for approval, grouped by program, freelancer and week (Monday). Three queries."""
    entries = time_entries_for_manager(user=user).filter(status=status).prefetch_related("tickets")
    if program is not None:
        entries = entries.filter(program=program)
    groups: dict[tuple, dict] = {}
    for entry in entries.order_by("program__name", "freelancer__legal_name", "date", "id"):
        week_start, _ = week_bounds(entry.date)
        key = (entry.program_id, entry.freelancer_id, week_start)
        group = groups.setdefault(
            key,
            {
                "program": entry.program,
                "freelancer": entry.freelancer,
                "week_start": week_start,
                "entries": [],
                "hours": ZERO,
                "over_cap": 0,
                "cap": entry.contract.weekly_hour_cap,
            },
        )
        group["entries"].append(entry)
        group["hours"] += entry.hours
        group["over_cap"] += 1 if entry.over_cap else 0
    return list(groups.values())


# Periods and runs ------------------------------------------------------------------------------------------


def pay_period_list(*, user, program: Program | None = None) -> QuerySet[PayPeriod]:
    periods = PayPeriod.objects.filter(program__in=managed_programs(user=user))
    if program is not None:
        periods = periods.filter(program=program)
    approved_hours = (
        TimeEntry.objects.filter(period=OuterRef("pk"), status=TimeEntry.Status.APPROVED)
        .order_by()
        .values("period")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    waiting = (
        TimeEntry.objects.filter(period=OuterRef("pk"), status=TimeEntry.Status.SUBMITTED)
        .order_by()
        .values("period")
        .annotate(n=Count("id"))
        .values("n")
    )
    payouts = Payout.objects.filter(period=OuterRef("pk")).order_by().values("period").annotate(n=Count("id"))
    return (
        periods.select_related("program")
        .annotate(
            approved_hours=Subquery(approved_hours),
            waiting_entries=Subquery(waiting),
            payout_count=Subquery(payouts.values("n")),
            run_id=Subquery(PayoutRun.objects.filter(period=OuterRef("pk")).values("pk")[:1]),
            run_status=Subquery(PayoutRun.objects.filter(period=OuterRef("pk")).values("status")[:1]),
        )
        .order_by("-start_date", "program__name")
    )


def payout_run_list(*, user) -> QuerySet[PayoutRun]:
    return (
        PayoutRun.objects.filter(program__in=managed_programs(user=user))
        .select_related("program", "period", "triggered_by")
        .order_by("-created_at", "-id")
    )


def payout_run_get(*, user, pk) -> PayoutRun | None:
    return payout_run_list(user=user).filter(pk=pk).first()


# Payouts -------------------------------------------------------------------------------------------------


def payout_list(
    *, user, program: Program | None = None, period_id=None, status: str | None = None, run_id=None
) -> QuerySet[Payout]:
    payouts = Payout.objects.filter(program__in=managed_programs(user=user))
    if program is not None:
        payouts = payouts.filter(program=program)
    if period_id:
        payouts = payouts.filter(period_id=period_id)
    if status:
        payouts = payouts.filter(status=status)
    if run_id:
        payouts = payouts.filter(run_id=run_id)
    return payouts.select_related(
        "program", "period", "freelancer", "freelancer__user", "freelancer__payout_details"
    ).order_by("-period__start_date", "program__name", "freelancer__legal_name")


def payout_totals(payouts: QuerySet[Payout]) -> dict:
    """Totals per program (contract currency) and per payout currency, for the approval screen."""
    by_program = list(
        payouts.order_by()
        .values("program__name", "currency")
        .annotate(count=Count("id"), hours=Sum("hours"), total=Sum("total"))
        .order_by("program__name", "currency")
    )
    by_currency = list(
        payouts.order_by()
        .values("payout_currency")
        .annotate(count=Count("id"), amount=Sum("payout_amount"))
        .order_by("payout_currency")
    )
    by_status = dict(payouts.order_by().values_list("status").annotate(n=Count("id")))
    anomalies = payouts.exclude(anomalies=[]).count()
    return {
        "by_program": by_program,
        "by_currency": by_currency,
        "by_status": by_status,
        "anomalies": anomalies,
    }


def _with_lines(payouts: QuerySet[Payout]) -> QuerySet[Payout]:
    return payouts.select_related(
        "program",
        "period",
        "freelancer",
        "freelancer__user",
        "freelancer__payout_details",
        "run",
        "details_confirmed_by",
        "invoice",
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=PayoutLine.objects.select_related("adjustment").order_by("kind", "date_from", "id"),
        )
    )


def payout_get_for_manager(*, user, pk) -> Payout | None:
    return _with_lines(Payout.objects.filter(program__in=managed_programs(user=user))).filter(pk=pk).first()


def payout_statement(*, payout_id: int) -> Payout:
    return _with_lines(Payout.objects.all()).get(pk=payout_id)


def payouts_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Payout]:
    return (
        Payout.objects.filter(freelancer=freelancer)
        .select_related("program", "period")
        .order_by("-period__start_date", "program__name")
    )


def payout_get_for_freelancer(*, freelancer: Freelancer, pk) -> Payout | None:
    return _with_lines(Payout.objects.filter(freelancer=freelancer)).filter(pk=pk).first()


def payouts_with_invoices_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Payout]:
    """The freelancer's payouts with their invoice (when issued), for the statements list."""
    return payouts_for_freelancer(freelancer=freelancer).select_related("invoice")


def _invoice_with_payout(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.select_related(
        "payout__program", "payout__period", "payout__freelancer"
    ).prefetch_related(
        Prefetch("payout__lines", queryset=PayoutLine.objects.order_by("kind", "date_from", "id"))
    )


def invoice_get_for_freelancer(*, freelancer: Freelancer, payout_pk) -> Invoice | None:
    """The invoice of one of the freelancer's own payouts (None for anyone else's)."""
    return (
        _invoice_with_payout(Invoice.objects.filter(freelancer=freelancer, payout__freelancer=freelancer))
        .filter(payout_id=payout_pk)
        .first()
    )


def invoice_get_for_manager(*, user, payout_pk) -> Invoice | None:
    """The invoice of a payout in one of the manager's programs."""
    return (
        _invoice_with_payout(Invoice.objects.filter(payout__program__in=managed_programs(user=user)))
        .filter(payout_id=payout_pk)
        .first()
    )


# Exchange rates, adjustments, requests --------------------------------------------------------------------


def exchange_rate_list() -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.order_by("-on_date", "base_currency", "quote_currency")


def adjustment_list(*, user) -> QuerySet[Adjustment]:
    return (
        Adjustment.objects.filter(program__in=managed_programs(user=user))
        .select_related("program", "freelancer", "period", "payout", "created_by")
        .order_by("-created_at", "-id")
    )


def payout_request_list(*, user, status: str | None = None) -> QuerySet[PayoutRequest]:
    requests = PayoutRequest.objects.filter(program__in=managed_programs(user=user))
    if status:
        requests = requests.filter(status=status)
    return requests.select_related(
        "program", "freelancer", "freelancer__user", "freelancer__payout_details", "decided_by"
    ).order_by("-created_at", "-id")


def payout_details_for(*, freelancer: Freelancer) -> PayoutDetails:
    """The freelancer's payout details, or an unsaved blank row when they have none yet."""
    return PayoutDetails.objects.filter(freelancer=freelancer).first() or PayoutDetails(freelancer=freelancer)


def payout_requests_for_freelancer(*, freelancer: Freelancer) -> QuerySet[PayoutRequest]:
    return (
        PayoutRequest.objects.filter(freelancer=freelancer).select_related("program").order_by("-created_at")
    )


def freelancers_in_programs(*, user) -> QuerySet[Freelancer]:
    """Freelancers with a contract (past draft) in a program this manager manages."""
    contracts = Contract.objects.filter(
        freelancer=OuterRef("pk"), program__in=managed_programs(user=user)
    ).exclude(status=Contract.Status.DRAFT)
    return Freelancer.objects.filter(Exists(contracts)).select_related("user").order_by("legal_name")


def leaving_freelancers(*, user) -> QuerySet[Freelancer]:
    """Freelancers of this manager's programs whose contract there has ended or has an end date (off-cycle pay)."""
    contracts = Contract.objects.filter(
        freelancer=OuterRef("pk"), program__in=managed_programs(user=user)
    ).filter(
        Q(status__in=[Contract.Status.ENDED, Contract.Status.TERMINATED])
        | Q(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE], end_date__isnull=False)
    )
    return Freelancer.objects.filter(Exists(contracts)).order_by("legal_name")


def payments_overview(*, user) -> list[dict]:
    """The /manage/payments/ page: per program, what waits for whom. A constant number of queries."""
    programs = list(managed_programs(user=user))
    ids = [p.pk for p in programs]
    waiting = dict(
        TimeEntry.objects.filter(program_id__in=ids, status=TimeEntry.Status.SUBMITTED)
        .order_by()
        .values_list("program_id")
        .annotate(n=Count("id"))
    )
    draft_payouts = {
        row["program_id"]: row
        for row in Payout.objects.filter(program_id__in=ids, status=Payout.Status.DRAFT)
        .order_by()
        .values("program_id")
        .annotate(n=Count("id"), total=Sum("total"))
    }
    approved_payouts = dict(
        Payout.objects.filter(program_id__in=ids, status=Payout.Status.APPROVED)
        .order_by()
        .values_list("program_id")
        .annotate(n=Count("id"))
    )
    requests = dict(
        PayoutRequest.objects.filter(program_id__in=ids, status=PayoutRequest.Status.PENDING)
        .order_by()
        .values_list("program_id")
        .annotate(n=Count("id"))
    )
    latest_runs = {}
    for run in PayoutRun.objects.filter(program_id__in=ids).select_related("period").order_by("-created_at"):
        latest_runs.setdefault(run.program_id, run)
    open_periods = {}
    for period in PayPeriod.objects.filter(program_id__in=ids, status=PayPeriod.Status.OPEN).order_by(
        "start_date"
    ):
        open_periods.setdefault(period.program_id, period)
    return [
        {
            "program": program,
            "waiting_entries": waiting.get(program.pk, 0),
            "draft_payouts": draft_payouts.get(program.pk, {}).get("n", 0),
            "draft_total": draft_payouts.get(program.pk, {}).get("total"),
            "approved_payouts": approved_payouts.get(program.pk, 0),
            "pending_requests": requests.get(program.pk, 0),
            "latest_run": latest_runs.get(program.pk),
            "open_period": open_periods.get(program.pk),
        }
        for program in programs
    ]


def unapproved_in_closed_periods(*, user) -> int:
    return (
        time_entries_for_manager(user=user)
        .filter(~Q(period__status=PayPeriod.Status.OPEN), status=TimeEntry.Status.SUBMITTED)
        .count()
    )


# --- pay in reports ---------------------------------------------------------------------------------------


def counted_work(
    *,
    windows: dict[int, tuple[datetime.date, datetime.date]],
    freelancer_ids: Iterable[int] | None = None,
) -> WorkedDays:
    """The counted hours of these programs, each over its own (first, last) days, ready to be priced by the pay
    rule (payments.earnings): `.pay_by(key)` gives what these hours are, or would be, paid, line by line as a
    payout pays them. Two queries whatever the number of entries (payments.earnings.worked_days)."""
    condition = Q(pk__in=[])
    for program_id, (first_day, last_day) in windows.items():
        condition |= Q(program_id=program_id, date__gte=first_day, date__lte=last_day)
    entries = TimeEntry.objects.filter(condition, status__in=COUNTED_STATUSES)
    if freelancer_ids is not None:
        entries = entries.filter(freelancer_id__in=list(freelancer_ids))
    return worked_days(entries)


def adjustment_extras_for_program(
    *, program_id: int, start: datetime.datetime, end: datetime.datetime, currency: str
) -> list[tuple[str, Decimal]]:
    """[(kind label, total)] of the bonuses and paid trials created in [start, end) in the program and currency:
    pay beside the hours, which a report lists apart. One query."""
    labels = dict(Adjustment.Kind.choices)
    rows = (
        Adjustment.objects.filter(
            program_id=program_id,
            kind__in=[Adjustment.Kind.BONUS, Adjustment.Kind.PAID_TRIAL],
            created_at__gte=start,
            created_at__lt=end,
            currency=currency,
        )
        .order_by()
        .values("kind")
        .annotate(total=Sum("amount"))
    )
    return [(labels[row["kind"]], round_money(row["total"])) for row in rows]


# --- the freelancer's portal home (the dashboard reads payments only through these selectors) --------------


def time_to_submit_for_freelancer(*, freelancer: Freelancer) -> dict:
    """{"entries", "total_hours", "sent_back"} of the freelancer's drafts and sent-back entries. One query."""
    entries = TimeEntry.objects.filter(freelancer=freelancer).order_by()
    return entries.filter(status__in=[TimeEntry.Status.DRAFT, TimeEntry.Status.SENT_BACK]).aggregate(
        entries=Count("id"),
        total_hours=Sum("hours"),
        sent_back=Count("id", filter=Q(status=TimeEntry.Status.SENT_BACK)),
    )


def time_this_period_for_freelancer(*, freelancer: Freelancer) -> list[dict]:
    """Hours logged and approved in each open period, per program (sent-back entries left out). One query."""
    return list(
        TimeEntry.objects.filter(freelancer=freelancer, period__status=PayPeriod.Status.OPEN)
        .exclude(status=TimeEntry.Status.SENT_BACK)
        .values("program__name", "period__start_date", "period__end_date")
        .annotate(total_hours=Sum("hours"), approved=Sum("hours", filter=Q(status=TimeEntry.Status.APPROVED)))
        .order_by("program__name")
    )


def payout_next_for_freelancer(*, freelancer: Freelancer) -> Payout | None:
    """The freelancer's oldest payout not yet paid."""
    return (
        payouts_for_freelancer(freelancer=freelancer)
        .exclude(status=Payout.Status.PAID)
        .order_by("period__start_date", "pk")
        .first()
    )


def pay_schedules_for_programs(*, program_ids) -> list[PaySchedule]:
    """The programs' pay schedules, each with its program. One query."""
    return list(PaySchedule.objects.filter(program_id__in=list(program_ids)).select_related("program"))


def pay_schedule_anchor(*, program_id: int) -> datetime.date | None:
    """The first day of the program's pay cycle (its schedule's anchor date), or None without a schedule."""
    return PaySchedule.objects.filter(program_id=program_id).values_list("anchor_date", flat=True).first()


# Paid trial payouts (payments.services.trial_payouts) --------------------------------------------------------


def trial_payout_list_for_run(*, user, run: PayoutRun) -> list[TrialPayout]:
    """The trial payouts a run pays, then the program's graded ones not in a run: waiting for payout details
    (or, with details, for the next run). Scoped to the manager's programs; one query."""
    from recruiting.models import TrialTask

    rows = (
        TrialPayout.objects.filter(program__in=managed_programs(user=user), program_id=run.program_id)
        .filter(
            Q(run=run)
            | Q(
                run__isnull=True,
                status=TrialPayout.Status.PENDING,
                trial_task__status=TrialTask.Status.GRADED,
            )
        )
        .select_related("trial_task__application")
        .order_by("-status", "reference")
    )
    return list(rows)


def trial_payout_get_for_manager(*, user, pk) -> TrialPayout | None:
    return TrialPayout.objects.filter(program__in=managed_programs(user=user), pk=pk).first()


def trial_payout_get_by_token(*, token: str) -> TrialPayout | None:
    return TrialPayout.objects.filter(trial_task__token=token).first() if token and len(token) <= 64 else None
