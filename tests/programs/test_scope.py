"""What a manager or in-house agent may see is one rule (programs.selectors, issue #18 item 1): the programs
whose in-house team they are on. Its two forms, the queryset and the per-request id list, are derived from it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from programs.selectors import (
    program_ids_for,
    program_inhouse_member,
    program_inhouse_team,
    program_list,
)
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees them (no ids kept from an earlier call)."""
    return type(user).objects.get(pk=user.pk) if user.pk else user


@pytest.mark.parametrize("who", ["manager", "agent", "superuser", "other manager", "anonymous"])
def test_the_id_list_is_the_querysets_ids_for_every_kind_of_user(who):
    manager = ManagerFactory()
    agent = UserFactory(role=User.Role.AGENT)
    mine = [ProgramFactory(managers=[manager, agent]), ProgramFactory(managers=[manager])]
    ProgramFactory()
    user = {
        "manager": manager,
        "agent": agent,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "other manager": ManagerFactory(),
        "anonymous": AnonymousUser(),
    }[who]
    listed = sorted(program_list(user=_fresh(user)).values_list("pk", flat=True))
    assert sorted(program_ids_for(user=_fresh(user))) == listed
    if who == "manager":
        assert listed == sorted(p.pk for p in mine)
    if who in ("other manager", "anonymous"):
        assert listed == []


def test_the_ids_are_read_once_per_request(django_assert_num_queries):
    manager = ManagerFactory()
    program = ProgramFactory(managers=[manager])
    user = _fresh(manager)
    with django_assert_num_queries(1):
        assert program_ids_for(user=user) == [program.pk]
        assert program_ids_for(user=user) == [program.pk]
    # a new request (a new user object) reads them again, so a change of team shows at once
    program.managers.remove(manager)
    assert program_ids_for(user=_fresh(manager)) == []


def test_the_inhouse_team_is_its_active_managers_and_agents():
    manager, agent = ManagerFactory(), UserFactory(role=User.Role.AGENT)
    gone = ManagerFactory(is_active=False)
    program = ProgramFactory(managers=[manager, agent, gone])
    assert set(program_inhouse_team(program=program)) == {manager, agent}
    assert program_inhouse_member(program=program, user=agent)
    assert not program_inhouse_member(program=program, user=gone)
    assert not program_inhouse_member(program=program, user=ManagerFactory())
    assert not program_inhouse_member(program=program, user=None)


# accounts sits below programs (DESIGN.md), so it cannot call these selectors: whose API tokens a manager looks
# after is the one question it answers about teams itself, and only from the manager's own memberships.
ALLOWED = {"accounts/api_tokens.py"}


def test_no_other_module_writes_the_team_rule_again():
    """A filter on Program.managers outside programs/ would be a second copy of who may see a program."""
    root = Path(settings.BASE_DIR)
    pattern = re.compile(r"managers\.filter\(|[(,\s]managers(__\w+)?=|program__managers|managed_programs__")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for app in settings.LOCAL_APPS
        if app != "programs"
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and str(path.relative_to(root)) not in ALLOWED
    ]
    assert offenders == [], "use programs.selectors (program_list, program_ids_for, program_inhouse_team)"
