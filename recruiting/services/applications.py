import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.models import OutboxMessage
from core.money import CURRENCY_CODES, round_money, to_decimal
from recruiting import scoring
from recruiting.errors import DuplicateApplication, PostingClosed, RecruitingError
from recruiting.models import Application, Posting, StageChange
from recruiting.uploads import check_resume

MAX_ANSWER_CHARS = 5000


def _components(
    *, posting: Posting, application: Application, skill_ids, language_ids, has_track_record: bool
) -> dict[str, Decimal]:
    hours = scoring.response_hours(
        opened_at=posting.opened_at, applied_at=application.created_at or timezone.now()
    )
    application.response_hours = hours
    return {
        "speed": scoring.speed_score(hours=hours),
        "effort": scoring.effort_score(answers=[a.get("answer", "") for a in application.answers]),
        "skills": scoring.skills_match_score(
            wanted_skill_ids=[s.pk for s in posting.skills.all()],
            wanted_language_ids=[lang.pk for lang in posting.languages.all()],
            skill_ids=skill_ids,
            language_ids=language_ids,
        ),
        "credibility": scoring.credibility_score(
            has_profile_link=bool(application.profile_url),
            has_resume=bool(application.resume),
            has_track_record=has_track_record,
        ),
    }


def _apply_components(
    application: Application, components: dict[str, Decimal], weights: dict[str, int]
) -> None:
    application.score_speed = components["speed"]
    application.score_effort = components["effort"]
    application.score_skills = components["skills"]
    application.score_credibility = components["credibility"]
    application.score = scoring.weighted_score(components=components, weights=weights)
    application.final_score = (
        application.score_override if application.score_override is not None else application.score
    )


def _receipt_dedupe_key(*, posting: Posting, client_fingerprint: str, now) -> str | None:
    """The outbox key of the day's one 'application received' mail to this client for this posting."""
    if not client_fingerprint:
        return None  # not through the public page: (posting, email) is unique, one mail per address anyway
    return f"application-received:{posting.pk}:{client_fingerprint}:{now.astimezone(datetime.UTC):%Y-%m-%d}"


def _has_track_record(email: str) -> bool:
    """Past success with us: an active freelancer, or hired before through another posting."""
    return (
        Freelancer.objects.filter(
            user__email__iexact=email, status__in=[Freelancer.Status.ACTIVE, Freelancer.Status.AWAY]
        ).exists()
        or Application.objects.filter(email__iexact=email, stage=Application.Stage.HIRED).exists()
    )


def application_submit(
    *,
    posting: Posting,
    full_name: str,
    email: str,
    country: str = "",
    time_zone: str = "UTC",
    language_ids=(),
    skill_ids=(),
    rate_asked,
    rate_currency: str = "USD",
    years_experience: int | None = None,
    profile_url: str = "",
    answers: list[str],
    resume=None,
    client_fingerprint: str = "",
    src: str = "",
    referral_token: str = "",
) -> Application:
    """A candidate applies through the public page. Sends the 'application received' message after commit.

    `client_fingerprint` (core.throttle.client_fingerprint of the request) tells one client from another:
    a client gets at most one 'application received' mail per posting per day, whatever addresses it types
    in (one client once made Flexdesk write to 40). Its other applications are kept, without the mail.

    `src` (a tracking link's ?src=) and `referral_token` (a referral link's ?ref=) record where it came from.
    """
    from recruiting.services.messages import message_send_template
    from recruiting.services.referrals import application_source, referral_attach, referral_for_application

    email = (email or "").strip().lower()
    if not posting.is_open:
        raise PostingClosed("This posting is closed and no longer takes applications.")
    questions = list(posting.screening_questions)
    answers = [(a or "").strip() for a in answers]
    if len(answers) != len(questions) or any(not a for a in answers):
        raise RecruitingError("Answer every screening question.", field="answers")
    if any(len(a) > MAX_ANSWER_CHARS for a in answers):
        raise RecruitingError(f"Keep each answer under {MAX_ANSWER_CHARS} characters.", field="answers")
    rate = to_decimal(rate_asked)
    if rate <= 0:
        raise RecruitingError("The hourly rate must be above zero.", field="rate_asked")
    if rate_currency not in CURRENCY_CODES:
        raise RecruitingError("Choose a currency from the list.", field="rate_currency")
    content_type = check_resume(resume) if resume else ""
    if Application.objects.filter(posting=posting, email__iexact=email).exists():
        raise DuplicateApplication(
            "You have already applied to this posting with this e-mail address. We have your application "
            "and will be in touch.",
            field="email",
            code="duplicate",
        )
    skill_ids = set(posting.skills.filter(pk__in=list(skill_ids)).values_list("pk", flat=True))
    language_ids = list(language_ids)
    now = timezone.now()
    referral = referral_for_application(posting=posting, email=email, referral_token=referral_token)
    application = Application(
        posting=posting,
        full_name=full_name.strip(),
        email=email,
        country=(country or "").upper()[:2],
        time_zone=time_zone,
        rate_asked=round_money(rate),
        rate_currency=rate_currency,
        years_experience=years_experience,
        profile_url=profile_url.strip(),
        source=application_source(referral=referral, src=src),
        referred_by=referral.referrer if referral else None,
        answers=[{"question": q, "answer": a} for q, a in zip(questions, answers, strict=True)],
        stage=Application.Stage.APPLIED,
        stage_changed_at=now,
        resume_content_type=content_type,
    )
    application.created_at = now
    if resume:
        application.resume = resume
    application.full_clean(exclude=["resume"])
    components = _components(
        posting=posting,
        application=application,
        skill_ids=skill_ids,
        language_ids=language_ids,
        has_track_record=_has_track_record(email),
    )
    _apply_components(application, components, posting.weights)
    try:
        with transaction.atomic():
            application.save()
            application.languages.set(language_ids)
            application.skills.set(skill_ids)
            referral_attach(referral=referral, application=application)
            StageChange.objects.create(
                application=application, from_stage="", to_stage=Application.Stage.APPLIED, changed_at=now
            )
            audit_record(verb="application.submitted", target=application)
            receipt_key = _receipt_dedupe_key(posting=posting, client_fingerprint=client_fingerprint, now=now)
            if receipt_key is None or not OutboxMessage.objects.filter(dedupe_key=receipt_key).exists():
                # The key also makes the outbox keep one mail when two submissions race past this check.
                message_send_template(
                    application=application, kind="initial", sent_by=None, dedupe_key=receipt_key
                )
    except IntegrityError:
        # Two submissions raced past the check above: the unique constraint decides.
        raise DuplicateApplication(
            "You have already applied to this posting with this e-mail address.",
            field="email",
            code="duplicate",
        )
    return application


