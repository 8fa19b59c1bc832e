"""A contract's life: draft → sent → signed → active → ended or terminated, its documents and signature."""

import datetime
import difflib
import logging
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer
from contracts.documents import (
    DEFAULT_CONTRACT_BODY,
    DEFAULT_NDA_BODY,
    contract_placeholder_values,
    substitute,
)
from contracts.errors import ContractError, SignatureNameMismatch
from contracts.models import (
    Contract,
    ContractDocument,
    ContractEndReminder,
    DocumentKind,
    OnboardingProgress,
    text_sha256,
)
from contracts.selectors import document_template_for
from contracts.services.access import offboarding_checklist_create
from contracts.services.rates import rate_floor_check, rate_range_check
from contracts.services.welcome import freelancer_welcome_on_activation
from core.audit import audit_record
from core.errors import check_transition
from core.locks import lock_one
from core.money import round_money
from core.outbox import email_enqueue
from programs.models import OnboardingStep, Program
from programs.selectors import program_staff_emails
from programs.services import program_today

logger = logging.getLogger(__name__)

REMINDER_DAYS = (14, 3)
DEFAULT_TITLES = {
    DocumentKind.CONTRACT: "Independent contractor agreement",
    DocumentKind.NDA: "Non-disclosure agreement",
}
DEFAULT_BODIES = {DocumentKind.CONTRACT: DEFAULT_CONTRACT_BODY, DocumentKind.NDA: DEFAULT_NDA_BODY}


def _locked(contract: Contract) -> Contract:
    return lock_one(Contract.objects.filter(pk=contract.pk).select_related("program", "freelancer__user"))


def _candidate_profile(program: Program):
    from programs.models import CandidateProfile

    return CandidateProfile.objects.filter(program=program).first()


@transaction.atomic
def contract_create_draft(
    *,
    program: Program,
    freelancer: Freelancer,
    created_by=None,
    hourly_rate: Decimal,
    currency: str | None = None,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    hours_per_week: Decimal = Decimal("20"),
    weekly_hour_cap: Decimal | None = None,
    role: str = "Tier-1 support agent",
    performance_expectations: str = "",
    nda_required: bool | None = None,
    override_reason: str = "",
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
) -> Contract:
    """A draft contract for a freelancer in a program (recruiting's "hire" calls this).

    The rate must meet the program's floor for the freelancer's region unless `override_reason` says why not,
    and lie in the program's pay range unless confirmed with `out_of_range_reason` (rate_range_check).
    """
    if end_date is not None and start_date and end_date < start_date:
        raise ContractError("The end date is before the start date.", field="end_date")
    profile = _candidate_profile(program)
    contract = Contract(
        program=program,
        freelancer=freelancer,
        created_by=created_by,
        hourly_rate=round_money(hourly_rate),
        currency=currency or program.currency,
        start_date=start_date,
        end_date=end_date,
        hours_per_week=hours_per_week,
        weekly_hour_cap=weekly_hour_cap or hours_per_week,
        role=role,
        performance_expectations=performance_expectations
        or (profile.performance_expectations if profile is not None else ""),
        nda_required=nda_required
        if nda_required is not None
        else (profile.nda_required if profile else True),
        below_floor_override_reason=override_reason.strip(),
    )
    contract.full_clean()
    rate_floor_check(
        program=program,
        freelancer=freelancer,
        hourly_rate=contract.hourly_rate,
        currency=contract.currency,
        override_reason=override_reason,
    )
    out_of_range = rate_range_check(
        program=program,
        hourly_rate=contract.hourly_rate,
        currency=contract.currency,
        confirm_out_of_range=confirm_out_of_range,
        out_of_range_reason=out_of_range_reason,
    )
    contract.out_of_range_reason = out_of_range_reason.strip() if out_of_range else ""
    contract.save()
    audit_record(
        actor=created_by,
        verb="contract.drafted",
        target=contract,
        below_floor_override=bool(override_reason.strip()),
        out_of_range=out_of_range,
        out_of_range_reason=contract.out_of_range_reason,
    )
    return contract


EDITABLE_FIELDS = {
    "role",
    "start_date",
    "end_date",
    "hourly_rate",
    "currency",
    "hours_per_week",
    "weekly_hour_cap",
    "performance_expectations",
    "nda_required",
}


