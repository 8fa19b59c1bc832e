"""Issue 17 (4): a signed freelancer's legal-name change, asked in the portal and approved by a manager.

The signed contract keeps the name it was signed with: the exact text and the typed name do not change.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.errors import AccountError
from accounts.models import LegalNameChangeRequest, User
from accounts.services import legal_name_change_decide, legal_name_change_request
from contracts.models import Contract
from contracts.services import contract_create_draft, contract_send, contract_sign
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PORTAL = "/portal/profile/legal-name/"
LIST = "/manage/contracts/legal-names/"
Status = LegalNameChangeRequest.Status


def decide_url(request, action):
    return reverse("contracts:legal_name_decide", kwargs={"pk": request.pk, "action": action})


@pytest.fixture
def signed(sent, freelancer):
    return contract_sign(
        contract=sent,
        freelancer=freelancer,
        typed_name="Sofía Martínez",
        consent=True,
        ip_address="127.0.0.1",
        user_agent="test",
    )


def _ask(freelancer, name="Sofía Martínez López"):
    return legal_name_change_request(freelancer=freelancer, requested_legal_name=name, reason="Marriage")


# ---------------------------------------------------------------- the rules


def test_approval_changes_the_name_from_now_on_and_the_signed_contract_keeps_its_own(
    signed,
    freelancer,
    manager,
    program,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    document = signed.documents.get(kind="contract")
    text_before, hash_before = document.text, document.sha256
    request = _ask(freelancer)
    assert request.previous_legal_name == "Sofía Martínez"

    with django_capture_on_commit_callbacks(execute=True):
        legal_name_change_decide(request=request, approve=True, actor=manager)

    freelancer.refresh_from_db(), document.refresh_from_db(), request.refresh_from_db()
    assert freelancer.legal_name == "Sofía Martínez López"
    assert (request.status, request.decided_by) == (Status.APPROVED, manager)
    assert document.text == text_before and document.sha256 == hash_before and document.is_intact
    assert "Sofía Martínez López" not in document.text and document.signer_typed_name == "Sofía Martínez"
    change = AuditLog.objects.get(verb="freelancer.legal_name_changed")
    assert (change.actor, change.data["before"], change.data["legal_name"]) == (
        manager,
        "Sofía Martínez",
        "Sofía Martínez López",
    )
    [mail] = smtp_server.messages
    assert mail["To"] == freelancer.user.email and "approved" in mail["Subject"]
    assert "keep the name you signed them with" in mail.get_content()

    # what comes next carries the new name
    later = contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=Decimal("15.00"),
        start_date=datetime.date(2027, 1, 4),
        hours_per_week=Decimal("20"),
        weekly_hour_cap=Decimal("25"),
    )
    later = contract_send(contract=later, actor=manager)
    assert "Sofía Martínez López" in later.documents.get(kind="contract").text


def test_declining_needs_a_note_and_changes_nothing_but_the_request(
    signed,
    freelancer,
    manager,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    request = _ask(freelancer)
    with pytest.raises(AccountError, match="Say why the request is declined"):
        legal_name_change_decide(request=request, approve=False, actor=manager, note="  ")
    request.refresh_from_db()
    assert request.status == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        legal_name_change_decide(
            request=request, approve=False, actor=manager, note="Send the certificate first."
        )
    freelancer.refresh_from_db(), request.refresh_from_db()
    assert freelancer.legal_name == "Sofía Martínez" and request.status == Status.DECLINED
    [mail] = smtp_server.messages
    assert "declined" in mail["Subject"] and "Send the certificate first." in mail.get_content()
    with pytest.raises(AccountError, match="already declined"):
        legal_name_change_decide(request=request, approve=True, actor=manager)


@pytest.mark.parametrize(
    ("name", "reason", "message"),
    [
        ("", "Marriage", "Type your new full legal name."),
        ("Sofía   Martínez", "Marriage", "already your legal name"),
        ("Sofía Martínez López", " ", "Say why the name changes"),
        ("x" * 201, "Marriage", "under 200 characters"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_stored(signed, freelancer, name, reason, message):
    with pytest.raises(AccountError, match=message):
        legal_name_change_request(freelancer=freelancer, requested_legal_name=name, reason=reason)
    assert not LegalNameChangeRequest.objects.exists()


def test_one_request_waits_at_a_time_and_an_unsigned_freelancer_edits_the_profile(signed, freelancer):
    _ask(freelancer)
    with pytest.raises(AccountError, match="already have a request waiting"):
        _ask(freelancer, name="Sofía López")
    unsigned = FreelancerFactory()
    with pytest.raises(AccountError, match="change it in your profile"):
        _ask(unsigned)
    assert LegalNameChangeRequest.objects.count() == 1


# ---------------------------------------------------------------- the pages


def test_the_freelancer_asks_in_the_portal_and_the_manager_approves_on_the_list(
    client, signed, freelancer, manager
):
    client.force_login(freelancer.user)
    profile = client.get("/accounts/profile/").content.decode()
    assert "Request a legal-name change" in profile and PORTAL in profile
    response = client.post(PORTAL, {"requested_legal_name": "Sofía Martínez López", "reason": "Marriage"})
    assert response.status_code == 302
    assert "waits for a manager" in client.get("/accounts/profile/").content.decode()
    request = LegalNameChangeRequest.objects.get()

    client.force_login(manager)
    page = client.get(LIST).content.decode()
    assert (
        "Sofía Martínez López" in page
        and decide_url(request, "approve") in page
        and "1 signed contract" in page
    )
    assert client.post(decide_url(request, "approve"), {"note": ""}).status_code == 302
    freelancer.refresh_from_db()
    assert freelancer.legal_name == "Sofía Martínez López"


def test_bad_input_on_the_pages_shows_the_error_and_changes_nothing(client, signed, freelancer, manager):
    client.force_login(freelancer.user)
    response = client.post(PORTAL, {"requested_legal_name": "Sofía Martínez", "reason": "Marriage"})
    assert response.status_code == 400 and "This is already your legal name." in response.content.decode()
    request = _ask(freelancer)
    client.force_login(manager)
    response = client.post(decide_url(request, "decline"), {"note": ""})
    assert response.status_code == 400 and "Say why the request is declined" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_access_agent_other_programs_and_other_freelancers(client, signed, freelancer, program):
    request = _ask(freelancer)
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(LIST).status_code == 403
    assert client.post(decide_url(request, "approve")).status_code == 403

    # a manager of another program: the request is not theirs to see or decide
    stranger = ProgramFactory(slug="elsewhere").managers.first()
    client.force_login(stranger)
    assert "Sofía" not in client.get(LIST).content.decode()
    assert client.post(decide_url(request, "approve")).status_code == 404

    # another freelancer sees only their own requests and cannot reach the manager's pages
    other = ContractFactory(program=program, signed_at=signed.signed_at).freelancer
    client.force_login(other.user)
    page = client.get(PORTAL).content.decode()
    assert "Sofía Martínez López" not in page
    assert client.post(decide_url(request, "approve")).status_code == 403
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_the_list_does_a_constant_number_of_queries(client, program, manager):
    def requests(n):
        for _ in range(n):
            freelancer = ContractFactory(
                program=program,
                signed_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
                status=Contract.Status.ACTIVE,
            ).freelancer
            _ask(freelancer, name=f"{freelancer.legal_name} Jr")

    requests(1)
    client.force_login(manager)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    requests(5)
    decided = LegalNameChangeRequest.objects.first()
    legal_name_change_decide(request=decided, approve=False, actor=manager, note="No.")
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).content.decode().count(">Approve<") == 5
    assert len(many) == len(one)
