import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from core.money import CurrencyField

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
                     if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))]
TIME_ZONE_CHOICES.insert(0, ("UTC", "UTC"))


class UserManager(BaseUserManager):
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
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Language(models.Model):
    code = models.CharField(max_length=10, unique=True, help_text="ISO 639-1 code, e.g. en, es, pt-br.")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Freelancer(TimeStampedModel):
    class Tier(models.IntegerChoices):
        TIER_1 = 1, "Tier 1"
        TIER_2 = 2, "Tier 2"
        TIER_3 = 3, "Tier 3"

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
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.TIER_1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    payout_currency = CurrencyField()  # how they are paid (method, account) is payments.PayoutDetails
    max_open_tickets = models.PositiveSmallIntegerField(
        default=5, help_text="Routing capacity: open tickets waiting on this freelancer at once."
    )

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name or str(self.user)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")
