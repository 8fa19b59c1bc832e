"""A logged-in user asking for an existing object outside their scope gets a 404 and leaves an audit row."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from contracts.models import Contract
from core.models import AuditLog
from core.scoping import OUT_OF_SCOPE_VERB, not_found_in_scope, scoped_get_or_404
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _misses():
    return list(AuditLog.objects.filter(verb=OUT_OF_SCOPE_VERB).order_by("pk"))


def test_a_manager_opening_another_programs_contract_is_audited(client):
    mine, theirs = ProgramFactory(), ProgramFactory()
    manager = mine.managers.first()
    contract = ContractFactory(program=theirs)
    client.force_login(manager)

    response = client.get(f"/manage/contracts/{contract.pk}/", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 404
    assert contract.freelancer.legal_name not in response.content.decode()
    [miss] = _misses()
    assert (miss.actor, miss.target_type.model, miss.target_id, miss.ip_address) == (
        manager,
        "contract",
        str(contract.pk),
        "203.0.113.7",
    )
    assert miss.data == {"path": f"/manage/contracts/{contract.pk}/", "method": "GET"}


def test_behind_a_proxy_the_audit_row_records_the_address_the_throttles_count(client, settings):
    settings.CLIENT_ADDRESS_META_KEY = "HTTP_X_REAL_IP"
    mine, theirs = ProgramFactory(), ProgramFactory()
    contract = ContractFactory(program=theirs)
    client.force_login(mine.managers.first())

    client.get(f"/manage/contracts/{contract.pk}/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.8")
    client.get(f"/manage/contracts/{contract.pk}/", REMOTE_ADDR="", HTTP_X_REAL_IP="not an address")

    assert [miss.ip_address for miss in _misses()] == ["203.0.113.8", None]  # no address: none, not 0.0.0.0


def test_an_id_that_names_nothing_and_an_object_in_scope_leave_no_row(client):
    program = ProgramFactory()
    contract = ContractFactory(program=program)
    client.force_login(program.managers.first())

    assert client.get("/manage/contracts/999999/").status_code == 404
    assert client.get(f"/manage/contracts/{contract.pk}/").status_code == 200
    assert _misses() == []


def test_a_freelancer_opening_someone_elses_contract_is_audited(client):
    program = ProgramFactory()
    own, other = ContractFactory(program=program), ContractFactory(program=program)
    client.force_login(own.freelancer.user)

    assert client.get(f"/portal/contracts/{other.pk}/").status_code == 404

    [miss] = _misses()
    assert (miss.actor, miss.target_id) == (own.freelancer.user, str(other.pk))


def test_a_program_outside_the_team_is_audited_by_slug(client):
    mine, theirs = ProgramFactory(), ProgramFactory()
    client.force_login(mine.managers.first())

    assert client.get(reverse("programs:worksheet", args=[theirs.slug])).status_code == 404
    assert client.get(reverse("programs:worksheet", args=["no-such-program"])).status_code == 404

    [miss] = _misses()
    assert (miss.target_type.model, miss.target_id) == ("program", str(theirs.pk))


def test_the_helpers_audit_only_real_objects_for_logged_in_users():
    contract = ContractFactory()
    request = RequestFactory().get("/x/")
    request.user = ProgramFactory().managers.first()

    with pytest.raises(Http404, match="No such contract."):
        scoped_get_or_404(
            Contract.objects.none(), request=request, message="No such contract.", pk=contract.pk
        )
    assert isinstance(not_found_in_scope(request, "contracts.Contract", pk="not-a-number"), Http404)
    assert [m.target_id for m in _misses()] == [str(contract.pk)]

    request.user = AnonymousUser()
    assert isinstance(not_found_in_scope(request, Contract, pk=contract.pk), Http404)
    assert len(_misses()) == 1  # nobody to name: no row
    assert scoped_get_or_404(Contract.objects.all(), request=request, pk=contract.pk) == contract
