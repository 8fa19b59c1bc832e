"""A program's own skills (issue 17): its support managers add, rename, retire and restore them on the program's
skills page; shared skills (no program) stay shared by every program and are kept in admin.

Selectors and services of one small topic, beside programs/services.py rather than in it (that module is at the
size where STYLE.md splits by topic).

Retiring, decided: a skill a ticket type of the program requires is not retired (routing would keep asking for a
skill nobody can add any more, and those tickets would wait for no one): the manager takes it off the ticket types
first. Any other skill is retired softly: the freelancers, postings and applications that have it keep it (their
history and scores stand), it is no longer offered for new choices, and it can be restored.
"""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Skill, User
from core.audit import audit_record
from core.locks import lock_one
from programs.errors import ProgramError
from programs.models import Program, TicketType

NAME_MAX_LENGTH = Skill._meta.get_field("name").max_length


# ---------------------------------------------------------------- selectors


def program_skill_list(*, program: Program) -> QuerySet[Skill]:
    """The skills the program may use (its own first, then the shared ones), each with how many of the program's
    ticket types require it and how many freelancers have it. A constant number of queries."""
    required_by = (
        TicketType.required_skills.through.objects.filter(
            skill_id=OuterRef("pk"), tickettype__program_id=program.pk
        )
        .order_by()
        .values("skill_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Skill.objects.filter(Q(program__isnull=True) | Q(program_id=program.pk))
        .annotate(
            ticket_type_count=Coalesce(Subquery(required_by, output_field=IntegerField()), 0),
            freelancer_count=Count("freelancers", distinct=True),
        )
        .order_by(Coalesce("program_id", 0).desc(), "retired_at", "name", "pk")
    )


def program_skill_get(*, program: Program, pk) -> Skill | None:
    """One of the program's own skills (a shared skill or another program's is not found here)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Skill.objects.filter(program_id=program.pk, pk=pk).first()


# ---------------------------------------------------------------- services


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ProgramError("Give the skill a name.", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ProgramError(f"Keep the name under {NAME_MAX_LENGTH} characters.", field="name")
    return name


def _check_name_free(*, program: Program, name: str, skill: Skill | None = None) -> None:
    taken = (
        Skill.objects.filter(Q(program__isnull=True) | Q(program_id=program.pk), name__iexact=name)
        .exclude(pk=skill.pk if skill else None)
        .first()
    )
    if taken is None:
        return
    if taken.program_id is None:
        raise ProgramError(
            f"“{taken.name}” is a shared skill already: every program can use it.", field="name"
        )
    if taken.is_retired:
        raise ProgramError(
            f"“{taken.name}” is a retired skill of this program: restore it instead.", field="name"
        )
    raise ProgramError(f"This program already has the skill “{taken.name}”.", field="name")


def _free_slug(*, program: Program, name: str) -> str:
    """A slug no shared skill and no skill of the program uses (kept when the skill is renamed: it is an id)."""
    base = slugify(name)[:70] or "skill"
    taken = set(
        Skill.objects.filter(
            Q(program__isnull=True) | Q(program_id=program.pk), slug__startswith=base
        ).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def program_skill_create(*, program: Program, name: str, actor: User) -> Skill:
    lock_one(Program.objects.filter(pk=program.pk))  # one name check at a time per program
    name = _clean_name(name)
    _check_name_free(program=program, name=name)
    skill = Skill(program=program, name=name, slug=_free_slug(program=program, name=name))
    skill.full_clean()
    skill.save()
    audit_record(actor=actor, verb="skill.created", target=skill, program=program.slug, name=name)
    return skill


@transaction.atomic
def program_skill_rename(*, program: Program, skill: Skill, name: str, actor: User) -> Skill:
    lock_one(Program.objects.filter(pk=program.pk))
    skill = _own_skill_locked(program=program, skill=skill)
    name = _clean_name(name)
    if name == skill.name:
        return skill
    _check_name_free(program=program, name=name, skill=skill)
    before, skill.name = skill.name, name
    skill.full_clean()
    skill.save(update_fields=["name"])
    audit_record(
        actor=actor, verb="skill.renamed", target=skill, program=program.slug, name=name, before=before
    )
    return skill


@transaction.atomic
def program_skill_retire(*, program: Program, skill: Skill, actor: User) -> Skill:
    skill = _own_skill_locked(program=program, skill=skill)
    if skill.is_retired:
        return skill
    requiring = list(
        TicketType.objects.filter(program_id=program.pk, required_skills=skill)
        .order_by("position", "name")
        .values_list("name", flat=True)
    )
    if requiring:
        names = ", ".join(f"“{name}”" for name in requiring)
        raise ProgramError(
            f"“{skill.name}” is required by the ticket type{'s' if len(requiring) > 1 else ''} {names}. "
            "Take it off them in the worksheet's scope first: routing would keep asking for it.",
            code="skill_in_use",
        )
    skill.retired_at = timezone.now()
    skill.save(update_fields=["retired_at"])
    audit_record(actor=actor, verb="skill.retired", target=skill, program=program.slug)
    return skill


@transaction.atomic
def program_skill_restore(*, program: Program, skill: Skill, actor: User) -> Skill:
    skill = _own_skill_locked(program=program, skill=skill)
    if not skill.is_retired:
        return skill
    skill.retired_at = None
    skill.save(update_fields=["retired_at"])
    audit_record(actor=actor, verb="skill.restored", target=skill, program=program.slug)
    return skill


def _own_skill_locked(*, program: Program, skill: Skill) -> Skill:
    try:
        return lock_one(Skill.objects.filter(pk=skill.pk, program_id=program.pk))
    except Skill.DoesNotExist:
        raise ProgramError(
            "This skill is not one of the program's own: shared skills are kept in admin."
        ) from None
