from typing import cast

from django.db.models import Q, QuerySet

from accounts.models import (
    MAX_OPEN_TICKETS,
    MIN_OPEN_TICKETS,
    Freelancer,
    LegalNameChangeRequest,
    Skill,
    User,
)
from core.rawsql import PreparedQuery

# For apps that show a freelancer's capacity without importing accounts.models (the dashboard).
OPEN_TICKETS_MIN, OPEN_TICKETS_MAX = MIN_OPEN_TICKETS, MAX_OPEN_TICKETS


def freelancer_get_for_user(*, user: User) -> Freelancer | None:
    return Freelancer.objects.filter(user=user).select_related("user").first()


def freelancer_list(*, ids=None) -> QuerySet[Freelancer]:
    qs = Freelancer.objects.select_related("user").prefetch_related("skills", "languages")
    return qs.filter(pk__in=ids) if ids is not None else qs


def home_url_for(user: User) -> str | None:
    """Where a user lands after login, or None when they have no role here."""
    if user.is_inhouse:
        return "/manage/"
    if user.is_freelancer:
        return "/portal/"
    return None


def skill_choices(*, program_ids=(), keep=()) -> QuerySet[Skill]:
    """The skills that may be picked for something in these programs: the shared ones and the programs' own, not
    retired. `keep` (ids, or a values queryset, of what the thing already has) stays on offer even when retired or
    another program's, so that saving a form never drops a skill unasked."""
    offered = (Q(program__isnull=True) | Q(program_id__in=program_ids)) & Q(retired_at__isnull=True)
    return Skill.objects.filter(offered | Q(pk__in=keep)).order_by("name", "pk")


# Which programs a freelancer works in is the contracts app's answer, registered in its AppConfig.ready()
# (accounts sits below contracts; see accounts.name_lock for the same pattern).
_freelancer_program_sources = []


def register_freelancer_programs(program_ids_for) -> None:
    """program_ids_for(freelancer) -> ids (or a values queryset) of the programs the freelancer works in."""
    if program_ids_for not in _freelancer_program_sources:
        _freelancer_program_sources.append(program_ids_for)


def skill_choices_for_freelancer(*, freelancer: Freelancer) -> QuerySet[Skill]:
    """What a freelancer may say they have: the shared skills and those of the programs they work in."""
    program_ids = [pk for source in _freelancer_program_sources for pk in source(freelancer)]
    return skill_choices(
        program_ids=program_ids, keep=freelancer.skills.values("pk") if freelancer.pk else ()
    )


def legal_name_request_pending(*, freelancer: Freelancer) -> LegalNameChangeRequest | None:
    return freelancer.legal_name_requests.filter(status=LegalNameChangeRequest.Status.PENDING).first()


def legal_name_request_list_for_freelancer(*, freelancer: Freelancer, limit: int = 10) -> QuerySet:
    return freelancer.legal_name_requests.select_related("decided_by")[:limit]


# Compiled once (core.rawsql.PreparedQuery): every portal page reads it before anything else.
_FREELANCER_OF_USER = PreparedQuery(
    lambda user_id: Freelancer.objects.filter(user_id=user_id).order_by()[:1], "user_id"
)


def freelancer_profile_of(*, user: User) -> Freelancer | None:
    """user.freelancer_profile, or None if they have none, kept on the user as the ORM keeps it."""
    related = User.freelancer_profile.related
    if not related.is_cached(user):
        found = _FREELANCER_OF_USER.objects(user_id=user.pk)
        profile = cast(Freelancer, found[0]) if found else None
        if profile is not None:
            related.field.set_cached_value(profile, user)
        related.set_cached_value(user, profile)
    return cast(Freelancer | None, related.get_cached_value(user))
