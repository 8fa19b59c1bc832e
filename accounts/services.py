from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.errors import AccountError
from accounts.models import MAX_OPEN_TICKETS, MIN_OPEN_TICKETS, Freelancer, LegalNameChangeRequest, User
from accounts.name_lock import legal_name_lock_reason
from core.audit import audit_record
from core.locks import lock_one
from core.outbox import email_enqueue


def user_invite_link(*, user: User) -> str:
    """A one-time link to set a password; it stops working once the password is set."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:invite_accept", kwargs={"uidb64": uid, "token": token})


def user_invite(*, user: User, invited_by: User | None = None, program_name: str = "") -> None:
    """E-mail an invitation to set a password and enter Flexdesk (sent after commit)."""
    link = user_invite_link(user=user)
    body = render_to_string(
        "accounts/email/invite.txt", {"user": user, "link": link, "program_name": program_name}
    )
    audit_record(actor=invited_by, verb="user.invited", target=user)
    email_enqueue(
        to=[user.email],
        subject=f"You're invited to Flexdesk{f' — {program_name}' if program_name else ''}",
        body=body,
        about=user,
    )


@transaction.atomic
def inhouse_user_get_or_create(*, email: str, role: str, display_name: str = "") -> tuple[User, bool]:
    """The support manager or in-house agent with this email, made (with no password yet) if missing."""
    if role not in (User.Role.MANAGER, User.Role.AGENT):
        raise AccountError("Pick support manager or in-house agent.", field="role")
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, display_name=display_name.strip()[:150], role=role)
        user.set_unusable_password()
        user.full_clean()
        user.save()
        return user, True
    if user.role == User.Role.FREELANCER:
        raise AccountError(
            "This email belongs to a freelancer; the in-house team needs an account of its own.",
            field="email",
        )
    if user.role == User.Role.NONE:
        user.role = role
        user.save(update_fields=["role"])
    return user, False


@transaction.atomic
def freelancer_get_or_create(
    *,
    email: str,
    legal_name: str,
    time_zone: str = "UTC",
    country: str = "",
    payout_currency: str = "USD",
    language_ids=(),
    skill_ids=(),
) -> tuple[Freelancer, bool]:
    """The user and freelancer profile for this email, made if missing (used when hiring)."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, display_name=legal_name, role=User.Role.FREELANCER, time_zone=time_zone)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif user.role not in (User.Role.FREELANCER, User.Role.NONE):
        raise AccountError(
            "This email belongs to a member of the in-house team, not a freelancer.", field="email"
        )
    elif user.role == User.Role.NONE:
        user.role = User.Role.FREELANCER
        user.save(update_fields=["role"])
    profile = Freelancer.objects.filter(user=user).first()
    created = profile is None
    if created:
        profile = Freelancer(
            user=user,
            legal_name=legal_name,
            time_zone=time_zone,
            country=country.upper()[:2],
            payout_currency=payout_currency,
        )
        profile.full_clean()
        profile.save()
        if language_ids:
            profile.languages.set(language_ids)
        if skill_ids:
            profile.skills.set(skill_ids)
    return profile, created


# ---------------------------------------------------------------- capacity


@transaction.atomic
def freelancer_capacity_update(
    *, freelancer: Freelancer, max_open_tickets, actor: User, reason: str = ""
) -> bool:
    """A manager sets how many open tickets routing may give the freelancer at once (in every program; their
    tier is per program, contracts.services.standing). Returns whether it changed."""
    reason = (reason or "").strip()
    try:
        max_open_tickets = int(max_open_tickets)
    except (TypeError, ValueError):
        raise AccountError("Capacity is a whole number.", field="max_open_tickets") from None
    if not MIN_OPEN_TICKETS <= max_open_tickets <= MAX_OPEN_TICKETS:
        raise AccountError(
            f"Capacity is from {MIN_OPEN_TICKETS} to {MAX_OPEN_TICKETS} open tickets.",
            field="max_open_tickets",
        )
    if len(reason) > 500:
        raise AccountError("Keep the reason under 500 characters.", field="reason")
    freelancer = lock_one(Freelancer.objects.filter(pk=freelancer.pk))
    if max_open_tickets == freelancer.max_open_tickets:
        return False
    before = freelancer.max_open_tickets
    freelancer.max_open_tickets = max_open_tickets
    freelancer.save(update_fields=["max_open_tickets", "updated_at"])
    audit_record(
        actor=actor,
        verb="freelancer.capacity_changed",
        target=freelancer,
        max_open_tickets=max_open_tickets,
        before=before,
        reason=reason,
    )
    return True


