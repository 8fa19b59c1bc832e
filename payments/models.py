"""Time entries, pay periods, payout runs, payouts and their lines, adjustments, exchange rates, payout requests.

Money is Decimal with a currency beside it; amounts are rounded half-up to cents per line.
A payout is unique per freelancer, program and period (the database says so), and every
time entry and adjustment points at the payout that paid it, so nothing is paid twice.
"""

import datetime
import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidChecksumDigits, InvalidCountryCode, InvalidLength, SchwiftyException

from accounts.models import Freelancer
from contracts.models import Contract
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from payments.fields import EncryptedTextField
from programs.models import Program

QUARTER = Decimal("0.25")
PERIOD_DAYS = 14


class PaySchedule(models.Model):
    """Where a program's two-week pay periods are anchored (a Monday), and how long after the end the run waits."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="pay_schedule")
    anchor_date = models.DateField(help_text="First day of some pay period; the others follow every 14 days.")
    run_after_days = models.PositiveSmallIntegerField(
        default=1,
        help_text="Days after a period ends before the scheduled payout run (time for late approvals).",
    )
    # Bounds on money outside hours × rate, in the program currency (converted for other contract currencies).
    adjustment_limit = MoneyField(
        default=Decimal("1000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Largest adjustment (bonus, correction, deduction) a manager may add without a confirmed reason.",
    )
    payout_anomaly_threshold = MoneyField(
        default=Decimal("5000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="A payout whose total is above this is flagged in its run for a look before approval.",
    )

    def __str__(self):
        return f"Pay schedule of {self.program} (anchored {self.anchor_date})"

    def period_bounds(self, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        offset = (day - self.anchor_date).days // PERIOD_DAYS
        start = self.anchor_date + datetime.timedelta(days=offset * PERIOD_DAYS)
        return start, start + datetime.timedelta(days=PERIOD_DAYS - 1)


class PayPeriod(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        PAID = "paid", "Paid"

    TRANSITIONS = {
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.PAID},
        Status.PAID: set(),
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="pay_periods")
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["program", "start_date"], name="pay_period_unique_start"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="pay_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.program}: {self.start_date:%d %b} – {self.end_date:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Activity(models.TextChoices):
    TICKETS = "tickets", "Tickets"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"
    OTHER = "other", "Other"


class TimeEntryQuerySet(models.QuerySet):
    """Which payout paid an entry follows from one rule, so a run never rewrites 100,000 rows:

    the payout run closes the period first, and from then on an entry of that period can no longer
    become (or stop being) approved without a correction adjustment. So the approved entries of a
    closed period without a correction are exactly the hours of the freelancer's payout for it
    (unique per freelancer, program and period), and they are unpaid while that payout does not exist.
    """

    def payable(self):
        return self.filter(status=TimeEntry.Status.APPROVED, correction__isnull=True)

    def unpaid(self):
        payout = Payout.objects.filter(
            freelancer_id=models.OuterRef("freelancer_id"),
            program_id=models.OuterRef("program_id"),
            period_id=models.OuterRef("period_id"),
        )
        return self.payable().filter(~models.Exists(payout))

    def paid_by(self, payout: "Payout"):
        return self.payable().filter(
            freelancer_id=payout.freelancer_id, program_id=payout.program_id, period_id=payout.period_id
        )


class TimeEntry(TimeStampedModel):
    """One line of the work diary: hours on a day, in a program, for an activity."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.SENT_BACK},
        Status.SENT_BACK: {Status.SUBMITTED},
        Status.APPROVED: {Status.SENT_BACK},
    }
    EDITABLE = {Status.DRAFT, Status.SENT_BACK}

    objects = TimeEntryQuerySet.as_manager()

    # Few indexes on purpose (bulk inserts of a busy diary); the composite indexes in Meta cover our lookups.
    freelancer = models.ForeignKey(
        Freelancer, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    period = models.ForeignKey(
        PayPeriod, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    estimated_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a planned non-ticket task: the hours it was expected to take.",
    )
    activity = models.CharField(max_length=10, choices=Activity.choices, default=Activity.TICKETS)
    note = models.CharField(max_length=500, blank=True)
    tickets = models.ManyToManyField("queues.Ticket", blank=True, related_name="time_entries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    over_cap = models.BooleanField(
        default=False, help_text="Logged when the week's hours were above the contract's weekly cap."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    review_comment = models.TextField(blank=True)
    correction = models.ForeignKey(
        "Adjustment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="late_entries",
        db_index=False,
        help_text="Approved after its period closed: paid through this correction in a later period.",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["period", "status", "freelancer"], name="time_entry_period_status"),
            models.Index(fields=["freelancer", "date"], name="time_entry_freelancer_date"),
            # Covering: counted_work over a program's days (the dashboard's today, the pay rollups) reads only
            # these columns, so its scan is index-only on PostgreSQL (period, correction, over_cap and id too:
            # without them a day's entries were a heap page each).
            models.Index(
                fields=["program", "date"],
                include=[
                    "status",
                    "hours",
                    "contract",
                    "freelancer",
                    "period",
                    "correction",
                    "over_cap",
                    "id",
                ],
                name="time_entry_program_date",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="time_entry_hours_in_day"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_hours__isnull=True)
                | (models.Q(estimated_hours__gte=0) & models.Q(estimated_hours__lte=24)),
                name="time_entry_estimate_in_day",
            ),
        ]

    def __str__(self):
        return f"{self.freelancer} · {self.date} · {self.hours} h {self.get_activity_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def clean(self):
        errors = {}
        if self.hours is not None:
            if self.hours <= 0:
                errors["hours"] = "Hours must be more than zero."
            elif self.hours > 24:
                errors["hours"] = "A day has at most 24 hours."
            elif self.hours % QUARTER:
                errors["hours"] = "Hours are logged in quarter hours (0.25, 0.5, 0.75…)."
        if self.estimated_hours is not None:
            if self.activity == Activity.TICKETS:
                errors["estimated_hours"] = (
                    "Estimates are for planned non-ticket tasks (training, meetings, other)."
                )
            elif self.estimated_hours < 0 or self.estimated_hours > 24 or self.estimated_hours % QUARTER:
                errors["estimated_hours"] = "Estimate in quarter hours between 0 and 24."
        if errors:
            raise ValidationError(errors)


