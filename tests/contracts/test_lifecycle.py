import datetime
import hashlib
from decimal import Decimal

import pytest

from contracts.errors import ContractError, SignatureNameMismatch
from contracts.models import Contract, ContractDocument, DocumentKind, OffboardingItem, ToolAccessGrant
from contracts.services import (
    contract_activate,
    contract_create_draft,
    contract_end,
    contract_send,
    contract_terminate,
    contract_update_draft,
    contract_withdraw,
    document_template_save,
    names_match,
)
from core.errors import TransitionNotAllowed
from core.models import AuditLog
from programs.models import OnboardingStep
from tests.contracts.factories import ContractFactory, ToolAccessGrantFactory, sign_contract
from tests.programs.factories import OnboardingStepFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- transitions


def test_draft_is_sent_with_contract_and_nda_rendered_from_the_templates(
    draft, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contract = contract_send(contract=draft, actor=manager)

    assert contract.status == Contract.Status.SENT
    documents = {d.kind: d for d in contract.documents.all()}
    assert set(documents) == {DocumentKind.CONTRACT, DocumentKind.NDA}
    text = documents[DocumentKind.CONTRACT].text
    assert "Sofía Martínez" in text and "15.00 USD" in text and "open-ended" in text
    assert "{{" not in text
    assert documents[DocumentKind.CONTRACT].sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [draft.freelancer.user.email]
    assert f"/portal/contracts/{contract.pk}/" in mailoutbox[0].body


def test_contract_without_nda_issues_only_the_contract(program, freelancer, manager):
    contract = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=Decimal("15"),
        start_date=datetime.date(2026, 1, 5),
        nda_required=False,
    )
    contract_send(contract=contract, actor=manager)
    assert [d.kind for d in contract.documents.all()] == [DocumentKind.CONTRACT]


def test_sign_then_activate_then_end(sent, manager):
    sent.start_date = datetime.date(2099, 1, 1)  # in the future: signing does not activate
    sent.save()
    contract = sign_contract(sent)
    assert contract.status == Contract.Status.SIGNED

    contract = contract_activate(contract=contract, actor=manager)
    assert contract.status == Contract.Status.ACTIVE and contract.activated_at is not None

    contract = contract_end(
        contract=contract, ended_on=datetime.date(2099, 3, 1), actor=manager, reason="Season over"
    )
    assert contract.status == Contract.Status.ENDED
    assert contract.ended_on == datetime.date(2099, 3, 1)


def test_signing_a_contract_whose_start_has_come_activates_it(sent):
    contract = sign_contract(sent)  # starts 2026-01-05, in the past
    assert contract.status == Contract.Status.ACTIVE


@pytest.mark.parametrize(
    "status,service",
    [
        (Contract.Status.DRAFT, "activate"),
        (Contract.Status.DRAFT, "end"),
        (Contract.Status.SENT, "activate"),
        (Contract.Status.SIGNED, "send"),
        (Contract.Status.ACTIVE, "send"),
        (Contract.Status.ENDED, "activate"),
        (Contract.Status.ENDED, "terminate"),
        (Contract.Status.TERMINATED, "end"),
    ],
)
def test_disallowed_moves_are_refused_and_change_nothing(status, service, manager):
    contract = ContractFactory(status=status)
    calls = {
        "activate": lambda: contract_activate(contract=contract, actor=manager),
        "end": lambda: contract_end(contract=contract, ended_on=datetime.date(2026, 6, 1), actor=manager),
        "send": lambda: contract_send(contract=contract, actor=manager),
        "terminate": lambda: contract_terminate(
            contract=contract, reason="x", ended_on=datetime.date(2026, 6, 1), actor=manager
        ),
    }
    with pytest.raises(TransitionNotAllowed):
        calls[service]()
    contract.refresh_from_db()
    assert contract.status == status
    assert not contract.documents.exists()


def test_end_date_before_start_is_refused(program, freelancer, manager):
    with pytest.raises(ContractError, match="before the start"):
        contract_create_draft(
            program=program,
            freelancer=freelancer,
            created_by=manager,
            hourly_rate=Decimal("15"),
            start_date=datetime.date(2026, 5, 1),
            end_date=datetime.date(2026, 4, 30),
        )
    assert not Contract.objects.exists()


def test_only_drafts_are_edited(sent, manager):
    with pytest.raises(ContractError, match="Only a draft"):
        contract_update_draft(contract=sent, actor=manager, role="Team lead")
    sent.refresh_from_db()
    assert sent.role == "Tier-1 support agent"


