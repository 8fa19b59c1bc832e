"""Reads and writes of outsourcing assessments (“Is it time to outsource?”), and turning one into a program.

An assessment is its owner's own: every read is scoped to the owner (anyone else's is not found, a 404), every
write takes the assessment already fetched that way. The ranking itself is programs.assessment (pure).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.text import slugify

from core.audit import audit_record
from programs import services
from programs.assessment import Ranking, TaskInput, assessment_rank
from programs.errors import ProgramError
from programs.models import AssessmentTask, OutsourcingAssessment, Program

ASSESSMENT_FIELDS = [
    "name",
    "yearly_value",
    "yearly_working_hours",
    "freelancer_hourly_cost",
    "currency",
    "high_value_answer",
    "would_stop_answer",
]
TASK_FIELDS = [
    "task",
    "minutes_each",
    "times_per_week",
    "skill_needed",
    "enjoys",
    "high_value",
    "would_stop",
    "chosen",
]


# --- reads -----------------------------------------------------------------------------------------------


def assessment_list(*, user) -> QuerySet[OutsourcingAssessment]:
    """The user's own assessments, newest first, with their task counts and the program made from each."""
    return (
        OutsourcingAssessment.objects.filter(owner=user)
        .select_related("program")
        .annotate(task_count=Count("tasks"))
        .order_by("-created_at", "-id")
    )


def assessment_get(*, user, pk: int) -> OutsourcingAssessment | None:
    return OutsourcingAssessment.objects.filter(owner=user, pk=pk).select_related("program").first()


def assessment_task_get(*, assessment: OutsourcingAssessment, pk: int) -> AssessmentTask | None:
    return assessment.tasks.filter(pk=pk).first()


def assessment_ranking(*, assessment: OutsourcingAssessment) -> Ranking:
    tasks = [
        TaskInput(
            key=t.pk,
            task=t.task,
            minutes_each=t.minutes_each,
            times_per_week=t.times_per_week,
            skill_needed=t.skill_needed,
            enjoys=t.enjoys,
            high_value=t.high_value,
            would_stop=t.would_stop,
            chosen=t.chosen,
        )
        for t in assessment.tasks.order_by("id")
    ]
    return assessment_rank(
        tasks=tasks,
        yearly_value=assessment.yearly_value,
        yearly_working_hours=assessment.yearly_working_hours,
        freelancer_hourly_cost=assessment.freelancer_hourly_cost,
        currency=assessment.currency,
    )


# --- writes ----------------------------------------------------------------------------------------------


def _assign(instance, data: Mapping[str, Any], fields: list[str]) -> None:
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"Unexpected field(s) for {type(instance).__name__}: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def assessment_create(*, owner, data: Mapping[str, Any]) -> OutsourcingAssessment:
    assessment = OutsourcingAssessment(owner=owner)
    _assign(assessment, data, ASSESSMENT_FIELDS)
    assessment.full_clean()
    assessment.save()
    audit_record(actor=owner, verb="assessment.created", target=assessment)
    return assessment


@transaction.atomic
def assessment_update(
    *, assessment: OutsourcingAssessment, actor, data: Mapping[str, Any]
) -> OutsourcingAssessment:
    _assign(assessment, data, ASSESSMENT_FIELDS)
    assessment.full_clean()
    assessment.save()
    audit_record(actor=actor, verb="assessment.updated", target=assessment)
    return assessment


@transaction.atomic
def assessment_task_save(
    *, assessment: OutsourcingAssessment, actor, data: Mapping[str, Any], task: AssessmentTask | None = None
) -> AssessmentTask:
    """Add a task (task=None) or change one of this assessment's tasks."""
    if task is not None and task.assessment_id != assessment.pk:
        raise ProgramError("That task belongs to another assessment.")
    task = task or AssessmentTask(assessment=assessment)
    _assign(task, data, TASK_FIELDS)
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def assessment_task_delete(*, assessment: OutsourcingAssessment, actor, task: AssessmentTask) -> None:
    if task.assessment_id != assessment.pk:
        raise ProgramError("That task belongs to another assessment.")
    task.delete()


@transaction.atomic
def assessment_tasks_choose(*, assessment: OutsourcingAssessment, actor, task_ids: set[int]) -> int:
    """Mark exactly these tasks (of this assessment) chosen to outsource; returns how many are chosen."""
    tasks = assessment.tasks.all()
    tasks.exclude(pk__in=task_ids).update(chosen=False)
    return tasks.filter(pk__in=task_ids).update(chosen=True)


def _unique_program_slug(name: str) -> str:
    base = (slugify(name) or "program")[:50]
    slug, number = base, 1
    while slug in services.RESERVED_SLUGS or Program.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _unique_slugs(names: list[str]) -> list[str]:
    seen: set[str] = set()
    slugs = []
    for name in names:
        base = (slugify(name) or "task")[:55]
        slug, number = base, 1
        while slug in seen:
            number += 1
            slug = f"{base}-{number}"
        seen.add(slug)
        slugs.append(slug)
    return slugs


@transaction.atomic
def assessment_program_create(*, assessment: OutsourcingAssessment, actor, name: str) -> Program:
    """A draft program from the chosen tasks, through the program services, linked back to the assessment.

    Scope: one tier-1 ticket type per chosen task (its minutes and frequency in the description). Candidate
    profile: the tasks' skills as its “who you want” text and hours per week = the chosen tasks' hours freed.
    """
    ranking = assessment_ranking(assessment=assessment)
    chosen = [row for row in ranking.tasks if row.task.chosen]
    if not chosen:
        raise ProgramError("Choose at least one task to outsource first.", field="name")
    if not name.strip():
        raise ProgramError("Give the program a name.", field="name")
    hours = ranking.chosen_hours_per_week
    if not Decimal("0.25") <= hours <= 80:
        raise ProgramError(
            f"The chosen tasks add up to {hours} hours a week; a freelancer's week is 0.25 to 80 hours.",
            field="name",
        )
    skills = sorted(
        {row.task.skill_needed.strip() for row in chosen if row.task.skill_needed.strip()}, key=str.lower
    )
    program = services.program_create(
        created_by=actor,
        name=name.strip(),
        slug=_unique_program_slug(name),
        currency=assessment.currency,
        outcome=(
            f"Outsource {', '.join(row.task.task for row in chosen)} — about {hours} hours a week, "
            f"from the assessment “{assessment.name}”."
        ),
    )
    slugs = _unique_slugs([row.task.task for row in chosen])
    services.program_scope_update(
        program=program,
        actor=actor,
        channels=[],
        ticket_types=[
            {
                "id": None,
                "name": row.task.task[:100],
                "slug": slug,
                "tier": 1,
                "freelancers_allowed": True,
                "position": position,
                "description": (
                    f"{row.task.minutes_each.normalize():f} min × {row.task.times_per_week.normalize():f} "
                    f"a week" + (f"; skill: {row.task.skill_needed}" if row.task.skill_needed else "")
                ),
            }
            for position, (row, slug) in enumerate(zip(chosen, slugs, strict=True), start=1)
        ],
    )
    services.program_candidates_update(
        program=program,
        actor=actor,
        data={
            "mindset": ("Skills needed: " + "; ".join(skills) + ".") if skills else "",
            "hours_per_week": hours,
            "pay_currency": assessment.currency,
        },
    )
    assessment.program = program
    assessment.save(update_fields=["program", "updated_at"])
    audit_record(actor=actor, verb="assessment.program_created", target=assessment, program=program.slug)
    return program