class RunningTimer(models.Model):
    """The optional start/stop timer: at most one per freelancer; stopping it writes a draft entry."""

    freelancer = models.OneToOneField(Freelancer, on_delete=models.CASCADE, related_name="running_timer")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(max_length=10, choices=Activity.choices, default=Activity.TICKETS)
    note = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()

    def __str__(self):
        return f"Timer of {self.freelancer} since {self.started_at:%Y-%m-%d %H:%M}"


class ExchangeRate(TimeStampedModel):
    """1 unit of `base_currency` is worth `rate` units of `quote_currency` on `on_date`."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        CSV = "csv", "CSV import"

    base_currency = CurrencyField()
    quote_currency = CurrencyField(default="EUR")
    on_date = models.DateField(db_index=True)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["-on_date", "base_currency", "quote_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_currency", "quote_currency", "on_date"], name="exchange_rate_unique"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.base_currency} = {self.rate} {self.quote_currency} on {self.on_date}"

    def clean(self):
        if self.rate is not None and self.rate <= 0:
            raise ValidationError({"rate": "An exchange rate must be more than zero."})
        if self.base_currency and self.base_currency == self.quote_currency:
            raise ValidationError({"quote_currency": "Pick two different currencies."})


class PayoutRun(TimeStampedModel):
    """One execution (or resumed execution) of the payout job for a program's period."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.PENDING, Status.RUNNING)
    TRANSITIONS = {
        Status.PENDING: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED, Status.RUNNING},
        Status.FAILED: {Status.RUNNING},
        Status.COMPLETED_WITH_ERRORS: {Status.RUNNING},
        Status.COMPLETED: set(),
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="payout_runs")
    period = models.ForeignKey(PayPeriod, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING, db_index=True)
    run_date = models.DateField(help_text="Exchange rates of this date convert the payouts.")
    total_count = models.PositiveIntegerField(default=0, help_text="Freelancers to pay in this run.")
    done_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0, help_text="Payouts this run created.")
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the worker.")
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One run per period: starting it again resumes it instead of racing it.
            models.UniqueConstraint(fields=["period"], name="payout_run_one_per_period"),
        ]

    def __str__(self):
        return f"Payout run #{self.pk} · {self.period}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress_percent(self) -> int:
        if not self.total_count:
            return 100 if self.status == self.Status.COMPLETED else 0
        return min(100, round(100 * self.done_count / self.total_count))


