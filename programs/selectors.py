from django.db.models import QuerySet

from programs.models import Program


def program_list(*, user) -> QuerySet[Program]:
    """The programs this user may see: the ones they manage (superusers see all)."""
    if not user.is_authenticated:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(managers=user)


def program_get(*, user, slug: str) -> Program | None:
    return program_list(user=user).filter(slug=slug).first()
