import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from programs.models import Program
from recruiting.errors import RecruitingError
from recruiting.models import DEFAULT_SCREENING_QUESTIONS, Posting, PostingEvent

# Scalar fields a manager may set on a posting; relations go through their own arguments.
EDITABLE_FIELDS = {
    "title",
    "summary",
    "value_proposition",
    "requirements",
    "screening_questions",
    "pay_min",
    "pay_max",
    "pay_currency",
    "hours_per_week",
    "time_zones",
    "nudge_after_days",
    "weight_speed",
    "weight_effort",
    "weight_skills",
    "weight_credibility",
}


def _unique_slug(title: str) -> str:
    # A random suffix keeps the public address unique and not guessable from the title alone.
    base = slugify(title)[:60].strip("-") or "posting"
    return f"{base}-{secrets.token_hex(3)}"


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable posting fields: {', '.join(sorted(unknown))}")


def _set_relations(posting: Posting, *, skill_ids, language_ids, platform_ids) -> None:
    if platform_ids is not None:
        platform_ids = list(platform_ids)
        owned = set(posting.program.platforms.filter(pk__in=platform_ids).values_list("pk", flat=True))
        if owned != set(platform_ids):
            raise RecruitingError("Choose platforms from this program's worksheet.", field="platforms")
        posting.platforms.set(platform_ids)
    if skill_ids is not None:
        posting.skills.set(list(skill_ids))
    if language_ids is not None:
        posting.languages.set(list(language_ids))


@transaction.atomic
def posting_create(
    *,
    program: Program,
    created_by,
    title: str,
    summary: str,
    skill_ids=(),
    language_ids=(),
    platform_ids=(),
    open_now: bool = False,
    **fields,
) -> Posting:
    """A new posting; `fields` are the scalar posting fields (see EDITABLE_FIELDS)."""
    _check_fields(fields)
    fields.setdefault("screening_questions", list(DEFAULT_SCREENING_QUESTIONS))
    posting = Posting(
        program=program,
        created_by=created_by,
        title=title,
        summary=summary,
        slug=_unique_slug(title),
        **fields,
    )
    posting.full_clean()
    posting.save()
    _set_relations(posting, skill_ids=skill_ids, language_ids=language_ids, platform_ids=platform_ids)
    PostingEvent.objects.create(posting=posting, kind=PostingEvent.Kind.CREATED, actor=created_by)
    audit_record(actor=created_by, verb="posting.created", target=posting)
    if open_now:
        posting = posting_open(posting=posting, opened_by=created_by)  # the opened row: is_open, opened_at
    return posting


@transaction.atomic
def posting_update(
    *,
    posting: Posting,
    updated_by,
    skill_ids=None,
    language_ids=None,
    platform_ids=None,
    **fields,
) -> Posting:
    from recruiting.services.applications import application_scores_recompute

    _check_fields(fields)
    posting = lock_one(Posting.objects.filter(pk=posting.pk))
    scoring_before = (
        posting.weights,
        set(posting.skills.values_list("pk", flat=True)),
        set(posting.languages.values_list("pk", flat=True)),
    )
    for name, value in fields.items():
        setattr(posting, name, value)
    posting.full_clean()
    posting.save()
    _set_relations(posting, skill_ids=skill_ids, language_ids=language_ids, platform_ids=platform_ids)
    PostingEvent.objects.create(posting=posting, kind=PostingEvent.Kind.EDITED, actor=updated_by)
    audit_record(actor=updated_by, verb="posting.updated", target=posting)
    scoring_after = (
        posting.weights,
        set(posting.skills.values_list("pk", flat=True)),
        set(posting.languages.values_list("pk", flat=True)),
    )
    if scoring_after != scoring_before:
        application_scores_recompute(posting=posting)
    return posting


@transaction.atomic
def posting_open(*, posting: Posting, opened_by) -> Posting:
    """Open a draft, or repost a closed posting: its applications stay, the clock for speed restarts."""
    posting = lock_one(Posting.objects.filter(pk=posting.pk))
    check_transition(
        Posting.TRANSITIONS, Posting.Status(posting.status), Posting.Status.OPEN, label="posting"
    )
    kind = PostingEvent.Kind.REPOSTED if posting.status == Posting.Status.CLOSED else PostingEvent.Kind.OPENED
    now = timezone.now()
    posting.status = Posting.Status.OPEN
    posting.opened_at = now
    posting.closed_at = None
    posting.save(update_fields=["status", "opened_at", "closed_at", "updated_at"])
    PostingEvent.objects.create(posting=posting, kind=kind, actor=opened_by, at=now)
    audit_record(actor=opened_by, verb=f"posting.{kind}", target=posting)
    return posting


@transaction.atomic
def posting_close(*, posting: Posting, closed_by, note: str = "") -> Posting:
    posting = lock_one(Posting.objects.filter(pk=posting.pk))
    check_transition(
        Posting.TRANSITIONS, Posting.Status(posting.status), Posting.Status.CLOSED, label="posting"
    )
    now = timezone.now()
    posting.status = Posting.Status.CLOSED
    posting.closed_at = now
    posting.save(update_fields=["status", "closed_at", "updated_at"])
    PostingEvent.objects.create(
        posting=posting, kind=PostingEvent.Kind.CLOSED, actor=closed_by, at=now, note=note[:200]
    )
    audit_record(actor=closed_by, verb="posting.closed", target=posting)
    return posting
