"""Writes to programs and their worksheets. Views, admin actions, commands and other apps call these.

Section updates take the section's fields as a mapping (`data`) and its rows as lists of dicts: each row has
"id" (None for a new row), optionally "delete": True, and the row's fields. Rows are looked up inside the
program, so an id from another program is refused, never touched.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import inhouse_user_get_or_create, user_invite
from core.audit import audit_record
from core.errors import check_transition
from core.events import publish as event_publish
from core.outbox import email_enqueue
from programs.errors import ActivationRefused, ProgramError
from programs.models import (
    Announcement,
    BehindTheScenes,
    Budget,
    CandidateProfile,
    EscalationRule,
    OnboardingStep,
    Program,
    ProgramSchedule,
    ProgramTool,
    QACriterion,
    QAScorecard,
    SourcingPlatform,
    Stakeholder,
    SuccessMetric,
    SupportPlan,
    TicketType,
    TrainingMaterial,
)
from programs.worksheet import activation_problems

RESERVED_SLUGS = {"new", "create", "worksheet", "assessments"}

# core.events kind published when a program becomes active: listeners get program=, actor=.
PROGRAM_STARTED = "program.started"

DEFAULT_ONBOARDING_STEPS = [
    (OnboardingStep.Kind.READ_MATERIALS, "Read the training materials", False),
    (OnboardingStep.Kind.SIGN_NDA, "Sign the NDA", False),
    (OnboardingStep.Kind.TOOL_ACCESS, "Tool access received", True),
    (OnboardingStep.Kind.SHADOW, "Shadow 10 tickets", True),
    (OnboardingStep.Kind.QUIZ, "Pass the product quiz", False),
]

Row = Mapping[str, Any]


def program_today(program: Program) -> datetime.date:
    """Today in the program's time zone: the day its plan is measured against, contract dates are, and pay
    periods end at (midnight there). The one definition; callers pass the program by position or as program=."""
    return timezone.now().astimezone(program.zone).date()


# --- helpers ---------------------------------------------------------------------------------------------


def _assign(
    instance: models.Model, data: Mapping[str, Any], fields: Iterable[str], m2m: Iterable[str] = ()
) -> dict:
    """Set `fields` from `data` on the instance; return the many-to-many values to set after saving."""
    fields, m2m = tuple(fields), tuple(m2m)
    unknown = set(data) - set(fields) - set(m2m)
    if unknown:
        raise TypeError(f"Unexpected field(s) for {type(instance).__name__}: {', '.join(sorted(unknown))}")
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    return {name: data[name] for name in m2m if name in data}


def _save(instance: models.Model, m2m_values: Mapping[str, Any] | None = None) -> models.Model:
    instance.full_clean()
    instance.save()
    for name, values in (m2m_values or {}).items():
        getattr(instance, name).set(values)
    return instance


def _section(program: Program, model: type[models.Model]) -> models.Model:
    """The program's one-per-program row of this model, or a new unsaved one."""
    return model.objects.filter(program=program).first() or model(program=program)


def _rows_sync(
    *,
    queryset: models.QuerySet,
    make: Callable[[], models.Model],
    rows: Iterable[Row],
    fields: Iterable[str],
    m2m: Iterable[str] = (),
    before_save: Callable[[models.Model], None] | None = None,
) -> None:
    """Create, update and delete rows of one collection. `queryset` is the collection (already scoped)."""
    rows = [dict(row) for row in rows]
    ids = [row["id"] for row in rows if row.get("id")]
    existing = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    if len(existing) != len(set(ids)):
        raise ProgramError(
            "Some rows no longer exist (someone else may have deleted them). Reload and try again."
        )
    # Deletions first, so a row may take over a name or slug freed in the same save.
    for row in rows:
        if row.get("delete") and row.get("id"):
            existing[row["id"]].delete()
    for row in rows:
        pk = row.pop("id", None)
        if row.pop("delete", False):
            continue
        instance = existing[pk] if pk else make()
        m2m_values = _assign(instance, row, fields, m2m)
        try:
            if before_save is not None:
                before_save(instance)
            _save(instance, m2m_values)
        except ValidationError as error:
            raise ValidationError([f"{instance}: {message}" for message in error.messages])


