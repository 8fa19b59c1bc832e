import pytest
from django.core import mail

from accounts.models import User
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client):
    manager = ManagerFactory(display_name="Maya Chen")
    program = ProgramFactory(slug="shop", managers=[manager])
    client.force_login(manager)
    return program, manager


def add(client, **data):
    return client.post("/manage/programs/shop/inhouse-team/", {"role": "agent", "display_name": "", **data})


def test_a_manager_adds_someone_new_who_is_invited(client, team, django_capture_on_commit_callbacks):
    program, manager = team
    with django_capture_on_commit_callbacks(execute=True):
        response = add(client, email="Sam@Example.test", display_name="Sam Lee")
    assert response.status_code == 302
    sam = User.objects.get(email="sam@example.test")
    assert (sam.role, sam.display_name, sam.has_usable_password()) == ("agent", "Sam Lee", False)
    assert program.managers.filter(pk=sam.pk).exists()
    assert [m.to for m in mail.outbox] == [["sam@example.test"]] and "choose a password" in mail.outbox[
        0
    ].body.lower()
    assert AuditLog.objects.filter(verb="program.member_added").exists()
    page = client.get("/manage/programs/shop/inhouse-team/").content.decode()
    assert "Sam Lee" in page and "invited" in page


def test_someone_with_an_account_is_added_and_told(client, team, django_capture_on_commit_callbacks):
    program, _manager = team
    colleague = ManagerFactory(email="lee@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert add(client, email="lee@example.test", role="manager").status_code == 302
    assert program.managers.filter(pk=colleague.pk).exists()
    assert "added you to" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("freelancer@example.test", "belongs to a freelancer"),
        ("maya@example.test", "already"),
        ("not-an-email", "valid email"),
    ],
)
def test_bad_additions_are_refused_and_change_nothing(client, team, email, error):
    program, manager = team
    FreelancerFactory(user__email="freelancer@example.test")
    manager.email = "maya@example.test"
    manager.save()
    before = set(program.managers.values_list("pk", flat=True))
    response = add(client, email=email)
    assert response.status_code == 400 and error in response.content.decode()
    assert set(program.managers.values_list("pk", flat=True)) == before


def test_the_last_manager_stays_and_others_can_be_taken_off(client, team):
    program, manager = team
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.post(f"/manage/programs/shop/inhouse-team/remove/{manager.pk}/")
    assert program.managers.filter(pk=manager.pk).exists()  # the only support manager
    client.post(f"/manage/programs/shop/inhouse-team/remove/{agent.pk}/")
    assert not program.managers.filter(pk=agent.pk).exists() and User.objects.filter(pk=agent.pk).exists()


def test_only_the_programs_managers_change_its_team(client, team):
    program, _manager = team
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get("/manage/programs/shop/inhouse-team/").status_code == 200  # agents see the team
    assert add(client, email="new@example.test").status_code == 403
    assert not User.objects.filter(email="new@example.test").exists()
    client.force_login(ManagerFactory())  # a manager of other programs
    assert client.get("/manage/programs/shop/inhouse-team/").status_code == 404
    assert add(client, email="new@example.test").status_code == 404
    outsider = UserFactory(role=User.Role.AGENT)
    client.force_login(program.managers.filter(role="manager").first())
    assert client.post(f"/manage/programs/shop/inhouse-team/remove/{outsider.pk}/").status_code == 404


def test_team_page_query_count_does_not_grow(client, team, django_assert_max_num_queries):
    program, _manager = team
    client.get("/manage/programs/shop/inhouse-team/")
    with django_assert_max_num_queries(8):
        client.get("/manage/programs/shop/inhouse-team/")
    program.managers.add(*[UserFactory(role=User.Role.AGENT) for _ in range(15)])
    with django_assert_max_num_queries(8):
        assert client.get("/manage/programs/shop/inhouse-team/").status_code == 200


def test_the_in_house_team_leaves_the_dashboards_freelancer_team_its_url():
    from django.urls import resolve

    assert resolve("/manage/programs/shop/team/").view_name == "dashboard:program_team"
    assert resolve("/manage/programs/shop/inhouse-team/").view_name == "programs:inhouse_team"


def test_with_the_mail_server_down_the_member_is_added_and_the_invitation_goes_out_later(
    client, team, smtp_server, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from core.models import OutboxMessage
    from core.outbox import outbox_deliver_due

    program, _manager = team
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = add(client, email="sam@example.test")
    assert response.status_code == 302  # not a 500 after the change was saved
    assert program.managers.filter(email="sam@example.test").exists()
    invitation = OutboxMessage.objects.get()
    assert invitation.status == OutboxMessage.Status.QUEUED and invitation.attempts == 1

    smtp_server.start()
    later = timezone.now() + timezone.timedelta(hours=1)
    assert outbox_deliver_due(now=later) == 1 and outbox_deliver_due(now=later) == 0
    [received] = smtp_server.messages
    assert received["To"] == "sam@example.test"
    assert "http://testserver/accounts/invite/" in received.get_body(("plain",)).get_content()