class Payout(TimeStampedModel):
    """What one freelancer is paid for one program's period: hour lines + adjustments, converted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    TRANSITIONS = {
        Status.DRAFT: {Status.APPROVED},
        Status.APPROVED: {Status.PAID, Status.FAILED, Status.DRAFT},
        Status.FAILED: {Status.APPROVED},
        Status.PAID: set(),
    }

    run = models.ForeignKey(
        PayoutRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="payouts"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="payouts")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.PROTECT, related_name="payouts")
    period = models.ForeignKey(PayPeriod, on_delete=models.PROTECT, related_name="payouts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    currency = CurrencyField(help_text="The contract currency: lines and totals are in it.")
    hours_amount = MoneyField(default=Decimal("0"))
    adjustments_amount = MoneyField(default=Decimal("0"))
    total = MoneyField(default=Decimal("0"))
    payout_currency = CurrencyField()
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, default=Decimal("1"))
    exchange_rate_date = models.DateField(null=True, blank=True)
    payout_amount = MoneyField(default=Decimal("0"), help_text="What is sent, in the payout currency.")
    payout_method = models.CharField(
        max_length=200, blank=True, help_text="Copied from the profile at the run."
    )
    expected_hours = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Contract hours per week × 2."
    )
    anomalies = models.JSONField(
        default=list, blank=True, help_text="What a manager should look at before approving."
    )
    reference = models.CharField(max_length=60, unique=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)
    failure_reason = models.TextField(blank=True)
    statement_sent_at = models.DateTimeField(null=True, blank=True)
    details_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A manager confirmed the freelancer's recently changed payout details.",
    )
    details_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period__start_date", "freelancer__legal_name"]
        indexes = [models.Index(fields=["program", "status"]), models.Index(fields=["freelancer", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "program", "period"], name="payout_one_per_freelancer_program_period"
            ),
            models.CheckConstraint(
                condition=models.Q(exchange_rate__gt=0), name="payout_exchange_rate_positive"
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.freelancer}"

    @property
    def hold_reason(self) -> str:
        """Why this payout may not be paid or exported yet ("" when it may). Select freelancer__payout_details."""
        return payout_hold_reason(payout=self, details=getattr(self.freelancer, "payout_details", None))


class PayoutLine(models.Model):
    class Kind(models.TextChoices):
        HOURS = "hours", "Hours"
        ADJUSTMENT = "adjustment", "Adjustment"

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=250)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rate = MoneyField(null=True, blank=True)
    amount = MoneyField()
    adjustment = models.OneToOneField(
        "Adjustment", null=True, blank=True, on_delete=models.PROTECT, related_name="payout_line"
    )

    class Meta:
        ordering = ["payout", "kind", "date_from", "id"]

    def __str__(self):
        return f"{self.description}: {self.amount}"


class Adjustment(TimeStampedModel):
    """Money outside hours × rate: bonuses, paid trial tasks, corrections, deductions, advances.

    Without a period it goes into the next payout run of its program; `source_key` makes
    creation from another app idempotent (one adjustment per trial task, per bonus…).
    """

    class Kind(models.TextChoices):
        BONUS = "bonus", "Bonus"
        PAID_TRIAL = "paid_trial", "Paid trial task"
        CORRECTION = "correction", "Correction"
        DEDUCTION = "deduction", "Deduction"
        ADVANCE = "advance", "Early payment (advance)"

    freelancer = models.ForeignKey(Freelancer, on_delete=models.PROTECT, related_name="adjustments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="adjustments")
    period = models.ForeignKey(
        PayPeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        help_text="Pay in this period's run; empty: the next run of the program.",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = MoneyField(help_text="Signed: deductions and advances are negative.")
    currency = CurrencyField()
    reason = models.CharField(max_length=300)
    source_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    over_limit_reason = models.TextField(
        blank=True, help_text="Why it may be above the program's adjustment limit; its payout is flagged."
    )
    payout = models.ForeignKey(
        Payout, null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustments"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "payout"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["bonus", "paid_trial"]) | models.Q(amount__gt=0),
                name="adjustment_positive_kinds",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["deduction", "advance"]) | models.Q(amount__lt=0),
                name="adjustment_negative_kinds",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency} · {self.freelancer}"


class PayoutRequest(TimeStampedModel):
    """A freelancer asks to be paid approved, unpaid earnings before payday."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a manager"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        PAID = "paid", "Paid"

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.DECLINED, Status.CANCELLED},
        Status.APPROVED: {Status.PAID},
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
        Status.PAID: set(),
    }

    freelancer = models.ForeignKey(Freelancer, on_delete=models.PROTECT, related_name="payout_requests")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="payout_requests")
    amount = MoneyField()
    currency = CurrencyField(help_text="The contract currency.")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    payout_currency = CurrencyField()
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)
    payout_amount = MoneyField(null=True, blank=True)
    advance = models.OneToOneField(
        Adjustment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_request",
        help_text="The deduction from the next payout that balances this early payment.",
    )
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_request_positive")
        ]

    def __str__(self):
        return f"Request {self.amount} {self.currency} · {self.freelancer}"


