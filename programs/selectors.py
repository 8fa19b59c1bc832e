from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User
from core.rawsql import PreparedQuery
from programs.models import (
    Announcement,
    EscalationRule,
    Program,
    QACriterion,
    TicketType,
)


def program_list(*, user) -> QuerySet[Program]:
    """The programs this user may see: the ones they manage (superusers see all)."""
    if not user.is_authenticated:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(managers=user)


_MANAGED_PROGRAM_IDS = PreparedQuery(
    lambda user_id: Program.objects.filter(managers=user_id).order_by().values_list("pk"), "user_id")


def program_ids_for(*, user) -> list[int]:
    """The ids of program_list(user=user), by a query compiled once: manager pages scope every read by them."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Program.objects.order_by().values_list("pk", flat=True))
    return [pk for (pk,) in _MANAGED_PROGRAM_IDS.rows(user_id=user.pk)]


def program_get(*, user, slug: str) -> Program | None:
    return program_list(user=user).filter(slug=slug).first()


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
        .select_related("schedule", "candidate_profile", "support_plan", "scorecard", "behind_the_scenes", "budget")
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
    return Announcement.objects.filter(program=program).select_related("author").order_by("-created_at", "-id")


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
    return sorted(program.managers.all(),
                  key=lambda u: (u.role != User.Role.MANAGER, (u.display_name or u.email).lower()))
