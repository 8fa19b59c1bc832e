"""Payout lifecycle: draft → approved → paid (date + reference) or failed (reason) → approved again."""

import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_rows
from core.outbox import email_enqueue
from payments.errors import PaymentsError
from payments.models import Payout, payout_hold_reason
from payments.services.invoices import invoices_issue
from payments.services.payout_details import payout_details_by_freelancer, payout_details_summary
from payments.services.periods import pay_period_settle_if_paid


def _move(payouts, target: str) -> list[Payout]:
    rows = lock_rows(Payout.objects.filter(pk__in=[p.pk for p in payouts]))
    if not rows:
        raise PaymentsError("Select at least one payout.")
    for payout in rows:
        check_transition(Payout.TRANSITIONS, payout.status, target, label="payout")
    return rows


@transaction.atomic
def payouts_approve(*, payouts, approved_by) -> int:
    """Approve draft payouts (one or a batch). All or none: one that is not a draft stops the batch."""
    rows = _move(payouts, Payout.Status.APPROVED)
    now = timezone.now()
    for payout in rows:
        payout.status = Payout.Status.APPROVED
        payout.approved_by = approved_by
        payout.approved_at = now
        payout.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_record(
            actor=approved_by,
            verb="payout.approved",
            target=payout,
            amount=str(payout.payout_amount),
            currency=payout.payout_currency,
        )
    return len(rows)


@transaction.atomic
def payout_unapprove(*, payout: Payout, by) -> Payout:
    (payout,) = _move([payout], Payout.Status.DRAFT)
    payout.status = Payout.Status.DRAFT
    payout.approved_by = None
    payout.approved_at = None
    payout.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(actor=by, verb="payout.unapproved", target=payout)
    return payout


@transaction.atomic
def payouts_mark_paid(*, payouts, paid_on: datetime.date, reference: str, marked_by) -> int:
    """Record that approved payouts went out (one or a batch with the bank's batch reference).

    A payout held by a recent change of payout details stops the batch (see payout_hold_reason).
    Each freelancer gets their statement by e-mail after commit.
    """
    reference = (reference or "").strip()
    if not reference:
        raise PaymentsError("Enter the payment reference from the bank or platform.", field="reference")
    if paid_on is None:
        raise PaymentsError("Enter the date the payment was made.", field="paid_on")
    if paid_on > timezone.now().date() + datetime.timedelta(days=1):
        raise PaymentsError("The payment date is in the future.", field="paid_on")
    rows = _move(payouts, Payout.Status.PAID)
    details = payout_details_by_freelancer(freelancer_ids=[p.freelancer_id for p in rows])
    for payout in rows:
        reason = payout_hold_reason(payout=payout, details=details.get(payout.freelancer_id))
        if reason:
            raise PaymentsError(f"Payout {payout.reference} is not paid: {reason}", code="held")
    for payout in rows:
        payout.status = Payout.Status.PAID
        payout.paid_on = paid_on
        payout.payment_reference = reference[:120]
        if payout.freelancer_id in details and details[payout.freelancer_id].summary:
            payout.payout_method = details[payout.freelancer_id].summary  # what it was actually paid to
        payout.save(update_fields=["status", "paid_on", "payment_reference", "payout_method", "updated_at"])
        audit_record(actor=marked_by, verb="payout.paid", target=payout, reference=reference)
    invoices_issue(payouts=rows)
    from core.tasks import delay_after_commit
    from payments.tasks import payout_statement_send_task

    for payout in rows:
        delay_after_commit(payout_statement_send_task, payout.pk)
    for period_id in {p.period_id for p in rows}:
        pay_period_settle_if_paid(period_id=period_id)
    return len(rows)


@transaction.atomic
def payout_mark_failed(*, payout: Payout, reason: str, marked_by) -> Payout:
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError("Say why the payment failed (e.g. 'IBAN rejected').", field="reason")
    (payout,) = _move([payout], Payout.Status.FAILED)
    payout.status = Payout.Status.FAILED
    payout.failure_reason = reason
    payout.save(update_fields=["status", "failure_reason", "updated_at"])
    audit_record(actor=marked_by, verb="payout.failed", target=payout, reason=reason)
    return payout


@transaction.atomic
def payout_retry(*, payout: Payout, retried_by) -> Payout:
    """A failed payout goes back to approved (with the freelancer's current payout details) for the next batch."""
    (payout,) = _move([payout], Payout.Status.APPROVED)
    payout.status = Payout.Status.APPROVED
    payout.payout_method = payout_details_summary(freelancer_id=payout.freelancer_id) or payout.payout_method
    payout.approved_by = retried_by
    payout.approved_at = timezone.now()
    payout.save(update_fields=["status", "payout_method", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=retried_by, verb="payout.retried", target=payout, previous_failure=payout.failure_reason
    )
    return payout


def payout_statement_send(*, payout_id: int) -> bool:
    """E-mail the statement of a paid payout to its freelancer, once (the outbox's dedupe key says so);
    statement_sent_at is set when the mail server took it (payments.senders)."""
    from payments.selectors import payout_statement

    with transaction.atomic():
        rows = lock_rows(
            Payout.objects.filter(pk=payout_id, status=Payout.Status.PAID, statement_sent_at__isnull=True)
        )
        if not rows:
            return False
        payout = payout_statement(payout_id=payout_id)
        link = settings.SITE_URL + reverse("payments:portal_statement", kwargs={"pk": payout.pk})
        context = {"payout": payout, "lines": list(payout.lines.all()), "link": link, "for_email": True}
        email_enqueue(
            to=[payout.freelancer.user.email],
            subject=f"Your Flexdesk payout statement — {payout.program} {payout.period.start_date:%d %b}"
            f"–{payout.period.end_date:%d %b %Y}",
            body=render_to_string("payments/email/statement.txt", context),
            html_body=render_to_string("payments/email/statement.html", context),
            program_id=payout.program_id,
            about=payout,
            dedupe_key=f"payout-statement:{payout.pk}",
        )
    return True
