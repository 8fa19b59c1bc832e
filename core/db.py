"""Everything that differs between PostgreSQL and SQLite, in one module (issue #18, item 8).

Production and CI run on PostgreSQL; SQLite serves a quick local `make run` without a database server. Code
elsewhere never asks `connection.vendor`: it calls these helpers, so each difference is written, tested and
found in one place. Benchmarks that only make sense on PostgreSQL ask `is_postgresql()` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Aggregate, Field, FloatField, Func, IntegerField, JSONField, Model, QuerySet

from core.metrics import to_decimal


def is_postgresql() -> bool:
    """True on PostgreSQL (production, CI and the benches); False on SQLite."""
    return connection.vendor == "postgresql"


def prepares_on_server(using: str = "default") -> bool:
    """Whether core.rawsql's PreparedQuery runs as statements prepared on the server: on PostgreSQL, unless
    settings.DATABASE_SERVER_PREPARE turns it off (SQLite has no such thing)."""
    from django.conf import settings
    from django.db import connections

    return connections[using].vendor == "postgresql" and getattr(settings, "DATABASE_SERVER_PREPARE", True)


class Median(Aggregate):
    """The median of a column on PostgreSQL: PERCENTILE_CONT(0.5), the interpolation core.metrics.median uses
    (a float). SQLite has no such aggregate: callers check is_postgresql() or use median_of()."""

    function = "PERCENTILE_CONT"
    name = "median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def median_of(queryset: QuerySet, field: str) -> Any:
    """The median of `field` over the queryset's non-null values as a Decimal, or None when there are none.

    PostgreSQL: one PERCENTILE_CONT aggregate. SQLite: a count and one ORDER BY … LIMIT 2 OFFSET query for the
    middle value(s), still without reading every row.
    """
    queryset = queryset.filter(**{f"{field}__isnull": False}).order_by()
    if is_postgresql():
        return to_decimal(queryset.aggregate(value=Median(field))["value"])
    count = queryset.count()
    middle = list(
        queryset.order_by(field).values_list(field, flat=True)[max(count - 1, 0) // 2 : count // 2 + 1]
    )
    if not middle:
        return None
    values = [to_decimal(v) for v in middle]  # never None: the nulls were filtered out
    return sum(v for v in values if v is not None) / len(values)


class JSONArrayAgg(Aggregate):
    """Rows as one JSON array: JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class WidthBucket(Func):
    """The bucket of an integer among ascending integer lower bounds: 0 below bounds[0], k from bounds[k - 1]
    on. PostgreSQL: width_bucket(value, ARRAY[…]) (a binary search); SQLite: the same as a CASE."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, bounds: list[int]) -> None:
        self.bounds = [int(bound) for bound in bounds]  # our own numbers, written into the SQL
        super().__init__(expression)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        array = "ARRAY[" + ", ".join(str(bound) for bound in self.bounds) + "]"
        return super().as_sql(compiler, connection, template=f"width_bucket(%(expressions)s, {array})")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        cases = " ".join(f"WHEN ({sql}) < {bound} THEN {k}" for k, bound in enumerate(self.bounds))
        return f"(CASE {cases} ELSE {len(self.bounds)} END)", list(params) * len(self.bounds)


def connection_slot_sql() -> str:
    """An SQL expression no other open connection shares at this moment: the server process id on PostgreSQL
    (a connection runs one transaction at a time, so rows keyed by it have one writer); 0 on SQLite, whose
    writers already take turns. For counters that many transactions add to at once (queues.counters)."""
    return "pg_backend_pid()" if is_postgresql() else "0"


def update_rows(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of each instance, by primary key, in one statement, each row its own values.

    PostgreSQL: UPDATE … FROM unnest(one array a column), which costs one round trip and one plan for any number
    of rows (routing writes a batch of up to 500 tickets, nearly every one with another assignee: one UPDATE a
    value had cost a round trip each). A column given one value on every row (routing's moment and queue, the
    NULLs it leaves) is sent once, as a scalar: converted once, not quoted into the SQL text as an array item a
    row (half the statement's CPU for a routing batch). SQLite: the ORM's bulk_update (CASE
    WHEN per column). Nothing here runs save() or signals, as neither does QuerySet.update().
    """
    if not objs:
        return
    meta = model._meta
    columns = [cast(Field, meta.get_field(name)) for name in fields]  # concrete fields only
    if not is_postgresql():
        model._base_manager.bulk_update(objs, [column.name for column in columns])
        return
    quote = connection.ops.quote_name
    pk = meta.pk
    assert pk is not None
    table, key = quote(meta.db_table), quote(str(pk.column))
    assignments, scalars = [], []
    names, sources = [key], [f"%s::{pk.db_type(connection)}[]"]
    arrays: list[list[Any]] = [[pk.get_db_prep_value(obj.pk, connection) for obj in objs]]
    for column in columns:
        name, db_type = quote(str(column.column)), column.db_type(connection)
        values = [getattr(obj, column.attname) for obj in objs]
        first = values[0]
        if all(value is first or (first is not None and value == first) for value in values):
            assignments.append(f"{name} = %s::{db_type}")  # the same value on every row: once, a scalar
            scalars.append(column.get_db_prep_save(first, connection))
        else:
            assignments.append(f"{name} = v.{name}")
            names.append(name)
            sources.append(f"%s::{db_type}[]")
            arrays.append([column.get_db_prep_save(value, connection) for value in values])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)}"  # noqa: S608 (names of the model only)
            f" FROM unnest({', '.join(sources)}) AS v({', '.join(names)}) WHERE {table}.{key} = v.{key}",
            [*scalars, *arrays],
        )
