"""The program and its worksheet (seven sections), plus what later apps read from it.

Section map:
1. Desired outcome ........ Program.goal_type / outcome
2. Scope of work .......... TicketType, Program.channels, EscalationRule
3. When help is needed .... ProgramSchedule (one per program), capacity inputs
4. Who you want ........... CandidateProfile (one per program), SourcingPlatform
5. How freelancers are supported .. SupportPlan (one per program), QAScorecard + QACriterion
6. Behind the scenes ...... BehindTheScenes (one per program), ProgramTool, TrainingMaterial
7. What success looks like  SuccessMetric
Also: Budget (one per program), OnboardingStep (+ QuizQuestion), Stakeholder, Announcement, KnowledgeArticle.
"""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import TIME_ZONE_CHOICES, Language, Skill
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social media"
    SMS = "sms", "SMS"
    OTHER = "other", "Other"


class Program(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class GoalType(models.TextChoices):
        WEEKEND_COVER = "weekend_cover", "Cover weekends"
        SEASONAL_PEAK = "seasonal_peak", "Absorb a seasonal peak"
        ROUND_THE_CLOCK = "round_the_clock", "24/7 coverage"
        FREE_INHOUSE = "free_inhouse", "Free in-house staff for tier 2"
        BACKLOG = "backlog", "Clear a backlog"
        OTHER = "other", "Other"

    # Allowed status moves, declared once (core.errors.check_transition enforces them).
    TRANSITIONS = {
        Status.DRAFT: {Status.ACTIVE, Status.CLOSED},
        Status.ACTIVE: {Status.PAUSED, Status.CLOSED},
        Status.PAUSED: {Status.ACTIVE, Status.CLOSED},
        Status.CLOSED: set(),
    }

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="managed_programs", blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    currency = CurrencyField(help_text="Budget, rates and payouts of this program are in this currency.")
    # 1. Desired outcome
    goal_type = models.CharField(max_length=20, choices=GoalType.choices, default=GoalType.OTHER)
    outcome = models.TextField(blank=True, help_text="What the program is for, in a few sentences.")
    # 2. Scope: which channels freelancers support (ticket types and escalation rules are rows below).
    channels = models.JSONField(default=list, blank=True, help_text="Channel values freelancers support.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")

    def clean(self):
        unknown = set(self.channels or []) - set(Channel.values)
        if unknown:
            raise ValidationError({"channels": f"Unknown channel(s): {', '.join(sorted(unknown))}."})


class TicketType(models.Model):
    """2. Scope: a kind of ticket, its tier and whether freelancers may take it."""

    class Tier(models.IntegerChoices):
        TIER_1 = 1, "Tier 1"
        TIER_2 = 2, "Tier 2"
        TIER_3 = 3, "Tier 3"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_1)
    freelancers_allowed = models.BooleanField(default=True, help_text="May freelancers take this type?")
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "slug"], name="ticket_type_unique_slug_per_program"),
        ]

    def __str__(self):
        return f"{self.name} (tier {self.tier})"