@transaction.atomic
def contract_update_draft(
    *,
    contract: Contract,
    actor,
    override_reason: str = "",
    confirm_out_of_range: bool = False,
    out_of_range_reason: str = "",
    **changes,
) -> Contract:
    """Change the terms of a draft. Sent contracts go back to draft first (their unsigned text is replaced)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    contract = _locked(contract)
    if contract.status != Contract.Status.DRAFT:
        raise ContractError(
            "Only a draft can be edited. Withdraw a sent contract first; a signed one is final."
        )
    for field, value in changes.items():
        setattr(contract, field, value)
    contract.hourly_rate = round_money(contract.hourly_rate)
    contract.below_floor_override_reason = override_reason.strip()
    contract.full_clean()
    rate_floor_check(
        program=contract.program,
        freelancer=contract.freelancer,
        hourly_rate=contract.hourly_rate,
        currency=contract.currency,
        override_reason=override_reason,
    )
    out_of_range = rate_range_check(
        program=contract.program,
        hourly_rate=contract.hourly_rate,
        currency=contract.currency,
        confirm_out_of_range=confirm_out_of_range,
        out_of_range_reason=out_of_range_reason,
    )
    contract.out_of_range_reason = out_of_range_reason.strip() if out_of_range else ""
    contract.save()
    audit_record(
        actor=actor,
        verb="contract.edited",
        target=contract,
        fields=sorted(changes),
        out_of_range=out_of_range,
        out_of_range_reason=contract.out_of_range_reason,
    )
    return contract


def contract_documents_issue(*, contract: Contract) -> list[ContractDocument]:
    """Render the documents this contract needs from the current templates, as new versions where the text changed.

    Signed versions are never touched; an unsigned version whose text changed is superseded.
    Call inside a transaction that holds the contract's row lock.
    """
    now = timezone.now()
    values = contract_placeholder_values(contract, issue_date=program_today(contract.program))
    existing = list(ContractDocument.objects.filter(contract=contract).order_by("kind", "-version"))
    issued = []
    for kind in contract.required_document_kinds:
        template = document_template_for(program=contract.program, kind=kind)
        title = substitute(template.title if template else DEFAULT_TITLES[kind], values)
        text = substitute(template.body if template else DEFAULT_BODIES[kind], values)
        of_kind = [d for d in existing if d.kind == kind]
        current = next((d for d in of_kind if d.superseded_at is None), None)
        if current is not None and current.text == text and current.title == title:
            issued.append(current)
            continue
        if current is not None and not current.is_signed:
            current.superseded_at = now
            current.save(update_fields=["superseded_at", "updated_at"])
        document = ContractDocument(
            contract=contract,
            kind=kind,
            version=(of_kind[0].version + 1) if of_kind else 1,
            title=title[:150],
            text=text,
            sha256=text_sha256(text),
        )
        document.full_clean()
        document.save()
        issued.append(document)
    for document in existing:
        if (
            document.kind not in contract.required_document_kinds
            and document.superseded_at is None
            and not document.is_signed
        ):
            document.superseded_at = now
            document.save(update_fields=["superseded_at", "updated_at"])
    return issued


@transaction.atomic
def contract_send(*, contract: Contract, actor) -> Contract:
    """Issue the contract (and NDA) text and ask the freelancer to sign it in the portal."""
    contract = _locked(contract)
    check_transition(Contract.TRANSITIONS, contract.status, Contract.Status.SENT, label="contract")
    if contract.end_date and contract.end_date < program_today(contract.program):
        raise ContractError("The end date has passed: change it before sending.", field="end_date")
    documents = contract_documents_issue(contract=contract)
    contract.status = Contract.Status.SENT
    contract.sent_at = timezone.now()
    contract.save(update_fields=["status", "sent_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="contract.sent",
        target=contract,
        documents={d.kind: {"version": d.version, "sha256": d.sha256} for d in documents},
    )
    link = settings.SITE_URL + reverse("contracts:portal_contract_detail", kwargs={"pk": contract.pk})
    body = render_to_string("contracts/email/contract_sent.txt", {"contract": contract, "link": link})
    email = contract.freelancer.user.email
    email_enqueue(
        to=[email],
        subject=f"Your contract for {contract.program.name} is ready to sign",
        body=body,
        program_id=contract.program_id,
        about=contract,
    )
    return contract


@transaction.atomic
def contract_withdraw(*, contract: Contract, actor) -> Contract:
    """Take a sent, unsigned contract back to draft to change it; its unsigned text is superseded."""
    contract = _locked(contract)
    check_transition(Contract.TRANSITIONS, contract.status, Contract.Status.DRAFT, label="contract")
    ContractDocument.objects.filter(
        contract=contract, signed_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=timezone.now())
    contract.status = Contract.Status.DRAFT
    contract.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="contract.withdrawn", target=contract)
    return contract


def normalise_name(name: str) -> str:
    """Case-, accent- and whitespace-insensitive form of a name: 'Sofía  MARTÍNEZ ' → 'sofia martinez'."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_accents.casefold().split())


