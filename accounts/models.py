import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import TimeStampedModel
from core.money import CurrencyField

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
]
TIME_ZONE_CHOICES.insert(0, ("UTC", "UTC"))

MIN_OPEN_TICKETS, MAX_OPEN_TICKETS = 1, 50


class UserQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """An UPDATE sends no signal: the changed users' cached copies are forgotten here (accounts/user_cache.py)."""
        from accounts.user_cache import user_cache_forget

        pks = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        for pk in pks:
            user_cache_forget(pk=pk, using=self.db)
        return updated

    update.alters_data = True  # type: ignore[attr-defined]


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.MANAGER)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address.

    `role` decides where they land: managers and in-house agents work in /manage/,
    freelancers in /portal/. Which programs a manager manages is the programs app's
    business (Program.managers).
    """

    class Role(models.TextChoices):
        MANAGER = "manager", "Support manager"
        AGENT = "agent", "In-house agent"
        FREELANCER = "freelancer", "Freelancer"
        NONE = "none", "No role yet"

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.NONE, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return (self.display_name or self.email).split(" ")[0]

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_inhouse(self) -> bool:
        """Managers and in-house agents both work in /manage/."""
        return self.role in (self.Role.MANAGER, self.Role.AGENT)

    @property
    def is_freelancer(self) -> bool:
        return self.role == self.Role.FREELANCER

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")


class Skill(models.Model):
    """What routing, postings and profiles match on: shared by every program (no `program`, kept in admin) or one
    program's own (its managers add, rename and retire it on the program's skills page).

    The program is named here, not in a table of the programs app, so that "one name per program" is a constraint
    the database keeps; accounts still imports nothing from programs (the reference is by name). A retired skill
    stays on the freelancers, postings and applications that have it, and is no longer offered for new choices.
    """

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_skills",
        help_text="Empty: shared by every program.",
    )
    retired_at = models.DateTimeField(null=True, blank=True, help_text="No longer offered for new choices.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(program__isnull=True),
                name="skill_shared_name_unique",
                violation_error_message="A shared skill with this name already exists.",
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(program__isnull=True), name="skill_shared_slug_unique"
            ),
            models.UniqueConstraint(
                Lower("name"),
                "program",
                condition=models.Q(program__isnull=False),
                name="skill_program_name_unique",
                violation_error_message="This program already has a skill with this name.",
            ),
            models.UniqueConstraint(
                fields=["program", "slug"],
                condition=models.Q(program__isnull=False),
                name="skill_program_slug_unique",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Language(models.Model):
    code = models.CharField(max_length=10, unique=True, help_text="ISO 639-1 code, e.g. en, es, pt-br.")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Freelancer(TimeStampedModel):
    # Tier is per program: contracts.ProgramStanding (issue #19).
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Hired, not yet onboarded"
        ACTIVE = "active", "Active"
        AWAY = "away", "Away"
        INACTIVE = "inactive", "Inactive"
        OFFBOARDED = "offboarded", "Offboarded"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="freelancer_profile")
    legal_name = models.CharField(max_length=200, help_text="Full legal name, as signed on contracts.")
    skills = models.ManyToManyField(Skill, blank=True, related_name="freelancers")
    languages = models.ManyToManyField(Language, blank=True, related_name="freelancers")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2 code, e.g. PH, PL, US.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    payout_currency = CurrencyField()  # how they are paid (method, account) is payments.PayoutDetails
    max_open_tickets = models.PositiveSmallIntegerField(
        default=5,
        help_text="Routing capacity: open tickets waiting on this freelancer at once.",
        # Bounds of the manager's form (full_clean), not a database check: the routing benchmark gives its
        # synthetic freelancers room for a whole run.
        validators=[MinValueValidator(MIN_OPEN_TICKETS), MaxValueValidator(MAX_OPEN_TICKETS)],
    )

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name or str(self.user)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")


class LegalNameChangeRequest(TimeStampedModel):
    """A freelancer asks for a new legal name once a signed contract fixed the old one; a manager of one of their
    programs approves or declines it.

    It lives here because the legal name does (Freelancer.legal_name). Approval changes the name for what comes
    next; every signed document keeps the exact text, with the name, it was signed with (contracts never
    re-renders a signed version), and this row keeps the name the request replaced.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a manager"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="legal_name_requests")
    previous_legal_name = models.CharField(
        max_length=200, help_text="The legal name when the request was made."
    )
    requested_legal_name = models.CharField(max_length=200)
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer"],
                condition=models.Q(status="pending"),
                name="legal_name_request_one_pending",
                violation_error_message="You already have a request waiting for a manager.",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="legal_name_request_decided_when_not_pending",
            ),
        ]

    def __str__(self):
        return f"{self.previous_legal_name} → {self.requested_legal_name} ({self.get_status_display()})"
