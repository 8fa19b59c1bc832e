import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from contracts.models import Contract
from core.links import LinkState
from programs.models import Program
from programs.selectors import program_list
from recruiting.models import (
    Application,
    ApplicationSource,
    Interview,
    InterviewSlotOffer,
    Message,
    MessageTemplate,
    Posting,
    Referral,
    ReferralBonus,
    StageChange,
    TrialTask,
)
from recruiting.referrals import PLATFORM_KIND_SOURCES, source_from_param


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
        Posting.objects.exclude(status=Posting.Status.DRAFT)
        .filter(slug=slug)
        .select_related("program")
        .prefetch_related("skills", "languages")
        .first()
    )


def posting_initial_from_profile(*, program: Program) -> dict:
    """Form initial values for a new posting, from the worksheet's candidate profile."""
    from recruiting.models import DEFAULT_SCREENING_QUESTIONS

    initial = {
        "screening_questions": list(DEFAULT_SCREENING_QUESTIONS),
        "pay_currency": program.currency,
        "platforms": list(program.platforms.values_list("pk", flat=True)),
    }
    profile = getattr(program, "candidate_profile", None)
    if profile is None:
        return initial
    initial.update(
        skills=list(profile.skills.values_list("pk", flat=True)),
        languages=list(profile.languages.values_list("pk", flat=True)),
        pay_min=profile.pay_min,
        pay_max=profile.pay_max,
        pay_currency=profile.pay_currency,
        hours_per_week=profile.hours_per_week,
        time_zones=profile.time_zones,
    )
    if profile.mindset:
        initial["requirements"] = profile.mindset
    return initial


def posting_headcount(*, posting: Posting) -> tuple[int, int | None]:
    """(freelancers contracted or being contracted in the program, planned headcount or None)."""
    current = (
        Contract.objects.filter(program_id=posting.program_id)
        .exclude(status__in=[Contract.Status.ENDED, Contract.Status.TERMINATED])
        .count()
    )
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
    *,
    user,
    posting: Posting | None = None,
    stage: str | None = None,
    min_score: Decimal | None = None,
    idle_days: int | None = None,
    search: str = "",
    sort: str = "score",
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
    rows = (
        application_scope(user=user)
        .filter(posting=posting, anonymised_at__isnull=True)
        .order_by("-final_score", "created_at")
    )
    for application in rows:
        columns[application.stage].append(application)
    return [(stage, label, columns[stage]) for stage, label in Application.Stage.choices]


