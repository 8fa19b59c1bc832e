"""Small query helpers shared by the dashboard selectors."""

import datetime

from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet

from dashboard.metrics import to_decimal


class Median(Aggregate):
    """PostgreSQL's exact median; other databases use median_of()'s fallback."""

    function = "PERCENTILE_CONT"
    name = "median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def supports_median() -> bool:
    return connection.vendor == "postgresql"


def median_of(queryset: QuerySet, field: str):
    """The median of `field` over the queryset's non-null values, or None when there are none.

    PostgreSQL: one PERCENTILE_CONT aggregate. Elsewhere (SQLite for a quick local run): a count
    and one ORDER BY … LIMIT 2 OFFSET query for the middle value(s), still without reading every row.
    """
    queryset = queryset.filter(**{f"{field}__isnull": False}).order_by()
    if supports_median():
        return to_decimal(queryset.aggregate(value=Median(field))["value"])
    count = queryset.count()
    middle = list(
        queryset.order_by(field).values_list(field, flat=True)[max(count - 1, 0) // 2 : count // 2 + 1]
    )
    if not middle:
        return None
    return sum(to_decimal(v) for v in middle) / len(middle)


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weeks_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Mondays of every week touching [first, last]."""
    monday, weeks = week_start(first), []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks
