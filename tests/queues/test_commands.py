"""`manage.py issue_api_token`: a manager's API token, made once, replaced only on --rotate."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.accounts.factories import FreelancerFactory, ManagerFactory

pytestmark = pytest.mark.django_db


def issue(*args):
    out = io.StringIO()
    call_command("issue_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_the_token_is_made_once_and_replaced_on_rotate():
    manager = ManagerFactory(email="lead@example.test")
    first = issue("LEAD@example.test ")
    assert len(first) >= 20
    assert issue("lead@example.test") == first
    rotated = issue("lead@example.test", "--rotate")
    assert rotated != first
    assert issue("lead@example.test") == rotated
    assert manager.email == "lead@example.test"


def test_an_unknown_address_or_a_freelancer_gets_no_token():
    with pytest.raises(CommandError, match="No user with the email nobody@example.test"):
        issue("nobody@example.test")
    freelancer = FreelancerFactory()
    with pytest.raises(CommandError, match="API tokens are for active support managers"):
        issue(freelancer.user.email)
