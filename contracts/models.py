from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Freelancer
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from programs.models import Program


class Contract(TimeStampedModel):
    """A freelancer's agreement to work in a program. Its rate changes only through RateChange rows."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent for signature"
        SIGNED = "signed", "Signed"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        TERMINATED = "terminated", "Terminated"

    # Allowed moves, declared once (core.errors.check_transition enforces them).
    TRANSITIONS = {
        Status.DRAFT: {Status.SENT, Status.TERMINATED},
        Status.SENT: {Status.SIGNED, Status.DRAFT, Status.TERMINATED},
        Status.SIGNED: {Status.ACTIVE, Status.TERMINATED},
        Status.ACTIVE: {Status.ENDED, Status.TERMINATED},
        Status.ENDED: set(),
        Status.TERMINATED: set(),
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="contracts")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.PROTECT, related_name="contracts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    role = models.CharField(max_length=120, default="Tier-1 support agent")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty for an open-ended contract.")
    hourly_rate = MoneyField(help_text="The starting rate. Later rates come from rate changes.")
    currency = CurrencyField()
    hours_per_week = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(80)]
    )
    weekly_hour_cap = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(80)],
        help_text="Routing stops assigning at this many hours in a week; time above it is flagged.",
    )
    performance_expectations = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "freelancer"]
        indexes = [models.Index(fields=["program", "status"]), models.Index(fields=["freelancer", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_not_before_start",
            ),
            models.CheckConstraint(condition=models.Q(hourly_rate__gt=0), name="contract_rate_positive"),
        ]

    def __str__(self):
        return f"{self.freelancer} in {self.program} ({self.get_status_display()})"

    @property
    def is_open_ended(self) -> bool:
        return self.end_date is None

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})
        if self.hours_per_week and self.weekly_hour_cap and self.weekly_hour_cap < self.hours_per_week:
            raise ValidationError({"weekly_hour_cap": "The weekly cap is below the expected hours per week."})


class RateChange(TimeStampedModel):
    """A new hourly rate from an effective date on. The history is never edited, only added to."""

    class Reason(models.TextChoices):
        EVALUATION = "evaluation", "Evaluation"
        PROMOTION = "promotion", "Promotion"
        ANNUAL_REVIEW = "annual_review", "Annual review"
        CORRECTION = "correction", "Correction"
        OTHER = "other", "Other"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rate_changes")
    effective_date = models.DateField()
    hourly_rate = MoneyField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    below_floor_override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_date"], name="rate_change_one_per_day"),
            models.CheckConstraint(condition=models.Q(hourly_rate__gt=0), name="rate_change_positive"),
        ]

    def __str__(self):
        return f"{self.hourly_rate} from {self.effective_date}"
