import datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from contracts.models import Contract
from core.links import LinkState
from programs.models import Program
from programs.selectors import program_list
from recruiting.models import (
    Application,
    Interview,
    Message,
    MessageTemplate,
    Posting,
    StageChange,
    TrialTask,
)


def posting_list(*, user, program: Program | None = None) -> QuerySet[Posting]:
    """Postings of the programs this user manages, with application counts per stage."""
    stage_counts = {
        f"count_{stage}": Count("applications", filter=Q(applications__stage=stage))
        for stage in Application.Stage.values
    }
    qs = (
        Posting.objects.filter(program__in=program_list(user=user))
        .select_related("program")
        .annotate(count_total=Count("applications"), **stage_counts)
        .order_by("program__name", "-created_at")
    )
    return qs.filter(program=program) if program is not None else qs


def posting_get(*, user, pk) -> Posting | None:
    return (
        Posting.objects.filter(program__in=program_list(user=user), pk=pk)
        .select_related("program", "created_by")
        .prefetch_related("skills", "languages", "platforms", "events__actor")
        .first()
    )


def posting_public_get(*, slug: str) -> Posting | None:
    """A posting as the public sees it: open or closed, never a draft."""
    return (
        Posting.objects.exclude(status=Posting.Status.DRAFT).filter(slug=slug)
        .select_related("program").prefetch_related("skills", "languages").first()
    )


def posting_initial_from_profile(*, program: Program) -> dict:
    """Form initial values for a new posting, from the worksheet's candidate profile."""
    from recruiting.models import DEFAULT_SCREENING_QUESTIONS

    initial = {"screening_questions": list(DEFAULT_SCREENING_QUESTIONS), "pay_currency": program.currency,
               "platforms": list(program.platforms.values_list("pk", flat=True))}
    profile = getattr(program, "candidate_profile", None)
    if profile is None:
        return initial
    initial.update(
        skills=list(profile.skills.values_list("pk", flat=True)),
        languages=list(profile.languages.values_list("pk", flat=True)),
        pay_min=profile.pay_min, pay_max=profile.pay_max, pay_currency=profile.pay_currency,
        hours_per_week=profile.hours_per_week, time_zones=profile.time_zones,
    )
    if profile.mindset:
        initial["requirements"] = profile.mindset
    return initial


def posting_headcount(*, posting: Posting) -> tuple[int, int | None]:
    """(freelancers contracted or being contracted in the program, planned headcount or None)."""
    current = Contract.objects.filter(program_id=posting.program_id).exclude(
        status__in=[Contract.Status.ENDED, Contract.Status.TERMINATED]
    ).count()
    schedule = getattr(posting.program, "schedule", None)
    return current, (schedule.freelancers_needed if schedule is not None else None)


def application_scope(*, user) -> QuerySet[Application]:
    return Application.objects.filter(posting__program__in=program_list(user=user))


SORTS = {
    "score": ["-final_score", "created_at"],
    "-score": ["final_score", "created_at"],
    "last_move": ["stage_changed_at", "id"],
    "-last_move": ["-stage_changed_at", "-id"],
    "applied": ["created_at", "id"],
    "-applied": ["-created_at", "-id"],
    "name": ["full_name", "id"],
    "rate": ["rate_asked", "id"],
}


def application_list(
    *, user, posting: Posting | None = None, stage: str | None = None, min_score: Decimal | None = None,
    idle_days: int | None = None, search: str = "", sort: str = "score",
) -> QuerySet[Application]:
    """Applications the user may see, filtered (stage, minimum score, idle for N days, name/e-mail) and sorted."""
    qs = application_scope(user=user).select_related("posting__program")
    if posting is not None:
        qs = qs.filter(posting=posting)
    if stage:
        qs = qs.filter(stage=stage)
    if min_score is not None:
        qs = qs.filter(final_score__gte=min_score)
    if idle_days:
        qs = qs.filter(stage_changed_at__lte=timezone.now() - datetime.timedelta(days=idle_days))
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return qs.order_by(*SORTS.get(sort, SORTS["score"]))


def application_board(*, user, posting: Posting) -> list[tuple[str, str, list[Application]]]:
    """One column per stage: [(stage, label, applications by score)]; anonymised ones stay out."""
    columns: dict[str, list[Application]] = {stage: [] for stage in Application.Stage.values}
    rows = application_scope(user=user).filter(posting=posting, anonymised_at__isnull=True).order_by(
        "-final_score", "created_at"
    )
    for application in rows:
        columns[application.stage].append(application)
    return [(stage, label, columns[stage]) for stage, label in Application.Stage.choices]


def application_get(*, user, pk) -> Application | None:
    return (
        application_scope(user=user).filter(pk=pk)
        .select_related("posting__program", "freelancer__user", "score_overridden_by")
        .prefetch_related(
            "languages", "skills",
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
            Prefetch("messages", queryset=Message.objects.select_related("sent_by")),
            Prefetch("trial_tasks", queryset=TrialTask.objects.select_related("sent_by", "graded_by")),
            Prefetch("interviews", queryset=Interview.objects.select_related("interviewer")),
        )
        .first()
    )


