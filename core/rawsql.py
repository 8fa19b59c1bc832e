"""Hand-written SELECTs for the hottest reads, where building the ORM query costs more than running it.

On every API intake request Django spent ~0.5 ms building the token look-up and ~0.7 ms building the
program look-up (compiling the joins), for queries PostgreSQL answers in ~0.1 ms. These helpers run a plain
SELECT and turn each model's slice of the row into an instance the way the ORM does (`from_db`, with the
fields' converters), so callers get ordinary model instances. Use them only where a benchmark shows it pays.
"""

import datetime
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.backends.utils import CursorWrapper

from core.db import prepares_on_server


def select_columns(model: type[models.Model], alias: str) -> str:
    """Every concrete column of the model, in field order, for a SELECT list: `alias."column", …`."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@cache
def _converters(model: type[models.Model], alias: str) -> tuple:
    """(attnames, [(index, column expression, [converter, …]), …]): how to read the model's columns from the
    `alias` database (only the columns that have converters are listed)."""
    connection = connections[alias]
    fields = model._meta.concrete_fields
    converting = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if found:
            converting.append((index, expression, found))
    return [field.attname for field in fields], converting


def fetch_one(sql: str, params, *model_classes: type[models.Model], using: str = "default") -> tuple | None:
    """Run a SELECT whose columns are select_columns() of each model in turn; return one instance of each
    (None for a model whose primary key came back NULL, as from a LEFT JOIN), or None when no row matched."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    connection = connections[using]
    found, start = [], 0
    for model in model_classes:
        names, converting = _converters(model, using)
        values = list(row[start : start + len(names)])
        start += len(names)
        pk_index = names.index(model._meta.pk.attname)
        if values[pk_index] is None:
            found.append(None)
            continue
        for index, expression, converters in converting:
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        found.append(model.from_db(using, names, values))
    return tuple(found)


# Parameter values no real id, count or moment takes: they mark where a PreparedQuery's values go.
_MARK = -(2**62) + 7919
_MOMENT_MARK = datetime.datetime(1901, 2, 3, 4, 5, 6, 7000, tzinfo=datetime.UTC)


