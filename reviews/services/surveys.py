"""CSAT (one question after a solved ticket) and the weekly NPS question to stakeholders.

Links carry secrets.token_urlsafe tokens; only their SHA-256 digest is stored, so a database leak does not leak
working links. A link is single-use: once answered (or unknown) it answers 404 and stores nothing.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_rows
from core.outbox import email_enqueue
from core.tokens import token_digest, token_new
from programs.models import Program, Stakeholder
from queues.models import Ticket
from reviews.errors import ReviewError, SurveyLinkExpired
from reviews.models import CsatSurvey, NpsInvitation, NpsRound, ReviewSettings, week_start_of
from reviews.services.qa import program_local_date

CSAT_LOOKBACK = datetime.timedelta(days=3)


class SurveyNotFound(ReviewError):
    """Unknown, tampered or already used token: the view answers 404."""


def _valid_token_shape(token: str) -> bool:
    return bool(token) and len(token) <= 100


# --- CSAT ----------------------------------------------------------------------------------------------------


def csat_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every ten minutes: a survey for each ticket solved recently that has none yet, unless the requester was
    surveyed within the program's window (then a 'skipped' row, so the ticket is not looked at again)."""
    now = now or timezone.now()
    summary = {"sent": 0, "skipped": 0}
    ticket_ids = list(
        Ticket.objects.filter(
            status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED], solved_at__gte=now - CSAT_LOOKBACK,
            solved_at__lte=now, csat_survey__isnull=True, program__status=Program.Status.ACTIVE,
        ).exclude(program__review_settings__csat_enabled=False).order_by("solved_at", "pk").values_list("pk", flat=True)
    )
    for ticket_id in ticket_ids:
        result = csat_survey_for_ticket(ticket_id=ticket_id, now=now)
        if result is not None:
            summary[result] += 1
    return summary


@transaction.atomic
def csat_survey_for_ticket(*, ticket_id: int, now: datetime.datetime | None = None) -> str | None:
    """Create the ticket's survey ('sent' or 'skipped'); None when it already has one. E-mail after commit."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("program", "assignee").filter(pk=ticket_id).first()
    if ticket is None or CsatSurvey.objects.filter(ticket=ticket).exists():
        return None
    policy = ReviewSettings.for_program(ticket.program)
    email = ticket.requester_email.strip().lower()
    # Serialise per requester so two sweeps cannot both survey the same person.
    lock_rows(Program.objects.filter(pk=ticket.program_id))
    recent = CsatSurvey.objects.filter(
        requester_email=email, sent_at__gte=now - datetime.timedelta(days=policy.csat_window_days)
    ).exists()
    survey = CsatSurvey(ticket=ticket, program=ticket.program, freelancer=ticket.assignee, requester_email=email)
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


def _survey_by_token(model, token: str, *, lock: bool = False):
    if not _valid_token_shape(token):
        raise SurveyNotFound("No such survey.")
    qs = model.objects.filter(token_hash=token_digest(token), answered_at__isnull=True)
    if lock:
        qs = qs.select_for_update()
    found = qs.first()
    if found is None:
        raise SurveyNotFound("No such survey.")
    return found


def csat_survey_open(*, token: str) -> CsatSurvey:
    """The unanswered survey for this token. SurveyNotFound (404) or SurveyLinkExpired (a clear page)."""
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


def nps_send_weekly(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The weekly job: this week's round for each active program, an invitation per stakeholder who receives NPS.
    Safe to run twice: the round and each (round, e-mail) invitation exist once."""
    now = now or timezone.now()
    summary = {"rounds": 0, "invitations": 0}
    programs = Program.objects.filter(status=Program.Status.ACTIVE).exclude(review_settings__nps_enabled=False)
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
            round=nps_round, stakeholder=stakeholder, email=email, name=stakeholder.name, token_hash=digest,
            expires_at=now + datetime.timedelta(days=policy.nps_link_days),
        )
        existing.add(email)
        link = settings.SITE_URL + reverse("reviews:nps_survey", kwargs={"token": token})
        body = render_to_string("reviews/email/nps.txt", {"invitation": invitation, "program": program, "link": link})
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