def application_timeline(*, application: Application) -> list[dict]:
    """Everything that happened, oldest first, from rows prefetched by application_get."""
    events = []
    for change in application.stage_changes.all():
        events.append({"at": change.changed_at, "kind": "stage", "item": change})
    for message in application.messages.all():
        events.append({"at": message.created_at, "kind": "message", "item": message})
    for trial in application.trial_tasks.all():
        events.append({"at": trial.created_at, "kind": "trial_sent", "item": trial})
        if trial.submitted_at:
            events.append({"at": trial.submitted_at, "kind": "trial_submitted", "item": trial})
        if trial.graded_at:
            events.append({"at": trial.graded_at, "kind": "trial_graded", "item": trial})
    for interview in application.interviews.all():
        events.append({"at": interview.created_at, "kind": "interview_scheduled", "item": interview})
        if interview.completed_at:
            events.append({"at": interview.completed_at, "kind": "interview_recorded", "item": interview})
    return sorted(events, key=lambda e: e["at"])


def trial_task_get_scoped(*, user, pk) -> TrialTask | None:
    return (
        TrialTask.objects.filter(application__in=application_scope(user=user), pk=pk)
        .select_related("application__posting__program").first()
    )


def interview_get_scoped(*, user, pk) -> Interview | None:
    return (
        Interview.objects.filter(application__in=application_scope(user=user), pk=pk)
        .select_related("application__posting__program").first()
    )


def application_contract_get(*, application: Application) -> Contract | None:
    """The contract a hire made: the hired freelancer's newest in the posting's program (None before a hire)."""
    if application.freelancer_id is None:
        return None
    return (Contract.objects.filter(program_id=application.posting.program_id, freelancer_id=application.freelancer_id)
            .order_by("-created_at", "-pk").first())


def trial_task_get_by_token(*, token: str) -> TrialTask | None:
    """The trial task behind a private link, in any state (trial_task_link_state says whether the link still
    works); None for an unknown token or an anonymised application (nothing of it is left to show)."""
    if not token or len(token) > 64:
        return None
    return (
        TrialTask.objects.filter(token=token)
        .exclude(application__anonymised_at__isnull=False)
        .select_related("application__posting__program").first()
    )


def trial_task_link_state(*, trial: TrialTask) -> LinkState:
    """Whether the private link still works: open while sent and before its expiry; used once submitted (graded
    too); withdrawn when the hiring team cancelled it; expired after expires_at."""
    if trial.status == TrialTask.Status.CANCELLED:
        return LinkState.WITHDRAWN
    if trial.status != TrialTask.Status.SENT:
        return LinkState.USED
    if trial.is_expired:
        return LinkState.EXPIRED
    return LinkState.OPEN


def message_template_list(*, program: Program) -> list[dict]:
    """Each kind with the program's own template or the built-in default."""
    from recruiting.services.messages import DEFAULT_TEMPLATES

    own = {t.kind: t for t in MessageTemplate.objects.filter(program=program)}
    rows = []
    for kind, label in MessageTemplate.Kind.choices:
        template = own.get(kind)
        subject, body = (template.subject, template.body) if template else DEFAULT_TEMPLATES[kind]
        rows.append({"kind": kind, "label": label, "subject": subject, "body": body, "custom": template is not None})
    return rows


# For other apps (payments, reviews).

def paid_trial_tasks_for_freelancers(*, program_id: int, freelancer_ids) -> QuerySet[TrialTask]:
    """Submitted (or graded) paid trial tasks of hired applications in a program: payable once after hire.

    Each row has .application.freelancer_id, .amount, .currency, .submitted_at, .pk (an idempotency key).
    """
    return (
        TrialTask.objects.filter(
            is_paid=True, status__in=[TrialTask.Status.SUBMITTED, TrialTask.Status.GRADED],
            application__stage=Application.Stage.HIRED, application__posting__program_id=program_id,
            application__freelancer_id__in=list(freelancer_ids),
        )
        .select_related("application")
        .order_by("submitted_at", "pk")
    )


def trial_scores_for_freelancers(*, program_id: int, freelancer_ids) -> dict[int, Decimal]:
    """{freelancer id: trial score 0–100} from their hired application in a program (reviews compares early QA)."""
    rows = (
        Application.objects.filter(
            posting__program_id=program_id, freelancer_id__in=list(freelancer_ids), trial_score__isnull=False,
            stage=Application.Stage.HIRED,
        )
        .order_by("freelancer_id", "-stage_changed_at")
        .values_list("freelancer_id", "trial_score")
    )
    scores: dict[int, Decimal] = {}
    for freelancer_id, score in rows:
        scores.setdefault(freelancer_id, score)
    return scores


def hired_freelancer_ids(*, program_ids) -> QuerySet:
    """Freelancers hired through a posting of these programs (a values_list usable as a subquery).

    Registered with contracts.connections at start-up: managers of the program may see and contract them.
    """
    return Application.objects.filter(
        posting__program__in=program_ids, stage=Application.Stage.HIRED, freelancer__isnull=False
    ).values_list("freelancer_id", flat=True)
