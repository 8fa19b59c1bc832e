import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from contracts.models import CredentialReveal
from contracts.services import credential_store
from core.models import AuditLog
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProgramToolFactory, ToolAccessGrantFactory
from tests.programs.factories import ProgramFactory

# force_login here is the bare one: the session has passed no second factor.
pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-1234"


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="recover1")
    return device


def log_in(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_a_manager_without_a_device_is_sent_to_set_one_up_before_manage_and_admin(client):
    manager = ManagerFactory()
    client.force_login(manager)
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/setup/?next=%2Fmanage%2F"

    admin = UserFactory(role=User.Role.MANAGER, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").url == "/accounts/two-factor/setup/?next=%2Fadmin%2F"
    # an htmx request is told to load the set-up page, not given it to swap into a part of the page
    response = client.get("/manage/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/two-factor/setup/")
    # the set-up page and logging out stay open
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_setup_with_the_apps_code_enrols_and_shows_ten_recovery_codes_once(client):
    manager = ManagerFactory()
    client.force_login(manager)
    page = client.get("/accounts/two-factor/setup/?next=/manage/").content.decode()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    secret = re.search(r'user-select-all text-center fs-5">([A-Z2-7 ]+)<', page).group(1)
    assert secret.replace(" ", "")  # the key to type by hand
    qr = client.get("/accounts/two-factor/setup/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content

    wrong = client.post("/accounts/two-factor/setup/", {"token": wrong_code(device)})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticToken.objects.exists()

    device.throttle_reset()  # django-otp makes the next try wait a second after a wrong code
    response = client.post("/accounts/two-factor/setup/", {"token": code_for(device), "next": "/manage/"})
    assert response.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    assert AuditLog.objects.filter(verb="two_factor.enabled", actor=manager).count() == 1

    assert client.get("/manage/").status_code == 200  # this session passed the second factor
    again = client.get("/accounts/two-factor/setup/")
    assert again.status_code == 302 and again.url == "/accounts/profile/"  # the codes are not shown again
    assert client.get("/accounts/two-factor/setup/qr.svg").status_code == 404


def test_login_asks_for_the_code_before_the_user_is_logged_in(client):
    manager = ManagerFactory()
    device = enrolled(manager)
    response = log_in(client, manager, next_url="/manage/")
    assert response.status_code == 302 and response.url == "/accounts/login/code/?next=%2Fmanage%2F"
    assert "_auth_user_id" not in client.session  # a right password alone logs no one in
    assert client.get("/manage/").url.startswith("/accounts/login/")

    response = client.post("/accounts/login/code/", {"token": code_for(device), "next": "/manage/"})
    assert response.status_code == 302 and response.url == "/manage/"
    assert client.get("/manage/").status_code == 200


def test_wrong_codes_are_refused_and_counted_by_axes_until_the_lockout(client, settings):
    manager = ManagerFactory()
    device = enrolled(manager)
    log_in(client, manager)
    wrong = wrong_code(device)
    response = client.post("/accounts/login/code/", {"token": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username=manager.email).failures_since_start == 1

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/code/", {"token": wrong})
    assert response.status_code == 429
    device.throttle_reset()
    right = client.post("/accounts/login/code/", {"token": code_for(device)})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # the password form is locked for this account too
    assert log_in(client, manager).status_code == 429


def test_a_recovery_code_works_once(client):
    agent = UserFactory(role=User.Role.AGENT)
    enrolled(agent)
    log_in(client, agent)
    response = client.post("/accounts/login/code/", {"token": "RECOVER1"})  # case and spaces do not matter
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(agent.pk)
    assert not StaticToken.objects.filter(token="recover1").exists()

    client.post("/accounts/logout/")
    log_in(client, agent)
    again = client.post("/accounts/login/code/", {"token": "recover1"})
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_the_second_step_expires_and_cannot_be_opened_without_a_password(client, settings):
    response = client.get("/accounts/login/code/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    manager = ManagerFactory()
    device = enrolled(manager)
    log_in(client, manager)
    session = client.session
    session["two_factor_pending_login"]["started"] -= 301
    session.save()
    response = client.post("/accounts/login/code/", {"token": code_for(device)})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.fixture
def reveal(db):
    program = ProgramFactory()
    tool = ProgramToolFactory(program=program, name="Zendesk")
    credential = credential_store(
        program=program,
        tool=tool,
        label="Login",
        username="u",
        password="pw-123",
        actor=program.managers.first(),
    )
    grant = ToolAccessGrantFactory(contract=ContractFactory(program=program), tool=tool)
    return grant, f"/portal/contracts/{grant.contract_id}/credentials/{credential.pk}/reveal/"


def test_a_freelancer_reveals_credentials_only_from_a_verified_session(client, reveal):
    grant, url = reveal
    user = grant.contract.freelancer.user
    client.force_login(user)
    assert client.get("/portal/").status_code == 200  # the rest of the portal needs no second factor

    response = client.post(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "Set up two-factor sign-in to reveal credentials" in body
    assert f"/accounts/two-factor/setup/?next=/portal/contracts/{grant.contract_id}/" in body
    assert "pw-123" not in body and not CredentialReveal.objects.exists()
    assert AuditLog.objects.get(verb="vault.reveal_refused").data["reason"] == "two_factor"
    assert client.post(url).status_code == 403  # a plain form post

    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user)
    client.post("/accounts/two-factor/setup/", {"token": code_for(device)})
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "pw-123" in response.content.decode()
    assert CredentialReveal.objects.count() == 1


def test_agents_may_use_manage_without_it_and_turn_it_on_and_off(client):
    agent = UserFactory(role=User.Role.AGENT)
    client.force_login(agent)
    assert client.get("/manage/").status_code == 200
    profile = client.get("/accounts/profile/").content.decode()
    assert "Set up two-factor sign-in" in profile

    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=agent)
    client.post("/accounts/two-factor/setup/", {"token": code_for(device)})
    assert "recovery codes left" in client.get("/accounts/profile/").content.decode()

    client.post("/accounts/two-factor/disable/", {"token": wrong_code(device)})
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).exists()  # a wrong code turns nothing off
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1  # the code used at set-up may be used again in this test
    device.save()
    response = client.post("/accounts/two-factor/disable/", {"token": code_for(device)}, follow=True)
    assert "Two-factor sign-in is off." in response.content.decode()
    assert (
        not TOTPDevice.objects.filter(user=agent).exists()
        and not StaticDevice.objects.filter(user=agent).exists()
    )
    assert AuditLog.objects.filter(verb="two_factor.disabled", actor=agent).count() == 1


def test_a_manager_cannot_turn_it_off_but_can_replace_the_recovery_codes(client, two_factor_login):
    manager = ManagerFactory()
    device = enrolled(manager)
    two_factor_login(client, manager)
    response = client.post("/accounts/two-factor/disable/", {"token": code_for(device)}, follow=True)
    assert "required for your role" in response.content.decode()
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()

    response = client.post("/accounts/two-factor/recovery-codes/")
    codes = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(codes) == 10 and "recover1" not in codes
    assert all(code in response.content.decode() for code in codes)


def test_new_recovery_codes_need_a_verified_session(client):
    agent = UserFactory(role=User.Role.AGENT)
    enrolled(agent)
    client.force_login(agent)  # e.g. a session from before the device existed
    client.post("/accounts/two-factor/recovery-codes/")
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["recover1"]


def test_admin_uses_the_flexdesk_login_and_needs_the_second_factor(client, two_factor_login):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=%2Fadmin%2F"

    admin = UserFactory(role=User.Role.MANAGER, is_staff=True, is_superuser=True)
    enrolled(admin)
    client.force_login(admin)  # a session without the second factor (as after the admin's own form)
    assert client.get("/admin/").url == "/accounts/login/code/?next=%2Fadmin%2F"
    two_factor_login(client, admin)
    assert client.get("/admin/").status_code == 200


def test_switched_off_nobody_is_asked(client, settings, reveal):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(ManagerFactory())
    assert client.get("/manage/").status_code == 200
    grant, url = reveal
    client.force_login(grant.contract.freelancer.user)
    assert "pw-123" in client.post(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_demo_exemption_covers_only_demo_addresses(client, settings):
    settings.TWO_FACTOR_DEMO_EXEMPT = True
    client.force_login(ManagerFactory(email="manager@demo.test"))
    assert client.get("/manage/").status_code == 200
    client.force_login(ManagerFactory(email="manager@notdemo.test"))
    assert client.get("/manage/").status_code == 302

    settings.TWO_FACTOR_DEMO_EXEMPT = False
    client.force_login(User.objects.get(email="manager@demo.test"))
    assert client.get("/manage/").status_code == 302


def _setting_in(module: str, **env) -> str:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FLEXDESK_", "TWO_FACTOR_"))
    }
    full_env.update(DJANGO_SETTINGS_MODULE=module, **env)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.TWO_FACTOR_DEMO_EXEMPT, settings.TWO_FACTOR_REQUIRED)",
        ],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's own notes


def test_the_demo_exemption_is_on_only_in_local_settings():
    assert _setting_in("config.settings.local") == "True True"
    assert (
        _setting_in(
            "config.settings.production",
            TWO_FACTOR_DEMO_EXEMPT="true",
            DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x9" * 30,
            DJANGO_ALLOWED_HOSTS="flexdesk.example.com",
            FLEXDESK_VAULT_KEYS="b9GFvleSUT9MgUklqTJ6VVIim9d8lleys7Wvd2Fqduw=",
            CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
            CACHE_URL="redis://127.0.0.1:6379/1",
        )
        == "False True"
    )  # the environment cannot turn it on in production
