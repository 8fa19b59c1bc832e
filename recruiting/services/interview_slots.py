"""Interview times offered to a candidate, who picks one through a private link (no account).

The link's token is stored hashed (docs/adr/0020); the e-mail that carries it is `sensitive`, so the outbox
drops its text once sent, and the candidate's timeline keeps the message without the link. Picking is once:
the offer row is locked, and a second pick (or a pick after expiry or withdrawal) is refused.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.links import LinkState
from core.locks import lock_one
from core.outbox import email_enqueue
from core.tokens import token_digest, token_new
from recruiting import calendar
from recruiting.errors import RecruitingError
from recruiting.models import Application, Interview, InterviewSlot, InterviewSlotOffer, Message
from recruiting.services.interviews import (
    interview_questions_for,
    interview_schedule,
    interview_time_check,
    user_zone,
)

MIN_SLOTS, MAX_SLOTS = 2, 5


def slot_offer_link_state(*, offer: InterviewSlotOffer, now: datetime.datetime | None = None) -> LinkState:
    if offer.status == InterviewSlotOffer.Status.WITHDRAWN:
        return LinkState.WITHDRAWN
    if offer.status == InterviewSlotOffer.Status.PICKED:
        return LinkState.USED
    if (now or timezone.now()) >= offer.expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN


def slot_offer_get_by_token(*, token: str) -> InterviewSlotOffer | None:
    """The offer behind a private link, in any state; None for an unknown token or an anonymised application."""
    if not token or len(token) > 64:
        return None
    return (
        InterviewSlotOffer.objects.filter(token_hash=token_digest(token))
        .exclude(application__anonymised_at__isnull=False)
        .select_related("application__posting__program", "interviewer", "interview")
        .prefetch_related("slots")
        .first()
    )


@transaction.atomic
def interview_slots_offer(
    *,
    application: Application,
    offered_by,
    slots: list[datetime.datetime],
    duration_minutes: int = 30,
    meeting_link: str = "",
    interviewer=None,
    questions: list[str] | None = None,
    confirm_outside_hours: bool = False,
) -> tuple[InterviewSlotOffer, str]:
    """Offer 2–5 times; e-mail the candidate a private link to pick one. Returns (offer, the link's token)."""
    application = lock_one(Application.objects.filter(pk=application.pk))
    if application.is_anonymised or not application.email:
        raise RecruitingError("This application was anonymised; there is nobody to write to.")
    unique = sorted(set(slots))
    if not MIN_SLOTS <= len(unique) <= MAX_SLOTS:
        raise RecruitingError(f"Offer {MIN_SLOTS} to {MAX_SLOTS} different times.", field="slots")
    interviewer = interviewer or offered_by
    for starts_at in unique:
        interview_time_check(
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            candidate_zone=application.zone,
            interviewer_zone=user_zone(interviewer),
            confirm_outside_hours=confirm_outside_hours,
            field="slots",
        )
    token, digest = token_new()
    program = application.posting.program
    offer = InterviewSlotOffer(
        application=application,
        token_hash=digest,
        expires_at=unique[-1],
        duration_minutes=duration_minutes,
        meeting_link=meeting_link,
        interviewer=interviewer,
        offered_by=offered_by,
        questions=[q.strip() for q in (questions or interview_questions_for(program=program)) if q.strip()],
    )
    offer.full_clean()
    offer.save()
    InterviewSlot.objects.bulk_create([InterviewSlot(offer=offer, starts_at=s) for s in unique])
    # Offering earlier times replaces them: only the newest link works.
    InterviewSlotOffer.objects.filter(application=application, status=InterviewSlotOffer.Status.OPEN).exclude(
        pk=offer.pk
    ).update(status=InterviewSlotOffer.Status.WITHDRAWN, updated_at=timezone.now())
    audit_record(actor=offered_by, verb="interview.slots_offered", target=application, slots=len(unique))
    link = settings.SITE_URL + reverse("recruiting:interview_pick", kwargs={"token": token})
    context = {
        "application": application,
        "offer": offer,
        "link": link,
        "interviewer": interviewer,
        "times": [calendar.time_in_zone(s, application.zone) for s in unique],
    }
    subject = f"Choose a time for your interview: {application.posting.title}"
    timeline = Message(
        application=application,
        kind="interview",
        direction=Message.Direction.OUTBOUND,
        subject=subject[:200],
        body=render_to_string("recruiting/email/interview_slots.txt", {**context, "link": "[private link]"}),
        to_email=application.email,
        sent_by=offered_by if getattr(offered_by, "is_authenticated", False) else None,
    )
    timeline.full_clean()
    timeline.save()
    email_enqueue(
        to=[application.email],
        subject=subject,
        body=render_to_string("recruiting/email/interview_slots.txt", context),
        reply_to=[interviewer.email] if interviewer and interviewer.email else None,
        program_id=program.pk,
        about=timeline,
        sensitive=True,
    )
    return offer, token


@transaction.atomic
def interview_slot_pick(*, offer: InterviewSlotOffer, slot_id: int) -> Interview:
    """The candidate's choice through the link: the interview is booked and both get the invitation."""
    offer = lock_one(InterviewSlotOffer.objects.filter(pk=offer.pk))
    state = slot_offer_link_state(offer=offer)
    if state == LinkState.USED:
        raise RecruitingError("You already chose a time. Thank you!", code="already_picked")
    if state != LinkState.OPEN:
        raise RecruitingError("This link is no longer valid.", code=state.value)
    slot = InterviewSlot.objects.filter(offer=offer, pk=slot_id).first()
    if slot is None:
        raise RecruitingError("Choose one of the times offered.", field="slot")
    application = Application.objects.select_related("posting__program").get(pk=offer.application_id)
    interview = interview_schedule(
        application=application,
        scheduled_by=offer.offered_by,
        scheduled_at=slot.starts_at,
        duration_minutes=offer.duration_minutes,
        meeting_link=offer.meeting_link,
        interviewer=offer.interviewer,
        questions=offer.questions,
        # The manager already confirmed (or did not need to) when offering these times.
        confirm_outside_hours=True,
    )
    offer.status = InterviewSlotOffer.Status.PICKED
    offer.picked_at = timezone.now()
    offer.interview = interview
    offer.save(update_fields=["status", "picked_at", "interview", "updated_at"])
    Application.objects.filter(pk=application.pk, candidate_replied_at__isnull=True).update(
        candidate_replied_at=offer.picked_at
    )
    audit_record(verb="interview.slot_picked", target=application, interview_id=interview.pk)
    return interview


@transaction.atomic
def interview_slots_withdraw(*, offer: InterviewSlotOffer, withdrawn_by) -> InterviewSlotOffer:
    offer = lock_one(InterviewSlotOffer.objects.filter(pk=offer.pk))
    if offer.status != InterviewSlotOffer.Status.OPEN:
        raise RecruitingError("Only times still waiting for the candidate can be withdrawn.")
    offer.status = InterviewSlotOffer.Status.WITHDRAWN
    offer.save(update_fields=["status", "updated_at"])
    audit_record(actor=withdrawn_by, verb="interview.slots_withdrawn", target=offer.application)
    return offer
