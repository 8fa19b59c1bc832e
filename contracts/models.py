import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Freelancer
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from programs.models import OnboardingStep, Program, ProgramTool


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
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(80)],
        help_text="Routing stops assigning at this many hours in a week; time above it is flagged.",
    )
    performance_expectations = models.TextField(blank=True)
    nda_required = models.BooleanField(default=True, help_text="The freelancer signs the program's NDA too.")
    below_floor_override_reason = models.TextField(
        blank=True, help_text="Why the starting rate may be below the program's rate floor."
    )
    out_of_range_reason = models.TextField(
        blank=True,
        help_text="Why the starting rate may be outside the program's pay range or above its ceiling.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
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

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.ENDED, self.Status.TERMINATED)

    @property
    def required_document_kinds(self) -> list[str]:
        kinds = [DocumentKind.CONTRACT]
        if self.nda_required:
            kinds.append(DocumentKind.NDA)
        return kinds

    # The helpers below read prefetched rows (see contracts.selectors); templates call them.
    @property
    def current_documents(self) -> list["ContractDocument"]:
        latest: dict[str, ContractDocument] = {}
        for document in self.documents.all():
            if document.superseded_at is None and (
                document.kind not in latest or document.version > latest[document.kind].version
            ):
                latest[document.kind] = document
        return sorted(latest.values(), key=lambda d: d.kind)

    @property
    def signature_status(self) -> str:
        """'not sent', 'awaiting signature', 'signed' (every current document signed)."""
        documents = self.current_documents
        if not documents:
            return "not sent"
        if all(d.is_signed for d in documents):
            return "signed"
        return "awaiting signature"

    @property
    def onboarding_counts(self) -> tuple[int, int]:
        """(required steps complete, required steps) for this contract's program."""
        progress = {p.step_id: p for p in self.onboarding_progress.all()}
        required = [step for step in self.program.onboarding_steps.all() if step.required]
        complete = sum(
            1 for step in required if step.pk in progress and progress[step.pk].is_complete_for(step)
        )
        return complete, len(required)

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
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    below_floor_override_reason = models.TextField(blank=True)
    out_of_range_reason = models.TextField(
        blank=True, help_text="Why the rate may be outside the program's pay range or above its ceiling."
    )
    paid_period_confirmed = models.BooleanField(
        default=False,
        help_text="Takes effect in days already paid: the difference is a correction adjustment.",
    )

    class Meta:
        ordering = ["contract", "effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "effective_date"], name="rate_change_one_per_day"),
            models.CheckConstraint(condition=models.Q(hourly_rate__gt=0), name="rate_change_positive"),
        ]

    def __str__(self):
        return f"{self.hourly_rate} from {self.effective_date}"


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", "Contract"
    NDA = "nda", "Non-disclosure agreement"


class DocumentTemplate(TimeStampedModel):
    """The text of a contract or NDA with {{ placeholders }}; one per program and kind, plus a default.

    Placeholders are substituted as plain text (contracts.documents), never run through
    the template engine, so a template cannot execute tags or reach other data.
    """

    program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_templates",
        help_text="Empty for the default used by programs without their own.",
    )
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    title = models.CharField(max_length=150)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind"], name="document_template_one_per_program_kind"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(program__isnull=True),
                name="document_template_one_default",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.program or 'default'})"

    def clean(self):
        from contracts.documents import unknown_placeholders

        unknown = unknown_placeholders(self.body or "") | unknown_placeholders(self.title or "")
        if unknown:
            raise ValidationError(
                {
                    "body": f"Unknown placeholder(s): {', '.join(sorted(unknown))}. See the list beside the editor."
                }
            )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ContractDocument(TimeStampedModel):
    """One version of the exact text a freelancer signs. Once signed it never changes:
    a change needs a new version (a new row), and `is_intact` proves the text still matches its hash.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=150)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="Replaced by a newer version before signing."
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_typed_name = models.CharField(max_length=200, blank=True)
    signer_name_mismatch_confirmed = models.BooleanField(default=False)
    signer_consent = models.BooleanField(default=False)
    signer_ip = models.GenericIPAddressField(null=True, blank=True)
    signer_user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["contract", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "version"], name="contract_document_unique_version"
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | models.Q(signer_consent=True),
                name="contract_document_signed_with_consent",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} — {self.contract}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_intact(self) -> bool:
        return text_sha256(self.text) == self.sha256

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.contract_id}-v{self.version}.html"


class RateFloor(TimeStampedModel):
    """The lowest hourly rate a program pays in a region. An empty country list is the program's default floor."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rate_floors")
    label = models.CharField(max_length=100, help_text="e.g. 'US and Western Europe'.")
    countries = models.JSONField(
        default=list, blank=True, help_text="ISO 3166 alpha-2 codes; empty = every other country."
    )
    minimum_hourly_rate = MoneyField()
    currency = CurrencyField()

    class Meta:
        ordering = ["program", "-minimum_hourly_rate"]
        constraints = [
            models.CheckConstraint(condition=models.Q(minimum_hourly_rate__gt=0), name="rate_floor_positive"),
        ]

    def __str__(self):
        return f"{self.label}: {self.minimum_hourly_rate} {self.currency}"

    def clean(self):
        codes = [str(code).strip().upper() for code in (self.countries or [])]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if bad:
            raise ValidationError({"countries": f"Not two-letter country codes: {', '.join(bad)}."})
        self.countries = sorted(set(codes))


