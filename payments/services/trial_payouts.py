"""Paid trial tasks: paid once, as a one-off TrialPayout, to every candidate who did one, hired or not.

The one rule (docs/adr/0026): a graded paid trial is payable; the next payout run of its program includes it
when the candidate has given payout details (else it is listed as waiting for them); a manager marks it paid,
and the candidate is e-mailed their statement. The trial task is the key (TrialPayout.trial_task is one-to-one),
so running the sync twice pays once. A trial already paid as an adjustment by the earlier hired-only path
(source key "recruiting:trial_task:<pk>") is never paid again.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_one, lock_rows
from core.outbox import email_enqueue
from payments.errors import PaymentsError
from payments.models import Adjustment, PayoutRun, TrialPayout
from payments.services.payout_details import INPUT_FIELDS
from programs.models import Program
from recruiting.models import TrialTask

# The key the earlier hired-only path used for a trial it paid inside the freelancer's payout.
LEGACY_ADJUSTMENT_KEY = "recruiting:trial_task:{pk}"


def trial_payout_description(*, trial_task: TrialTask) -> str:
    return f"Paid trial task: {trial_task.application.posting.title}"[:250]


def _paid_as_adjustment(trial_task: TrialTask) -> bool:
    return Adjustment.objects.filter(source_key=LEGACY_ADJUSTMENT_KEY.format(pk=trial_task.pk)).exists()


def _trial_payout_get_or_create(*, trial_task: TrialTask) -> TrialPayout:
    """The trial's payout row (created on first need); its amount and currency are the trial's, exact."""
    existing = TrialPayout.objects.filter(trial_task=trial_task).first()
    if existing is not None:
        return existing
    payout = TrialPayout(
        trial_task=trial_task,
        program_id=trial_task.application.posting.program_id,
        description=trial_payout_description(trial_task=trial_task),
        amount=trial_task.amount,
        currency=trial_task.currency,
        reference=f"FDT-{trial_task.pk}",
    )
    try:
        with transaction.atomic():
            payout.save()
    except IntegrityError:  # created meanwhile by the other entry point
        return TrialPayout.objects.get(trial_task=trial_task)
    return payout


def trial_payout_may_collect_details(*, trial_task: TrialTask) -> bool:
    """Whether the trial page shows the payout-details form: a paid trial the candidate has submitted."""
    return (
        trial_task.is_paid
        and trial_task.amount is not None
        and trial_task.status in (TrialTask.Status.SUBMITTED, TrialTask.Status.GRADED)
        and not _paid_as_adjustment(trial_task)
    )


def trial_payout_details_path(trial_task: TrialTask) -> str:
    """The page where the trial's candidate enters payout details (its link carries the trial's token)."""
    return reverse("payments:trial_payout_details", kwargs={"token": trial_task.token})


@transaction.atomic
def trial_payout_details_save(*, trial_task: TrialTask, **fields) -> TrialPayout:
    """Save the candidate's payout details for their paid trial (from the trial page, no account).

    PayoutAccount.clean() is the rule (IBAN/BIC checked by schwifty, the fields each method needs): invalid
    input raises ValidationError and nothing is saved. Refused once the payout is paid.
    """
    unknown = set(fields) - set(INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown payout details fields: {', '.join(sorted(unknown))}")
    trial = lock_one(TrialTask.objects.filter(pk=trial_task.pk).select_related("application__posting"))
    if not trial_payout_may_collect_details(trial_task=trial):
        raise PaymentsError("This trial task is not paid, or not submitted yet.", field="method")
    if not fields.get("method"):
        raise PaymentsError("Choose how you want to be paid.", field="method")
    payout = lock_one(TrialPayout.objects.filter(pk=_trial_payout_get_or_create(trial_task=trial).pk))
    if payout.status == TrialPayout.Status.PAID:
        raise PaymentsError(
            "This trial task is already paid; the details can no longer change.", field="method"
        )
    for name in INPUT_FIELDS:
        setattr(payout, name, fields.get(name) or "")
    payout.full_clean()  # ValidationError: the transaction rolls back, nothing saved
    payout.details_entered_at = timezone.now()
    payout.save()
    audit_record(verb="trial_payout.details_saved", target=payout, details=payout.summary)
    return payout


def trial_payouts_sync(*, program: Program, run: PayoutRun) -> list[TrialPayout]:
    """Include the program's payable trials in `run`: paid trials graded by the run's date whose candidate gave
    payout details and that no run includes yet. Those without details get their row (listed as waiting).
    Idempotent: a trial is in one run at most (the update below only claims a row no run holds)."""
    included = []
    from recruiting.selectors import paid_trial_tasks_payable

    for trial in paid_trial_tasks_payable(program_id=program.pk):
        if _paid_as_adjustment(trial) or (trial.graded_at and trial.graded_at.date() > run.run_date):
            continue
        payout = _trial_payout_get_or_create(trial_task=trial)
        if payout.run_id is not None or not payout.method or payout.status != TrialPayout.Status.PENDING:
            continue  # in a run already (paid once), or waiting for the candidate's payout details
        if TrialPayout.objects.filter(pk=payout.pk, run__isnull=True).update(
            run=run, updated_at=timezone.now()
        ):
            payout.run = run
            audit_record(verb="trial_payout.included", target=payout, run_id=run.pk)
            included.append(payout)
    return included


@transaction.atomic
def trial_payout_mark_paid(
    *, trial_payout: TrialPayout, paid_on: datetime.date, reference: str, marked_by
) -> TrialPayout:
    """Record that a trial payout included in a run went out; the candidate is e-mailed the statement."""
    reference = (reference or "").strip()
    if not reference:
        raise PaymentsError("Enter the payment reference from the bank or platform.", field="reference")
    if paid_on is None:
        raise PaymentsError("Enter the date the payment was made.", field="paid_on")
    if paid_on > timezone.now().date() + datetime.timedelta(days=1):
        raise PaymentsError("The payment date is in the future.", field="paid_on")
    payout = lock_one(TrialPayout.objects.filter(pk=trial_payout.pk))
    if payout.status == TrialPayout.Status.PAID:
        raise PaymentsError(f"{payout.reference} is already paid.", field="reference")
    if payout.run_id is None or not payout.method:
        raise PaymentsError(
            f"{payout.reference} is waiting for the candidate's payout details or the trial's "
            "grading; it is paid in the run that includes it.",
            field="reference",
        )
    payout.status = TrialPayout.Status.PAID
    payout.paid_on = paid_on
    payout.payment_reference = reference[:120]
    payout.paid_to = payout.summary
    payout.save(update_fields=["status", "paid_on", "payment_reference", "paid_to", "updated_at"])
    audit_record(actor=marked_by, verb="trial_payout.paid", target=payout, reference=reference)
    transaction.on_commit(lambda: trial_payout_statement_send(trial_payout_id=payout.pk))
    return payout


def trial_payout_statement_send(*, trial_payout_id: int) -> bool:
    """E-mail the candidate the statement of their paid trial, once (the outbox's dedupe key)."""
    with transaction.atomic():
        rows = lock_rows(
            TrialPayout.objects.filter(
                pk=trial_payout_id, status=TrialPayout.Status.PAID, statement_sent_at__isnull=True
            )
        )
        if not rows:
            return False
        payout = TrialPayout.objects.select_related("trial_task__application__posting", "program").get(
            pk=trial_payout_id
        )
        application = payout.trial_task.application
        if not application.email:  # anonymised meanwhile
            return False
        link = settings.SITE_URL + trial_payout_details_path(payout.trial_task)
        context = {"payout": payout, "application": application, "link": link}
        email_enqueue(
            to=[application.email],
            subject=f"Your payment for the trial task — {application.posting.title}",
            body=render_to_string("payments/email/trial_statement.txt", context),
            program_id=payout.program_id,
            about=payout,
            dedupe_key=f"trial-payout-statement:{payout.pk}",
        )
        TrialPayout.objects.filter(pk=payout.pk).update(statement_sent_at=timezone.now())
    return True