class PreparedQuery:
    """A queryset compiled to SQL once per process and database, then run again with other values for the
    parameters it names: `rows()` gives values_list rows (as the driver returns them: for plain columns),
    `objects()` model instances, built as the ORM builds them (select_related, only(), annotations).

    For a hot read whose ORM query is costly to build (nested subqueries, joins) but whose shape never changes:
    the queryset stays the one definition, only its compiling is saved. `build(**marks)` must return the same
    queryset for any values of the named parameters, each used as a filter value at least once: `names` are
    ints (ids), `moments` aware datetimes (e.g. "now", which routing's candidate query compares with twice),
    `lists` lists of ints (`pk__in=`; compiled once per length), or of their text for a text column.
    """

    def __init__(
        self,
        build: Callable[..., Any],
        *names: str,
        moments: tuple[str, ...] = (),
        lists: tuple[str, ...] = (),
    ):
        self.build, self.names, self.moments, self.lists = build, names, moments, lists
        self._compiled: dict[tuple, tuple] = {}

    def _compile(self, using: str, lengths: tuple[int, ...], counting: bool) -> tuple:
        ops = connections[using].ops
        marks: dict[str, Any] = {name: _MARK - index for index, name in enumerate(self.names)}
        marks.update(
            {
                name: _MOMENT_MARK + datetime.timedelta(microseconds=index)
                for index, name in enumerate(self.moments)
            }
        )
        # each list's items are marks of their own, below the names' (slot = (list name, item index))
        next_mark = _MARK - len(self.names)
        list_marks: dict[int, tuple[str, int]] = {}
        for name, length in zip(self.lists, lengths, strict=True):
            items = []
            for item in range(length):
                list_marks[next_mark] = (name, item)
                items.append(next_mark)
                next_mark -= 1
            marks[name] = items
        queryset = self.build(**marks)
        if counting:
            queryset = queryset.order_by().values("pk")
        compiler = queryset.query.get_compiler(using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. `pk__in=` an empty list: no row, as the ORM answers without a query
            return None, (), [], compiler, None
        slots: list[tuple[int, Any, bool]] = []
        for index, value in enumerate(params):
            if isinstance(value, int) and value in list_marks:
                slots.append((index, list_marks[value], False))
                continue
            if (
                isinstance(value, str)
                and value.startswith("-")
                and value[1:].isdigit()
                and int(value) in list_marks
            ):
                slots.append((index, list_marks[int(value)], False))  # a text column's lookup: pass text
                continue
            for name, mark in marks.items():
                if name in self.lists:
                    continue
                if name in self.moments:
                    if isinstance(value, datetime.datetime) and value == mark:
                        slots.append((index, name, False))
                    elif isinstance(value, str) and value == ops.adapt_datetimefield_value(mark):
                        slots.append((index, name, True))  # the backend binds moments as text (SQLite)
                elif isinstance(value, int) and value == mark:
                    slots.append((index, name, False))
        named = {slot if isinstance(slot, str) else slot[0] for _index, slot, _adapt in slots}
        wanted = {
            *self.names,
            *self.moments,
            *(name for name, length in zip(self.lists, lengths, strict=True) if length),
        }
        if named != wanted or {slot for _i, slot, _a in slots if not isinstance(slot, str)} != set(
            list_marks.values()
        ):
            raise ValueError(
                f"Every one of {(*self.names, *self.moments, *self.lists)} must be a parameter of the query."
            )
        return sql, tuple(params), slots, compiler, _server_sql(using, sql, params, slots)

    def _run(
        self, using: str, values: dict[str, Any], *, counting: bool = False, window: tuple | None = None
    ) -> tuple[list[tuple], Any]:
        lengths = tuple(len(values[name]) for name in self.lists)
        key = (using, lengths, counting)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, lengths, counting)
        sql, params, slots, compiler, server_sql = compiled
        if sql is None:
            return ([(0,)] if counting else []), compiler
        ops = connections[using].ops
        given = [
            (ops.adapt_datetimefield_value(values[slot]) if adapt else values[slot])
            if isinstance(slot, str)
            else values[slot[0]][slot[1]]
            for _index, slot, adapt in slots
        ]
        if server_sql is not None:  # the values are the only parameters left: prepared on the server
            sql, params = server_sql, given
        else:
            params = list(params)
            for (index, _slot, _adapt), value in zip(slots, given, strict=True):
                params[index] = value
        if window is not None:  # rows [offset, offset + limit) of the query (its build is not sliced)
            offset, limit = int(window[0]), window[1]
            sql = f"{sql} {ops.limit_offset_sql(offset, None if limit is None else offset + int(limit))}"
        if counting:
            sql = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608 (compiled by the ORM, values are params)
        with _cursor(using, prepared=server_sql is not None) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall(), compiler

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple]:
        return self._run(using, values)[0]

    def objects(
        self, *, using: str = "default", offset: int = 0, limit: int | None = None, **values: Any
    ) -> list:
        """The rows as model instances, as the ORM's ModelIterable builds them from the same SQL; with `offset`
        or `limit`, only those rows (for a build that is not sliced)."""
        window = (offset, limit) if offset or limit is not None else None
        rows, compiler = self._run(using, values, window=window)
        if not rows:
            return []
        reader = compiler.__dict__.get("_prepared_reader")
        if reader is None:
            reader = compiler.__dict__["_prepared_reader"] = _InstanceReader(compiler, using)
        return reader.read(rows, connections[using])

    def count(
        self, *, using: str = "default", offset: int = 0, limit: int | None = None, **values: Any
    ) -> int:
        """How many rows the query has (from `offset` on, at most `limit`): a COUNT(*) over it, unordered."""
        window = (offset, limit) if offset or limit is not None else None
        return self._run(using, values, counting=True, window=window)[0][0][0]