class OnboardingProgress(TimeStampedModel):
    """A freelancer's progress on one of the program's onboarding steps, under one contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="onboarding_progress")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A "read" step with an article: when the freelancer first opened it from the checklist (needed to tick it).
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "step__position", "step_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "step"], name="onboarding_progress_one_per_step"),
        ]

    def __str__(self):
        return f"{self.step} — {self.contract.freelancer}"

    def is_complete_for(self, step: OnboardingStep) -> bool:
        return self.done_at is not None and (
            not step.needs_manager_confirmation or self.confirmed_at is not None
        )


class QuizAttempt(models.Model):
    """One try at a quiz onboarding step, graded on the server (contracts.services.onboarding.onboarding_quiz_submit).

    The score is kept as counts (the pass is decided on them exactly); `score_percent` is the share rounded down,
    so a score shown as 80 % never hides a 79.9 % fail."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="quiz_attempts")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="+")
    correct_count = models.PositiveSmallIntegerField()
    question_count = models.PositiveSmallIntegerField()
    score_percent = models.PositiveSmallIntegerField()
    pass_mark_percent = models.PositiveSmallIntegerField(
        help_text="The step's pass mark when this try was graded."
    )
    passed = models.BooleanField()
    answers = models.JSONField(
        default=dict, blank=True, help_text="{question id: the index of the answer chosen}."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["contract", "step", "-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(correct_count__lte=models.F("question_count")),
                name="quiz_attempt_correct_within_questions",
            ),
        ]

    def __str__(self):
        return f"{self.step} — {self.correct_count}/{self.question_count} ({'passed' if self.passed else 'failed'})"


class ToolAccessGrant(TimeStampedModel):
    """Access to one of the program's tools for a contracted freelancer: requested → granted → revoked."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        GRANTED = "granted", "Granted"
        REVOKED = "revoked", "Revoked"

    TRANSITIONS = {
        Status.REQUESTED: {Status.GRANTED, Status.REVOKED},
        Status.GRANTED: {Status.REVOKED},
        Status.REVOKED: set(),
    }

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="access_grants")
    tool = models.ForeignKey(ProgramTool, on_delete=models.PROTECT, related_name="access_grants")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["contract", "tool__name", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "tool"],
                condition=~models.Q(status="revoked"),
                name="tool_access_one_open_grant_per_tool",
            ),
        ]

    def __str__(self):
        return f"{self.tool.name} for {self.contract.freelancer} ({self.get_status_display()})"


class OffboardingItem(TimeStampedModel):
    """One thing to do when a contract ends or is terminated; a manager ticks it off."""

    class Kind(models.TextChoices):
        REVOKE_ACCESS = "revoke_access", "Revoke tool access"
        FINAL_TIME_ENTRIES = "final_time_entries", "Approve final time entries"
        FINAL_PAYOUT = "final_payout", "Pay the final payout"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="offboarding_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    grant = models.OneToOneField(
        ToolAccessGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="offboarding_item"
    )
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind"],
                condition=~models.Q(kind="revoke_access"),
                name="offboarding_item_one_per_kind",
            ),
        ]

    def __str__(self):
        return self.title


class ContractEndReminder(models.Model):
    """A reminder sent to the program's managers N days before a fixed-term end; unique, so sent once."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="end_reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["contract", "-days_before"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "days_before"], name="contract_end_reminder_once"),
        ]

    def __str__(self):
        return f"{self.contract}: {self.days_before} days before the end"


class VaultCredential(TimeStampedModel):
    """Credentials for a program's tool, encrypted at rest (contracts.vault). Only metadata is readable here."""

    class Source(models.TextChoices):
        MANAGER = "manager", "Entered by a manager"
        LINK = "link", "Submitted through a one-time link"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="vault_credentials")
    tool = models.ForeignKey(ProgramTool, on_delete=models.CASCADE, related_name="vault_credentials")
    label = models.CharField(max_length=120, help_text="e.g. 'Shared agent login'. Not secret.")
    ciphertext = models.TextField(editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANAGER)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_name = models.CharField(
        max_length=150, blank=True, help_text="Who submitted it through a link."
    )
    rotated_at = models.DateTimeField(
        null=True, blank=True, help_text="Last re-encryption with the newest key."
    )

    class Meta:
        ordering = ["program", "tool__name", "label"]

    def __str__(self):
        return f"{self.tool.name}: {self.label}"


