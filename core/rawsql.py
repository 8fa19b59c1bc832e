"""Hand-written SELECTs for the hottest reads, where building the ORM query costs more than running it.

On every API intake request Django spent ~0.5 ms building the token look-up and ~0.7 ms building the
program look-up (compiling the joins), for queries PostgreSQL answers in ~0.1 ms. These helpers run a plain
SELECT and turn each model's slice of the row into an instance the way the ORM does (`from_db`, with the
fields' converters), so callers get ordinary model instances. Use them only where a benchmark shows it pays.
"""

import datetime
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connections, models


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
    parameters it names (values_list rows, as the driver returns them: for plain columns).

    For a hot read whose ORM query is costly to build (nested subqueries) but whose shape never changes: the
    queryset stays the one definition, only its compiling is saved. `build(**marks)` must return the same
    queryset for any values of the named parameters, each used as a filter value at least once: `names` are
    ints (ids), `moments` aware datetimes (e.g. "now", which routing's candidate query compares with twice).
    """

    def __init__(self, build: Callable[..., Any], *names: str, moments: tuple[str, ...] = ()):
        self.build, self.names, self.moments = build, names, moments
        self._compiled: dict[str, tuple] = {}

    def _compile(self, using: str) -> tuple:
        ops = connections[using].ops
        marks: dict[str, Any] = {name: _MARK - index for index, name in enumerate(self.names)}
        marks.update(
            {
                name: _MOMENT_MARK + datetime.timedelta(microseconds=index)
                for index, name in enumerate(self.moments)
            }
        )
        sql, params = self.build(**marks).query.get_compiler(using).as_sql()
        slots = []
        for index, value in enumerate(params):
            for name, mark in marks.items():
                if name in self.moments:
                    if isinstance(value, datetime.datetime) and value == mark:
                        slots.append((index, name, False))
                    elif isinstance(value, str) and value == ops.adapt_datetimefield_value(mark):
                        slots.append((index, name, True))  # the backend binds moments as text (SQLite)
                elif isinstance(value, int) and value == mark:
                    slots.append((index, name, False))
        if {name for _index, name, _adapt in slots} != {*self.names, *self.moments}:
            raise ValueError(f"Every one of {(*self.names, *self.moments)} must be a parameter of the query.")
        return sql, tuple(params), slots

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple]:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, params, slots = compiled
        params = list(params)
        ops = connections[using].ops
        for index, name, adapt in slots:
            params[index] = ops.adapt_datetimefield_value(values[name]) if adapt else values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