# Payout details -------------------------------------------------------------------------------------------

# A payout whose freelancer changed their payout details this recently before it is paid or exported is held
# until a manager confirms it: the freelancer is e-mailed at every change, and this is their time to say "not me".
PAYOUT_DETAILS_HOLD = datetime.timedelta(days=7)

_ACCOUNT_NUMBER = re.compile(r"[A-Z0-9]{4,34}")
_PAYONEER_ID = re.compile(r"[A-Za-z0-9@._+-]{3,64}")


def mask(value: str, *, keep: int = 4) -> str:
    """An account identifier shown without giving it away: its last `keep` characters."""
    value = (value or "").replace(" ", "")
    if not value:
        return ""
    return "····" + value[-keep:] if len(value) > keep else "····"


def mask_email(value: str) -> str:
    local, _, domain = (value or "").partition("@")
    if not domain:
        return mask(value)
    return f"{local[:1]}•••@{domain}"


def _schwifty_message(exc: SchwiftyException, what: str) -> str:
    if isinstance(exc, InvalidChecksumDigits):
        return f"This {what} is not valid: its check digits do not match (a typo?)."
    if isinstance(exc, InvalidLength):
        return f"This {what} has the wrong length for its country."
    if isinstance(exc, InvalidCountryCode):
        return f"This {what} does not start with a known country code."
    return f"This {what} is not valid: check it against your bank's details."


