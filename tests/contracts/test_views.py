import datetime
import hashlib
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Contract, ContractDocument, CredentialReveal, DocumentKind, RateChange
from contracts.services import (
    contract_create_draft,
    contract_send,
    credential_link_create,
    credential_store,
    rate_change_create,
)
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, ManagerFactory
from tests.contracts.factories import (
    ContractFactory,
    FreelancerInvitationFactory,
    ProgramToolFactory,
    ToolAccessGrantFactory,
    sign_contract,
)
from tests.programs.factories import OnboardingStepFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _signed(program, manager, **kwargs):
    freelancer = kwargs.pop("freelancer", None) or FreelancerFactory()
    contract = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=Decimal("15.00"),
        start_date=datetime.date(2026, 1, 5),
        **kwargs,
    )
    contract_send(contract=contract, actor=manager)
    return sign_contract(contract)


# ---------------------------------------------------------------- portal


def test_freelancer_signs_in_the_portal(client, sent):
    client.force_login(sent.freelancer.user)
    page = client.get(f"/portal/contracts/{sent.pk}/")
    assert page.status_code == 200 and "Read and sign" in page.content.decode()
    docs = {d.kind: d for d in sent.documents.all()}

    response = client.post(
        f"/portal/contracts/{sent.pk}/sign/",
        {
            "typed_name": "sofia martinez",
            "consent": "on",
            "contract_sha256": docs["contract"].sha256,
            "nda_sha256": docs["nda"].sha256,
        },
        REMOTE_ADDR="198.51.100.20",
        HTTP_USER_AGENT="Safari/18",
    )

    assert response.status_code == 302
    document = ContractDocument.objects.get(pk=docs["contract"].pk)
    assert document.signer_ip == "198.51.100.20" and document.signer_user_agent == "Safari/18"


def test_portal_asks_to_confirm_a_close_name(client, sent):
    client.force_login(sent.freelancer.user)
    docs = {d.kind: d.sha256 for d in sent.documents.all()}
    data = {
        "typed_name": "Sofia Martines",
        "consent": "on",
        "contract_sha256": docs["contract"],
        "nda_sha256": docs["nda"],
    }

    response = client.post(f"/portal/contracts/{sent.pk}/sign/", data)
    assert response.status_code == 400
    assert "Confirm and sign" in response.content.decode()
    assert not ContractDocument.objects.filter(signed_at__isnull=False).exists()

    response = client.post(f"/portal/contracts/{sent.pk}/sign/", {**data, "confirm_name_mismatch": "on"})
    assert response.status_code == 302
    assert ContractDocument.objects.filter(signed_at__isnull=False).count() == 2


def test_signing_someone_elses_contract_is_404(client, sent):
    other = FreelancerFactory(legal_name="Other Person")
    client.force_login(other.user)
    assert client.get(f"/portal/contracts/{sent.pk}/").status_code == 404
    response = client.post(
        f"/portal/contracts/{sent.pk}/sign/", {"typed_name": "Other Person", "consent": "on"}
    )
    assert response.status_code == 404
    doc = sent.documents.first()
    assert client.get(f"/portal/contracts/{sent.pk}/documents/{doc.pk}/?download=html").status_code == 404
    assert not ContractDocument.objects.filter(signed_at__isnull=False).exists()


def test_drafts_are_not_shown_to_the_freelancer(client, draft):
    client.force_login(draft.freelancer.user)
    assert client.get(f"/portal/contracts/{draft.pk}/").status_code == 404
    assert (
        draft.freelancer.legal_name
        not in client.get("/portal/contracts/").content.decode().split("My contracts")[-1]
    )


def test_both_sides_download_the_signed_document_and_the_text_matches_the_hash(client, program, manager):
    contract = _signed(program, manager)
    document = contract.documents.get(kind=DocumentKind.CONTRACT)
    for user, prefix in ((contract.freelancer.user, "/portal"), (manager, "/manage")):
        client.force_login(user)
        html = client.get(f"{prefix}/contracts/{contract.pk}/documents/{document.pk}/?download=html")
        assert html.status_code == 200 and html["Content-Disposition"].startswith("attachment;")
        assert document.sha256 in html.content.decode()
        text = client.get(f"{prefix}/contracts/{contract.pk}/documents/{document.pk}/?download=txt")
        assert hashlib.sha256(text.content).hexdigest() == document.sha256


def test_document_text_is_escaped(client, program, manager):
    evil = FreelancerFactory(legal_name="<script>alert(1)</script>")
    contract = _signed(program, manager, freelancer=evil)
    document = contract.documents.get(kind=DocumentKind.CONTRACT)
    client.force_login(manager)
    body = client.get(f"/manage/contracts/{contract.pk}/documents/{document.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_freelancer_ticks_onboarding_with_htmx(client, program, manager):
    step = OnboardingStepFactory(program=program, title="Read the handbook")
    contract = _signed(program, manager)
    client.force_login(contract.freelancer.user)
    response = client.post(f"/portal/contracts/{contract.pk}/onboarding/{step.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "1 of 1 required steps complete" in response.content.decode()


def test_manager_confirms_a_step(client, program, manager):
    step = OnboardingStepFactory(program=program, title="Shadow", needs_manager_confirmation=True)
    contract = _signed(program, manager)
    client.force_login(manager)
    response = client.post(
        f"/manage/contracts/{contract.pk}/onboarding/{step.pk}/confirm/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert contract.onboarding_progress.get(step=step).confirmed_by == manager


def test_reveal_in_the_portal_is_logged_and_needs_a_grant(client, program, manager, two_factor_login):
    tool = ProgramToolFactory(program=program, name="Zendesk")
    credential = credential_store(
        program=program, tool=tool, label="Login", username="u", password="pw-123", actor=manager
    )
    grant = ToolAccessGrantFactory(contract=ContractFactory(program=program), tool=tool)
    url = f"/portal/contracts/{grant.contract_id}/credentials/{credential.pk}/reveal/"
    two_factor_login(client, grant.contract.freelancer.user)  # a reveal needs a verified session

    assert client.get(url).status_code == 405  # a reveal is a POST, never a link
    response = client.post(url, REMOTE_ADDR="198.51.100.30")
    assert response.status_code == 200 and "pw-123" in response.content.decode()
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert CredentialReveal.objects.get().ip_address == "198.51.100.30"

    other = ContractFactory(program=program)
    client.force_login(other.freelancer.user)
    assert (
        client.post(
            f"/portal/contracts/{other.pk}/credentials/{credential.pk}/reveal/", REMOTE_ADDR="198.51.100.31"
        ).status_code
        == 404
    )
    assert client.post(url).status_code == 404  # someone else's contract id
    assert client.post(f"/portal/contracts/{other.pk}/credentials/999999/reveal/").status_code == 404
    assert CredentialReveal.objects.count() == 1
    # Every refusal leaves an audit row, with the credential when the id names one.
    refusals = list(AuditLog.objects.filter(verb="vault.reveal_refused").order_by("pk"))
    assert [(r.actor, r.target_id, r.data["credential_id"]) for r in refusals] == [
        (other.freelancer.user, str(credential.pk), str(credential.pk)),
        (other.freelancer.user, str(credential.pk), str(credential.pk)),
        (other.freelancer.user, "", "999999"),
    ]
    assert refusals[0].ip_address == "198.51.100.31"
    assert "pw-123" not in str([r.data for r in refusals])


def test_manager_sees_the_reveal_log_but_never_the_secret(client, program, manager):
    tool = ProgramToolFactory(program=program, name="Zendesk")
    credential_store(program=program, tool=tool, label="Login", password="pw-123", actor=manager)
    client.force_login(manager)
    body = client.get("/manage/contracts/vault/").content.decode()
    assert "Login" in body and "pw-123" not in body


def test_one_time_link_page(client, program, manager):
    tool = ProgramToolFactory(program=program, name="Zendesk")
    _link, url = credential_link_create(program=program, tool=tool, label="Agent login", actor=manager)
    path = url.replace("http://testserver", "")
    assert client.get(path).status_code == 200
    assert client.get(path[:-2] + "x/").status_code == 404  # tampered
    response = client.post(path, {"submitted_by_name": "Ida", "username": "agent", "password": "pw"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert client.get(path).status_code == 410  # spent: gone
    assert client.post(path, {"submitted_by_name": "Ida", "password": "again"}).status_code == 410


# ---------------------------------------------------------------- manager pages and scope


def test_manager_of_another_program_gets_404(client, program, manager):
    contract = ContractFactory(program=program)
    outsider = ManagerFactory()
    ProgramFactory(managers=[outsider])
    client.force_login(outsider)
    assert client.get(f"/manage/contracts/{contract.pk}/").status_code == 404
    assert (
        client.post(
            f"/manage/contracts/{contract.pk}/end/",
            {"how": "terminate", "ended_on": "2026-06-01", "reason": "x"},
        ).status_code
        == 404
    )
    assert contract.freelancer.legal_name not in client.get("/manage/contracts/").content.decode()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE


def test_freelancers_cannot_open_manager_pages(client, program):
    contract = ContractFactory(program=program)
    client.force_login(contract.freelancer.user)
    assert client.get("/manage/contracts/").status_code == 403


def test_manager_creates_sends_and_terminates(client, program, manager, freelancer):
    FreelancerInvitationFactory(
        program=program, freelancer=freelancer, accepted=True
    )  # someone they may contract
    client.force_login(manager)
    response = client.post(
        "/manage/contracts/new/",
        {
            "program": program.pk,
            "freelancer": freelancer.pk,
            "role": "Tier-1 agent",
            "start_date": "2026-02-01",
            "end_date": "",
            "hourly_rate": "15.00",
            "currency": "USD",
            "hours_per_week": "20",
            "weekly_hour_cap": "25",
            "nda_required": "on",
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302 and response.url == f"/manage/contracts/{contract.pk}/"
    assert client.post(f"/manage/contracts/{contract.pk}/send/").status_code == 302
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SENT

    response = client.post(
        f"/manage/contracts/{contract.pk}/end/", {"how": "terminate", "ended_on": "2026-01-20"}
    )
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    client.post(
        f"/manage/contracts/{contract.pk}/end/",
        {"how": "terminate", "ended_on": "2026-01-20", "reason": "Did not start"},
    )
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED


def test_create_form_shows_the_floor_error_and_creates_nothing(client, program, manager):
    from tests.contracts.factories import RateFloorFactory

    RateFloorFactory(program=program, countries=["US"], minimum_hourly_rate=Decimal("20"))
    invited = FreelancerInvitationFactory(
        program=program, freelancer=FreelancerFactory(country="US"), accepted=True
    )
    client.force_login(manager)
    response = client.post(
        "/manage/contracts/new/",
        {
            "program": program.pk,
            "freelancer": invited.freelancer.pk,
            "role": "Agent",
            "start_date": "2026-02-01",
            "end_date": "2026-01-01",
            "hourly_rate": "15.00",
            "currency": "USD",
            "hours_per_week": "20",
            "weekly_hour_cap": "25",
        },
    )
    assert response.status_code == 200 and "before the start date" in response.content.decode()
    response = client.post(
        "/manage/contracts/new/",
        {
            "program": program.pk,
            "freelancer": invited.freelancer.pk,
            "role": "Agent",
            "start_date": "2026-02-01",
            "hourly_rate": "15.00",
            "currency": "USD",
            "hours_per_week": "20",
            "weekly_hour_cap": "25",
        },
    )
    assert response.status_code == 200 and "below the rate floor" in response.content.decode()
    assert not Contract.objects.exists()


def test_rate_change_page_records_the_change(client, program, manager):
    contract = ContractFactory(program=program)
    client.force_login(manager)
    response = client.post(
        f"/manage/contracts/{contract.pk}/rate-change/",
        {
            "effective_date": "2026-05-01",
            "hourly_rate": "21.50",
            "reason": "annual_review",
            "note": "",
        },
    )
    assert response.status_code == 302
    change = RateChange.objects.get()
    assert change.hourly_rate == Decimal("21.50") and change.approved_by == manager


@pytest.mark.parametrize(
    "path",
    [
        "/manage/contracts/",
        "/manage/contracts/new/",
        "/manage/contracts/templates/",
        "/manage/contracts/templates/{slug}/contract/",
        "/manage/contracts/templates/{slug}/nda/",
        "/manage/contracts/rate-floors/",
        "/manage/contracts/vault/",
        "/manage/contracts/vault/new/",
        "/manage/contracts/vault/links/new/",
        "/manage/contracts/{pk}/",
        "/manage/contracts/{pk}/rate-change/",
        "/manage/contracts/{pk}/end/",
    ],
)
def test_manager_pages_render(client, program, manager, path):
    contract = _signed(program, manager)
    OnboardingStepFactory(program=program)
    ToolAccessGrantFactory(contract=contract)
    client.force_login(manager)
    assert client.get(path.format(slug=program.slug, pk=contract.pk)).status_code == 200


def test_only_an_administrator_edits_the_default_templates(client, manager):
    client.force_login(manager)
    assert client.get("/manage/contracts/templates/default/contract/").status_code == 404


def test_nav_link_names_exist():
    assert reverse("contracts:contract_list") == "/manage/contracts/"
    assert reverse("contracts:portal_contracts") == "/portal/contracts/"


# ---------------------------------------------------------------- query counts


def _fill(program, manager, n):
    steps = [OnboardingStepFactory(program=program) for _ in range(2)]
    for _ in range(n):
        contract = _signed(program, manager)
        rate_change_create(
            contract=contract,
            effective_date=datetime.date(2026, 3, 1),
            hourly_rate=Decimal("16"),
            reason="evaluation",
            approved_by=manager,
        )
        from contracts.services import onboarding_step_complete

        onboarding_step_complete(contract=contract, step=steps[0], user=contract.freelancer.user)
    return steps


def test_manager_list_query_count_does_not_grow(client, program, manager, django_assert_max_num_queries):
    _fill(program, manager, 2)
    client.force_login(manager)
    client.get("/manage/contracts/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/manage/contracts/").status_code == 200
    for _ in range(4):
        contract = _signed(program, manager)
        ContractFactory(program=ProgramFactory(managers=[manager]))
        rate_change_create(
            contract=contract,
            effective_date=datetime.date(2026, 3, 1),
            hourly_rate=Decimal("16"),
            reason="evaluation",
            approved_by=manager,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/manage/contracts/")
    assert response.content.decode().count("/manage/contracts/") > 6


def test_portal_list_query_count_does_not_grow(client, program, manager, django_assert_max_num_queries):
    freelancer = FreelancerFactory()
    _signed(program, manager, freelancer=freelancer)
    client.force_login(freelancer.user)
    client.get("/portal/contracts/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/portal/contracts/")
    for _ in range(3):
        other = ProgramFactory(managers=[manager])
        OnboardingStepFactory(program=other)
        _signed(other, manager, freelancer=freelancer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/portal/contracts/")
    assert response.content.decode().count("/portal/contracts/") >= 4


def test_vault_page_query_count_does_not_grow(client, program, manager, django_assert_max_num_queries):
    tool = ProgramToolFactory(program=program)
    credential = credential_store(program=program, tool=tool, label="A", password="x", actor=manager)
    client.force_login(manager)
    client.get("/manage/contracts/vault/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/manage/contracts/vault/")
    for i in range(4):
        grant = ToolAccessGrantFactory(contract=ContractFactory(program=program), tool=tool)
        credential_store(
            program=program,
            tool=ProgramToolFactory(program=program),
            label=f"B{i}",
            password="y",
            actor=manager,
        )
        credential_link_create(program=program, tool=tool, label=f"L{i}", actor=manager)
        from contracts.services import credential_reveal

        credential_reveal(credential=credential, freelancer=grant.contract.freelancer, ip_address=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/manage/contracts/vault/")


def _profile_post(client, freelancer, legal_name):
    return client.post(
        "/accounts/profile/",
        {
            "display_name": freelancer.user.display_name,
            "time_zone": "UTC",
            "freelancer-legal_name": legal_name,
            "freelancer-time_zone": "Europe/Warsaw",
            "freelancer-country": "PL",
            "freelancer-payout_currency": "EUR",
            "freelancer-languages": [lang.pk for lang in freelancer.languages.all()],
        },
    )


def test_a_signed_contract_locks_the_legal_name_in_the_profile(client):
    # Given a freelancer whose contract carries their signed legal name
    from django.utils import timezone

    from tests.contracts.factories import ContractFactory

    contract = ContractFactory(signed_at=timezone.now())
    freelancer = contract.freelancer
    name = freelancer.legal_name
    client.force_login(freelancer.user)
    # When they post a new legal name with the rest of their profile
    page = client.get("/accounts/profile/").content.decode()
    response = _profile_post(client, freelancer, "Somebody Else")
    # Then the rest is saved but the name is not, and the page says why
    assert response.status_code == 302
    freelancer.refresh_from_db()
    assert freelancer.legal_name == name and freelancer.payout_currency == "EUR"
    assert "Your signed contracts carry this name" in page


def test_before_signing_a_freelancer_corrects_their_legal_name(client):
    from tests.contracts.factories import ContractFactory

    contract = ContractFactory(status="sent", signed_at=None)
    client.force_login(contract.freelancer.user)
    assert _profile_post(client, contract.freelancer, "Ana María Reyes").status_code == 302
    contract.freelancer.refresh_from_db()
    assert contract.freelancer.legal_name == "Ana María Reyes"
