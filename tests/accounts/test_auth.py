import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from accounts.mixins import AgentAccess, FreelancerRequiredMixin, ManageAccessMixin
from accounts.models import User
from programs.mixins import ProgramAccessMixin
from tests.accounts.factories import FreelancerFactory, ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_user_logs_in_with_email_case_insensitively(client):
    UserFactory(email="maya@example.test", role=User.Role.MANAGER)
    response = client.post("/accounts/login/", {"username": "Maya@Example.test", "password": "pass-1234"})
    assert response.status_code == 302
    assert response.url == "/accounts/home/"


def test_create_user_requires_email_and_normalises_it():
    user = User.objects.create_user("Someone@Example.TEST", "x")
    assert user.email == "someone@example.test"
    assert user.username if hasattr(user, "username") else True
    with pytest.raises(ValueError):
        User.objects.create_user("", "x")


@pytest.mark.parametrize(
    "role,landing",
    [(User.Role.MANAGER, "/manage/"), (User.Role.AGENT, "/manage/"), (User.Role.FREELANCER, "/portal/")],
)
def test_role_landing_redirects(client, role, landing):
    user = UserFactory(role=role)
    if role == User.Role.FREELANCER:
        FreelancerFactory(user=user)
    client.force_login(user)
    response = client.get("/accounts/home/")
    assert response.status_code == 302
    assert response.url == landing
    assert client.get(landing).status_code == 200


def test_user_without_role_gets_a_clear_page(client):
    client.force_login(UserFactory(role=User.Role.NONE))
    response = client.get("/accounts/home/")
    assert response.status_code == 200
    assert b"no role in Flexdesk yet" in response.content


def test_freelancer_opening_manager_area_gets_a_clear_page_not_an_error(client):
    client.force_login(FreelancerFactory().user)
    response = client.get("/manage/")
    assert response.status_code == 403
    assert b"support managers" in response.content


def test_anonymous_is_sent_to_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_background_refresh_after_the_session_ended_reloads_the_page(client):
    # htmx polling (the queue pages) must not swap the login form into a part of the page
    response = client.get("/portal/tickets/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true" and not response.content


def test_wrong_login_gives_one_message_whether_or_not_the_email_exists(client):
    UserFactory(email="real@example.test")
    wrong_password = client.post("/accounts/login/", {"username": "real@example.test", "password": "nope"})
    unknown_email = client.post("/accounts/login/", {"username": "ghost@example.test", "password": "nope"})
    assert wrong_password.status_code == unknown_email.status_code == 200
    message = "That email and password do not match"
    assert message in wrong_password.content.decode()
    assert message in unknown_email.content.decode()


def test_repeated_failures_lock_the_account(client, settings):
    UserFactory(email="target@example.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "target@example.test", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "target@example.test", "password": "pass-1234"})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content


class _ProgramView(ProgramAccessMixin, View):
    agent_access = AgentAccess.READ

    def get(self, request, *args, **kwargs):
        return HttpResponse(self.program.name)


class _PortalView(FreelancerRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(self.freelancer.legal_name)


def _call(view, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return view.as_view()(request, **kwargs)


def test_program_manager_mixin_serves_own_program_and_404s_anothers():
    from django.http import Http404

    mine = ProgramFactory(name="Mine")
    theirs = ProgramFactory(name="Theirs")
    me = mine.managers.first()
    assert _call(_ProgramView, me, program_slug=mine.slug).content == b"Mine"
    with pytest.raises(Http404):
        _call(_ProgramView, me, program_slug=theirs.slug)
    with pytest.raises(Http404):
        _call(_ProgramView, me, program_slug="does-not-exist")


def test_freelancer_mixin_gives_the_logged_in_freelancer_and_refuses_managers():
    freelancer = FreelancerFactory(legal_name="Ana Reyes")
    assert _call(_PortalView, freelancer.user).content == b"Ana Reyes"
    assert _call(_PortalView, ManagerFactory()).status_code == 403


def test_manage_mixin_refuses_freelancers():
    class _ManageView(ManageAccessMixin, View):
        agent_access = AgentAccess.WORK

        def get(self, request):
            return HttpResponse("ok")

    assert _call(_ManageView, FreelancerFactory().user).status_code == 403
    assert _call(_ManageView, UserFactory(role=User.Role.NONE)).status_code == 403
    assert _call(_ManageView, ManagerFactory()).status_code == 200


def test_invite_link_sets_password_once_and_logs_in(client, django_capture_on_commit_callbacks, mailoutbox):
    from accounts.services import user_invite

    user = UserFactory(email="new@example.test", role=User.Role.FREELANCER)
    FreelancerFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        user_invite(user=user)
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/invite/" in line).strip()
    path = link.replace("http://testserver", "")
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-Strong-pass-42", "new_password2": "a-Strong-pass-42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-Strong-pass-42")
    client.logout()
    again = client.get(path, follow=True)
    assert b"no longer works" in again.content


def test_profile_page_saves_time_zone(client):
    user = ManagerFactory()
    client.force_login(user)
    response = client.post("/accounts/profile/", {"display_name": "Maya", "time_zone": "Europe/Warsaw"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Warsaw"


def test_the_password_reset_link_is_built_on_site_url_and_sent_through_the_outbox(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage
    from core.outbox import REMOVED

    settings.SITE_URL = "https://flexdesk.example.com"
    settings.ALLOWED_HOSTS = ["testserver", "other.example.net"]
    UserFactory(email="jo@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password-reset/", {"email": "jo@example.test"}, HTTP_HOST="other.example.net"
        )
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == ["jo@example.test"]
    assert (
        "https://flexdesk.example.com/accounts/reset/" in message.body
        and "other.example.net" not in message.body
    )
    # The link is a key to the account: the outbox keeps no copy of it once it was sent.
    assert OutboxMessage.objects.get().payload["body"] == REMOVED