def _section_updated(*, program: Program, actor, section: str) -> None:
    audit_record(actor=actor, verb="program.section_updated", target=program, section=section)


# --- programs --------------------------------------------------------------------------------------------


@transaction.atomic
def program_create(
    *,
    created_by,
    name: str,
    slug: str = "",
    time_zone: str = "UTC",
    currency: str = "USD",
    goal_type: str = Program.GoalType.OTHER,
    outcome: str = "",
    with_default_onboarding: bool = True,
) -> Program:
    """A new draft program; its creator becomes its manager. Optionally starts the standard onboarding checklist."""
    slug = (slug or slugify(name))[:60]
    if slug in RESERVED_SLUGS:
        raise ProgramError(f"“{slug}” is reserved; choose another short name.", field="slug")
    program = Program(
        name=name,
        slug=slug,
        time_zone=time_zone,
        currency=currency,
        goal_type=goal_type,
        outcome=outcome,
        status=Program.Status.DRAFT,
    )
    _save(program)
    if created_by is not None:
        program.managers.add(created_by)
    if with_default_onboarding:
        OnboardingStep.objects.bulk_create(
            OnboardingStep(
                program=program, kind=kind, title=title, needs_manager_confirmation=confirm, position=i
            )
            for i, (kind, title, confirm) in enumerate(DEFAULT_ONBOARDING_STEPS, start=1)
        )
    audit_record(actor=created_by, verb="program.created", target=program)
    return program


@transaction.atomic
def program_outcome_update(*, program: Program, actor, data: Mapping[str, Any]) -> Program:
    """Section 1 and the program's basics: name, time zone, currency, goal type and outcome text."""
    _assign(program, data, ["name", "time_zone", "currency", "goal_type", "outcome"])
    _save(program)
    _section_updated(program=program, actor=actor, section="outcome")
    return program


@transaction.atomic
def program_scope_update(
    *,
    program: Program,
    actor,
    channels: list[str],
    ticket_types: Iterable[Row] = (),
    escalation_rules: Iterable[Row] = (),
) -> Program:
    """Section 2: the channels, the ticket types (tier, freelancers allowed) and the escalation rules."""
    program.channels = list(channels)
    _save(program)

    def fill_slug(ticket_type):
        if not ticket_type.slug:
            ticket_type.slug = slugify(ticket_type.name)[:60]

    _rows_sync(
        queryset=program.ticket_types.all(),
        make=lambda: TicketType(program=program),
        rows=ticket_types,
        fields=["name", "slug", "tier", "freelancers_allowed", "description", "position"],
        m2m=["required_skills"],
        before_save=fill_slug,
    )

    def same_program(rule):
        if rule.ticket_type_id and rule.ticket_type.program_id != program.pk:
            raise ValidationError({"ticket_type": "Pick a ticket type of this program."})
        rule.keyword = rule.keyword.strip().lower()

    _rows_sync(
        queryset=program.escalation_rules.all(),
        make=lambda: EscalationRule(program=program),
        rows=escalation_rules,
        fields=["ticket_type", "keyword", "note"],
        before_save=same_program,
    )
    _section_updated(program=program, actor=actor, section="scope")
    return program


SCHEDULE_FIELDS = [
    "term",
    "engagement_months",
    "hours_per_week",
    "freelancers_needed",
    "start_date",
    "end_date",
    "queue_ready_date",
    "training_days",
    "tickets_per_week",
    "average_handle_minutes",
    "target_occupancy_percent",
    "training_yield_percent",
    "ramp_percents",
    "posting_days",
    "trial_days",
    "interview_days",
    "offer_days",
]