class PayoutAccount(models.Model):
    """Where money goes: a method and the structured fields it needs, with their rules (clean) and masked summary.

    Shared by a freelancer's PayoutDetails and a candidate's TrialPayout (docs/adr/0026). The bank account
    (IBAN, account number) is encrypted at rest with the vault's keys and shown only masked.
    """

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        WISE = "wise", "Wise"
        PAYPAL = "paypal", "PayPal"
        PAYONEER = "payoneer", "Payoneer"

    DETAIL_FIELDS = (
        "account_holder_name",
        "iban",
        "account_number",
        "bic",
        "bank_country",
        "wise_email",
        "paypal_email",
        "payoneer_id",
        "legacy_note",
    )
    # The fields each method uses; clean() empties the others, so one row never mixes two methods.
    METHOD_FIELDS = {
        "": ("legacy_note",),
        Method.BANK_TRANSFER: ("account_holder_name", "iban", "account_number", "bic", "bank_country"),
        Method.WISE: ("account_holder_name", "wise_email"),
        Method.PAYPAL: ("paypal_email",),
        Method.PAYONEER: ("payoneer_id",),
    }

    method = models.CharField(
        max_length=20, choices=Method.choices, blank=True, help_text="Blank: no usable details on file yet."
    )
    account_holder_name = models.CharField(max_length=200, blank=True)
    iban = EncryptedTextField(blank=True, verbose_name="IBAN")
    account_number = EncryptedTextField(blank=True, help_text="Where there is no IBAN; needs the SWIFT/BIC.")
    bic = models.CharField(max_length=11, blank=True, verbose_name="SWIFT/BIC")
    bank_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code of the bank.")
    wise_email = models.EmailField(blank=True, verbose_name="Wise e-mail")
    paypal_email = models.EmailField(blank=True, verbose_name="PayPal e-mail")
    payoneer_id = models.CharField(max_length=64, blank=True, verbose_name="Payoneer ID")
    legacy_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="The old free-text payout method that could not be read as details; gone once details are entered.",
    )

    class Meta:
        abstract = True

    @property
    def needs_details(self) -> bool:
        return not self.method

    @property
    def summary(self) -> str:
        """One masked line for pages, statements and the audit log: never the whole account."""
        if self.method == self.Method.BANK_TRANSFER:
            account = f"IBAN {mask(self.iban)}" if self.iban else f"account {mask(self.account_number)}"
            return " · ".join(part for part in ("Bank transfer", account, self.bic) if part)
        if self.method == self.Method.WISE:
            return f"Wise · {mask_email(self.wise_email)}"
        if self.method == self.Method.PAYPAL:
            return f"PayPal · {mask_email(self.paypal_email)}"
        if self.method == self.Method.PAYONEER:
            return f"Payoneer · ID {mask(self.payoneer_id)}"
        return ""

    def clean(self):
        used = self.METHOD_FIELDS.get(self.method, ())
        for name in self.DETAIL_FIELDS:
            value = (getattr(self, name) or "").strip()
            setattr(self, name, value if name in used else "")
        errors: dict[str, str] = {}
        if self.method == self.Method.BANK_TRANSFER:
            errors.update(self._clean_bank_transfer())
        elif self.method == self.Method.WISE and not self.wise_email:
            errors["wise_email"] = "Enter the e-mail address of your Wise account."
        elif self.method == self.Method.PAYPAL and not self.paypal_email:
            errors["paypal_email"] = "Enter the e-mail address of your PayPal account."
        elif self.method == self.Method.PAYONEER and not _PAYONEER_ID.fullmatch(self.payoneer_id):
            errors["payoneer_id"] = "Enter your Payoneer ID (3 to 64 letters, digits or . _ - @)."
        self.wise_email = self.wise_email.lower()
        self.paypal_email = self.paypal_email.lower()
        if errors:
            raise ValidationError(errors)

    def _clean_bank_transfer(self) -> dict[str, str]:
        errors = {}
        if not self.account_holder_name:
            errors["account_holder_name"] = "Enter the name on the bank account."
        self.iban = re.sub(r"[\s-]", "", self.iban).upper()
        self.account_number = re.sub(r"[\s-]", "", self.account_number).upper()
        self.bic = re.sub(r"\s", "", self.bic).upper()
        self.bank_country = self.bank_country.upper()
        country = ""
        if self.iban and self.account_number:
            errors["account_number"] = "Enter an IBAN or an account number with SWIFT/BIC, not both."
        elif self.iban:
            try:
                iban = IBAN(self.iban)
            except SchwiftyException as exc:
                errors["iban"] = _schwifty_message(exc, "IBAN")
            else:
                self.iban, country = iban.compact, iban.country_code
        elif self.account_number:
            if not _ACCOUNT_NUMBER.fullmatch(self.account_number):
                errors["account_number"] = "An account number has 4 to 34 letters and digits."
            if not self.bic:
                errors["bic"] = "With an account number, enter your bank's SWIFT/BIC code."
        else:
            errors["iban"] = "Enter your IBAN, or an account number with your bank's SWIFT/BIC code."
        if self.bic:
            try:
                bic = BIC(self.bic)
            except SchwiftyException:
                errors["bic"] = (
                    "This SWIFT/BIC code is not valid (8 or 11 letters and digits, e.g. DEUTDEFF)."
                )
            else:
                self.bic, country = bic.compact, country or bic.country_code
        self.bank_country = self.bank_country or country
        if self.bank_country and not re.fullmatch(r"[A-Z]{2}", self.bank_country):
            errors["bank_country"] = "Use the two-letter country code, e.g. DE, PL, PH."
        elif country and self.bank_country != country and "iban" not in errors and "bic" not in errors:
            errors["bank_country"] = f"The account is in {country}, not {self.bank_country}."
        return errors