def names_match(typed: str, legal: str) -> str:
    """'exact' (same name up to case/accents/spaces), 'close' (a typo, order, a missing middle name) or 'different'."""
    a, b = normalise_name(typed), normalise_name(legal)
    if not a:
        return "different"
    if a == b:
        return "exact"
    tokens_a, tokens_b = a.split(), b.split()
    if sorted(tokens_a) == sorted(tokens_b):
        return "close"
    shorter, longer = sorted([set(tokens_a), set(tokens_b)], key=len)
    if len(shorter) >= 2 and shorter <= longer:
        return "close"
    if difflib.SequenceMatcher(None, a, b).ratio() >= 0.8:
        return "close"
    return "different"


def _check_signer_name(*, typed_name: str, legal_name: str, confirm_name_mismatch: bool) -> bool:
    """Returns True when the signer confirmed a close-but-different name."""
    match = names_match(typed_name, legal_name)
    if match == "exact":
        return False
    if match == "close":
        if confirm_name_mismatch:
            return True
        raise SignatureNameMismatch(
            f"“{typed_name.strip()}” is not exactly the legal name on your profile (“{legal_name}”). "
            "Check it, or confirm that this is your full legal name.",
            field="typed_name",
            needs_confirmation=True,
            code="name_mismatch",
        )
    raise SignatureNameMismatch(
        f"The name you typed does not match the legal name on your profile (“{legal_name}”). Type your full "
        "legal name; if your profile is wrong, correct it in your profile first or ask your program manager.",
        field="typed_name",
        needs_confirmation=False,
        code="name_different",
    )