# --- statements prepared on the server ------------------------------------------------------------------------
# Django binds parameters on the client (psycopg writes each value into the SQL text), so PostgreSQL parses and
# plans every query afresh: for the pages' reads, planning took longer than running them (0.2-1.5 ms a query
# against 0.05-0.3 ms). A PreparedQuery's SQL never changes, so on PostgreSQL it is a server-side prepared
# statement (psycopg prepares it once per connection and keeps the last 100 it used): its constant parameters
# (statuses, queue names, flags) are written into the SQL as literals, so the plan PostgreSQL keeps knows them
# (a partial index on the active tickets still applies), and only its values (ids, moments) are parameters.
# settings.DATABASE_SERVER_PREPARE turns it off (e.g. behind a pooler that cannot keep prepared statements).

_PLACEHOLDER = re.compile(r"%%|%s")


def _server_sql(using: str, sql: str, params: list, slots: list) -> str | None:
    """The compiled SQL with its constants as literals and %s left for the slots' values, or None when the
    database does not prepare statements (SQLite, or switched off)."""
    if not prepares_on_server(using):
        return None
    connection = connections[using]
    from psycopg.sql import Literal

    connection.ensure_connection()
    valued = {index for index, _slot, _adapt in slots}
    position = 0

    def written(match: re.Match) -> str:
        nonlocal position
        if match.group() == "%%":
            return "%%"
        index, position = position, position + 1
        if index in valued:
            return "%s"
        return Literal(params[index]).as_string(connection.connection).replace("%", "%%")

    server_sql = _PLACEHOLDER.sub(written, sql)
    if position != len(params):
        return None  # not the placeholders expected: run it as the ORM would
    return server_sql


def _cursor(using: str, *, prepared: bool) -> Any:
    """A cursor of the `using` connection (Django's wrapper: query logging and execute wrappers see it); with
    `prepared`, one that binds on the server and prepares each statement it runs."""
    connection = connections[using]
    if not prepared:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django opens connections with prepared statements off (None). A number turns psycopg's preparing on for
        # the cursors that ask for it (prepare=True, below) and no other: Django's own cursors bind on the
        # client, and those never prepare; the number is never reached.
        raw.prepare_threshold = 2**31 - 1
    connection.validate_thread_sharing()
    preparing, logging = _preparing_cursor_classes()
    with connection.wrap_database_errors:
        cursor = preparing(raw)
    return logging(cursor, connection) if connection.queries_logged else CursorWrapper(cursor, connection)


@cache
def _preparing_cursor_classes() -> tuple[type, type]:
    """(psycopg cursor that prepares what it runs, Django's logging wrapper for it)."""
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        CursorDebugWrapper,
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):
        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any
        ) -> Any:
            return super().execute(query, params, prepare=True, **kwargs)

    class PreparedDebugWrapper(CursorDebugWrapper):
        """Logs the query with its values written in, as Django logs its own (for a prepared statement psycopg
        keeps no such text, where Django looks for it)."""

        def execute(self, sql: Any, params: Any = None) -> Any:
            with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
                return CursorWrapper.execute(self, sql, params)

    return PreparingCursor, PreparedDebugWrapper


class PreparedRows:
    """A PreparedQuery's instances for given values, as a list a Paginator slices: each slice is one query with
    LIMIT and OFFSET, count() one COUNT(*) (CappedPaginator's count_from() counts a window)."""

    def __init__(self, query: PreparedQuery, **values: Any):
        self.query, self.values = query, values

    def count(self) -> int:
        return self.query.count(**self.values)

    def count_from(self, start: int, most: int) -> int:
        return self.query.count(offset=start, limit=most, **self.values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("PreparedRows takes slices only: rows[start:stop].")
        start = item.start or 0
        limit = None if item.stop is None else max(item.stop - start, 0)
        return self.query.objects(offset=start, limit=limit, **self.values)


class _InstanceReader:
    """What ModelIterable works out from a compiled query to build its instances, worked out once."""

    def __init__(self, compiler: Any, using: str):
        from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None or compiler.query.values_select:
            raise ValueError("objects() needs a queryset of model instances (not values or values_list).")
        self.using = using
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, using)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = list(
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()
        )

    def read(self, rows: list[tuple], connection: Any) -> list:
        found = []
        for values in rows:
            row = list(values)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            instance = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found