class EscalationRule(models.Model):
    """2. Scope: what always goes to the in-house team, by ticket type or by a keyword in the ticket."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="escalation_rules")
    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    keyword = models.CharField(
        max_length=80, blank=True, help_text="Case-insensitive word or phrase, e.g. 'chargeback'."
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["program", "keyword"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket_type__isnull=False) | ~models.Q(keyword=""),
                name="escalation_rule_has_type_or_keyword",
                violation_error_message="Give a ticket type, a keyword, or both.",
            ),
        ]

    def __str__(self):
        return self.keyword or str(self.ticket_type)


class ProgramSchedule(models.Model):
    """3. When help is needed; also the capacity-planning inputs (volume, handle time, occupancy, yield, ramp)."""

    class Term(models.TextChoices):
        LONG_TERM = "long_term", "Long-term"
        TEMPORARY = "temporary", "Temporary"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="schedule")
    term = models.CharField(max_length=10, choices=Term.choices, default=Term.LONG_TERM)
    engagement_months = models.PositiveSmallIntegerField(null=True, blank=True)
    hours_per_week = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(80)],
        help_text="Hours per week per freelancer.",
    )
    freelancers_needed = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    start_date = models.DateField(null=True, blank=True, help_text="When the program starts (first posting).")
    end_date = models.DateField(null=True, blank=True)
    queue_ready_date = models.DateField(help_text="The date freelancers must be trained and in the queue.")
    training_days = models.PositiveSmallIntegerField(
        default=10, validators=[MaxValueValidator(180)], help_text="Length of training, in days."
    )
    # Capacity planning inputs
    tickets_per_week = models.PositiveIntegerField(default=0)
    average_handle_minutes = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("8.00"),
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="Average handle time of one ticket, in minutes.",
    )
    target_occupancy_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("75.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
    )
    training_yield_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text="Share of starters who make it through training.",
    )
    ramp_percents = models.JSONField(
        default=list, blank=True, help_text="Productivity in each of the first weeks, e.g. [50, 75, 100]."
    )
    # How long each recruiting phase takes; the timeline works back from queue_ready_date with these.
    posting_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Days the job posting stays open for applications.",
    )
    trial_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(60)], help_text="Days for candidates' trial tasks."
    )
    interview_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(60)], help_text="Days for interviews."
    )
    offer_days = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(60)], help_text="Days for offers and signed contracts."
    )

    def __str__(self):
        return f"Schedule of {self.program}"

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date."
        if not isinstance(self.ramp_percents, list) or any(
            not isinstance(p, int) or isinstance(p, bool) or not 1 <= p <= 100 for p in self.ramp_percents
        ):
            errors["ramp_percents"] = "Give whole percentages from 1 to 100, one per week, e.g. 50, 75, 100."
        elif len(self.ramp_percents) > 26:
            errors["ramp_percents"] = "A ramp longer than 26 weeks is not a ramp."
        if errors:
            raise ValidationError(errors)


class CandidateProfile(models.Model):
    """4. Who you want, how they will be evaluated, contract terms wanted."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="candidate_profile")
    mindset = models.TextField(blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    pay_min = MoneyField(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    pay_max = MoneyField(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    pay_currency = CurrencyField()
    rate_ceiling = MoneyField(
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The most this program pays per hour, in the pay currency (at or above “pay up to”). "
        "A contract rate or rate change outside the pay range and this ceiling needs a confirmed reason.",
    )
    time_zones = models.CharField(max_length=200, blank=True, help_text="Time zones or locations wanted.")
    working_hours = models.CharField(max_length=200, blank=True, help_text="e.g. 'Sat–Sun 08:00–20:00 ET'.")
    hours_per_week = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(80)],
    )
    # How candidates will be evaluated
    resume_review = models.BooleanField(default=True)
    interview_questions = models.JSONField(default=list, blank=True)
    writing_assignment = models.TextField(
        blank=True, help_text="Support questions candidates answer in writing."
    )
    # Contract terms wanted
    open_ended = models.BooleanField(default=True)
    contract_end_date = models.DateField(null=True, blank=True)
    nda_required = models.BooleanField(default=True)
    performance_expectations = models.TextField(blank=True)

    def __str__(self):
        return f"Candidate profile of {self.program}"

    def clean(self):
        errors = {}
        if self.pay_min is not None and self.pay_max is not None and self.pay_min > self.pay_max:
            errors["pay_min"] = "The minimum pay is above the maximum."
        if self.rate_ceiling is not None and any(
            bound is not None and bound > self.rate_ceiling for bound in (self.pay_min, self.pay_max)
        ):
            errors["rate_ceiling"] = "The ceiling is below the pay range; set it at or above “pay up to”."
        if self.open_ended and self.contract_end_date:
            errors["contract_end_date"] = (
                "An open-ended contract has no end date; untick “open-ended” or clear it."
            )
        if errors:
            raise ValidationError(errors)


class SourcingPlatform(models.Model):
    """4. Where freelancers will be found."""

    class Kind(models.TextChoices):
        UPWORK = "upwork", "Upwork"
        FIVERR = "fiverr", "Fiverr"
        TOPTAL = "toptal", "Toptal"
        REFERRALS = "referrals", "Referrals"
        JOB_BOARD = "job_board", "Job board"
        OTHER = "other", "Other"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="platforms")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=80, blank=True, help_text="For 'other': the platform's name.")
    pre_screens = models.BooleanField(default=False)
    handles_invoicing = models.BooleanField(default=False)
    fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The platform's fee on freelancer pay, in %.",
    )

    class Meta:
        ordering = ["program", "kind"]

    def __str__(self):
        return self.name or self.get_kind_display()


