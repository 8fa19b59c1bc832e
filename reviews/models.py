"""Quality: QA reviews against the program's scorecard, sampling, disputes, calibration, CSAT and NPS surveys,
evaluations and their outcomes, recognition, silence check-ins, freelancer feedback, announcement e-mails.

The scorecard definition (criteria, weights, scale) belongs to programs; the score rule is
programs.scoring.scorecard_score. Calibration reviews are Review rows with a session: they never count
in a freelancer's QA average (selectors filter calibration_session__isnull=True).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Freelancer
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from programs.models import Announcement, Program, QACriterion, Stakeholder


class ReviewSettings(TimeStampedModel):
    """A program's QA sampling and survey policy. Programs without a row use the defaults."""

    class SampleMode(models.TextChoices):
        COUNT = "count", "A number of tickets per freelancer per week"
        PERCENT = "percent", "A percentage of each freelancer's solved tickets"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="review_settings")
    sample_mode = models.CharField(max_length=10, choices=SampleMode.choices, default=SampleMode.COUNT)
    sample_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Tickets per freelancer per week (count) or percent of their solved tickets (percent).",
    )
    new_freelancer_weeks = models.PositiveSmallIntegerField(
        default=4,
        validators=[MaxValueValidator(26)],
        help_text="For this many weeks after their contract starts, freelancers are sampled more.",
    )
    new_freelancer_multiplier = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="New freelancers get this many times the normal sample.",
    )

    class CsatSource(models.TextChoices):
        FLEXDESK = "flexdesk", "Flexdesk e-mails its own survey"
        ZENDESK = "zendesk", "Zendesk's satisfaction ratings (pulled in)"

    csat_enabled = models.BooleanField(
        default=True, help_text="Send a satisfaction survey when a ticket is solved."
    )
    csat_source = models.CharField(
        "CSAT source",
        max_length=10,
        choices=CsatSource.choices,
        default=CsatSource.FLEXDESK,
        help_text="For a Zendesk program: let Zendesk ask its satisfaction question and pull the ratings in "
        "(Flexdesk then sends none, so nobody is asked twice).",
    )
    csat_zendesk_pulled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When Zendesk's satisfaction ratings were last pulled in.",
    )
    csat_window_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Survey a requester at most once in this many days.",
    )
    csat_link_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="CSAT links expire after this.",
    )
    nps_enabled = models.BooleanField(
        default=True, help_text="E-mail the weekly NPS question to stakeholders."
    )
    nps_link_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="NPS links expire after this.",
    )
    silence_login_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Check in with freelancers who have not logged in for this many days.",
    )
    silence_unanswered_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="Check in when an assigned ticket has had no reply for this many hours.",
    )

    class Meta:
        verbose_name = "review settings"
        verbose_name_plural = "review settings"

    def __str__(self):
        return f"Review settings of {self.program}"

    @classmethod
    def for_program(cls, program: Program) -> "ReviewSettings":
        """The saved settings, or unsaved defaults (reads never write)."""
        try:
            return program.review_settings
        except cls.DoesNotExist:
            return cls(program=program)


class ReviewAssignment(TimeStampedModel):
    """A ticket someone should review: picked by the weekly sampling job or by a manager."""

    class Source(models.TextChoices):
        SAMPLED = "sampled", "Weekly sample"
        MANUAL = "manual", "Picked by a manager"

    class Status(models.TextChoices):
        OPEN = "open", "To review"
        DONE = "done", "Reviewed"
        CANCELLED = "cancelled", "Cancelled"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="review_assignments")
    ticket = models.OneToOneField("queues.Ticket", on_delete=models.CASCADE, related_name="review_assignment")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="review_assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_assignments",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SAMPLED)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    week_start = models.DateField(
        help_text="Monday of the week the ticket was solved in (program time zone)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-week_start", "id"]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["reviewer", "status"]),
            models.Index(fields=["program", "freelancer", "week_start"]),
        ]

    def __str__(self):
        return f"Review #{self.ticket_id} ({self.freelancer})"


