import pytest
from django.contrib.auth.models import AnonymousUser

from programs.selectors import program_ids_for, program_list
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_program_ids_for_is_program_list_s_scope():
    manager, other = ManagerFactory(), ManagerFactory()
    mine = [ProgramFactory(managers=[manager]), ProgramFactory(managers=[manager, other])]
    ProgramFactory(managers=[other])
    admin = UserFactory(is_superuser=True)
    for user in (manager, other, admin, ManagerFactory()):
        assert sorted(program_ids_for(user=user)) == sorted(
            program_list(user=user).values_list("pk", flat=True)
        )
    assert sorted(program_ids_for(user=manager)) == sorted(p.pk for p in mine)
    assert program_ids_for(user=AnonymousUser()) == []
