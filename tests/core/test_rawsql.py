import pytest

from accounts.models import User
from core.rawsql import fetch_one, select_columns
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_fetch_one_builds_the_instance_the_orm_builds():
    user = UserFactory(display_name="Ana Reyes", time_zone="America/Mexico_City")
    sql = f"SELECT {select_columns(User, 'u')} FROM {User._meta.db_table} u WHERE u.id = %s"  # noqa: S608
    (found,) = fetch_one(sql, [user.pk], User)
    orm = User.objects.get(pk=user.pk)
    assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in User._meta.concrete_fields
    }
    assert not found._state.adding and found._state.db == "default"


def test_fetch_one_answers_none_for_no_row_and_for_an_empty_outer_join():
    user = UserFactory()
    assert (
        fetch_one(
            f"SELECT {select_columns(User, 'u')} FROM {User._meta.db_table} u WHERE u.id = %s",  # noqa: S608
            [-1],
            User,
        )
        is None
    )
    sql = (
        f"SELECT {select_columns(User, 'u')}, {select_columns(User, 'o')} FROM {User._meta.db_table} u "  # noqa: S608
        f"LEFT JOIN {User._meta.db_table} o ON o.id = -u.id WHERE u.id = %s"
    )
    found, other = fetch_one(sql, [user.pk], User, User)
    assert found == user and other is None


def test_prepared_query_runs_its_compiled_sql_with_new_values(django_assert_num_queries):
    from core.rawsql import PreparedQuery

    ana, bo = UserFactory(display_name="Ana"), UserFactory(display_name="Bo")
    query = PreparedQuery(
        lambda user_id: User.objects.filter(pk=user_id, is_active=True).values_list("display_name"), "user_id"
    )
    assert query.rows(user_id=ana.pk) == [("Ana",)]
    with django_assert_num_queries(1):
        assert query.rows(user_id=bo.pk) == [("Bo",)]
    assert query.rows(user_id=-1) == []


def test_prepared_query_refuses_a_name_that_is_not_a_parameter():
    from core.rawsql import PreparedQuery

    query = PreparedQuery(lambda user_id: User.objects.filter(is_active=True).values_list("pk"), "user_id")
    with pytest.raises(ValueError):
        query.rows(user_id=1)