def application_get(*, user, pk) -> Application | None:
    return (
        application_scope(user=user)
        .filter(pk=pk)
        .select_related("posting__program", "freelancer__user", "score_overridden_by", "referred_by__user")
        .prefetch_related(
            "languages",
            "skills",
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
            Prefetch("messages", queryset=Message.objects.select_related("sent_by")),
            Prefetch("trial_tasks", queryset=TrialTask.objects.select_related("sent_by", "graded_by")),
            Prefetch("interviews", queryset=Interview.objects.select_related("interviewer")),
            Prefetch(
                "slot_offers",
                queryset=InterviewSlotOffer.objects.filter(
                    status=InterviewSlotOffer.Status.OPEN
                ).prefetch_related("slots"),
            ),
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
        .select_related("application__posting__program")
        .first()
    )


def interview_get_scoped(*, user, pk) -> Interview | None:
    return (
        Interview.objects.filter(application__in=application_scope(user=user), pk=pk)
        .select_related("application__posting__program")
        .first()
    )


def slot_offer_get_scoped(*, user, pk) -> InterviewSlotOffer | None:
    return InterviewSlotOffer.objects.filter(application__in=application_scope(user=user), pk=pk).first()


def application_contract_get(*, application: Application) -> Contract | None:
    """The contract a hire made: the hired freelancer's newest in the posting's program (None before a hire)."""
    if application.freelancer_id is None:
        return None
    return (
        Contract.objects.filter(
            program_id=application.posting.program_id, freelancer_id=application.freelancer_id
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def trial_task_get_by_token(*, token: str) -> TrialTask | None:
    """The trial task behind a private link, in any state (trial_task_link_state says whether the link still
    works); None for an unknown token or an anonymised application (nothing of it is left to show)."""
    if not token or len(token) > 64:
        return None
    return (
        TrialTask.objects.filter(token=token)
        .exclude(application__anonymised_at__isnull=False)
        .select_related("application__posting__program")
        .first()
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
        rows.append(
            {"kind": kind, "label": label, "subject": subject, "body": body, "custom": template is not None}
        )
    return rows


# For other apps (payments, reviews).


def paid_trial_tasks_payable(*, program_id: int) -> QuerySet[TrialTask]:
    """Graded paid trial tasks of a program: each is payable once to the candidate who did it, hired or not
    (payments.services.trial_payouts). Rows carry .application.posting, .amount, .currency, .pk."""
    return (
        TrialTask.objects.filter(
            is_paid=True,
            amount__isnull=False,
            status=TrialTask.Status.GRADED,
            application__posting__program_id=program_id,
        )
        .select_related("application__posting")
        .order_by("graded_at", "pk")
    )


def trial_scores_for_freelancers(*, program_id: int, freelancer_ids) -> dict[int, Decimal]:
    """{freelancer id: trial score 0–100} from their hired application in a program (reviews compares early QA)."""
    rows = (
        Application.objects.filter(
            posting__program_id=program_id,
            freelancer_id__in=list(freelancer_ids),
            trial_score__isnull=False,
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


# Referrals (the freelancer's side in the portal, the bonus payments pays, the funnel's sources).

REFERRAL_CONTRACT_STATUSES = [Contract.Status.SIGNED, Contract.Status.ACTIVE]


def referral_postings_for_freelancer(*, freelancer) -> QuerySet[Posting]:
    """Open postings a freelancer may refer candidates to: those of the programs they work in (signed or active
    contract), where the bonus can be paid to them."""
    programs = Contract.objects.filter(freelancer=freelancer, status__in=REFERRAL_CONTRACT_STATUSES).values(
        "program_id"
    )
    return (
        Posting.objects.filter(status=Posting.Status.OPEN, program_id__in=programs)
        .select_related("program", "program__referral_bonus")
        .order_by("program__name", "title")
    )


def referral_posting_get_for_freelancer(*, freelancer, pk) -> Posting | None:
    return referral_postings_for_freelancer(freelancer=freelancer).filter(pk=pk).first()


def referrals_for_freelancer(*, freelancer) -> QuerySet[Referral]:
    """'My referrals': each with its posting and the application's stage (None: invited, not applied yet)."""
    return (
        Referral.objects.filter(referrer=freelancer)
        .select_related("posting", "posting__program", "application")
        .order_by("-created_at", "-id")
    )


def referral_get_for_freelancer(*, freelancer, pk) -> Referral | None:
    return referrals_for_freelancer(freelancer=freelancer).filter(pk=pk).first()


def referral_bonus_get(*, program: Program) -> ReferralBonus | None:
    return ReferralBonus.objects.filter(program=program).first()


def referrals_of_program(*, program: Program) -> QuerySet[Referral]:
    """The referrals to a program's postings, for its manager (the caller has scoped the program)."""
    return (
        Referral.objects.filter(posting__program=program)
        .select_related("posting", "application", "referrer__user")
        .order_by("-created_at", "-id")
    )


def referral_bonuses_due(*, program_id: int) -> list[tuple[Referral, ReferralBonus]]:
    """Referrals of a program whose candidate was hired (a freelancer now), with the program's active bonus rule.

    payments checks the hired freelancer's approved hours against rule.after_hours and pays the referrer once
    (each row has .pk for the idempotency key, .referrer_id and .application.freelancer_id).
    """
    rule = ReferralBonus.objects.filter(program_id=program_id, is_active=True).first()
    if rule is None:
        return []
    referrals = (
        Referral.objects.filter(
            posting__program_id=program_id,
            application__stage=Application.Stage.HIRED,
            application__freelancer__isnull=False,
        )
        .exclude(application__freelancer_id=models.F("referrer_id"))
        .select_related("application", "referrer", "posting")
        .order_by("pk")
    )
    return [(referral, rule) for referral in referrals]


def application_source_labels() -> dict[str, str]:
    """{source: label} of Application.source, for the funnel."""
    return dict(ApplicationSource.choices)


def posting_tracking_sources(*, posting: Posting) -> list[tuple[str, str]]:
    """[(platform name, ?src= value)]: one tracking link per sourcing platform of the posting (referrals excluded:
    those links are each freelancer's own)."""
    sources = []
    for platform in posting.platforms.all():
        source = PLATFORM_KIND_SOURCES.get(platform.kind, platform.kind)
        if source != ApplicationSource.REFERRAL:
            sources.append((str(platform), source_from_param(source)))
    return sources


# --- the dashboard's recruiting funnel (it reads recruiting only through these selectors) -------------------

ApplicationStage = Application.Stage
PostingStatus = Posting.Status
APPLICATION_PIPELINE = [
    str(stage) for stage in Application.PIPELINE
]  # the stages in order, "applied" to "hired"


def applications_of_program(*, program_id: int) -> QuerySet[Application]:
    """The applications to the program's postings, unordered, for grouped aggregates over them."""
    return Application.objects.filter(posting__program_id=program_id).order_by()


def postings_of_program(*, program_id: int) -> list[dict[str, Any]]:
    """[{"pk", "title", "status"}] of the program's postings, newest first. One query."""
    rows = (
        Posting.objects.filter(program_id=program_id).order_by("-created_at").values("pk", "title", "status")
    )
    return [dict(row) for row in rows]


def application_went_to(*, stages) -> models.Exists:
    """For an application queryset's annotate(): a stage change ever took the application to one of `stages`."""
    return models.Exists(
        StageChange.objects.filter(application=models.OuterRef("pk"), to_stage__in=list(stages))
    )


def application_hired_at() -> models.Subquery:
    """For an application queryset's annotate(): when the application was last moved to "hired"."""
    return models.Subquery(
        StageChange.objects.filter(application=models.OuterRef("pk"), to_stage=Application.Stage.HIRED)
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )


def open_recruiting_by_program(*, program_ids) -> dict[int, dict]:
    """{program_id: {"open_postings", "in_pipeline"}}: open postings and applications not closed. Two queries."""
    ids = list(program_ids)
    result = {pk: {"open_postings": 0, "in_pipeline": 0} for pk in ids}
    for row in (
        Posting.objects.filter(program_id__in=ids, status=Posting.Status.OPEN)
        .order_by()
        .values("program_id")
        .annotate(n=Count("id"))
    ):
        result[row["program_id"]]["open_postings"] = row["n"]
    for row in (
        Application.objects.filter(posting__program_id__in=ids)
        .exclude(stage__in=Application.CLOSED_STAGES)
        .order_by()
        .values("posting__program_id")
        .annotate(n=Count("id"))
    ):
        result[row["posting__program_id"]]["in_pipeline"] = row["n"]
    return result
