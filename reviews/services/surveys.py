"""CSAT (one question after a solved ticket whose answer reached the customer) and the weekly NPS question to
stakeholders.

Links carry secrets.token_urlsafe tokens; only their SHA-256 digest is stored, so a database leak does not leak
working links. A link is single-use: once answered (or unknown) it answers 404 and stores nothing.

A Zendesk program may take Zendesk's own satisfaction ratings instead (ReviewSettings.csat_source): Flexdesk
then sends no survey of its own, and an hourly job pulls the ratings in as CsatSurvey rows (source zendesk).
"""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from channels.models import ProgramChannel, ZendeskConnection
from channels.selectors import tickets_with_answer_delivered
from channels.zendesk.client import ZendeskClient
from core.audit import audit_record
from core.locks import lock_rows
from core.outbox import DeliveryError, email_enqueue
from core.tokens import token_digest, token_new
from programs.models import Program, Stakeholder
from queues.models import Ticket
from reviews.errors import ReviewError, SurveyLinkExpired, SurveyLinkUsed
from reviews.models import CsatSurvey, NpsInvitation, NpsRound, ReviewSettings, week_start_of
from reviews.services.qa import program_local_date

logger = logging.getLogger(__name__)

CSAT_LOOKBACK = datetime.timedelta(days=3)
# Zendesk's rating of a ticket is created when it is offered and changes when the customer answers, days later:
# every pull reads this far back (idempotent by rating id), so a late answer is never missed.
ZENDESK_RATINGS_LOOKBACK = datetime.timedelta(days=14)


class SurveyNotFound(ReviewError):
    """Unknown or tampered token: the view answers 404 (an answered one is SurveyLinkUsed, 410)."""


def _valid_token_shape(token: str) -> bool:
    return bool(token) and len(token) <= 100


# --- CSAT ----------------------------------------------------------------------------------------------------


def zendesk_rated_programs() -> QuerySet[Program]:
    """Programs whose CSAT is Zendesk's own satisfaction ratings: the setting says so and the channel is (still)
    Zendesk. The sweep leaves them out and the pull reads them, so nobody is asked twice."""
    return Program.objects.filter(
        review_settings__csat_source=ReviewSettings.CsatSource.ZENDESK,
        channel_setting__kind=ProgramChannel.Kind.ZENDESK,
    )


def _csat_due(now: datetime.datetime) -> QuerySet[Ticket]:
    """Tickets a Flexdesk survey is due for: solved within the lookback, none yet, the program surveys with
    Flexdesk, and the answer was delivered (channels.selectors owns that rule). A ticket whose reply is still
    on its way is left for a later sweep inside the lookback; one whose reply failed for good never gets one:
    the survey would thank the customer for an answer they never got."""
    solved = (
        Ticket.objects.filter(
            status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED],
            solved_at__gte=now - CSAT_LOOKBACK,
            solved_at__lte=now,
            csat_survey__isnull=True,
            program__status=Program.Status.ACTIVE,
        )
        .exclude(program__review_settings__csat_enabled=False)
        .exclude(program__in=zendesk_rated_programs())
    )
    return tickets_with_answer_delivered(solved)