@transaction.atomic
def application_scores_recompute(*, posting: Posting) -> int:
    """After the posting's weights, skills or languages change: skills match and totals again."""
    posting = Posting.objects.prefetch_related("skills", "languages").get(pk=posting.pk)
    wanted_skills = [s.pk for s in posting.skills.all()]
    wanted_languages = [lang.pk for lang in posting.languages.all()]
    applications = list(posting.applications.prefetch_related("skills", "languages"))
    for application in applications:
        components = {
            "speed": application.score_speed,
            "effort": application.score_effort,
            "skills": scoring.skills_match_score(
                wanted_skill_ids=wanted_skills,
                wanted_language_ids=wanted_languages,
                skill_ids=[s.pk for s in application.skills.all()],
                language_ids=[lang.pk for lang in application.languages.all()],
            ),
            "credibility": application.score_credibility,
        }
        _apply_components(application, components, posting.weights)
    Application.objects.bulk_update(applications, ["score_skills", "score", "final_score"])
    return len(applications)


def _record_move(application: Application, to_stage: str, moved_by, note: str = "") -> None:
    now = timezone.now()
    StageChange.objects.create(
        application=application,
        from_stage=application.stage,
        to_stage=to_stage,
        changed_by=moved_by,
        changed_at=now,
        note=note[:300],
    )
    audit_record(
        actor=moved_by,
        verb="application.moved",
        target=application,
        from_stage=application.stage,
        to_stage=to_stage,
    )
    application.stage = to_stage
    application.stage_changed_at = now
    application.save(update_fields=["stage", "stage_changed_at", "updated_at"])


@transaction.atomic
def application_move(
    *, application: Application, to_stage: str, moved_by, note: str = "", _allow_hired: bool = False
) -> Application:
    """Move an application to another stage if the pipeline allows it; the move is recorded."""
    application = lock_one(Application.objects.filter(pk=application.pk))
    if to_stage not in Application.Stage.values:
        raise RecruitingError("Unknown stage.", field="stage")
    if application.is_anonymised:
        raise RecruitingError("This application was anonymised and can no longer move.")
    if to_stage == Application.Stage.HIRED and not _allow_hired:
        raise RecruitingError(
            "Use “Hire” on the application page: it creates the account and the contract.", field="stage"
        )
    check_transition(
        Application.TRANSITIONS,
        Application.Stage(application.stage),
        Application.Stage(to_stage),
        label="candidate",
    )
    _record_move(application, to_stage, moved_by, note)
    return application


@transaction.atomic
def application_score_override(*, application: Application, score, note: str, overridden_by) -> Application:
    """Set (or with score=None clear) the manager's score; a note saying why is required."""
    application = lock_one(Application.objects.filter(pk=application.pk))
    if score is not None:
        score = round_money(to_decimal(score))
        if not Decimal(0) <= score <= Decimal(100):
            raise RecruitingError("The score must be between 0 and 100.", field="score")
        if not (note or "").strip():
            raise RecruitingError("Say why you override the score.", field="note")
    application.score_override = score
    application.score_override_note = (note or "").strip() if score is not None else ""
    application.score_overridden_by = overridden_by if score is not None else None
    application.final_score = score if score is not None else application.score
    application.save(
        update_fields=[
            "score_override",
            "score_override_note",
            "score_overridden_by",
            "final_score",
            "updated_at",
        ]
    )
    audit_record(
        actor=overridden_by,
        verb="application.score_overridden",
        target=application,
        score=str(score) if score is not None else None,
    )
    return application