# ---------------------------------------------------------------- documents and signatures


def test_signature_records_who_when_where_and_the_hash(sent):
    contract = sign_contract(sent, ip_address="198.51.100.4", user_agent="Firefox/140")

    for document in contract.documents.all():
        assert document.signed_by == contract.freelancer.user
        assert document.signed_at is not None
        assert document.signer_ip == "198.51.100.4"
        assert document.signer_user_agent == "Firefox/140"
        assert document.signer_typed_name == "Sofía Martínez"
        assert document.sha256 == hashlib.sha256(document.text.encode("utf-8")).hexdigest()
        assert document.is_intact
    assert AuditLog.objects.filter(verb="contract.document_signed").count() == 2


def test_a_second_signature_of_a_signed_version_changes_nothing(sent):
    contract = sign_contract(sent)
    before = list(ContractDocument.objects.values_list("pk", "signed_at", "signer_ip", "sha256"))
    audits = AuditLog.objects.count()

    again = sign_contract(contract, ip_address="192.0.2.99", typed_name="Someone Else")

    assert again.status == contract.status
    assert list(ContractDocument.objects.values_list("pk", "signed_at", "signer_ip", "sha256")) == before
    assert AuditLog.objects.count() == audits


def test_template_change_after_signing_leaves_the_signed_text_and_hash_alone(sent, program, manager):
    contract = sign_contract(sent)
    signed = contract.documents.get(kind=DocumentKind.CONTRACT)
    text, digest = signed.text, signed.sha256

    document_template_save(
        program=program,
        kind=DocumentKind.CONTRACT,
        title="New terms",
        body="Totally different {{ program_name }} text.",
        actor=manager,
    )

    signed.refresh_from_db()
    assert signed.text == text and signed.sha256 == digest and signed.is_intact


def test_changing_a_sent_contract_needs_a_new_version(sent, manager):
    first = sent.documents.get(kind=DocumentKind.CONTRACT)

    contract_withdraw(contract=sent, actor=manager)
    contract_update_draft(contract=sent, actor=manager, hourly_rate=Decimal("16.00"))
    contract_send(contract=sent, actor=manager)

    first.refresh_from_db()
    current = sent.documents.get(kind=DocumentKind.CONTRACT, superseded_at__isnull=True)
    assert first.superseded_at is not None
    assert current.version == 2 and "16.00 USD" in current.text and current.sha256 != first.sha256


def test_signing_refuses_a_document_that_changed_since_it_was_read(sent):
    with pytest.raises(ContractError, match="changed since you opened it"):
        sign_contract(sent, document_hashes={"contract": "0" * 64, "nda": "0" * 64})
    assert not ContractDocument.objects.filter(signed_at__isnull=False).exists()


def test_tampered_text_fails_the_integrity_check(sent):
    ContractDocument.objects.filter(contract=sent, kind=DocumentKind.CONTRACT).update(text="Rate: 1.00 USD")
    with pytest.raises(ContractError, match="integrity"):
        sign_contract(sent)
    sent.refresh_from_db()
    assert sent.status == Contract.Status.SENT


def test_consent_is_required(sent):
    with pytest.raises(ContractError, match="agree"):
        sign_contract(sent, consent=False)
    sent.refresh_from_db()
    assert sent.status == Contract.Status.SENT


def test_someone_else_cannot_sign(sent):
    from tests.accounts.factories import FreelancerFactory

    other = FreelancerFactory(legal_name="Other Person")
    with pytest.raises(ContractError):
        sign_contract(sent, freelancer=other)
    assert not ContractDocument.objects.filter(signed_at__isnull=False).exists()


@pytest.mark.parametrize(
    "typed,legal,expected",
    [
        ("sofia   MARTINEZ ", "Sofía Martínez", "exact"),
        ("Sofía Martínez", "Sofía Martínez", "exact"),
        ("Sofia Martines", "Sofía Martínez", "close"),
        ("Martínez Sofía", "Sofía Martínez", "close"),
        ("Sofía Elena Martínez", "Sofía Martínez", "close"),
        ("John Smith", "Sofía Martínez", "different"),
        ("", "Sofía Martínez", "different"),
    ],
)
def test_names_are_compared_ignoring_case_accents_and_spaces(typed, legal, expected):
    assert names_match(typed, legal) == expected