def csat_sweep(
    *, now: datetime.datetime | None = None, program_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Every ten minutes: a survey for each ticket solved recently that has none yet and whose answer reached the
    customer, unless the requester was surveyed within the program's window (then a 'skipped' row, so the ticket
    is not looked at again). `program_ids`: only these programs (a manager's "send now")."""
    now = now or timezone.now()
    summary = {"sent": 0, "skipped": 0}
    due = _csat_due(now)
    if program_ids is not None:
        due = due.filter(program_id__in=list(program_ids))
    ticket_ids = list(due.order_by("solved_at", "pk").values_list("pk", flat=True))
    for ticket_id in ticket_ids:
        result = csat_survey_for_ticket(ticket_id=ticket_id, now=now)
        if result is not None:
            summary[result] += 1
    return summary


@transaction.atomic
def csat_survey_for_ticket(*, ticket_id: int, now: datetime.datetime | None = None) -> str | None:
    """Create the ticket's survey ('sent' or 'skipped'); None when it already has one or none is due. E-mail after
    commit."""
    now = now or timezone.now()
    ticket = _csat_due(now).select_related("program", "assignee").filter(pk=ticket_id).first()
    if ticket is None or CsatSurvey.objects.filter(ticket=ticket).exists():
        return None
    policy = ReviewSettings.for_program(ticket.program)
    email = ticket.requester_email.strip().lower()
    # Serialise per requester so two sweeps cannot both survey the same person.
    lock_rows(Program.objects.filter(pk=ticket.program_id))
    recent = CsatSurvey.objects.filter(
        requester_email=email, sent_at__gte=now - datetime.timedelta(days=policy.csat_window_days)
    ).exists()
    survey = CsatSurvey(
        ticket=ticket, program=ticket.program, freelancer=ticket.assignee, requester_email=email
    )
    token = None
    if recent:
        survey.status = CsatSurvey.Status.SKIPPED
    else:
        token, survey.token_hash = token_new()
        survey.status = CsatSurvey.Status.SENT
        survey.sent_at = now
        survey.expires_at = now + datetime.timedelta(days=policy.csat_link_days)
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        return None
    if token:
        link = settings.SITE_URL + reverse("reviews:csat_survey", kwargs={"token": token})
        body = render_to_string("reviews/email/csat.txt", {"ticket": ticket, "link": link, "survey": survey})
        subject = f"How did we do? ({ticket.subject[:60]})"
        email_enqueue(to=[email], subject=subject, body=body, program_id=ticket.program_id, about=survey)
        return "sent"
    return "skipped"


# --- CSAT from Zendesk ---------------------------------------------------------------------------------------


def csat_zendesk_pull_all(*, now: datetime.datetime | None = None) -> dict[str, dict[str, int] | str]:
    """The hourly job: pull Zendesk's satisfaction ratings of every active program that chose them. A program
    whose Zendesk cannot be reached is reported and the others go on (the next run catches up)."""
    now = now or timezone.now()
    done: dict[str, dict[str, int] | str] = {}
    programs = zendesk_rated_programs().filter(
        status=Program.Status.ACTIVE, review_settings__csat_enabled=True
    )
    for connection in ZendeskConnection.objects.filter(program__in=programs).select_related("program"):
        if not connection.can_call_api:
            continue
        try:
            done[connection.program.slug] = csat_zendesk_pull(connection=connection, now=now)
        except DeliveryError as exc:
            logger.warning("reviews: Zendesk ratings of %s not pulled: %s", connection.program, exc.reason)
            done[connection.program.slug] = exc.reason
    return done


def csat_zendesk_pull(
    *, connection: ZendeskConnection, now: datetime.datetime | None = None, max_pages: int = 50
) -> dict[str, int]:
    """Read the program's ratings of the last ZENDESK_RATINGS_LOOKBACK from Zendesk (outside any transaction) and
    apply each in its own. Safe to run twice: a rating already pulled in and unchanged writes nothing."""
    now = now or timezone.now()
    summary = dict.fromkeys(("seen", "answered", "offered", "unchanged", "unknown", "ignored", "invalid"), 0)
    start_time = int((now - ZENDESK_RATINGS_LOOKBACK).timestamp())
    after = None
    with ZendeskClient.for_connection(connection) as client:
        for _page in range(max_pages):
            page = client.satisfaction_ratings(start_time=start_time, after=after)
            ratings = page.get("satisfaction_ratings")
            if not isinstance(ratings, list):
                raise DeliveryError("Zendesk answered without a list of satisfaction_ratings.")
            for rating in ratings:
                summary["seen"] += 1
                summary[csat_zendesk_rating_apply(program=connection.program, rating=rating, now=now)] += 1
            meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
            after = meta.get("after_cursor")
            if not meta.get("has_more") or not after:
                break
    ReviewSettings.objects.filter(program=connection.program).update(csat_zendesk_pulled_at=now)
    return summary


def _zendesk_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _zendesk_time(value, default: datetime.datetime) -> datetime.datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and timezone.is_aware(parsed) else default


@transaction.atomic
def csat_zendesk_rating_apply(*, program: Program, rating, now: datetime.datetime | None = None) -> str:
    """One Zendesk satisfaction rating ({id, ticket_id, score, comment, created_at, updated_at}) as the ticket's
    survey. Returns what happened: answered, offered, unchanged, unknown (no such Flexdesk ticket), ignored
    ("unoffered") or invalid (a row Zendesk's documented shape does not allow; logged, nothing written)."""
    now = now or timezone.now()
    if not isinstance(rating, dict):
        logger.warning("reviews: a Zendesk satisfaction rating of %s is not an object: %r", program, rating)
        return "invalid"
    rating_id, ticket_number = _zendesk_id(rating.get("id")), _zendesk_id(rating.get("ticket_id"))
    score = rating.get("score").strip().lower() if isinstance(rating.get("score"), str) else ""
    value = {"good": CsatSurvey.Rating.GOOD, "bad": CsatSurvey.Rating.BAD, "offered": ""}.get(
        score.removesuffix("_with_comment").removesuffix("_without_comment")
    )
    if score == "unoffered":
        return "ignored"
    if rating_id is None or ticket_number is None or value is None:
        logger.warning(
            "reviews: a Zendesk satisfaction rating of %s was skipped (id, ticket_id or score): %r",
            program,
            rating,
        )
        return "invalid"
    ticket = (
        Ticket.objects.select_related("assignee")
        .filter(program=program, external_id=str(ticket_number))
        .first()
    )
    if ticket is None:
        return "unknown"
    survey = CsatSurvey.objects.select_for_update().filter(ticket=ticket).first()
    if (
        survey is not None
        and survey.source == CsatSurvey.Source.FLEXDESK
        and survey.status == CsatSurvey.Status.ANSWERED
    ):
        return "unchanged"  # the customer answered Flexdesk's survey before the program switched: keep their answer
    comment = str(rating.get("comment") or "").strip()[:2000]
    status = CsatSurvey.Status.ANSWERED if value else CsatSurvey.Status.SENT
    if (
        survey is not None
        and survey.source == CsatSurvey.Source.ZENDESK
        and (survey.zendesk_rating_id, survey.status, survey.rating, survey.comment)
        == (rating_id, status, value, comment)
    ):
        return "unchanged"
    was_answered_as = (
        survey.rating if survey is not None and survey.status == CsatSurvey.Status.ANSWERED else ""
    )
    survey = survey or CsatSurvey(
        ticket=ticket,
        program=program,
        freelancer=ticket.assignee,
        requester_email=ticket.requester_email.strip().lower(),
    )
    survey.source, survey.zendesk_rating_id = CsatSurvey.Source.ZENDESK, rating_id
    survey.token_hash = None  # Zendesk asked: a Flexdesk link sent before the switch stops working
    survey.expires_at = None
    survey.status, survey.rating, survey.comment = status, value, comment
    survey.sent_at = survey.sent_at or _zendesk_time(rating.get("created_at"), now)
    survey.answered_at = _zendesk_time(rating.get("updated_at"), now) if value else None
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        logger.warning(
            "reviews: Zendesk satisfaction rating %s of %s clashes with another survey", rating_id, program
        )
        return "invalid"
    if value and value != was_answered_as:
        audit_record(
            verb="csat.answered",
            target=ticket,
            rating=value,
            source=CsatSurvey.Source.ZENDESK,
            zendesk_rating_id=rating_id,
        )
    return "answered" if value else "offered"


def _survey_by_token(model, token: str, *, lock: bool = False):
    """The unanswered survey behind this token. SurveyNotFound for an unknown one; SurveyLinkUsed for one that
    was answered (its holder has the secret: the page may say so, and when)."""
    if not _valid_token_shape(token):
        raise SurveyNotFound("No such survey.")
    qs = model.objects.filter(token_hash=token_digest(token))
    if lock:
        qs = qs.select_for_update()
    found = qs.first()
    if found is None:
        raise SurveyNotFound("No such survey.")
    if found.answered_at is not None:
        raise SurveyLinkUsed("This survey was already answered.", answered_at=found.answered_at)
    return found


def csat_survey_open(*, token: str) -> CsatSurvey:
    """The unanswered survey for this token. SurveyNotFound (404), SurveyLinkUsed or SurveyLinkExpired (410)."""
    survey = _survey_by_token(CsatSurvey, token)
    if survey.status != CsatSurvey.Status.SENT:
        raise SurveyNotFound("No such survey.")
    if survey.expires_at and survey.expires_at <= timezone.now():
        raise SurveyLinkExpired("This survey link has expired.")
    return survey


@transaction.atomic
def csat_answer(*, token: str, rating: str, comment: str = "") -> CsatSurvey:
    survey = _survey_by_token(CsatSurvey, token, lock=True)
    if survey.status != CsatSurvey.Status.SENT:
        raise SurveyNotFound("No such survey.")
    if survey.expires_at and survey.expires_at <= timezone.now():
        raise SurveyLinkExpired("This survey link has expired.")
    if rating not in CsatSurvey.Rating.values:
        raise ReviewError("Choose good or bad.", field="rating")
    survey.rating = rating
    survey.comment = (comment or "").strip()[:2000]
    survey.answered_at = timezone.now()
    survey.status = CsatSurvey.Status.ANSWERED
    survey.save(update_fields=["rating", "comment", "answered_at", "status", "updated_at"])
    audit_record(verb="csat.answered", target=survey.ticket, rating=rating)
    return survey


# --- NPS -----------------------------------------------------------------------------------------------------


def nps_send_weekly(
    *, now: datetime.datetime | None = None, program_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """The weekly job: this week's round for each active program, an invitation per stakeholder who receives NPS.
    Safe to run twice: the round and each (round, e-mail) invitation exist once. `program_ids`: only these."""
    now = now or timezone.now()
    summary = {"rounds": 0, "invitations": 0}
    programs = Program.objects.filter(status=Program.Status.ACTIVE).exclude(
        review_settings__nps_enabled=False
    )
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    for program in programs:
        sent = nps_round_send(program=program, now=now)
        if sent is not None:
            summary["rounds"] += 1
            summary["invitations"] += sent
    return summary


@transaction.atomic
def nps_round_send(*, program: Program, now: datetime.datetime | None = None) -> int | None:
    now = now or timezone.now()
    stakeholders = list(Stakeholder.objects.filter(program=program, receives_nps=True).order_by("pk"))
    if not stakeholders:
        return None
    policy = ReviewSettings.for_program(program)
    week = week_start_of(program_local_date(program, now))
    nps_round, _ = NpsRound.objects.get_or_create(program=program, week_start=week)
    lock_rows(NpsRound.objects.filter(pk=nps_round.pk))
    existing = set(NpsInvitation.objects.filter(round=nps_round).values_list("email", flat=True))
    sent = 0
    for stakeholder in stakeholders:
        email = stakeholder.email.strip().lower()
        if email in existing:
            continue
        token, digest = token_new()
        invitation = NpsInvitation.objects.create(
            round=nps_round,
            stakeholder=stakeholder,
            email=email,
            name=stakeholder.name,
            token_hash=digest,
            expires_at=now + datetime.timedelta(days=policy.nps_link_days),
        )
        existing.add(email)
        link = settings.SITE_URL + reverse("reviews:nps_survey", kwargs={"token": token})
        body = render_to_string(
            "reviews/email/nps.txt", {"invitation": invitation, "program": program, "link": link}
        )
        subject = f"How likely are you to recommend {program.name}'s support?"
        email_enqueue(to=[email], subject=subject, body=body, program_id=program.pk, about=invitation)
        sent += 1
    if nps_round.sent_at is None:
        nps_round.sent_at = now
        nps_round.save(update_fields=["sent_at", "updated_at"])
    if sent:
        audit_record(verb="nps.sent", target=program, week_start=week.isoformat(), invitations=sent)
    return sent


def nps_invitation_open(*, token: str) -> NpsInvitation:
    invitation = _survey_by_token(NpsInvitation, token)
    if invitation.expires_at <= timezone.now():
        raise SurveyLinkExpired("This survey link has expired.")
    return invitation


def _nps_score(value) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise ReviewError("Choose a number from 0 to 10.", field="score")
    if isinstance(value, bool) or not 0 <= score <= 10:
        raise ReviewError("Choose a number from 0 to 10.", field="score")
    return score


@transaction.atomic
def nps_answer(*, token: str, score, comment: str = "") -> NpsInvitation:
    invitation = _survey_by_token(NpsInvitation, token, lock=True)
    if invitation.expires_at <= timezone.now():
        raise SurveyLinkExpired("This survey link has expired.")
    invitation.score = _nps_score(score)
    invitation.comment = (comment or "").strip()[:2000]
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["score", "comment", "answered_at", "updated_at"])
    audit_record(verb="nps.answered", target=invitation.round, score=invitation.score)
    return invitation