class SupportPlan(models.Model):
    """5. How freelancers are supported."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="support_plan")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    review_frequency = models.CharField(
        max_length=120, blank=True, help_text="e.g. '5 tickets per freelancer per week'."
    )
    communication = models.TextField(
        blank=True, help_text="How the team talks to freelancers: bugs, updates, trends."
    )
    recognition = models.TextField(blank=True)
    evaluation_cadence_days = models.PositiveSmallIntegerField(default=30)
    rate_adjustment_policy = models.TextField(blank=True)
    termination_policy = models.TextField(blank=True)

    def __str__(self):
        return f"Support plan of {self.program}"


class QAScorecard(models.Model):
    """5. The QA scorecard definition. Reviews (and recruiting's trial grading) use it."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="scorecard")
    name = models.CharField(max_length=100, default="QA scorecard")
    scale_max = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Ratings go from 0 to this number.",
    )
    passing_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("85"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Overall score (0–100) a ticket needs to pass.",
    )

    def __str__(self):
        return f"{self.name} ({self.program})"


class QACriterion(models.Model):
    scorecard = models.ForeignKey(QAScorecard, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    is_critical = models.BooleanField(
        default=False, help_text="A fail on this criterion sets the review to 0."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "position", "id"]

    def __str__(self):
        return self.name


class BehindTheScenes(models.Model):
    """6. Security, queue, training, escalation process, working hours."""

    class WorkingHours(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled shifts"
        STANDARD = "standard", "Standard hours"
        SELF_CHOSEN = "self_chosen", "Self-chosen hours"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="behind_the_scenes")
    security_measures = models.TextField(blank=True)
    has_queue = models.BooleanField(default=True)
    escalation_process = models.TextField(blank=True)
    working_hours = models.CharField(
        max_length=20, choices=WorkingHours.choices, default=WorkingHours.SCHEDULED
    )

    def __str__(self):
        return f"Behind the scenes of {self.program}"


class ProgramTool(models.Model):
    """6. A tool freelancers need and the access level they need in it. Contracts records grants."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tools")
    name = models.CharField(max_length=80)
    access_level = models.CharField(max_length=80, help_text="e.g. 'Agent (light)', 'Read-only'.")
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="program_tool_unique_name")]

    def __str__(self):
        return f"{self.name} — {self.access_level}"


class TrainingMaterial(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="training_materials")
    title = models.CharField(max_length=150)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "title"]

    def __str__(self):
        return self.title


class SuccessMetric(models.Model):
    """7. What success looks like: a metric with a target and a direction. The dashboard feeds actuals."""

    class Kind(models.TextChoices):
        CSAT = "csat", "CSAT (%)"
        FIRST_RESPONSE = "first_response", "First response (hours)"
        RESOLUTION = "resolution", "Resolution time (hours)"
        SLA_ATTAINMENT = "sla_attainment", "SLA attainment (%)"
        QA_SCORE = "qa_score", "QA score (0–100)"
        NPS = "nps", "NPS"
        COST_PER_TICKET = "cost_per_ticket", "Cost per ticket"
        BACKLOG = "backlog", "Backlog (open tickets)"
        ESCALATION_RATE = "escalation_rate", "Escalation rate (%)"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", "at least (≥)"
        AT_MOST = "at_most", "at most (≤)"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="success_metrics")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "id"]

    def __str__(self):
        sign = "≥" if self.direction == self.Direction.AT_LEAST else "≤"
        return f"{self.label or self.get_kind_display()} {sign} {self.target}"


class Budget(models.Model):
    """The owner's hourly value, the planned freelancer cost and the in-house cost it replaces."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="budget")
    yearly_profit = MoneyField(
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The owner's yearly profit; with the hours worked it prices the owner's hour.",
    )
    yearly_hours_worked = models.PositiveIntegerField(
        default=2080,
        validators=[MinValueValidator(1), MaxValueValidator(8784)],
        help_text="Hours the owner works in a year (40 h × 52 weeks = 2,080).",
    )
    planned_hourly_rate = MoneyField(
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Planned freelancer hourly rate, in the program currency.",
    )
    platform_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Fee the sourcing platform adds on top of freelancer pay, in %.",
    )
    inhouse_monthly_cost = MoneyField(
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Monthly cost of the in-house work replaced.",
    )
    monthly_budget = MoneyField(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])

    def __str__(self):
        return f"Budget of {self.program}"


class OnboardingStep(models.Model):
    """The program's onboarding checklist; contracts tracks each freelancer's progress through it."""

    class Kind(models.TextChoices):
        READ_MATERIALS = "read_materials", "Read the materials"
        SIGN_NDA = "sign_nda", "Sign the NDA"
        TOOL_ACCESS = "tool_access", "Get tool access"
        SHADOW = "shadow", "Shadow tickets"
        QUIZ = "quiz", "Pass a quiz"
        OTHER = "other", "Other"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="onboarding_steps")
    title = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    needs_manager_confirmation = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    # A "read" step may point at one of the program's Knowledge articles: the freelancer must open it before
    # ticking the step (contracts records the opening).
    article = models.ForeignKey(
        "KnowledgeArticle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onboarding_steps",
        help_text="For a “read” step: the article the freelancer opens (required reading before ticking it).",
    )
    # A quiz step is passed at this share of its questions (QuizQuestion rows) answered right.
    pass_mark_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="For a quiz step: the share of right answers that passes, in %.",
    )

    class Meta:
        ordering = ["program", "position", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.article_id is not None:
            if self.kind != self.Kind.READ_MATERIALS:
                errors["article"] = "Only a “read the materials” step links to an article."
            elif self.article is not None and self.article.program_id != self.program_id:
                errors["article"] = "That article belongs to another program."
        if errors:
            raise ValidationError(errors)


class KnowledgeArticle(TimeStampedModel):
    """A page of the program's Knowledge: playbook, escalation instructions, security rules or training.

    Managers write Markdown (body_markdown); body_html is that Markdown rendered and sanitised by an allow-list
    (programs.knowledge.markdown_to_safe_html) on every save through the services, and it is the only form that
    pages show."""

    class Kind(models.TextChoices):
        PLAYBOOK = "playbook", "Playbook"
        ESCALATION = "escalation", "Escalation"
        SECURITY = "security", "Security"
        TRAINING = "training", "Training"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="knowledge_articles")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PLAYBOOK)
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80)
    body_markdown = models.TextField(
        blank=True, help_text="Markdown: # headings, **bold**, lists, [links](https://…), tables."
    )
    body_html = models.TextField(blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=True, help_text="Freelancers see published articles only.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "kind", "position", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "slug"], name="knowledge_article_unique_slug_per_program"
            ),
        ]

    def __str__(self):
        return self.title