def test_a_close_name_asks_to_confirm_and_then_signs(sent):
    with pytest.raises(SignatureNameMismatch) as raised:
        sign_contract(sent, typed_name="Sofia Martines")
    assert raised.value.needs_confirmation
    sent.refresh_from_db()
    assert sent.status == Contract.Status.SENT

    contract = sign_contract(sent, typed_name="Sofia Martines", confirm_name_mismatch=True)
    document = contract.documents.get(kind=DocumentKind.CONTRACT)
    assert document.signer_name_mismatch_confirmed and document.signer_typed_name == "Sofia Martines"


def test_a_different_name_is_refused_even_when_confirmed(sent):
    with pytest.raises(SignatureNameMismatch) as raised:
        sign_contract(sent, typed_name="John Smith", confirm_name_mismatch=True)
    assert not raised.value.needs_confirmation
    assert not ContractDocument.objects.filter(signed_at__isnull=False).exists()


def test_signing_ticks_the_nda_onboarding_step(sent):
    step = OnboardingStepFactory(
        program=sent.program, kind=OnboardingStep.Kind.SIGN_NDA, needs_manager_confirmation=True
    )
    contract = sign_contract(sent)
    progress = contract.onboarding_progress.get(step=step)
    assert progress.done_at is not None and progress.confirmed_at is not None


def test_placeholders_never_run_template_tags(program, freelancer, manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown placeholder"):
        document_template_save(
            program=program,
            kind=DocumentKind.CONTRACT,
            title="Agreement",
            body="{{ freelancer_legal_name }} {{ settings.SECRET_KEY }}",
            actor=manager,
        )
    document_template_save(
        program=program,
        kind=DocumentKind.CONTRACT,
        title="Agreement",
        body="{% debug %}{{ freelancer_legal_name }} <b>bold</b>",
        actor=manager,
    )
    contract = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=Decimal("15"),
        start_date=datetime.date(2026, 1, 5),
    )
    contract_send(contract=contract, actor=manager)
    text = contract.documents.get(kind=DocumentKind.CONTRACT).text
    assert text == "{% debug %}Sofía Martínez <b>bold</b>"


# ---------------------------------------------------------------- ending and offboarding


def test_termination_needs_a_reason(manager):
    contract = ContractFactory()
    with pytest.raises(ContractError, match="reason"):
        contract_terminate(contract=contract, reason="  ", ended_on=datetime.date(2026, 6, 1), actor=manager)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE


def test_termination_produces_the_offboarding_checklist(manager):
    contract = ContractFactory()
    granted = ToolAccessGrantFactory(contract=contract)
    requested = ToolAccessGrantFactory(
        contract=contract, status=ToolAccessGrant.Status.REQUESTED, granted_at=None
    )

    contract = contract_terminate(
        contract=contract, reason="Repeated SLA breaches", ended_on=datetime.date(2026, 6, 1), actor=manager
    )

    assert contract.status == Contract.Status.TERMINATED and contract.end_reason == "Repeated SLA breaches"
    items = {item.kind: item for item in OffboardingItem.objects.filter(contract=contract)}
    assert set(items) == {
        OffboardingItem.Kind.REVOKE_ACCESS,
        OffboardingItem.Kind.FINAL_TIME_ENTRIES,
        OffboardingItem.Kind.FINAL_PAYOUT,
    }
    assert items[OffboardingItem.Kind.REVOKE_ACCESS].grant == granted
    requested.refresh_from_db()
    assert requested.status == ToolAccessGrant.Status.REVOKED  # never granted: withdrawn at once


def test_ticking_the_revoke_item_revokes_the_grant(manager):
    from contracts.services import offboarding_item_complete

    contract = ContractFactory()
    grant = ToolAccessGrantFactory(contract=contract)
    contract_end(contract=contract, ended_on=datetime.date(2026, 6, 1), actor=manager)
    item = OffboardingItem.objects.get(grant=grant)

    offboarding_item_complete(item=item, actor=manager)

    grant.refresh_from_db()
    item.refresh_from_db()
    assert grant.status == ToolAccessGrant.Status.REVOKED and grant.revoked_by == manager
    assert item.done_at is not None


def test_terminating_a_sent_contract_needs_no_final_payout(sent, manager):
    contract = contract_terminate(
        contract=sent, reason="Candidate withdrew", ended_on=datetime.date(2026, 1, 2), actor=manager
    )
    assert contract.status == Contract.Status.TERMINATED
    assert not OffboardingItem.objects.filter(contract=contract).exists()
    assert not contract.documents.filter(superseded_at__isnull=True).exists()