class CredentialReveal(models.Model):
    """Every time a freelancer revealed a credential: who, when, from where."""

    credential = models.ForeignKey(VaultCredential, on_delete=models.CASCADE, related_name="reveals")
    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="credential_reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    grant = models.ForeignKey(ToolAccessGrant, null=True, on_delete=models.SET_NULL, related_name="+")
    revealed_at = models.DateTimeField(db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-revealed_at", "-id"]

    def __str__(self):
        return f"{self.credential} revealed by {self.freelancer} at {self.revealed_at:%Y-%m-%d %H:%M}"


class CredentialRequestLink(TimeStampedModel):
    """A one-time link for a customer to submit a tool's credentials without logging in.

    Only the SHA-256 of the token is stored; the link works once and until it expires.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="credential_links")
    tool = models.ForeignKey(ProgramTool, on_delete=models.CASCADE, related_name="credential_links")
    label = models.CharField(max_length=120)
    recipient_name = models.CharField(max_length=150, blank=True)
    recipient_email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    credential = models.OneToOneField(
        VaultCredential, null=True, blank=True, on_delete=models.SET_NULL, related_name="request_link"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Link for {self.tool.name}: {self.label}"


class FreelancerInvitation(TimeStampedModel):
    """An invitation, by e-mail, for someone who did not come through a posting to work in a program.

    It connects the freelancer to the program (so managers may contract them) only once accepted: a new person
    sets a password and gets an account; someone who already has a freelancer account logs in and accepts.
    Only the SHA-256 of the link's token is stored.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    TRANSITIONS = {
        Status.PENDING: {Status.ACCEPTED, Status.REVOKED, Status.EXPIRED},
        Status.ACCEPTED: set(),
        Status.REVOKED: set(),
        Status.EXPIRED: set(),
    }

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="freelancer_invitations")
    email = models.EmailField()
    name = models.CharField(
        max_length=200, blank=True, help_text="The person's name, if known (prefills sign-up)."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    freelancer = models.ForeignKey(
        Freelancer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        help_text="Set when accepted.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["program", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "email"],
                condition=models.Q(status="pending"),
                name="freelancer_invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(accepted_at__isnull=False),
                name="freelancer_invitation_accepted_has_date",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.program}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        """The link still works: pending and not past its expiry."""
        return self.status == self.Status.PENDING and not self.is_expired()

    @property
    def shown_status(self) -> str:
        """The status as people should read it: a pending invitation past its expiry is expired."""
        if self.status == self.Status.PENDING and self.is_expired():
            return self.Status.EXPIRED.label
        return self.get_status_display()


class ContractRating(TimeStampedModel):
    """The manager's rating (1–5) and testimonial of a freelancer once their contract has ended; one per
    contract (editable by the program's managers), shown to the freelancer in the portal and downloadable."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="rating")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    testimonial = models.TextField(blank=True, max_length=2000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1) & models.Q(stars__lte=5), name="contract_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.contract}: {self.stars}/5"

    @property
    def stars_text(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars)


class ProgramStanding(TimeStampedModel):
    """A freelancer's place in one program: their tier there and the program channels they take.

    Tier belongs to the freelancer in a program, not globally (issue #19): routing gives a tier-N ticket type
    to freelancers of tier N or more in that program. No row means tier 1 and every channel the program
    lists. It changes only through contracts.services.standing (a manager on the freelancer's page, an
    evaluation's promotion), which audits each change.
    """

    class Tier(models.IntegerChoices):
        TIER_1 = 1, "Tier 1"
        TIER_2 = 2, "Tier 2"
        TIER_3 = 3, "Tier 3"

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="standings")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="standings")
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_1)
    channels = models.JSONField(
        default=list,
        blank=True,
        help_text="The program's channels this freelancer takes (empty: every channel the program lists).",
    )

    class Meta:
        ordering = ["program", "freelancer"]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "program"], name="program_standing_one_per_program"
            ),
            models.CheckConstraint(
                condition=models.Q(tier__gte=1) & models.Q(tier__lte=3), name="program_standing_tier_1_3"
            ),
        ]

    def __str__(self):
        return f"{self.freelancer} in {self.program}: tier {self.tier}"

    def takes_channel(self, channel: str) -> bool:
        return not self.channels or channel in self.channels
