"""Referrals: a freelancer invites a candidate to a posting, or a candidate applies through a freelancer's link.

One referral per address and posting (a unique constraint): the first referrer is the one who counts, and an
address that already applied is never counted again. The referral bonus is paid by payments, which reads the
referrals through recruiting.selectors.referral_bonuses_due.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from core.money import CURRENCY_CODES, round_money, to_decimal
from core.outbox import email_enqueue
from programs.models import Program
from recruiting.errors import DuplicateReferral, RecruitingError
from recruiting.models import Application, ApplicationSource, Posting, Referral, ReferralBonus
from recruiting.referrals import referral_link, referral_token_read, source_from_param

MAX_NOTE_CHARS = 1000


def _invitation(*, referral: Referral, link: str) -> tuple[str, str]:
    posting = referral.posting
    referrer_name = referral.referrer.user.get_full_name() or referral.referrer.user.email
    first_name = (referral.full_name or "").strip().split(" ")[0] or "there"
    subject = f"{referrer_name} thinks you would be great for “{posting.title}”"
    lines = [
        f"Hi {first_name},",
        "",
        f"{referrer_name} works with {posting.program.name} and recommends you for “{posting.title}”.",
    ]
    if referral.note:
        lines += ["", f"{referrer_name} wrote:", referral.note]
    lines += [
        "",
        "Read about the role and apply here:",
        link,
        "",
        "If this is not for you, just ignore this e-mail: you will not hear from us again about it.",
    ]
    return subject, "\n".join(lines)


def referral_invite(
    *, posting: Posting, referrer: Freelancer, full_name: str, email: str, note: str = ""
) -> Referral:
    """The referral form: record the referral and e-mail the candidate the freelancer's link (through the outbox).

    An address that already applied, or that someone already referred, is refused with a message saying so:
    it is counted once, for the first referrer.
    """
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    note = (note or "").strip()
    if not posting.is_open:
        raise RecruitingError("This posting is closed and no longer takes applications.")
    if not full_name:
        raise RecruitingError("Give the candidate's name.", field="full_name")
    if len(note) > MAX_NOTE_CHARS:
        raise RecruitingError(f"Keep the note under {MAX_NOTE_CHARS} characters.", field="note")
    if email == (referrer.user.email or "").lower():
        raise RecruitingError("You cannot refer yourself.", field="email")
    if Application.objects.filter(posting=posting, email__iexact=email).exists():
        raise DuplicateReferral(
            "This address has already applied to this posting, so it cannot be referred again: an application "
            "is counted once.",
            field="email",
            code="already_applied",
        )
    _refuse_if_referred(posting=posting, email=email, referrer=referrer)
    referral = Referral(
        posting=posting,
        referrer=referrer,
        full_name=full_name,
        email=email,
        note=note,
        invited_at=timezone.now(),
    )
    referral.full_clean()
    try:
        with transaction.atomic():
            referral.save()
            audit_record(actor=referrer.user, verb="referral.invited", target=referral, posting_id=posting.pk)
            subject, body = _invitation(
                referral=referral,
                link=referral_link(
                    posting_slug=posting.slug, posting_id=posting.pk, freelancer_id=referrer.pk
                ),
            )
            email_enqueue(
                to=[email],
                subject=subject,
                body=body,
                program_id=posting.program_id,
                about=referral,
                reply_to=[referrer.user.email] if referrer.user.email else None,
                dedupe_key=f"recruiting:referral-invitation:{referral.pk}",
            )
    except IntegrityError:  # two referrals of one address raced past the check: the first one counts
        _refuse_if_referred(posting=posting, email=email, referrer=referrer)
        raise
    return referral


def _refuse_if_referred(*, posting: Posting, email: str, referrer: Freelancer) -> None:
    existing = Referral.objects.filter(posting=posting, email__iexact=email).first()
    if existing is None:
        return
    if existing.referrer_id == referrer.pk:
        raise DuplicateReferral(
            "You have already referred this address to this posting.", field="email", code="already_referred"
        )
    raise DuplicateReferral(
        "Another freelancer already referred this address to this posting; the first referral is the one that "
        "counts.",
        field="email",
        code="referred_by_another",
    )


def referral_for_application(*, posting: Posting, email: str, referral_token: str = "") -> Referral | None:
    """The referral a new application belongs to: the address's existing referral (the first referrer wins,
    whichever link was used), else a new, unsaved one for a genuine referral link of this posting."""
    existing = (
        Referral.objects.select_related("referrer").filter(posting=posting, email__iexact=email).first()
    )
    if existing is not None:
        return existing
    found = referral_token_read(referral_token)
    if found is None or found[0] != posting.pk:
        return None
    referrer = Freelancer.objects.select_related("user").filter(pk=found[1]).first()
    if referrer is None or (referrer.user.email or "").lower() == email:
        return None
    return Referral(posting=posting, referrer=referrer, email=email)


def application_source(*, referral: Referral | None, src: str | None) -> str:
    """What the application records as its source: a referral outranks the tracking link it came through."""
    return ApplicationSource.REFERRAL if referral is not None else source_from_param(src)


def referral_attach(*, referral: Referral | None, application: Application) -> None:
    """Inside application_submit's transaction: tie the referral to the saved application."""
    if referral is None or referral.application_id is not None:
        return
    referral.application = application
    if not referral.full_name:
        referral.full_name = application.full_name
    referral.save()
    audit_record(actor=None, verb="referral.applied", target=referral, application_id=application.pk)


def referral_bonus_save(
    *, program: Program, amount: Any, currency: str, after_hours: Any, is_active: bool, saved_by: Any
) -> ReferralBonus:
    """Set the program's referral bonus: `amount` `currency`, paid once the referred freelancer worked `after_hours`."""
    try:
        amount = round_money(to_decimal(amount))
        after_hours = to_decimal(after_hours)
    except ValueError:
        raise RecruitingError(
            "Enter the amount and the hours as numbers, e.g. 100.00 and 40.", field="amount"
        )
    if amount <= 0:
        raise RecruitingError("The bonus must be above zero.", field="amount")
    if after_hours <= 0:
        raise RecruitingError("The hours must be above zero.", field="after_hours")
    if currency not in CURRENCY_CODES:
        raise RecruitingError("Choose a currency from the list.", field="currency")
    bonus = ReferralBonus.objects.filter(program=program).first() or ReferralBonus(program=program)
    bonus.amount, bonus.currency, bonus.after_hours, bonus.is_active = (
        amount,
        currency,
        after_hours,
        is_active,
    )
    bonus.full_clean()
    bonus.save()
    audit_record(
        actor=saved_by,
        verb="referral_bonus.saved",
        target=bonus,
        amount=str(amount),
        currency=currency,
        after_hours=str(after_hours),
        is_active=is_active,
    )
    return bonus