class QuizQuestion(models.Model):
    """One multiple-choice question of a quiz onboarding step; the portal grades answers on the server."""

    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="quiz_questions")
    prompt = models.TextField()
    choices = models.JSONField(default=list, help_text="The answers offered, in order (two to six).")
    correct_index = models.PositiveSmallIntegerField(help_text="Which answer is right, counting from 0.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["step", "position", "id"]

    def __str__(self):
        return self.prompt[:80]

    def clean(self):
        errors = {}
        choices = self.choices
        if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
            errors["choices"] = "Give the answers as a list of non-empty texts."
        elif not 2 <= len(choices) <= 6:
            errors["choices"] = "Give two to six answers."
        elif self.correct_index is not None and self.correct_index >= len(choices):
            errors["correct_index"] = "The right answer must be one of the answers given."
        if self.step_id is not None and self.step.kind != OnboardingStep.Kind.QUIZ:
            errors["step"] = "Questions belong to a quiz step."
        if errors:
            raise ValidationError(errors)


class Stakeholder(models.Model):
    """A customer contact who receives the weekly NPS survey."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="stakeholders")
    name = models.CharField(max_length=120)
    email = models.EmailField()
    role = models.CharField(max_length=120, blank=True)
    receives_nps = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [models.UniqueConstraint(fields=["program", "email"], name="stakeholder_unique_email")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class Announcement(TimeStampedModel):
    """From managers to the program's freelancers: product updates, known bugs, ticket trends."""

    class Kind(models.TextChoices):
        PRODUCT_UPDATE = "product_update", "Product update"
        KNOWN_BUG = "known_bug", "Known bug"
        TICKET_TREND = "ticket_trend", "Ticket trend"
        GENERAL = "general", "General"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(max_length=150)
    body = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title


class OutsourcingAssessment(TimeStampedModel):
    """“Is it time to outsource?”: a week of the owner's tasks, the 80/20 answers and the value of their hour.

    Before a program exists. programs.assessment ranks the tasks; the chosen ones become a draft program
    (`program` links to it once made)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outsourcing_assessments"
    )
    name = models.CharField(max_length=150)
    yearly_value = MoneyField(
        validators=[MinValueValidator(Decimal("0"))],
        help_text="What a year of your work is worth (e.g. the yearly profit); with the hours it prices your hour.",
    )
    yearly_working_hours = models.PositiveIntegerField(
        default=2080,
        validators=[MinValueValidator(1), MaxValueValidator(8784)],
        help_text="Hours you work in a year (40 h × 52 weeks = 2,080).",
    )
    freelancer_hourly_cost = MoneyField(
        validators=[MinValueValidator(Decimal("0"))],
        help_text="What a freelancer's hour would cost you.",
    )
    currency = CurrencyField()
    high_value_answer = models.TextField(
        blank=True,
        help_text="Which 20 % of your tasks bring 80 % of the value?",
    )
    would_stop_answer = models.TextField(
        blank=True, help_text="Which tasks would you stop doing if you could?"
    )
    program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
        help_text="The program the chosen tasks were turned into.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class AssessmentTask(models.Model):
    """One task of the assessment's week: how long, how often, the skill it needs and how the owner feels about it."""

    assessment = models.ForeignKey(OutsourcingAssessment, on_delete=models.CASCADE, related_name="tasks")
    task = models.CharField(max_length=150)
    minutes_each = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Minutes it takes each time.",
    )
    times_per_week = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="How often a week (0.25 = once a month).",
    )
    skill_needed = models.CharField(max_length=200, blank=True)
    enjoys = models.BooleanField(default=False, help_text="You enjoy doing it.")
    high_value = models.BooleanField(
        default=False, help_text="In the 20 % of tasks that bring 80 % of the value."
    )
    would_stop = models.BooleanField(default=False, help_text="You would stop doing it if you could.")
    chosen = models.BooleanField(default=False, help_text="Chosen to outsource.")

    class Meta:
        ordering = ["assessment", "id"]

    def __str__(self):
        return self.task
