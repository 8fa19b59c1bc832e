"""The navigation bar ({% main_nav %}, accounts/templatetags/chrome.py): each side's sections, the active one,
the presence switch and the user's menu, on every page (issue #22: written in Python, as the templates wrote it)."""

import re

import pytest

from accounts.mixins import user_may_open
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

pytestmark = pytest.mark.django_db


def _sections(html: str) -> list[tuple[str, bool]]:
    nav = html[html.index('<ul class="navbar-nav me-auto">') : html.index('<ul class="navbar-nav">')]
    return [
        (label, " active" in css)
        for css, label in re.findall(r'<a class="nav-link([^"]*)" href="[^"]*">([^<]+)</a>', nav)
    ]


def test_a_manager_sees_every_section_and_the_one_they_are_in():
    from django.test import Client

    manager = ManagerFactory()
    ProgramFactory(managers=[manager])
    client = Client()
    client.force_login(manager)
    html = client.get("/manage/queues/?q=<b>").content.decode()
    assert _sections(html) == [
        ("Home", False),
        ("Programs", False),
        ("Recruiting", False),
        ("Contracts", False),
        ("Queues", True),
        ("Quality", False),
        ("Payments", False),
    ]
    assert 'data-heartbeat-url="/manage/presence/heartbeat/"' in html
    assert '<input type="hidden" name="next" value="/manage/queues/?q=%3Cb%3E">' in html
    assert 'href="/manage/tokens/"' in html or "API tokens" in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2  # presence and log out
    assert ">Admin</a>" not in html


def test_an_agent_sees_only_the_sections_their_role_opens():
    from django.test import Client

    agent = UserFactory(agent=True)
    ProgramFactory(managers=[agent])
    client = Client()
    client.force_login(agent)
    html = client.get("/manage/queues/").content.decode()
    names = {
        "Programs": "programs:list",
        "Recruiting": "recruiting:posting_list",
        "Contracts": "contracts:contract_list",
        "Queues": "queues:inhouse_queue",
        "Quality": "reviews:home",
        "Payments": "payments:home",
    }
    expected = ["Home", *(label for label, name in names.items() if user_may_open(agent, name))]
    assert [label for label, _active in _sections(html)] == expected
    assert "API tokens" not in html


def test_a_freelancer_sees_the_portal_and_staff_see_admin(client):
    program = ProgramFactory()
    freelancer = on_duty_freelancer(program)
    client.force_login(freelancer.user)
    html = client.get("/portal/tickets/").content.decode()
    sections = _sections(html)
    assert sections[0] == ("Home", False) and ("My tickets", True) in sections
    assert [label for label, _ in sections][1:] == [
        "My tickets",
        "Knowledge",
        "Availability",
        "Time",
        "Payouts",
        "Reviews",
        "Contracts",
        "Referrals",
    ]
    assert "New tickets come to you only while you are online inside your shift." in html
    # staff (past two-factor sign-in) also get the admin's link
    from django.template import engines
    from django.test import RequestFactory

    request = RequestFactory().get("/portal/tickets/")
    request.user = freelancer.user
    freelancer.user.is_staff = True
    nav = engines["django"].from_string("{% load chrome %}{% main_nav %}").render({}, request)
    assert '<li class="nav-item"><a class="nav-link" href="/admin/">Admin</a></li>' in nav


def test_someone_signed_out_gets_log_in(client):
    html = client.get("/accounts/login/").content.decode()
    assert ">Log in</a>" in html and "data-presence" not in html
