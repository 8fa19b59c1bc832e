"""Inviting a freelancer by e-mail to a program: send, revoke, accept (with a new account or an existing one).

An invitation connects nobody until it is accepted: the manager learns nothing about an existing account
behind the address, and an existing freelancer is linked only when they log in as themselves and accept.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer, User
from accounts.services import freelancer_get_or_create
from contracts.errors import ContractError
from contracts.models import FreelancerInvitation
from contracts.selectors import freelancer_list_for_manager
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.outbox import email_enqueue
from core.tokens import token_digest, token_new
from programs.models import Program

INVITATION_VALIDITY = datetime.timedelta(days=14)


class InvitationNotUsable(ContractError):
    """The link was accepted, revoked or has expired (the accept page answers 410), or never existed (404)."""


def _normalise(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def freelancer_invitation_send(
    *,
    program: Program,
    email: str,
    invited_by,
    name: str = "",
    valid_for: datetime.timedelta = INVITATION_VALIDITY,
) -> tuple[FreelancerInvitation, str]:
    """Invite someone to the program by e-mail. Returns (invitation, link); only the token's hash is kept.

    Inviting an address again replaces its pending invitation (the old link stops working).
    """
    email = _normalise(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and existing.is_inhouse:
        raise ContractError(
            "This address belongs to a member of the in-house team, not a freelancer.", field="email"
        )
    if (
        existing is not None
        and freelancer_list_for_manager(user=invited_by, program=program).filter(user=existing).exists()
    ):
        raise ContractError(
            f"{existing.freelancer_profile} already works with {program.name}: draft the contract directly.",
            field="email",
        )
    now = timezone.now()
    for old in (
        FreelancerInvitation.objects.select_for_update()
        .filter(program=program, email=email, status=FreelancerInvitation.Status.PENDING)
        .order_by("pk")
    ):
        expired = old.is_expired(now)
        old.status = FreelancerInvitation.Status.EXPIRED if expired else FreelancerInvitation.Status.REVOKED
        old.revoked_at, old.revoked_by = (None, None) if expired else (now, invited_by)
        old.save(update_fields=["status", "revoked_at", "revoked_by", "updated_at"])
        if not expired:
            audit_record(
                actor=invited_by, verb="freelancer_invitation.revoked", target=old, reason="replaced"
            )
    token, digest = token_new()
    invitation = FreelancerInvitation(
        program=program,
        email=email,
        name=(name or "").strip()[:200],
        invited_by=invited_by,
        token_hash=digest,
        expires_at=now + valid_for,
    )
    invitation.full_clean(exclude=["token_hash"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same address invited to the program at the same moment by someone else
        raise ContractError(
            "An invitation to this address was just sent. Reload the page to see it.", field="email"
        ) from None
    link = settings.SITE_URL + reverse("contracts:invitation_accept", kwargs={"token": token})
    audit_record(
        actor=invited_by,
        verb="freelancer_invitation.sent",
        target=invitation,
        email=email,
        expires_at=invitation.expires_at.isoformat(),
    )
    body = render_to_string(
        "contracts/email/freelancer_invitation.txt",
        {"invitation": invitation, "link": link, "sender": invited_by},
    )
    email_enqueue(
        to=[email],
        subject=f"You're invited to work with {program.name} on Flexdesk",
        body=body,
        reply_to=[invited_by.email] if getattr(invited_by, "email", "") else None,
        program_id=program.pk,
        about=invitation,
        sensitive=True,
    )
    return invitation, link


@transaction.atomic
def freelancer_invitation_revoke(*, invitation: FreelancerInvitation, actor) -> FreelancerInvitation:
    invitation = lock_one(FreelancerInvitation.objects.filter(pk=invitation.pk))
    if invitation.status != FreelancerInvitation.Status.PENDING:
        raise ContractError(
            f"This invitation is {invitation.get_status_display().lower()}; only a pending one "
            "can be revoked."
        )
    invitation.status = FreelancerInvitation.Status.REVOKED
    invitation.revoked_at, invitation.revoked_by = timezone.now(), actor
    invitation.save(update_fields=["status", "revoked_at", "revoked_by", "updated_at"])
    audit_record(actor=actor, verb="freelancer_invitation.revoked", target=invitation)
    return invitation


def _locked_usable(token: str) -> FreelancerInvitation:
    """The invitation named by the token, locked; InvitationNotUsable unless it is pending and unexpired."""
    found = list(
        FreelancerInvitation.objects.filter(token_hash=token_digest(token or "")).values_list("pk", flat=True)
    )
    if not found:
        raise InvitationNotUsable("This invitation link is not valid.", code="unknown")
    invitation = lock_one(FreelancerInvitation.objects.filter(pk__in=found).select_related("program"))
    if invitation.status != FreelancerInvitation.Status.PENDING:
        raise InvitationNotUsable(
            f"This invitation was {invitation.get_status_display().lower()}.", code=invitation.status
        )
    if invitation.is_expired():
        raise InvitationNotUsable("This invitation has expired.", code=FreelancerInvitation.Status.EXPIRED)
    return invitation


def _accept(
    invitation: FreelancerInvitation, freelancer: Freelancer, *, new_account: bool
) -> FreelancerInvitation:
    check_transition(
        FreelancerInvitation.TRANSITIONS,
        FreelancerInvitation.Status(invitation.status),
        FreelancerInvitation.Status.ACCEPTED,
        label="invitation",
    )
    invitation.status = FreelancerInvitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.freelancer = freelancer
    invitation.save(update_fields=["status", "accepted_at", "freelancer", "updated_at"])
    audit_record(
        actor=freelancer.user,
        verb="freelancer_invitation.accepted",
        target=invitation,
        freelancer_id=freelancer.pk,
        new_account=new_account,
    )
    return invitation


def account_mismatch_reason(*, invitation: FreelancerInvitation, user) -> str:
    """Why this logged-in user cannot accept the invitation ("" when they can)."""
    if user.is_inhouse:
        return (
            "You are logged in with an in-house team account. Invitations are for freelancers: log out, then "
            "open the link again to accept with a freelancer account."
        )
    if not user.is_freelancer or getattr(user, "freelancer_profile", None) is None:
        return "This account has no freelancer profile. Ask the program manager who invited you."
    if _normalise(user.email) != invitation.email:
        return (
            f"This invitation was sent to {invitation.email}, and you are logged in as {user.email}. Log out "
            "and log in with the invited address, or ask for an invitation to this one."
        )
    return ""


@transaction.atomic
def freelancer_invitation_accept(*, token: str, user: User) -> FreelancerInvitation:
    """A logged-in freelancer accepts: only now is their existing account linked to the program."""
    invitation = _locked_usable(token)
    reason = account_mismatch_reason(invitation=invitation, user=user)
    if reason:
        raise ContractError(reason, code="wrong_account")
    return _accept(invitation, user.freelancer_profile, new_account=False)


@transaction.atomic
def freelancer_invitation_accept_new_account(
    *,
    token: str,
    password: str,
    legal_name: str,
    country: str = "",
    time_zone: str = "UTC",
) -> FreelancerInvitation:
    """Someone without an account accepts: their user (with this password) and freelancer profile are made."""
    invitation = _locked_usable(token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ContractError(
            "There is already a Flexdesk account for this address: log in to accept.", code="account_exists"
        )
    freelancer, _created = freelancer_get_or_create(
        email=invitation.email,
        legal_name=legal_name.strip(),
        time_zone=time_zone,
        country=country,
        payout_currency=invitation.program.currency,
    )
    user = freelancer.user
    user.set_password(password)
    user.save(update_fields=["password"])
    return _accept(invitation, freelancer, new_account=True)