@transaction.atomic
def contract_sign(
    *,
    contract: Contract,
    freelancer: Freelancer,
    typed_name: str,
    consent: bool,
    ip_address: str | None,
    user_agent: str,
    confirm_name_mismatch: bool = False,
    document_hashes: dict[str, str] | None = None,
) -> Contract:
    """The freelancer signs every current document of a sent contract at once.

    Stores who, when, IP, user agent, the typed name and the SHA-256 of the exact text. Signing
    an already-signed version changes nothing. `document_hashes` ({kind: sha256} of the text the
    signer read) refuses the signature when the text changed since the page was shown.
    The contract becomes active at once when its start date has come (else the daily job activates it).
    """
    contract = _locked(contract)
    if contract.freelancer_id != freelancer.pk:
        raise ContractError("This contract is not yours to sign.", code="not_signer")
    current = {
        d.kind: d
        for d in ContractDocument.objects.filter(contract=contract, superseded_at__isnull=True).order_by(
            "version"
        )
    }
    documents = [current.get(kind) for kind in contract.required_document_kinds]
    if contract.status != Contract.Status.SENT and all(d is not None and d.is_signed for d in documents):
        return contract  # a second signature of a signed version: nothing changes
    check_transition(Contract.TRANSITIONS, contract.status, Contract.Status.SIGNED, label="contract")
    if any(d is None for d in documents):
        raise ContractError("The documents to sign are missing; ask your manager to send the contract again.")
    if not consent:
        raise ContractError("Tick the box to agree to sign electronically.", field="consent")
    confirmed_mismatch = _check_signer_name(
        typed_name=typed_name, legal_name=freelancer.legal_name, confirm_name_mismatch=confirm_name_mismatch
    )
    for document in documents:
        if not document.is_intact:
            logger.error("contract document %s does not match its hash", document.pk)
            raise ContractError(
                "This document failed its integrity check; ask your manager to send it again."
            )
        if document_hashes is not None and document_hashes.get(document.kind) != document.sha256:
            raise ContractError(
                f"The {document.get_kind_display().lower()} changed since you opened it. Read the new version and sign again.",
                code="document_changed",
            )
    now = timezone.now()
    user_agent = (user_agent or "")[:500]
    for document in documents:
        if document.is_signed:
            continue
        document.signed_at = now
        document.signed_by = freelancer.user
        document.signer_typed_name = typed_name.strip()[:200]
        document.signer_name_mismatch_confirmed = confirmed_mismatch
        document.signer_consent = True
        document.signer_ip = ip_address
        document.signer_user_agent = user_agent
        document.save(
            update_fields=[
                "signed_at",
                "signed_by",
                "signer_typed_name",
                "signer_name_mismatch_confirmed",
                "signer_consent",
                "signer_ip",
                "signer_user_agent",
                "updated_at",
            ]
        )
        audit_record(
            actor=freelancer.user,
            verb="contract.document_signed",
            target=document,
            ip_address=ip_address,
            sha256=document.sha256,
            version=document.version,
            kind=document.kind,
            name_mismatch_confirmed=confirmed_mismatch,
        )
    contract.status = Contract.Status.SIGNED
    contract.signed_at = now
    contract.save(update_fields=["status", "signed_at", "updated_at"])
    audit_record(actor=freelancer.user, verb="contract.signed", target=contract, ip_address=ip_address)
    if contract.nda_required:
        _complete_steps_of_kind(
            contract=contract, kind=OnboardingStep.Kind.SIGN_NDA, user=freelancer.user, now=now
        )
    if contract.start_date <= program_today(contract.program):
        contract_activate(contract=contract, actor=None)
        contract.refresh_from_db()
    return contract


def _complete_steps_of_kind(*, contract: Contract, kind: str, user, now) -> None:
    """Steps Flexdesk can see done by itself (signing the NDA) are ticked and, being proven, confirmed."""
    for step in OnboardingStep.objects.filter(program_id=contract.program_id, kind=kind):
        progress, _ = OnboardingProgress.objects.get_or_create(contract=contract, step=step)
        progress.done_at = progress.done_at or now
        progress.done_by = progress.done_by or user
        # The signature itself is the proof: confirmed, so nobody needs to (or can) untick it.
        progress.confirmed_at = progress.confirmed_at or now
        progress.save()


@transaction.atomic
def contract_activate(*, contract: Contract, actor=None) -> Contract:
    """A signed contract starts: the freelancer becomes queue-ready once onboarding is done."""
    contract = _locked(contract)
    check_transition(Contract.TRANSITIONS, contract.status, Contract.Status.ACTIVE, label="contract")
    contract.status = Contract.Status.ACTIVE
    contract.activated_at = timezone.now()
    contract.save(update_fields=["status", "activated_at", "updated_at"])
    freelancer = contract.freelancer
    if freelancer.status == Freelancer.Status.CANDIDATE:
        freelancer.status = Freelancer.Status.ACTIVE
        freelancer.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, verb="contract.activated", target=contract)
    freelancer_welcome_on_activation(contract=contract)
    return contract


@transaction.atomic
def contract_end(*, contract: Contract, ended_on: datetime.date, actor=None, reason: str = "") -> Contract:
    """An active contract ends as agreed (its end date came, or both sides agreed); offboarding starts."""
    contract = _locked(contract)
    check_transition(Contract.TRANSITIONS, contract.status, Contract.Status.ENDED, label="contract")
    if ended_on < contract.start_date:
        raise ContractError("A contract cannot end before it starts.", field="ended_on")
    contract.status = Contract.Status.ENDED
    contract.ended_on = ended_on
    contract.end_reason = reason.strip() or ("End date reached" if contract.end_date == ended_on else "")
    contract.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    offboarding_checklist_create(contract=contract, actor=actor, worked=True)
    audit_record(
        actor=actor, verb="contract.ended", target=contract, ended_on=ended_on.isoformat(), reason=reason
    )
    return contract