@transaction.atomic
def program_schedule_update(
    *, program: Program, actor, data: Mapping[str, Any], today: datetime.date | None = None
) -> ProgramSchedule:
    """Section 3 and the capacity inputs.

    A new plan must have its queue-ready date today or later. An existing plan may keep a date that has
    since passed (the worksheet flags it), but may not be moved to another past date.
    """
    schedule = _section(program, ProgramSchedule)
    is_new = schedule.pk is None
    previous_queue_ready = schedule.queue_ready_date if not is_new else None
    _assign(schedule, data, SCHEDULE_FIELDS)
    today = today or program_today(program)
    errors: dict[str, list[str]] = {}
    try:
        schedule.full_clean()
    except ValidationError as error:
        errors = error.message_dict
    queue_ready = schedule.queue_ready_date
    if queue_ready and queue_ready < today and (is_new or queue_ready != previous_queue_ready):
        errors.setdefault("queue_ready_date", []).append(
            f"The queue-ready date is in the past (today is {today:%d %b %Y}); pick today or a later date."
        )
    if errors:
        raise ValidationError(errors)
    schedule.save()
    _section_updated(program=program, actor=actor, section="schedule")
    return schedule


CANDIDATE_FIELDS = [
    "mindset",
    "pay_min",
    "pay_max",
    "pay_currency",
    "rate_ceiling",
    "time_zones",
    "working_hours",
    "hours_per_week",
    "resume_review",
    "interview_questions",
    "writing_assignment",
    "open_ended",
    "contract_end_date",
    "nda_required",
    "performance_expectations",
]


@transaction.atomic
def program_candidates_update(
    *, program: Program, actor, data: Mapping[str, Any], platforms: Iterable[Row] = ()
) -> CandidateProfile:
    """Section 4: the candidate profile, how candidates are evaluated, contract terms, and sourcing platforms."""
    profile = _section(program, CandidateProfile)
    m2m_values = _assign(profile, data, CANDIDATE_FIELDS, m2m=["skills", "languages"])
    _save(profile, m2m_values)
    _rows_sync(
        queryset=program.platforms.all(),
        make=lambda: SourcingPlatform(program=program),
        rows=platforms,
        fields=["kind", "name", "pre_screens", "handles_invoicing", "fee_percent"],
    )
    _section_updated(program=program, actor=actor, section="candidates")
    return profile


SUPPORT_FIELDS = [
    "review_frequency",
    "communication",
    "recognition",
    "evaluation_cadence_days",
    "rate_adjustment_policy",
    "termination_policy",
]


@transaction.atomic
def program_support_update(
    *,
    program: Program,
    actor,
    data: Mapping[str, Any],
    scorecard: Mapping[str, Any] | None = None,
    criteria: Iterable[Row] = (),
) -> SupportPlan:
    """Section 5: who reviews and how often, communication, recognition, policies, and the QA scorecard."""
    plan = _section(program, SupportPlan)
    m2m_values = _assign(plan, data, SUPPORT_FIELDS, m2m=["reviewers"])
    reviewers = m2m_values.get("reviewers")
    if reviewers is not None:
        manager_ids = set(program.managers.values_list("pk", flat=True))
        if any(getattr(r, "pk", r) not in manager_ids for r in reviewers):
            raise ValidationError({"reviewers": "Reviewers must be managers of this program."})
    _save(plan, m2m_values)
    card = _section(program, QAScorecard)
    _assign(card, scorecard or {}, ["name", "scale_max", "passing_score"])
    _save(card)
    _rows_sync(
        queryset=card.criteria.all(),
        make=lambda: QACriterion(scorecard=card),
        rows=criteria,
        fields=["name", "description", "weight", "is_critical", "position"],
    )
    _section_updated(program=program, actor=actor, section="support")
    return plan


@transaction.atomic
def program_behind_the_scenes_update(
    *,
    program: Program,
    actor,
    data: Mapping[str, Any],
    tools: Iterable[Row] = (),
    materials: Iterable[Row] = (),
) -> BehindTheScenes:
    """Section 6: security, queue, escalation process, working hours, tools (and access) and training materials."""
    behind = _section(program, BehindTheScenes)
    _assign(behind, data, ["security_measures", "has_queue", "escalation_process", "working_hours"])
    _save(behind)
    _rows_sync(
        queryset=program.tools.all(),
        make=lambda: ProgramTool(program=program),
        rows=tools,
        fields=["name", "access_level", "url"],
    )
    _rows_sync(
        queryset=program.training_materials.all(),
        make=lambda: TrainingMaterial(program=program),
        rows=materials,
        fields=["title", "url", "description", "position"],
    )
    _section_updated(program=program, actor=actor, section="behind-the-scenes")
    return behind


