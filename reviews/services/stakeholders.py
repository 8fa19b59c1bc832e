"""The stakeholders' read-only page: a personal link per stakeholder (hashed, revocable), and the welcome
e-mail that carries it when the program starts.

The welcome is sent once per program and person: its outbox dedupe key names both, and the page link is made
only when that key has not been used, so running the start again neither mails twice nor breaks the link the
stakeholder already holds.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.models import OutboxMessage
from core.outbox import email_enqueue
from core.tokens import token_new
from programs.models import Program, Stakeholder
from reviews.errors import ReviewError
from reviews.models import StakeholderPageLink


def stakeholder_welcome_key(*, program: Program, email: str) -> str:
    return f"program-welcome:{program.pk}:stakeholder:{email.strip().lower()}"


def _revoke_open(*, stakeholder: Stakeholder, actor: Any, now: datetime.datetime) -> int:
    return StakeholderPageLink.objects.filter(stakeholder=stakeholder, revoked_at__isnull=True).update(
        revoked_at=now,
        revoked_by=actor if getattr(actor, "is_authenticated", False) else None,
        updated_at=now,
    )


def _link_new(*, stakeholder: Stakeholder, actor: Any) -> tuple[StakeholderPageLink, str]:
    """A new link for the stakeholder (the open one, if any, is revoked first). Returns (link, url)."""
    now = timezone.now()
    _revoke_open(stakeholder=stakeholder, actor=actor, now=now)
    token, digest = token_new()
    link = StakeholderPageLink.objects.create(
        program_id=stakeholder.program_id,
        stakeholder=stakeholder,
        token_hash=digest,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    url = settings.SITE_URL.rstrip("/") + reverse("dashboard:stakeholder_page", kwargs={"token": token})
    return link, url


@transaction.atomic
def stakeholder_page_link_send(*, stakeholder: Stakeholder, actor: Any) -> StakeholderPageLink:
    """A manager sends a stakeholder a new link to the page (the old one stops working)."""
    stakeholder = Stakeholder.objects.select_related("program").get(pk=stakeholder.pk)
    link, url = _link_new(stakeholder=stakeholder, actor=actor)
    context = {"program": stakeholder.program, "stakeholder": stakeholder, "url": url, "welcome": False}
    email_enqueue(
        to=[stakeholder.email],
        subject=f"{stakeholder.program.name}: your link to the support numbers",
        body=render_to_string("reviews/email/stakeholder_page.txt", context),
        reply_to=[actor.email] if getattr(actor, "email", "") else None,
        program_id=stakeholder.program_id,
        about=link,
        sensitive=True,
    )
    audit_record(
        actor=actor,
        verb="stakeholder_page.link_sent",
        target=stakeholder.program,
        stakeholder=stakeholder.email,
    )
    return link


@transaction.atomic
def stakeholder_page_link_revoke(*, stakeholder: Stakeholder, actor: Any) -> int:
    """The stakeholder's link stops working (their page answers "withdrawn"). Returns how many were open."""
    revoked = _revoke_open(stakeholder=stakeholder, actor=actor, now=timezone.now())
    if not revoked:
        raise ReviewError("This stakeholder has no working link to revoke.")
    audit_record(
        actor=actor,
        verb="stakeholder_page.link_revoked",
        target=stakeholder.program,
        stakeholder=stakeholder.email,
    )
    return revoked


@transaction.atomic
def stakeholder_welcome_send(*, program: Program, actor: Any = None, **_ignored: object) -> int:
    """The welcome e-mail to each of the program's stakeholders when it starts, with their page link.
    Listens to programs' "program.started" (inside its transaction). Returns how many were written."""
    sent = 0
    for stakeholder in Stakeholder.objects.filter(program=program).order_by("pk"):
        key = stakeholder_welcome_key(program=program, email=stakeholder.email)
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            continue
        _link, url = _link_new(stakeholder=stakeholder, actor=actor)
        context = {"program": program, "stakeholder": stakeholder, "url": url, "welcome": True}
        email_enqueue(
            to=[stakeholder.email],
            subject=f"Welcome to {program.name}'s support program",
            body=render_to_string("reviews/email/stakeholder_page.txt", context),
            program_id=program.pk,
            about=stakeholder,
            dedupe_key=key,
            sensitive=True,
        )
        sent += 1
    if sent:
        audit_record(actor=actor, verb="stakeholder_page.welcome_sent", target=program, stakeholders=sent)
    return sent


def stakeholder_page_opened(*, link: StakeholderPageLink) -> None:
    """Remember when the page was last opened (managers see whether anyone reads it)."""
    StakeholderPageLink.objects.filter(pk=link.pk).update(last_opened_at=timezone.now())