class PayoutDetails(TimeStampedModel, PayoutAccount):
    """How one freelancer is paid (one row per freelancer); the method, fields and rules are PayoutAccount's.

    `changed_at` is the freelancer's last change; see PAYOUT_DETAILS_HOLD and payout_hold_reason.
    """

    freelancer = models.OneToOneField(Freelancer, on_delete=models.CASCADE, related_name="payout_details")
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the freelancer last changed them."
    )
    # What the freelancer's invoices carry (payments.Invoice copies them at issue). Changing them is not a change
    # of where the money goes, so it neither holds payouts nor sets changed_at.
    billing_address = models.TextField(
        max_length=500, blank=True, help_text="Postal address printed on your invoices."
    )
    tax_id = models.CharField(
        max_length=40,
        blank=True,
        verbose_name="tax ID",
        help_text="Your tax or VAT number, printed on your invoices.",
    )

    class Meta:
        verbose_name_plural = "payout details"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=["", "bank_transfer", "wise", "paypal", "payoneer"]),
                name="payout_details_known_method",
            ),
        ]

    def __str__(self):
        return f"Payout details of {self.freelancer}: {self.summary or 'none'}"


def payout_hold_reason(
    *, payout: Payout, details: PayoutDetails | None, now: datetime.datetime | None = None
) -> str:
    """The one rule: why `payout` may not be paid or exported yet ("" when it may).

    Held while the freelancer's payout details changed less than PAYOUT_DETAILS_HOLD ago, unless a manager
    confirmed this payout after that change. A paid payout is history and never held.
    """
    if details is None or details.changed_at is None or payout.status == Payout.Status.PAID:
        return ""
    now = now or timezone.now()
    if details.changed_at <= now - PAYOUT_DETAILS_HOLD:
        return ""
    if payout.details_confirmed_at and payout.details_confirmed_at >= details.changed_at:
        return ""
    released = details.changed_at + PAYOUT_DETAILS_HOLD
    return (
        f"Held: the payout details were changed on {details.changed_at:%d %b %Y}. A manager must confirm "
        f"them before this payout is paid or exported (or wait until {released:%d %b %Y %H:%M} UTC)."
    )


# Invoices -------------------------------------------------------------------------------------------------


