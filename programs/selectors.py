from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User
from core.rawsql import PreparedQuery
from programs.models import (
    Announcement,
    EscalationRule,
    Program,
    QACriterion,
    SuccessMetric,
    TicketType,
)

# The kinds of success metric, for apps that read metrics through these selectors (the dashboard) and never
# import programs.models.
MetricKind = SuccessMetric.Kind


# What a manager or in-house agent may see, in one place: the programs whose in-house team (Program.managers)
# they are on; a superuser sees every program. Every manager-side read is scoped by one of the two forms
# below, both derived from _managed_by(): the queryset (for `program__in=` subqueries and lists) and the ids
# (a literal list, read once per request, for the hot ticket queries that PostgreSQL plans per program).


def _managed_by(user_id: int) -> QuerySet[Program]:
    return Program.objects.filter(managers=user_id)


def program_list(*, user) -> QuerySet[Program]:
    """The programs this user may see: the ones they manage (superusers see all)."""
    if not user.is_authenticated:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return _managed_by(user.pk)


_MANAGED_PROGRAM_IDS = PreparedQuery(
    lambda user_id: _managed_by(user_id).order_by().values_list("pk"), "user_id"
)
# Kept on the user object of one request (request.user is built per request), never across requests.
_IDS_ATTRIBUTE = "_program_ids_in_scope"


def program_ids_for(*, user) -> list[int]:
    """The ids of program_list(user=user), read once per request by a query compiled once."""
    cached = user.__dict__.get(_IDS_ATTRIBUTE)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        ids: list[int] = []
    elif user.is_superuser:
        ids = list(program_list(user=user).order_by().values_list("pk", flat=True))
    else:
        ids = [pk for (pk,) in _MANAGED_PROGRAM_IDS.rows(user_id=user.pk)]
    program_ids_remember(user=user, programs=ids)
    return ids


def program_ids_remember(*, user, programs: Iterable[Program] | Iterable[int]) -> None:
    """Keep the ids of program_list(user=user), read by a caller that loaded the programs anyway, so
    program_ids_for needs no query of its own in this request."""
    if getattr(user, "is_authenticated", False):
        user.__dict__[_IDS_ATTRIBUTE] = [getattr(program, "pk", program) for program in programs]


def program_get(*, user, slug: str, related: tuple[str, ...] = ()) -> Program | None:
    """One of the user's programs by slug; `related`: one-to-one relations loaded with it (one query)."""
    programs = program_list(user=user)
    if related:
        programs = programs.select_related(*related)
    return programs.filter(slug=slug).first()


def program_list_overview(*, user) -> QuerySet[Program]:
    """The programs list page: each program with its schedule and the row counts the page shows."""
    return (
        program_list(user=user)
        .select_related("schedule")
        .annotate(
            ticket_type_count=Count("ticket_types", distinct=True),
            metric_count=Count("success_metrics", distinct=True),
            manager_count=Count("managers", distinct=True),
        )
        .order_by("name")
    )


def program_worksheet_get(*, user, slug: str) -> Program | None:
    """A program with every worksheet section and row loaded, for the worksheet page (constant queries)."""
    return (
        program_list(user=user)
        .filter(slug=slug)
        .select_related(
            "schedule", "candidate_profile", "support_plan", "scorecard", "behind_the_scenes", "budget"
        )
        .prefetch_related(
            "managers",
            Prefetch("ticket_types", queryset=TicketType.objects.prefetch_related("required_skills")),
            Prefetch("escalation_rules", queryset=EscalationRule.objects.select_related("ticket_type")),
            "platforms",
            "candidate_profile__skills",
            "candidate_profile__languages",
            "support_plan__reviewers",
            Prefetch("scorecard__criteria", queryset=QACriterion.objects.all()),
            "tools",
            "training_materials",
            "success_metrics",
            "onboarding_steps",
            "stakeholders",
        )
        .first()
    )


def announcement_list(*, program: Program) -> QuerySet[Announcement]:
    """Every announcement of a program (drafts and published), newest first, for its managers."""
    return (
        Announcement.objects.filter(program=program).select_related("author").order_by("-created_at", "-id")
    )


