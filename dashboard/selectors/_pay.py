"""The pay query shared by the cost selectors and the daily rollups: hours × the rate in force on each day."""

import datetime

from django.db import connection

from contracts.models import Contract, RateChange
from dashboard.metrics import to_decimal
from payments.models import TimeEntry

COUNTED_STATUSES = (TimeEntry.Status.SUBMITTED, TimeEntry.Status.APPROVED)


PAY_SQL = """
WITH ranges AS (
    SELECT c.id AS contract_id, c.currency AS currency, c.hourly_rate AS rate, CAST(NULL AS date) AS from_date,
           first_change.effective_date AS to_date
    FROM {contract} c
    LEFT JOIN (SELECT r.contract_id, MIN(r.effective_date) AS effective_date FROM {rate_change} r
               GROUP BY r.contract_id) first_change ON first_change.contract_id = c.id
    WHERE c.program_id IN ({programs})
    UNION ALL
    SELECT r.contract_id, c.currency, r.hourly_rate, r.effective_date,
           LEAD(r.effective_date) OVER (PARTITION BY r.contract_id ORDER BY r.effective_date)
    FROM {rate_change} r JOIN {contract} c ON c.id = r.contract_id WHERE c.program_id IN ({programs})
)
SELECT te.{group} AS grouped, ranges.currency, SUM(te.hours) AS hours, SUM(te.hours * ranges.rate) AS pay
FROM {time_entry} te
JOIN ranges ON ranges.contract_id = te.contract_id
    AND (ranges.from_date IS NULL OR te.date >= ranges.from_date)
    AND (ranges.to_date IS NULL OR te.date < ranges.to_date)
WHERE te.status IN (%s, %s) AND ({windows}) {freelancers}
GROUP BY te.{group}, ranges.currency
"""


def pay_rows(
    *, windows: dict[int, tuple[datetime.date, datetime.date]], group: str, freelancer_ids=None
) -> list[tuple]:
    """[(grouped value, currency, hours, pay)] of counted time entries, hours × the rate in force on each day.

    windows: {program_id: (first day, last day)}; group: "date", "freelancer_id" or "program_id".
    One aggregate query. The contracts' rate ranges (the starting rate until the first change, then each change
    until the next) come from a grouped join and a window function and are joined on the entry's date, so the
    database runs no correlated subquery, per entry or per contract (a "latest rate change" subquery per entry
    took ~2 s on 80,000 entries).
    """
    if group not in ("date", "freelancer_id", "program_id") or not windows:
        raise ValueError(group)
    program_ids = [int(pk) for pk in windows]
    placeholders = ", ".join(["%s"] * len(program_ids))
    params = [*program_ids, *program_ids, *COUNTED_STATUSES]
    clauses = []
    for program_id, (first_day, last_day) in windows.items():
        clauses.append("(te.program_id = %s AND te.date >= %s AND te.date <= %s)")
        params.extend([int(program_id), first_day, last_day])
    freelancers = ""
    if freelancer_ids is not None:
        ids = [int(pk) for pk in freelancer_ids]
        if not ids:
            return []
        freelancers = f"AND te.freelancer_id IN ({', '.join(['%s'] * len(ids))})"
        params.extend(ids)
    sql = PAY_SQL.format(
        rate_change=RateChange._meta.db_table,
        contract=Contract._meta.db_table,
        time_entry=TimeEntry._meta.db_table,
        group=group,
        freelancers=freelancers,
        programs=placeholders,
        windows=" OR ".join(clauses),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for grouped, currency, hours, pay in rows:
        if group == "date" and isinstance(grouped, str):
            grouped = datetime.date.fromisoformat(grouped[:10])
        result.append((grouped, currency, to_decimal(hours), to_decimal(pay)))
    return result