# ---------------------------------------------------------------- legal-name changes


@transaction.atomic
def legal_name_change_request(
    *, freelancer: Freelancer, requested_legal_name: str, reason: str
) -> LegalNameChangeRequest:
    """The freelancer asks for a new legal name. Only needed once a signed contract locks the name (before that
    they change it in their profile); one request waits at a time."""
    freelancer = lock_one(Freelancer.objects.filter(pk=freelancer.pk))
    requested_legal_name = " ".join((requested_legal_name or "").split())
    reason = (reason or "").strip()
    if not legal_name_lock_reason(freelancer):
        raise AccountError(
            "Your legal name is not fixed by a signed contract yet: change it in your profile."
        )
    if not requested_legal_name:
        raise AccountError("Type your new full legal name.", field="requested_legal_name")
    if len(requested_legal_name) > 200:
        raise AccountError("Keep the name under 200 characters.", field="requested_legal_name")
    if requested_legal_name == freelancer.legal_name:
        raise AccountError("This is already your legal name.", field="requested_legal_name")
    if not reason:
        raise AccountError(
            "Say why the name changes (for example marriage, or a correction).", field="reason"
        )
    if len(reason) > 1000:
        raise AccountError("Keep the reason under 1,000 characters.", field="reason")
    if freelancer.legal_name_requests.filter(status=LegalNameChangeRequest.Status.PENDING).exists():
        raise AccountError("You already have a request waiting for a manager.", field="requested_legal_name")
    request = LegalNameChangeRequest(
        freelancer=freelancer,
        previous_legal_name=freelancer.legal_name,
        requested_legal_name=requested_legal_name,
        reason=reason,
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=freelancer.user,
        verb="freelancer.legal_name_requested",
        target=freelancer,
        request=request.pk,
        requested_legal_name=requested_legal_name,
    )
    return request


@transaction.atomic
def legal_name_change_decide(
    *,
    request: LegalNameChangeRequest,
    approve: bool,
    actor: User,
    note: str = "",
) -> LegalNameChangeRequest:
    """A manager approves (the freelancer's legal name becomes the requested one from now on) or declines (with a
    note saying why) a waiting request; the freelancer gets an e-mail either way.

    Signed documents are not touched: each keeps the exact text, and the name in it, it was signed with.
    """
    request = lock_one(LegalNameChangeRequest.objects.filter(pk=request.pk))
    note = (note or "").strip()
    if request.status != LegalNameChangeRequest.Status.PENDING:
        raise AccountError(f"This request was already {request.get_status_display().lower()}.")
    if not approve and not note:
        raise AccountError("Say why the request is declined; the freelancer reads it.", field="note")
    if len(note) > 1000:
        raise AccountError("Keep the note under 1,000 characters.", field="note")
    freelancer = lock_one(Freelancer.objects.filter(pk=request.freelancer_id))
    request.status = (
        LegalNameChangeRequest.Status.APPROVED if approve else LegalNameChangeRequest.Status.DECLINED
    )
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note
    request.full_clean()
    request.save()
    if approve:
        before = freelancer.legal_name
        freelancer.legal_name = request.requested_legal_name
        freelancer.save(update_fields=["legal_name", "updated_at"])
        audit_record(
            actor=actor,
            verb="freelancer.legal_name_changed",
            target=freelancer,
            request=request.pk,
            legal_name=freelancer.legal_name,
            before=before,
        )
    else:
        audit_record(
            actor=actor,
            verb="freelancer.legal_name_declined",
            target=freelancer,
            request=request.pk,
            note=note,
        )
    body = render_to_string(
        "accounts/email/legal_name_decision.txt",
        {
            "request": request,
            "freelancer": freelancer,
            "link": settings.SITE_URL + reverse("accounts:profile"),
        },
    )
    outcome = "approved" if approve else "declined"
    email_enqueue(
        to=[freelancer.user.email], subject=f"Your legal-name change was {outcome}", body=body, about=request
    )
    return request