@transaction.atomic
def program_success_metrics_update(*, program: Program, actor, metrics: Iterable[Row]) -> Program:
    """Section 7: success metrics, each a target with a direction (at least / at most)."""
    _rows_sync(
        queryset=program.success_metrics.all(),
        make=lambda: SuccessMetric(program=program),
        rows=metrics,
        fields=["kind", "label", "direction", "target", "position"],
    )
    _section_updated(program=program, actor=actor, section="success")
    return program


@transaction.atomic
def program_budget_update(*, program: Program, actor, data: Mapping[str, Any]) -> Budget:
    """The owner's yearly profit and hours, the planned rate and platform fee, the in-house cost replaced."""
    budget = _section(program, Budget)
    _assign(
        budget,
        data,
        [
            "yearly_profit",
            "yearly_hours_worked",
            "planned_hourly_rate",
            "platform_fee_percent",
            "inhouse_monthly_cost",
            "monthly_budget",
        ],
    )
    _save(budget)
    _section_updated(program=program, actor=actor, section="budget")
    return budget


@transaction.atomic
def program_onboarding_steps_update(*, program: Program, actor, steps: Iterable[Row]) -> Program:
    """The onboarding checklist contracts tracks each freelancer through."""
    _rows_sync(
        queryset=program.onboarding_steps.all(),
        make=lambda: OnboardingStep(program=program),
        rows=steps,
        fields=[
            "title",
            "kind",
            "description",
            "required",
            "needs_manager_confirmation",
            "article",
            "position",
        ],
    )
    _section_updated(program=program, actor=actor, section="onboarding")
    return program


@transaction.atomic
def program_stakeholders_update(*, program: Program, actor, stakeholders: Iterable[Row]) -> Program:
    """Customer contacts (name, e-mail) who receive the weekly NPS survey."""

    def normalise(stakeholder):
        stakeholder.email = (stakeholder.email or "").strip().lower()

    _rows_sync(
        queryset=program.stakeholders.all(),
        make=lambda: Stakeholder(program=program),
        rows=stakeholders,
        fields=["name", "email", "role", "receives_nps"],
        before_save=normalise,
    )
    _section_updated(program=program, actor=actor, section="stakeholders")
    return program


@transaction.atomic
def program_stakeholders_add(
    *, program: Program, contacts: Iterable[Row], actor=None, source: str = ""
) -> list[Stakeholder]:
    """Add customer contacts (name, e-mail, role) as the program's stakeholders, e.g. from the vault's one-time
    link. An e-mail already on the list is left as it is (a link's holder cannot rename someone); returns the
    stakeholders added."""
    added: list[Stakeholder] = []
    existing = {email.lower() for email in program.stakeholders.values_list("email", flat=True)}
    for contact in contacts:
        email = (contact.get("email") or "").strip().lower()
        name = (contact.get("name") or "").strip()
        if not email or email in existing:
            continue
        stakeholder = Stakeholder(
            program=program, name=name or email, email=email, role=(contact.get("role") or "").strip()[:120]
        )
        stakeholder.full_clean()
        stakeholder.save()
        existing.add(email)
        added.append(stakeholder)
    if added:
        audit_record(
            actor=actor, verb="program.stakeholders_added", target=program, count=len(added), source=source
        )
    return added


