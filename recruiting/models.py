"""Recruiting: postings, applications and their pipeline, trial tasks, interviews, messages.

An application moves through Application.TRANSITIONS; every move leaves a StageChange row.
Scores are stored per criterion (0–100) so the ranking, a weight change and statistics
after anonymisation need no recomputation from personal data.
"""

import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import TIME_ZONE_CHOICES, Freelancer, Language, Skill
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from programs.models import Program, SourcingPlatform

DEFAULT_SCREENING_QUESTIONS = [
    "Is your English fluent? Tell us where you use it day to day.",
    "Which time zone and country do you work from?",
    "What previous experience do you have in similar support roles?",
    "What are the three most important qualities of a great support agent?",
]

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _score_field(**kwargs):
    return models.DecimalField(max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS, **kwargs)


class Posting(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    # Allowed moves, declared once. Closed → open is a repost.
    TRANSITIONS = {
        Status.DRAFT: {Status.OPEN},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="postings")
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True, help_text="The public address: /apply/<slug>/.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    summary = models.TextField(help_text="What the work is, in a few sentences.")
    value_proposition = models.TextField(
        blank=True, help_text="What the freelancer gets: pay, repeat work, a long-term role, feedback."
    )
    requirements = models.TextField(blank=True)
    screening_questions = models.JSONField(default=list, blank=True)
    platforms = models.ManyToManyField(SourcingPlatform, blank=True, related_name="postings")
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    pay_min = MoneyField(null=True, blank=True, help_text="Hourly.")
    pay_max = MoneyField(null=True, blank=True, help_text="Hourly.")
    pay_currency = CurrencyField()
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    time_zones = models.CharField(max_length=200, blank=True, help_text="Time zones or locations wanted.")
    nudge_after_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Send the 'checking in' nudge after this many days without an answer in the trial-task stage.",
    )
    weight_speed = models.PositiveSmallIntegerField(default=25, validators=[MaxValueValidator(100)])
    weight_effort = models.PositiveSmallIntegerField(default=25, validators=[MaxValueValidator(100)])
    weight_skills = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(100)])
    weight_credibility = models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(100)])
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When it was last opened or reposted.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_min__isnull=True)
                | models.Q(pay_max__isnull=True)
                | models.Q(pay_min__lte=models.F("pay_max")),
                name="posting_pay_min_not_above_max",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def weights(self) -> dict[str, int]:
        return {
            "speed": self.weight_speed,
            "effort": self.weight_effort,
            "skills": self.weight_skills,
            "credibility": self.weight_credibility,
        }

    def clean(self):
        errors = {}
        if self.pay_min is not None and self.pay_max is not None and self.pay_min > self.pay_max:
            errors["pay_min"] = "The minimum pay is above the maximum."
        for name in ("pay_min", "pay_max"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                errors[name] = "Pay must be above zero."
        if sum(self.weights.values()) <= 0:
            errors["weight_speed"] = "At least one score weight must be above zero."
        questions = self.screening_questions
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            errors["screening_questions"] = "Screening questions must be a list of non-empty texts."
        if errors:
            raise ValidationError(errors)


class PostingEvent(models.Model):
    """The posting's history: created, opened, closed, reposted."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        OPENED = "opened", "Opened"
        CLOSED = "closed", "Closed"
        REPOSTED = "reposted", "Reposted"
        EDITED = "edited", "Edited"

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.posting} {self.kind} {self.at:%Y-%m-%d}"


class ApplicationSource(models.TextChoices):
    """Where an application came from: the tracking link's ?src=, a freelancer's referral, or neither."""

    DIRECT = "direct", "Direct"
    REFERRAL = "referral", "Referral"
    UPWORK = "upwork", "Upwork"
    FIVERR = "fiverr", "Fiverr"
    TOPTAL = "toptal", "Toptal"
    LINKEDIN = "linkedin", "LinkedIn"
    JOB_BOARD = "job_board", "Job board"
    OTHER = "other", "Other"


def resume_upload_to(instance, filename):
    # Never the candidate's own file name on disk: a random one, keeping only a checked extension.
    extension = ".docx" if filename.lower().endswith(".docx") else ".pdf"
    return f"recruiting/resumes/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}{extension}"


class Application(TimeStampedModel):
    class Stage(models.TextChoices):
        APPLIED = "applied", "Applied"
        SCREENING = "screening", "Screening"
        TRIAL_TASK = "trial_task", "Trial task"
        INTERVIEW = "interview", "Interview"
        OFFER = "offer", "Offer"
        HIRED = "hired", "Hired"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Allowed moves, declared once (core.errors.check_transition enforces them).
    # Hired is reached only through the hire service; rejected can be reconsidered into screening.
    TRANSITIONS = {
        Stage.APPLIED: {Stage.SCREENING, Stage.REJECTED, Stage.WITHDRAWN},
        Stage.SCREENING: {Stage.TRIAL_TASK, Stage.INTERVIEW, Stage.REJECTED, Stage.WITHDRAWN},
        Stage.TRIAL_TASK: {Stage.SCREENING, Stage.INTERVIEW, Stage.REJECTED, Stage.WITHDRAWN},
        Stage.INTERVIEW: {Stage.TRIAL_TASK, Stage.OFFER, Stage.REJECTED, Stage.WITHDRAWN},
        Stage.OFFER: {Stage.INTERVIEW, Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN},
        Stage.HIRED: set(),
        Stage.REJECTED: {Stage.SCREENING},
        Stage.WITHDRAWN: set(),
    }
    PIPELINE = [Stage.APPLIED, Stage.SCREENING, Stage.TRIAL_TASK, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED]
    CLOSED_STAGES = {Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN}

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="applications")
    freelancer = models.ForeignKey(
        Freelancer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        help_text="Set when hired.",
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True, help_text="Blank once anonymised.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code.")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    rate_asked = MoneyField(help_text="Hourly rate the candidate asks for.")
    rate_currency = CurrencyField()
    years_experience = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text="Years in customer support, as the candidate says (rate insight groups asks by it).",
    )
    profile_url = models.URLField(blank=True, max_length=300)
    source = models.CharField(
        max_length=12,
        choices=ApplicationSource.choices,
        default=ApplicationSource.DIRECT,
        db_index=True,
        help_text="Recorded when applying (tracking link or referral).",
    )
    referred_by = models.ForeignKey(
        Freelancer, null=True, blank=True, on_delete=models.SET_NULL, related_name="referred_applications"
    )
    answers = models.JSONField(default=list, blank=True, help_text="[{question, answer}] in posting order.")
    resume = models.FileField(upload_to=resume_upload_to, blank=True, max_length=200)
    resume_content_type = models.CharField(max_length=100, blank=True)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.APPLIED, db_index=True)
    stage_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Scoring: each criterion 0–100; score is their weighted mean; final_score is the override when set.
    response_hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    score_speed = _score_field(default=Decimal("0"))
    score_effort = _score_field(default=Decimal("0"))
    score_skills = _score_field(default=Decimal("0"))
    score_credibility = _score_field(default=Decimal("0"))
    score = _score_field(default=Decimal("0"))
    score_override = _score_field(null=True, blank=True)
    score_override_note = models.TextField(blank=True)
    score_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_score = _score_field(default=Decimal("0"), db_index=True)
    # Trial score (0–100) of the latest graded trial task; reviews compares early QA with it after hire.
    trial_score = _score_field(null=True, blank=True)
    candidate_replied_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-final_score", "created_at"]
        indexes = [models.Index(fields=["posting", "stage"])]
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "email"],
                condition=~models.Q(email=""),
                name="application_one_per_email",
            ),
            models.CheckConstraint(condition=models.Q(rate_asked__gt=0), name="application_rate_positive"),
        ]

    def __str__(self):
        return f"{self.full_name} — {self.posting}"

    @property
    def first_name(self) -> str:
        return (self.full_name or "").strip().split(" ")[0] or "there"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def next_stages(self) -> list[str]:
        """Moves a manager may make by hand, in pipeline order (hired goes through the hire page)."""
        allowed = self.TRANSITIONS.get(self.stage, set())
        return [s for s in self.Stage if s in allowed]

    @property
    def days_in_stage(self) -> int:
        return (timezone.now() - self.stage_changed_at).days


class StageChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=12, choices=Application.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Application.Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_stage or '—'} → {self.to_stage}"


class TrialTask(TimeStampedModel):
    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        SUBMITTED = "submitted", "Submitted"
        GRADED = "graded", "Graded"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.SENT: {Status.SUBMITTED, Status.CANCELLED},
        Status.SUBMITTED: {Status.GRADED},
        Status.GRADED: {Status.GRADED},
        Status.CANCELLED: set(),
    }

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="trial_tasks")
    instructions = models.TextField()
    support_questions = models.JSONField(
        default=list, help_text="The support questions to answer, one per item."
    )
    is_paid = models.BooleanField(default=True)
    amount = MoneyField(
        null=True,
        blank=True,
        help_text="Paid once to the candidate when graded, hired or not (payments.TrialPayout).",
    )
    currency = CurrencyField()
    deadline = models.DateTimeField()
    token = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(help_text="The private link stops working after this.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT, db_index=True)
    answers = models.JSONField(default=list, blank=True, help_text="[{question, answer}].")
    submitted_at = models.DateTimeField(null=True, blank=True)
    ratings = models.JSONField(default=dict, blank=True, help_text="criterion key → rating.")
    score = _score_field(null=True, blank=True)
    grading_notes = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_paid=True, amount__gt=0) | models.Q(is_paid=False, amount__isnull=True)
                ),
                name="trial_task_paid_has_amount",
            ),
        ]

    def __str__(self):
        return f"Trial task for {self.application.full_name}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.deadline


class Interview(TimeStampedModel):
    class Recommendation(models.TextChoices):
        STRONG_YES = "strong_yes", "Strong yes"
        YES = "yes", "Yes"
        NO = "no", "No"
        STRONG_NO = "strong_no", "Strong no"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    meeting_link = models.URLField(blank=True, max_length=300)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    questions = models.JSONField(default=list, blank=True)
    ratings = models.JSONField(default=list, blank=True, help_text="[{question, rating 1–5, notes}].")
    average_rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    notes = models.TextField(blank=True)
    recommendation = models.CharField(max_length=12, choices=Recommendation.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The candidate's calendar event (recruiting/calendar.py): one UID per interview, SEQUENCE + 1 per change.
    sequence = models.PositiveIntegerField(
        default=0, help_text="The .ics SEQUENCE: raised on every reschedule."
    )
    invited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest invitation was queued."
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="The 24-hour reminder; cleared on reschedule."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]

    def __str__(self):
        return f"Interview with {self.application.full_name} at {self.scheduled_at:%Y-%m-%d %H:%M}"


class InterviewSlotOffer(TimeStampedModel):
    """A few times offered to a candidate, who picks one through a private link (token stored hashed, ADR 0020)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the candidate"
        PICKED = "picked", "Picked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="slot_offers")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField(help_text="The link stops working after this (the last slot's start).")
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    meeting_link = models.URLField(blank=True, max_length=300)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    questions = models.JSONField(default=list, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interview = models.OneToOneField(
        Interview, null=True, blank=True, on_delete=models.SET_NULL, related_name="slot_offer"
    )
    picked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Interview times offered to {self.application.full_name}"


class InterviewSlot(models.Model):
    offer = models.ForeignKey(InterviewSlotOffer, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "starts_at"], name="interview_slot_once_per_offer")
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"


class MessageTemplate(TimeStampedModel):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial message (application received)"
        FOLLOW_UP = "follow_up", "Follow-up: intro video and trial task"
        NUDGE = "nudge", "Checking in (no response)"
        REJECTION = "rejection", "Rejection"
        OFFER = "offer", "Offer"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["program", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="message_template_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.program})"


class Message(TimeStampedModel):
    """An e-mail to (or a logged reply from) a candidate: part of the application's timeline."""

    class Direction(models.TextChoices):
        OUTBOUND = "out", "Sent to candidate"
        INBOUND = "in", "Reply from candidate"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, blank=True, help_text="The template kind used, if any.")
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUTBOUND)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    to_email = models.EmailField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the e-mail left; empty until then.")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.subject


class Referral(TimeStampedModel):
    """A freelancer's referral of a candidate to a posting: by the form (invited) or by their link (applied).

    One per address and posting: the first referrer is the one who counts.
    """

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="referrals")
    referrer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="referrals")
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    note = models.TextField(blank=True, max_length=1000)
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="referral"
    )
    invited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the invitation e-mail was queued."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "email"], name="referral_one_per_address"),
        ]

    def __str__(self):
        return f"{self.full_name} → {self.posting} (by {self.referrer})"


class ReferralBonus(TimeStampedModel):
    """A program's referral bonus: paid to the referrer once the referred freelancer has worked `after_hours`."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="referral_bonus")
    amount = MoneyField(validators=[MinValueValidator(Decimal("0.01"))])
    currency = CurrencyField()
    after_hours = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text="Approved hours the referred freelancer must have worked.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="referral_bonus_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(after_hours__gt=0), name="referral_bonus_hours_positive"
            ),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} after {self.after_hours} h ({self.program})"