class CalibrationSession(TimeStampedModel):
    """Several reviewers score the same ticket blind; closing it reveals the spread."""

    class Status(models.TextChoices):
        OPEN = "open", "Open (blind)"
        CLOSED = "closed", "Closed"

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="calibration_sessions")
    ticket = models.ForeignKey("queues.Ticket", on_delete=models.CASCADE, related_name="calibration_sessions")
    title = models.CharField(max_length=150)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibration_sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Review(TimeStampedModel):
    """A reviewer's scores for one ticket. `score` is the current score (a resolved dispute may change it);
    `original_score` is what the reviewer gave."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reviews")
    ticket = models.ForeignKey("queues.Ticket", on_delete=models.CASCADE, related_name="reviews")
    freelancer = models.ForeignKey(
        Freelancer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
        help_text="Whose work was reviewed (empty for a calibration of an in-house ticket).",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignment = models.OneToOneField(
        ReviewAssignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="review"
    )
    calibration_session = models.ForeignKey(
        CalibrationSession, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    score = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    original_score = models.DecimalField(max_digits=5, decimal_places=2)
    critical_fail = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    comment = models.TextField(blank=True, help_text="Overall comment, visible to the freelancer.")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["program", "freelancer", "submitted_at"]),
            # The QA reviews of a program submitted in a window (qa_reviews_submitted: the dashboard's live
            # minutes, the rollup refresh): without it, a scan of every review.
            models.Index(
                fields=["program", "submitted_at"],
                condition=models.Q(calibration_session__isnull=True),
                name="review_qa_program_submitted",
            ),
        ]
        constraints = [
            # One QA review per ticket; calibration reviews: one per reviewer and session.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(calibration_session__isnull=True),
                name="review_one_qa_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["calibration_session", "reviewer"],
                condition=models.Q(calibration_session__isnull=False),
                name="review_one_per_calibration_reviewer",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100), name="review_score_0_100"
            ),
        ]

    def __str__(self):
        return f"Review of #{self.ticket_id}: {self.score}"

    @property
    def is_calibration(self) -> bool:
        return self.calibration_session_id is not None


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="criterion_scores")
    criterion = models.ForeignKey(QACriterion, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="criterion_score_once_per_review"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.rating}"


class Dispute(TimeStampedModel):
    """A freelancer disputes a review, once (one row per review); a manager resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        PARTLY_ACCEPTED = "partly_accepted", "Partly accepted"
        REJECTED = "rejected", "Rejected"

    TRANSITIONS = {Status.OPEN: {Status.RESOLVED}, Status.RESOLVED: set()}

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dispute")
    comment = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    score_before = models.DecimalField(max_digits=5, decimal_places=2)
    score_after = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self):
        return f"Dispute of review {self.review_id} ({self.get_status_display()})"

    @property
    def score_changed(self) -> bool:
        return self.score_after is not None and self.score_after != self.score_before


class CsatSurvey(TimeStampedModel):
    """One per solved ticket (the unique ticket makes the sweep idempotent). Skipped when the requester was
    surveyed within the program's window. The link's token is stored only as a SHA-256 hash. A survey from
    Zendesk (source zendesk) is Zendesk's satisfaction rating of the ticket, pulled in: it has no link, and its
    Zendesk rating id is unique within the program (ids are only unique within one Zendesk account)."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (surveyed recently)"
        ANSWERED = "answered", "Answered"

    class Rating(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    class Source(models.TextChoices):
        FLEXDESK = "flexdesk", "Flexdesk survey"
        ZENDESK = "zendesk", "From Zendesk"

    ticket = models.OneToOneField("queues.Ticket", on_delete=models.CASCADE, related_name="csat_survey")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="csat_surveys")
    freelancer = models.ForeignKey(
        Freelancer, null=True, blank=True, on_delete=models.SET_NULL, related_name="csat_surveys"
    )
    requester_email = models.EmailField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT, db_index=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FLEXDESK)
    zendesk_rating_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Zendesk's satisfaction rating id (pulled in once)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "requester_email", "sent_at"]),
            # Covering: the dashboard joins CSAT to tickets and reads only the rating.
            models.Index(fields=["ticket"], include=["rating", "program"], name="csat_ticket_rating_cov"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "zendesk_rating_id"],
                condition=models.Q(zendesk_rating_id__isnull=False),
                name="csat_zendesk_rating_once_per_program",
            ),
        ]

    def __str__(self):
        return f"CSAT #{self.ticket_id}: {self.rating or self.get_status_display()}"


class NpsRound(TimeStampedModel):
    """The weekly NPS question of a program (one per program and week)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="nps_rounds")
    week_start = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["program", "week_start"], name="nps_round_once_per_week")
        ]

    def __str__(self):
        return f"NPS {self.program} week of {self.week_start}"