def announcement_get(*, program: Program, pk: int) -> Announcement | None:
    return announcement_list(program=program).filter(pk=pk).first()


def announcement_list_published(*, program_ids: Iterable[int]) -> QuerySet[Announcement]:
    """Published announcements of these programs, newest first (the portal and e-mails read this)."""
    return (
        Announcement.objects.filter(
            program_id__in=program_ids if isinstance(program_ids, QuerySet) else list(program_ids),
            published_at__isnull=False,
        )
        .select_related("program", "author")
        .order_by("-published_at", "-id")
    )


def program_team(*, program: Program) -> list:
    """The program's support managers and in-house agents: managers first, then by name."""
    return sorted(
        program.managers.all(),
        key=lambda u: (u.role != User.Role.MANAGER, (u.display_name or u.email).lower()),
    )


# --- reads for the dashboard (which reads other apps only through their selectors) and for scheduled jobs ---


def program_list_active() -> QuerySet[Program]:
    """Every active program, by id: what the scheduled jobs (summaries, rollups) walk. Not scoped to a user."""
    return Program.objects.filter(status=Program.Status.ACTIVE).order_by("pk")


def program_list_by_slug(*, slug: str) -> QuerySet[Program]:
    """The program with this slug, whatever its status (a management command's --program). Not scoped."""
    return Program.objects.filter(slug=slug).order_by("pk")


def program_get_by_id(*, pk: int) -> Program | None:
    """One program by id, for a task that was handed the id. Not scoped to a user."""
    return Program.objects.filter(pk=pk).first()


def program_worksheet_load(*, program: Program, related: tuple[str, ...] = ("budget", "schedule")) -> None:
    """Load the program's one-to-one worksheet sections (a missing one is None) in one query, unless they are
    loaded already; the reports read the budget and the schedule without a query each on first access."""
    fields: list[Any] = [Program._meta.get_field(name) for name in related]  # the one-to-one relations
    if all(field.is_cached(program) for field in fields):
        return
    loaded = Program.objects.select_related(*related).get(pk=program.pk)
    for field in fields:
        field.set_cached_value(program, getattr(loaded, field.get_accessor_name(), None))


def program_list_with_metrics(*, user) -> QuerySet[Program]:
    """program_list with the budget, the schedule and the success metrics (in the worksheet's order) loaded."""
    return (
        program_list(user=user)
        .select_related("budget", "schedule")
        .prefetch_related(
            Prefetch("success_metrics", queryset=SuccessMetric.objects.order_by("position", "id"))
        )
    )


def success_metric_list(*, program_id: int) -> list[SuccessMetric]:
    """The program's success metrics in the worksheet's order."""
    return list(SuccessMetric.objects.filter(program_id=program_id).order_by("position", "id"))


def program_inhouse_team(*, program: Program) -> QuerySet[User]:
    """The program's in-house team: its active support managers and in-house agents (the one definition; who
    may be given an escalated ticket, asked for help, or review its tickets by default)."""
    return program.managers.filter(is_active=True, role__in=[User.Role.MANAGER, User.Role.AGENT])


def inhouse_team_of_programs(*, program_ids: Iterable[int]) -> QuerySet[User]:
    """The in-house teams (program_inhouse_team) of these programs together, each person once."""
    return User.objects.filter(
        pk__in=User.objects.filter(
            managed_programs__in=list(program_ids),
            is_active=True,
            role__in=[User.Role.MANAGER, User.Role.AGENT],
        ).values("pk")
    )


def program_inhouse_member(*, program: Program, user) -> bool:
    """Whether the user is on the program's in-house team (program_inhouse_team)."""
    return user is not None and program_inhouse_team(program=program).filter(pk=user.pk).exists()


def program_staff_emails(*, program: Program) -> list[str]:
    """The e-mail addresses of the program's in-house team, sorted."""
    return list(
        program_inhouse_team(program=program)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def ticket_type_rows(*, program: Program) -> QuerySet[TicketType]:
    """The program's ticket types for the scope page's rows, with their required skills loaded."""
    return TicketType.objects.filter(program=program).prefetch_related("required_skills")
