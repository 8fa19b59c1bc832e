from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.errors import AccountError
from accounts.models import Freelancer, User
from core.audit import audit_record
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
        to=[user.email], subject=f"You're invited to Flexdesk{f' — {program_name}' if program_name else ''}",
        body=body, about=user,
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
        raise AccountError("This email belongs to a freelancer; the in-house team needs an account of its own.",
                           field="email")
    if user.role == User.Role.NONE:
        user.role = role
        user.save(update_fields=["role"])
    return user, False


@transaction.atomic
def freelancer_get_or_create(
    *, email: str, legal_name: str, time_zone: str = "UTC", country: str = "", payout_currency: str = "USD",
    language_ids=(), skill_ids=(),
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
        raise AccountError("This email belongs to a member of the in-house team, not a freelancer.", field="email")
    elif user.role == User.Role.NONE:
        user.role = User.Role.FREELANCER
        user.save(update_fields=["role"])
    profile = Freelancer.objects.filter(user=user).first()
    created = profile is None
    if created:
        profile = Freelancer(
            user=user, legal_name=legal_name, time_zone=time_zone, country=country.upper()[:2],
            payout_currency=payout_currency,
        )
        profile.full_clean()
        profile.save()
        if language_ids:
            profile.languages.set(language_ids)
        if skill_ids:
            profile.skills.set(skill_ids)
    return profile, created
