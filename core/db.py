"""Everything that differs between PostgreSQL and SQLite, in one module (issue #18, item 8).

Production and CI run on PostgreSQL; SQLite serves a quick local `make run` without a database server. Code
elsewhere never asks `connection.vendor`: it calls these helpers, so each difference is written, tested and
found in one place. Benchmarks that only make sense on PostgreSQL ask `is_postgresql()` too.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Aggregate, FloatField, JSONField, QuerySet

from core.metrics import to_decimal


def is_postgresql() -> bool:
    """True on PostgreSQL (production, CI and the benches); False on SQLite."""
    return connection.vendor == "postgresql"


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
    return sum(to_decimal(v) for v in middle) / len(middle)


class JSONArrayAgg(Aggregate):
    """Rows as one JSON array: JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)