@transaction.atomic
def contract_terminate(*, contract: Contract, reason: str, ended_on: datetime.date, actor) -> Contract:
    """End a contract early, for a stated reason; offboarding starts (revoke access, final hours and payout)."""
    if not (reason or "").strip():
        raise ContractError("Give the reason for the termination.", field="reason")
    if ended_on is None:
        raise ContractError("Give the date the termination takes effect.", field="ended_on")
    contract = _locked(contract)
    was = contract.status
    check_transition(Contract.TRANSITIONS, was, Contract.Status.TERMINATED, label="contract")
    if was == Contract.Status.ACTIVE and ended_on < contract.start_date:
        raise ContractError("A contract cannot end before it starts.", field="ended_on")
    contract.status = Contract.Status.TERMINATED
    contract.ended_on = ended_on
    contract.end_reason = reason.strip()
    contract.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    ContractDocument.objects.filter(
        contract=contract, signed_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=timezone.now())
    offboarding_checklist_create(contract=contract, actor=actor, worked=was == Contract.Status.ACTIVE)
    audit_record(
        actor=actor,
        verb="contract.terminated",
        target=contract,
        ended_on=ended_on.isoformat(),
        reason=reason.strip(),
        previous_status=was,
    )
    return contract


def contract_expiry_process(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily job: start signed contracts whose day came, remind managers 14 and 3 days before a
    fixed-term end (once each), and end contracts whose end date has passed. Safe to run twice."""
    now = now or timezone.now()
    summary = {"activated": 0, "reminders": 0, "ended": 0}
    horizon = now.date() + datetime.timedelta(days=max(REMINDER_DAYS) + 1)
    for contract_id in Contract.objects.filter(
        status=Contract.Status.SIGNED, start_date__lte=now.date() + datetime.timedelta(days=1)
    ).values_list("pk", flat=True):
        summary["activated"] += _activate_if_started(contract_id, now)
    for contract_id in Contract.objects.filter(
        status=Contract.Status.ACTIVE, end_date__isnull=False, end_date__lte=horizon
    ).values_list("pk", flat=True):
        ended, reminded = _remind_or_end(contract_id, now)
        summary["ended"] += ended
        summary["reminders"] += reminded
    return summary


@transaction.atomic
def _activate_if_started(contract_id: int, now) -> int:
    contract = lock_one(Contract.objects.filter(pk=contract_id).select_related("program", "freelancer"))
    if (
        contract.status != Contract.Status.SIGNED
        or contract.start_date > now.astimezone(contract.program.zone).date()
    ):
        return 0
    contract_activate(contract=contract, actor=None)
    return 1


@transaction.atomic
def _remind_or_end(contract_id: int, now) -> tuple[int, int]:
    contract = lock_one(Contract.objects.filter(pk=contract_id).select_related("program", "freelancer__user"))
    if contract.status != Contract.Status.ACTIVE or contract.end_date is None:
        return 0, 0
    today = now.astimezone(contract.program.zone).date()
    if contract.end_date < today:
        contract_end(contract=contract, ended_on=contract.end_date, actor=None, reason="End date reached")
        return 1, 0
    days_left = (contract.end_date - today).days
    # The closest threshold not yet reminded: a run missed by a day still reminds, never twice.
    due = [d for d in sorted(REMINDER_DAYS) if days_left <= d]
    if not due:
        return 0, 0
    threshold = due[0]
    _reminder, created = ContractEndReminder.objects.get_or_create(
        contract=contract, days_before=threshold, defaults={"sent_at": now}
    )
    if not created:
        return 0, 0
    recipients = program_staff_emails(program=contract.program)
    if recipients:
        link = settings.SITE_URL + reverse("contracts:contract_detail", kwargs={"pk": contract.pk})
        body = render_to_string(
            "contracts/email/end_reminder.txt", {"contract": contract, "days_left": days_left, "link": link}
        )
        subject = f"Contract ends in {days_left} day{'s' if days_left != 1 else ''}: {contract.freelancer} — {contract.program}"
        email_enqueue(
            to=recipients, subject=subject, body=body, program_id=contract.program_id, about=contract
        )
    audit_record(
        verb="contract.end_reminder_sent", target=contract, days_before=threshold, days_left=days_left
    )
    return 0, 1