class NpsInvitation(TimeStampedModel):
    """One stakeholder's single-use, expiring link for one round; the token is stored only as a hash."""

    round = models.ForeignKey(NpsRound, on_delete=models.CASCADE, related_name="invitations")
    stakeholder = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    name = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "email"]
        constraints = [
            models.UniqueConstraint(fields=["round", "email"], name="nps_invitation_once_per_round"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | (models.Q(score__gte=0) & models.Q(score__lte=10)),
                name="nps_score_0_10",
            ),
        ]

    def __str__(self):
        return f"{self.email} · {self.round}"


class Evaluation(TimeStampedModel):
    """A manager's evaluation of a freelancer for a period, with the numbers prefilled and one outcome."""

    class Outcome(models.TextChoices):
        KEEP = "keep", "Keep as is"
        RECOGNIZE = "recognize", "Recognize"
        RATE_ADJUSTMENT = "rate_adjustment", "Rate adjustment"
        PROMOTE = "promote", "Promote to tier 2"
        PERFORMANCE_PLAN = "performance_plan", "Performance plan"
        END_CONTRACT = "end_contract", "End the contract"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="evaluations")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="evaluations")
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    metrics = models.JSONField(
        default=dict, blank=True, help_text="The numbers for the period, as prefilled."
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    summary = models.TextField(help_text="What the freelancer reads in the portal.")
    private_notes = models.TextField(blank=True, help_text="Only managers see these.")
    # recognize
    bonus_amount = MoneyField(null=True, blank=True)
    bonus_currency = CurrencyField(blank=True)
    adjustment_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="payments.Adjustment created."
    )
    # rate adjustment
    new_hourly_rate = MoneyField(null=True, blank=True)
    rate_effective_date = models.DateField(null=True, blank=True)
    rate_change_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="contracts.RateChange created."
    )
    # promotion
    tier_before = models.PositiveSmallIntegerField(null=True, blank=True)
    tier_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # performance plan
    plan_goals = models.TextField(blank=True)
    plan_review_date = models.DateField(null=True, blank=True)
    # end contract
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["program", "freelancer", "-period_end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="evaluation_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.freelancer} · {self.period_start}–{self.period_end} · {self.get_outcome_display()}"


class ThankYouNote(TimeStampedModel):
    """Recognition from the leaderboard: a short note the freelancer gets by e-mail and sees in the portal."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="thank_you_notes")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="thank_you_notes")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField()
    period_label = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Thank you to {self.freelancer}"


class SilenceCheckIn(TimeStampedModel):
    """A templated check-in sent to a quiet freelancer; unique per freelancer, program and day (idempotent)."""

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="silence_check_ins")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="silence_check_ins")
    day = models.DateField()
    reasons = models.JSONField(default=list)
    details = models.JSONField(default=dict, blank=True)
    manager_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "program", "day"], name="silence_check_in_once_a_day"
            ),
        ]

    def __str__(self):
        return f"Check-in {self.freelancer} {self.day}"


class Feedback(TimeStampedModel):
    """What freelancers tell managers: from the always-open form or the weekly pulse survey."""

    class Kind(models.TextChoices):
        EASIER = "easier", "What would make my job easier"
        ROADBLOCK = "roadblock", "A roadblock"
        BUG = "bug", "A product bug I saw"
        TREND = "trend", "A customer trend"
        PULSE = "pulse", "Weekly pulse"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="freelancer_feedback")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Pulse only: how the week went, 1–5.",
    )
    week_start = models.DateField(null=True, blank=True, help_text="Pulse only: the week answered for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "program", "week_start"],
                condition=models.Q(kind="pulse"),
                name="feedback_one_pulse_per_week",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="pulse") | models.Q(rating__isnull=False, week_start__isnull=False),
                name="feedback_pulse_has_rating_and_week",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.freelancer}"


class AnnouncementDelivery(models.Model):
    """An announcement e-mailed to the program's freelancers: one row per announcement, so it is sent once."""

    announcement = models.OneToOneField(Announcement, on_delete=models.CASCADE, related_name="delivery")
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "announcement deliveries"

    def __str__(self):
        return f"{self.announcement} → {self.recipients}"


def week_start_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


ZERO = Decimal("0")


class StakeholderPageLink(TimeStampedModel):
    """A stakeholder's link to the program's read-only page (weekly NPS, the latest weekly summary), opened
    without an account. Only the SHA-256 of its token is stored (docs/adr/0020); a manager can revoke it, and
    a new link revokes the one before, so each stakeholder holds at most one working link."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="stakeholder_page_links")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="page_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "stakeholder", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stakeholder"],
                condition=models.Q(revoked_at__isnull=True),
                name="stakeholder_page_link_one_open",
            ),
        ]

    def __str__(self):
        return f"Stakeholder page link for {self.stakeholder}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