class BillingCompany(TimeStampedModel):
    """The company a program's freelancers invoice: its legal name, address and tax ID (one per program)."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="billing_company")
    legal_name = models.CharField(max_length=200)
    address = models.TextField(max_length=500, blank=True)
    tax_id = models.CharField(max_length=40, blank=True, verbose_name="tax ID")
    email = models.EmailField(blank=True, help_text="Where invoices go, printed on them.")

    class Meta:
        verbose_name_plural = "billing companies"

    def __str__(self):
        return f"{self.legal_name} (invoiced for {self.program})"


def invoice_upload_to(instance, filename):
    return f"payments/invoices/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}.pdf"


class Invoice(TimeStampedModel):
    """The freelancer's invoice to the company for one paid payout, numbered per freelancer without gaps.

    Everything printed is copied here when it is issued (names, addresses, tax IDs, total), so a later change of
    profile or company never rewrites an issued invoice; the lines are the payout's, which no longer change once
    it is paid. The PDF is made from these fields on download. A freelancer may upload their own PDF instead:
    then that file is the invoice, and the number here stays this payout's place in their sequence.
    """

    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="invoice")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.PROTECT, related_name="invoices")
    sequence = models.PositiveIntegerField(help_text="1, 2, 3… per freelancer, without gaps.")
    number = models.CharField(max_length=40)
    issued_on = models.DateField()
    currency = CurrencyField()
    total = MoneyField(help_text="The sum of the payout's lines, in the contract currency.")
    freelancer_legal_name = models.CharField(max_length=200)
    freelancer_address = models.TextField(blank=True)
    freelancer_tax_id = models.CharField(max_length=40, blank=True)
    freelancer_country = models.CharField(max_length=2, blank=True)
    company_legal_name = models.CharField(max_length=200)
    company_address = models.TextField(blank=True)
    company_tax_id = models.CharField(max_length=40, blank=True)
    company_email = models.EmailField(blank=True)
    uploaded_by_freelancer = models.BooleanField(default=False)
    uploaded_file = models.FileField(upload_to=invoice_upload_to, blank=True, max_length=200)
    uploaded_number = models.CharField(
        max_length=60, blank=True, help_text="The number on the uploaded invoice."
    )
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["freelancer", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "sequence"], name="invoice_sequence_per_freelancer"
            ),
            models.UniqueConstraint(fields=["freelancer", "number"], name="invoice_number_per_freelancer"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="invoice_sequence_positive"),
            models.CheckConstraint(
                condition=models.Q(uploaded_by_freelancer=False) | ~models.Q(uploaded_file=""),
                name="invoice_upload_has_file",
            ),
        ]

    def __str__(self):
        return f"Invoice {self.number} · {self.freelancer_legal_name}"

    @property
    def filename(self) -> str:
        return f"invoice-{self.number}.pdf"


# Paid trial tasks --------------------------------------------------------------------------------------------


class TrialPayout(TimeStampedModel, PayoutAccount):
    """A one-off payout of a paid trial task to the candidate who did it, hired or not (docs/adr/0026).

    Keyed on the trial task (one per trial: paid once). The candidate enters the payout details on the trial
    page (PayoutAccount's rules, encrypted, shown masked); once the trial is graded, the next payout run of the
    program includes it (`run`), and a manager marks it paid there.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "To pay"
        PAID = "paid", "Paid"

    trial_task = models.OneToOneField(
        "recruiting.TrialTask", on_delete=models.PROTECT, related_name="trial_payout"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="trial_payouts")
    description = models.CharField(
        max_length=250, help_text="The statement line: “Paid trial task: <posting>”."
    )
    amount = MoneyField()
    currency = CurrencyField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    run = models.ForeignKey(
        PayoutRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trial_payouts",
        help_text="The payout run that pays it; empty until the trial is graded and a run starts.",
    )
    details_entered_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=60, unique=True)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)
    paid_to = models.CharField(
        max_length=200, blank=True, help_text="The masked summary of the details paid to."
    )
    statement_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the statement e-mail was queued."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="trial_payout_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(method__in=["", "bank_transfer", "wise", "paypal", "payoneer"]),
                name="trial_payout_known_method",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid")
                | (models.Q(paid_on__isnull=False) & models.Q(run__isnull=False)),
                name="trial_payout_paid_in_a_run",
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.description}"

    @property
    def state_label(self) -> str:
        """Where it stands, for the run page: paid; to pay (in a run); in the next run; waiting for details."""
        if self.status == self.Status.PAID:
            return "Paid"
        if self.run_id is None:
            return "In the next run" if self.method else "Waiting for payout details"
        return "To pay"
