from django.db.models import QuerySet

from accounts.models import Freelancer, User


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
