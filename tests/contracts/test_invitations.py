"""Issue #14 (2): "Invite a freelancer by e-mail" — sending, revoking, and the public accept link."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.models import FreelancerInvitation
from contracts.selectors import freelancer_list_for_manager
from contracts.services import freelancer_invitation_send
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

LIST = "/manage/contracts/invitations/"


@pytest.fixture
def manager():
    return ManagerFactory(email="ann@example.test")


@pytest.fixture
def program(manager):
    return ProgramFactory(name="Alpha", slug="alpha", managers=[manager])


def _invite(program, manager, email="new.person@example.test", **kwargs) -> tuple[FreelancerInvitation, str]:
    invitation, link = freelancer_invitation_send(program=program, email=email, invited_by=manager, **kwargs)
    return invitation, link.removeprefix("http://testserver")


def _signup(**overrides):
    return {
        "legal_name": "Nina Nowak",
        "country": "pl",
        "time_zone": "Europe/Warsaw",
        "password1": "a-long-Pass-phrase-42",
        "password2": "a-long-Pass-phrase-42",
        **overrides,
    }


# ---------------------------------------------------------------- the manager's page


def test_a_manager_invites_by_email(client, program, manager, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIST, {"program": program.pk, "email": "New.Person@Example.test", "name": "Nina"}
        )
    assert response.status_code == 302
    invitation = FreelancerInvitation.objects.get()
    assert (invitation.email, invitation.status, invitation.invited_by) == (
        "new.person@example.test",
        "pending",
        manager,
    )
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=13)
    assert [m.to for m in mail.outbox] == [["new.person@example.test"]]
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[0].body).group(1)
    assert invitation.token_hash not in link  # only the hash is stored, the link carries the token
    assert AuditLog.objects.filter(verb="freelancer_invitation.sent", target_id=str(invitation.pk)).exists()
    page = client.get(LIST).content.decode()
    assert "new.person@example.test" in page and "Revoke" in page
    client.logout()
    assert client.get(link).status_code == 200


def test_agents_may_not_invite(client, program):
    agent = UserFactory(agent=True)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"program": program.pk, "email": "x@example.test"}).status_code == 403
    assert not FreelancerInvitation.objects.exists()


def test_only_the_managers_programs_can_be_chosen(client, manager):
    client.force_login(manager)
    elsewhere = ProgramFactory()
    response = client.post(LIST, {"program": elsewhere.pk, "email": "x@example.test"})
    assert response.status_code == 200 and not FreelancerInvitation.objects.exists()


def test_an_in_house_address_or_an_already_connected_freelancer_is_refused(client, program, manager):
    client.force_login(manager)
    ManagerFactory(email="colleague@example.test")
    response = client.post(LIST, {"program": program.pk, "email": "colleague@example.test"})
    assert "belongs to a member of the in-house team" in response.content.decode()
    working = ContractFactory(program=program, freelancer=FreelancerFactory(user__email="kim@example.test"))
    response = client.post(LIST, {"program": program.pk, "email": "kim@example.test"})
    assert f"{working.freelancer.legal_name} already works with Alpha" in response.content.decode()
    assert not FreelancerInvitation.objects.exists()


def test_revoking_stops_the_link(client, program, manager):
    invitation, link = _invite(program, manager)
    client.force_login(manager)
    assert client.post(f"{LIST}{invitation.pk}/revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and invitation.revoked_by == manager
    assert AuditLog.objects.filter(
        verb="freelancer_invitation.revoked", target_id=str(invitation.pk)
    ).exists()
    client.logout()
    response = client.get(link)
    assert response.status_code == 410 and "withdrew" in response.content.decode()


def test_another_programs_manager_cannot_revoke(client, program, manager):
    invitation, _link = _invite(program, manager)
    client.force_login(ManagerFactory())
    assert client.post(f"{LIST}{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_inviting_again_replaces_the_pending_link(client, program, manager):
    first, old_link = _invite(program, manager)
    second, new_link = _invite(program, manager)
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending"
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 200


def test_the_list_page_does_a_constant_number_of_queries(
    client, program, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    _invite(program, manager, email="one@example.test")
    client.get(LIST)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    baseline = len(few)
    for number in range(10):
        invitation, link = _invite(program, manager, email=f"person{number}@example.test")
        if number % 3 == 0:
            client.post(f"{LIST}{invitation.pk}/revoke/")
    accepted, link = _invite(program, manager, email="joined@example.test")
    client.logout()
    client.post(link, _signup())
    client.force_login(manager)
    with django_assert_max_num_queries(baseline):
        page = client.get(LIST)
    assert page.content.decode().count("@example.test") >= 12


# ---------------------------------------------------------------- accepting


def test_a_new_person_sets_a_password_and_becomes_a_freelancer_of_the_program(client, program, manager):
    invitation, link = _invite(program, manager, name="Nina Nowak")
    page = client.get(link)
    assert page.status_code == 200 and "Create my account and accept" in page.content.decode()
    assert not freelancer_list_for_manager(user=manager).exists()

    response = client.post(link, _signup())

    assert response.status_code == 302 and response.url == "/portal/contracts/"
    user = User.objects.get(email="new.person@example.test")
    assert user.role == "freelancer" and user.check_password("a-long-Pass-phrase-42")
    freelancer = Freelancer.objects.get(user=user)
    assert (freelancer.legal_name, freelancer.country, freelancer.time_zone) == (
        "Nina Nowak",
        "PL",
        "Europe/Warsaw",
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.freelancer) == ("accepted", freelancer)
    assert AuditLog.objects.filter(
        verb="freelancer_invitation.accepted", target_id=str(invitation.pk)
    ).exists()
    assert client.get("/portal/contracts/").status_code == 200  # logged in as the new freelancer
    # ...and the manager can now draft their contract.
    assert list(freelancer_list_for_manager(user=manager)) == [freelancer]
    client.force_login(manager)
    assert "Nina Nowak" in client.get("/manage/contracts/new/").content.decode()


def test_bad_signup_input_changes_nothing(client, program, manager):
    invitation, link = _invite(program, manager)
    response = client.post(link, _signup(password2="something-else-99"))
    assert response.status_code == 400 and "The two passwords differ." in response.content.decode()
    response = client.post(link, _signup(password1="123", password2="123"))
    assert response.status_code == 400
    assert not User.objects.filter(email="new.person@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_an_existing_freelancer_is_linked_only_after_logging_in_and_accepting(client, manager, program):
    elsewhere = ContractFactory(
        freelancer=FreelancerFactory(user__email="olga@example.test", legal_name="Olga Ode")
    )
    olga = elsewhere.freelancer
    invitation, link = _invite(program, manager, email="olga@example.test")
    client.force_login(manager)
    assert "Olga Ode" not in client.get(LIST).content.decode()  # the manager learns nothing about her account

    client.logout()
    page = client.get(link).content.decode()
    assert "Log in to accept" in page and "Create my account" not in page
    client.post(link, _signup())  # no account is made over hers, nothing is linked
    assert User.objects.filter(email__iexact="olga@example.test").count() == 1
    assert not freelancer_list_for_manager(user=manager).exists()

    client.force_login(olga.user)
    page = client.get(link)
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    assert not freelancer_list_for_manager(user=manager).exists()  # opening the page links nothing
    assert client.post(link).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.freelancer) == ("accepted", olga)
    assert list(freelancer_list_for_manager(user=manager)) == [olga]


def test_a_wrong_role_account_is_told_why(client, program, manager):
    invitation, link = _invite(program, manager)
    client.force_login(ManagerFactory())
    page = client.get(link)
    assert page.status_code == 403 and "in-house team account" in page.content.decode()
    client.post(link)
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.freelancer is None


def test_another_freelancer_cannot_take_the_invitation(client, program, manager):
    invitation, link = _invite(program, manager, email="meant@example.test")
    intruder = FreelancerFactory(user__email="forwarded-to@example.test")
    client.force_login(intruder.user)
    page = client.get(link)
    assert page.status_code == 403 and "sent to meant@example.test" in page.content.decode()
    client.post(link)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not freelancer_list_for_manager(user=manager).filter(pk=intruder.pk).exists()


def test_a_used_link_is_gone_not_a_second_account(client, program, manager):
    _invitation, link = _invite(program, manager)
    assert client.post(link, _signup()).status_code == 302
    client.logout()
    response = client.get(link)
    assert response.status_code == 410 and "already accepted" in response.content.decode()
    assert client.post(link, _signup(legal_name="Someone Else")).status_code == 410
    assert Freelancer.objects.filter(user__email="new.person@example.test").count() == 1
    assert AuditLog.objects.filter(verb="freelancer_invitation.accepted").count() == 1


def test_an_expired_link_is_gone(client, program, manager):
    invitation, link = _invite(program, manager)
    FreelancerInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(1)
    )
    response = client.get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert client.post(link, _signup()).status_code == 410
    assert not User.objects.filter(email="new.person@example.test").exists()


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300])
def test_an_unknown_link_is_a_friendly_404(client, token):
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 404 and "not a Flexdesk invitation" in response.content.decode()
    assert client.post(f"/invitations/{token}/", _signup()).status_code == 404
