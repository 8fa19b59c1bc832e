"""Payout details: the freelancer changes them (audited, e-mailed to them), the change holds their payouts for
PAYOUT_DETAILS_HOLD, and a support manager may confirm a held payout to release it early.

The hold rule itself is payments.models.payout_hold_reason; this module applies it to batches.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one, lock_rows
from core.outbox import email_enqueue
from payments.errors import PaymentsError
from payments.models import PAYOUT_DETAILS_HOLD, Payout, PayoutDetails, payout_hold_reason

# What the freelancer enters; legacy_note is only ever written by the data migration.
INPUT_FIELDS = (
    "method",
    "account_holder_name",
    "iban",
    "account_number",
    "bic",
    "bank_country",
    "wise_email",
    "paypal_email",
    "payoneer_id",
)
_COMPARED = ("method", *PayoutDetails.DETAIL_FIELDS)


def payout_details_by_freelancer(*, freelancer_ids) -> dict[int, PayoutDetails]:
    """One query for the details of many freelancers (a batch of payouts)."""
    return {d.freelancer_id: d for d in PayoutDetails.objects.filter(freelancer_id__in=set(freelancer_ids))}


def payouts_hold_reasons(*, payouts, details: dict[int, PayoutDetails] | None = None) -> dict[int, str]:
    """{payout id: why it is held} for the held ones among `payouts`."""
    payouts = list(payouts)
    if details is None:
        details = payout_details_by_freelancer(freelancer_ids=[p.freelancer_id for p in payouts])
    reasons = {}
    for payout in payouts:
        reason = payout_hold_reason(payout=payout, details=details.get(payout.freelancer_id))
        if reason:
            reasons[payout.pk] = reason
    return reasons


def payout_details_summary(*, freelancer_id: int) -> str:
    details = PayoutDetails.objects.filter(freelancer_id=freelancer_id).first()
    return details.summary if details else ""


@transaction.atomic
def payout_details_update(
    *, freelancer, changed_by, ip_address: str | None = None, **fields
) -> PayoutDetails:
    """Save the freelancer's payout details; a real change is audited (masked) and e-mailed to them.

    Only the chosen method's fields are kept; an invalid IBAN, BIC or missing field raises ValidationError and
    nothing is saved. Saving the same details again changes nothing (no e-mail, no new hold).
    """
    unknown = set(fields) - set(INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown payout details fields: {', '.join(sorted(unknown))}")
    if not fields.get("method"):
        raise PaymentsError("Choose how you want to be paid.", field="method")
    details = (lock_rows(PayoutDetails.objects.filter(freelancer=freelancer)) or [None])[0]
    created = details is None
    if created:
        details = PayoutDetails(freelancer=freelancer)
    before = {name: getattr(details, name) for name in _COMPARED}
    before_summary = details.summary
    for name in INPUT_FIELDS:
        setattr(details, name, (fields.get(name) or "").strip())
    details.full_clean()
    changed = [name for name in _COMPARED if getattr(details, name) != before[name]]
    if not changed and not created:
        return details
    now = timezone.now()
    details.changed_at = now
    details.save()
    audit_record(
        actor=changed_by,
        verb="payout_details.changed",
        target=details,
        ip_address=ip_address,
        fields=[name for name in changed if name != "legacy_note"],
        before=before_summary,
        after=details.summary,
    )
    _email_change(details=details, before_summary=before_summary, when=now)
    return details


def _email_change(*, details: PayoutDetails, before_summary: str, when) -> None:
    freelancer = details.freelancer
    user = freelancer.user
    context = {
        "name": freelancer.legal_name or user.get_short_name(),
        "when": timezone.localtime(when, user.zone),
        "zone": user.time_zone,
        "before": before_summary,
        "after": details.summary,
        "hold_days": PAYOUT_DETAILS_HOLD.days,
        "link": settings.SITE_URL + reverse("payments:portal_payout_details"),
        "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
    }
    email_enqueue(
        to=[user.email],
        subject="Your Flexdesk payout details changed — not you? Tell your program manager",
        body=render_to_string("payments/email/payout_details_changed.txt", context),
        about=details,
    )


@transaction.atomic
def payout_details_confirm(*, payout: Payout, confirmed_by) -> Payout:
    """A support manager checked the freelancer's new payout details: this payout may be paid and exported."""
    payout = lock_one(Payout.objects.filter(pk=payout.pk))
    details = PayoutDetails.objects.filter(freelancer_id=payout.freelancer_id).first()
    if not payout_hold_reason(payout=payout, details=details):
        raise PaymentsError("This payout is not held: there is nothing to confirm.")
    payout.details_confirmed_at = timezone.now()
    payout.details_confirmed_by = confirmed_by
    payout.save(update_fields=["details_confirmed_at", "details_confirmed_by", "updated_at"])
    audit_record(
        actor=confirmed_by,
        verb="payout.details_confirmed",
        target=payout,
        details=details.summary,
        details_changed_at=details.changed_at.isoformat(),
    )
    return payout


def payout_details_rotate(*, batch_size: int = 200) -> int:
    """Re-encrypt the bank accounts with the newest vault key (run by `manage.py rotate_vault_key`)."""
    count = 0
    ids = list(
        PayoutDetails.objects.exclude(iban="", account_number="").order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for details in lock_rows(PayoutDetails.objects.filter(pk__in=ids[start : start + batch_size])):
                details.save(update_fields=["iban", "account_number"])  # saving encrypts with the newest key
                count += 1
    if count:
        audit_record(verb="payout_details.rotated", count=count)
    return count
