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


def _same(found, expected):
    """The instances carry the same column values, and the same related rows loaded (select_related)."""
    columns = [f.attname for f in expected[0]._meta.concrete_fields] if expected else []
    assert [[getattr(o, c) for c in columns] for o in found] == [
        [getattr(o, c) for c in columns] for o in expected
    ]
    assert [o._state.fields_cache.keys() for o in found] == [o._state.fields_cache.keys() for o in expected]


def test_prepared_objects_are_the_instances_the_orm_builds(django_assert_num_queries):
    from django.db.models import F

    from core.rawsql import PreparedQuery
    from queues.models import TicketMessage
    from tests.queues.factories import TicketFactory

    ticket, other = TicketFactory(), TicketFactory()
    author = UserFactory(display_name="Ana")
    for n in range(3):
        TicketMessage.objects.create(ticket=ticket, kind="reply", author=author if n else None, body=f"m{n}")
    TicketMessage.objects.create(ticket=other, kind="reply", body="elsewhere")

    def build(ticket_id):
        return (
            TicketMessage.objects.filter(ticket=ticket_id)
            .select_related("author", "ticket__program")
            .annotate(program_name=F("ticket__program__name"))
            .order_by("id")
        )

    query = PreparedQuery(build, "ticket_id")
    found = query.objects(ticket_id=ticket.pk)
    expected = list(build(ticket.pk))
    _same(found, expected)
    assert [m.author and m.author.display_name for m in found] == [None, "Ana", "Ana"]
    assert {m.program_name for m in found} == {ticket.program.name}
    assert found[1].ticket.program == ticket.program and not found[0]._state.adding
    with django_assert_num_queries(1):  # the related rows came with the row
        assert query.objects(ticket_id=other.pk)[0].ticket.program.name == other.program.name
    assert query.objects(ticket_id=-1) == []


def test_prepared_query_takes_lists_windows_and_counts():
    from core.rawsql import PreparedQuery, PreparedRows

    people = [UserFactory(display_name=f"P{n}") for n in range(5)]
    query = PreparedQuery(
        lambda ids, user_id: User.objects.filter(pk__in=ids).exclude(pk=user_id).order_by("pk"),
        "user_id",
        lists=("ids",),
    )
    ids = [p.pk for p in people]
    assert [u.pk for u in query.objects(ids=ids, user_id=ids[0])] == ids[1:]
    assert [u.pk for u in query.objects(ids=ids[:2], user_id=-1)] == ids[:2]  # another length: compiled again
    assert query.objects(ids=[], user_id=-1) == [] and query.count(ids=[], user_id=-1) == 0
    assert [u.pk for u in query.objects(ids=ids, user_id=-1, offset=1, limit=2)] == ids[1:3]
    assert query.count(ids=ids, user_id=-1) == 5
    assert query.count(ids=ids, user_id=-1, offset=3, limit=10) == 2
    rows = PreparedRows(query, ids=ids, user_id=-1)
    assert [u.pk for u in rows[2:4]] == ids[2:4] and rows.count() == len(rows) == 5
    assert rows.count_from(1, 2) == 2 and rows.count_from(4, 2) == 1


def test_prepared_objects_refuse_a_values_query():
    from core.rawsql import PreparedQuery

    UserFactory()
    query = PreparedQuery(lambda user_id: User.objects.exclude(pk=user_id).values_list("pk"), "user_id")
    with pytest.raises(ValueError):
        query.objects(user_id=-1)


def _reply_query():
    from core.rawsql import PreparedQuery
    from queues.models import TicketMessage

    return PreparedQuery(
        lambda ticket_id: TicketMessage.objects.filter(ticket=ticket_id, kind="reply").order_by("id"),
        "ticket_id",
    )


def test_a_prepared_query_is_a_statement_prepared_on_the_server_with_its_constants_written_in(on_postgres):
    from django.db import connection

    from queues.models import TicketMessage
    from tests.queues.factories import TicketFactory

    ticket = TicketFactory()
    TicketMessage.objects.create(ticket=ticket, kind="reply", body="yes")
    TicketMessage.objects.create(ticket=ticket, kind="note", body="no")
    query = _reply_query()
    assert [m.body for m in query.objects(ticket_id=ticket.pk)] == ["yes"]
    assert query.objects(ticket_id=-1) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%'reply'%"])
        (statement,) = [row[0] for row in cursor.fetchall() if "queues_ticketmessage" in row[0]]
    # the kind is a literal (the plan knows it), the ticket a parameter
    assert "= 'reply'" in statement and "= $1" in statement


def test_switched_off_a_prepared_query_gives_the_same_rows_without_preparing(on_postgres, settings):
    from django.db import connection

    from queues.models import TicketMessage
    from tests.queues.factories import TicketFactory

    settings.DATABASE_SERVER_PREPARE = False
    ticket = TicketFactory()
    TicketMessage.objects.create(ticket=ticket, kind="reply", body="yes")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert [m.body for m in _reply_query().objects(ticket_id=ticket.pk)] == ["yes"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)