@transaction.atomic
def program_status_change(*, program: Program, actor, status: str) -> Program:
    """Move a program along draft → active ⇄ paused → closed.

    Becoming active needs a scope (ticket types), a schedule and success metrics.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    previous = program.status
    check_transition(Program.TRANSITIONS, Program.Status(previous), status, label="program")
    if status == Program.Status.ACTIVE:
        problems = activation_problems(
            has_ticket_types=program.ticket_types.exists(),
            has_schedule=ProgramSchedule.objects.filter(program=program).exists(),
            has_metrics=program.success_metrics.exists(),
        )
        if problems:
            raise ActivationRefused(
                "The program cannot become active while these are empty: " + "; ".join(problems) + ".",
                code="activation",
            )
    program.status = status
    program.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="program.status_changed", target=program, previous=previous, status=status)
    if status == Program.Status.ACTIVE:
        # Higher apps welcome the program's people (contracts: freelancers; reviews: stakeholders), inside
        # this transaction, once per person (their outbox dedupe keys).
        event_publish(PROGRAM_STARTED, program=program, actor=actor)
    return program


# --- announcements ---------------------------------------------------------------------------------------


@transaction.atomic
def announcement_create(
    *, program: Program, author, kind: str, title: str, body: str, publish: bool = False
) -> Announcement:
    """A draft announcement to the program's freelancers (published at once when `publish`)."""
    announcement = Announcement(
        program=program, author=author, kind=kind, title=title.strip(), body=body.strip()
    )
    _save(announcement)
    audit_record(actor=author, verb="announcement.created", target=announcement)
    if publish:
        announcement_publish(announcement=announcement, actor=author)
    return announcement


@transaction.atomic
def announcement_update(
    *, announcement: Announcement, actor, kind: str, title: str, body: str
) -> Announcement:
    announcement.kind, announcement.title, announcement.body = kind, title.strip(), body.strip()
    _save(announcement)
    audit_record(actor=actor, verb="announcement.updated", target=announcement)
    return announcement


@transaction.atomic
def announcement_publish(*, announcement: Announcement, actor) -> Announcement:
    """Publish now: freelancers see it from this moment (the reviews app shows and e-mails it)."""
    if announcement.published_at is not None:
        raise ProgramError("This announcement is already published.")
    announcement.published_at = timezone.now()
    announcement.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=actor, verb="announcement.published", target=announcement)
    return announcement


@transaction.atomic
def announcement_withdraw(*, announcement: Announcement, actor) -> Announcement:
    """Take a published announcement back to draft."""
    if announcement.published_at is None:
        raise ProgramError("This announcement is not published.")
    announcement.published_at = None
    announcement.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=actor, verb="announcement.withdrawn", target=announcement)
    return announcement


@transaction.atomic
def announcement_delete(*, announcement: Announcement, actor) -> None:
    audit_record(
        actor=actor, verb="announcement.deleted", target=announcement.program, title=announcement.title
    )
    announcement.delete()


# --- the program's in-house team ------------------------------------------------------------------------------


@transaction.atomic
def program_member_add(*, program: Program, email: str, role: str, actor, display_name: str = ""):
    """Put a support manager or in-house agent on the program's team; returns (user, invited).

    Someone new gets an account and an invitation to set a password (so does anyone who never set one); someone
    with an account is told by e-mail. A freelancer's email is refused: the in-house team needs its own account.
    """
    user, _created = inhouse_user_get_or_create(email=email, role=role, display_name=display_name)
    if program.managers.filter(pk=user.pk).exists():
        raise ProgramError(f"{user} is on this program's team already.", field="email")
    program.managers.add(user)
    audit_record(actor=actor, verb="program.member_added", target=program, user_id=user.pk, role=user.role)
    invited = not user.has_usable_password()
    if invited:
        user_invite(user=user, invited_by=actor, program_name=program.name)
    else:
        email_enqueue(
            to=[user.email],
            subject=f"You're on the {program.name} team in Flexdesk",
            body=f"{actor} added you to {program.name}. It is in your programs when you sign in.\n\n"
            f"{settings.SITE_URL}",
            program_id=program.pk,
            about=user,
        )
    return user, invited


@transaction.atomic
def program_member_remove(*, program: Program, user, actor) -> None:
    """Take someone off the program's team (their account stays). The last support manager stays."""
    if not program.managers.filter(pk=user.pk).exists():
        raise ProgramError(f"{user} is not on this program's team.")
    others = program.managers.filter(role=User.Role.MANAGER, is_active=True).exclude(pk=user.pk)
    if user.role == User.Role.MANAGER and not others.exists():
        raise ProgramError("A program needs a support manager: add another one before taking this one off.")
    program.managers.remove(user)
    audit_record(actor=actor, verb="program.member_removed", target=program, user_id=user.pk)
