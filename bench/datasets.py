"""Benchmark data sets (issue #22): one program-shaped PostgreSQL database per size, built once and reused.

    .venv/bin/python bench/datasets.py build                     # every missing size: 10k, 100k, 1m
    .venv/bin/python bench/datasets.py build --sizes 10k,100k    # some of them
    .venv/bin/python bench/datasets.py build --sizes 10k --rebuild   # drop the database and build it again
    .venv/bin/python bench/datasets.py refresh                   # migrate + REFRESH_STEPS on the sets that exist
    .venv/bin/python bench/datasets.py info                      # what each set holds: logins, ticket ids, counts
    .venv/bin/python bench/datasets.py drop --sizes 1m

Each size lives in a database of its own, flexdesk_bench_<size> (10k, 100k, 1m: 10,000 / 100,000 / 1,000,000
tickets), with one program (slug "bench") shaped like a busy real one:

- 300 freelancers (bench/dashboard.py's scaffold: contracts, rate changes, tier-2 standings, Monday-Friday
  slots, pay periods; here also English, presence, a password for one of them), a manager and an in-house agent;
- the tickets: 25 % active (new/open/pending; a fifth of those in the in-house queue, a fifth waiting for a
  freelancer, the rest assigned), the others solved over the past year (6 % of them escalated first);
- 2-4 messages a solved ticket (a tenth of a percent of the threads 50 messages long), the routing, reply,
  escalation and solve events of every ticket, as the services write them;
- time entries (one per two tickets), QA reviews (5 % of solved tickets), CSAT answers (20 %), weekly NPS,
  a posting with applications, and the dashboard's daily rollups (REFRESH_STEPS);
- one marked freelancer (BENCH_DATA) whose queue holds a ticket with exactly 2 messages and one with 50.

The bulk rows are written by PostgreSQL itself (INSERT … SELECT over generate_series, pseudo-random but
deterministic draws from hashint8extended), with the table and column names taken from the models' _meta and
every column the bench does not set given its field's default, so a new column with a default needs no change
here. The big tables' secondary indexes are dropped during the load and rebuilt after it. A set is complete
when its bench_dataset table holds the "complete" row written last; `build` skips complete sets, finishes one
whose load committed but whose last steps did not run, rebuilds any other, and never touches a set another
process is building (an advisory lock per set).

After a migration (another change's new tables or columns), `refresh` runs `migrate` on every set and then
REFRESH_STEPS: management commands by name, each skipped with a note when it does not exist (yet). Add a
repair or backfill job there and `refresh` (and every later build) runs it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

if TYPE_CHECKING:
    from django.db.models import Model

ROOT = Path(__file__).resolve().parents[1]
SLUG = "bench"
FREELANCERS = 300
ACTIVE_SHARE = 0.25
DAYS = 365
SEED = 22
GENERATOR_VERSION = 1
DEFAULT_SIZES = ("10k", "100k", "1m")
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "bench"

# What `refresh` (and the end of every build) runs after `migrate`, in order: a manage.py command and its
# arguments, or a function by its dotted path (called without arguments). One that does not exist is skipped
# with a note, so a repair/backfill job can be listed here before it lands. The dashboard's daily rollups
# cover the whole year of the set.
REFRESH_STEPS: list[tuple[str, list[str]]] = [
    ("refresh_dashboard_rollups", ["--program", SLUG, "--days", str(DAYS + 35)]),
    ("queue_counters_repair", []),  # the in-house headline counters (docs/adr/0030)
]


def size_tickets(size: str) -> int:
    """'10k' → 10,000, '1m' → 1,000,000 (any number with k or m)."""
    match = re.fullmatch(r"(\d+)([km]?)", size.strip().lower())
    if not match:
        raise SystemExit(f"A size is a number of tickets with k or m, e.g. 10k, 100k, 1m: not {size!r}.")
    return int(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2]]


def database_name(size: str) -> str:
    return f"flexdesk_bench_{size.strip().lower()}"


def database_url(size: str) -> str:
    return f"{SERVER}/{database_name(size)}"


def parse_sizes(text: str | None) -> list[str]:
    sizes = [s.strip().lower() for s in (text or ",".join(DEFAULT_SIZES)).split(",") if s.strip()]
    for size in sizes:
        size_tickets(size)
    return sizes


# --- the orchestration (no Django: it only creates, checks and drops databases and starts the builders) ---


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def database_exists(size: str) -> bool:
    with _admin() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(size)]).fetchone()
            is not None
        )


def dataset_info(size: str) -> dict[str, Any] | None:
    """The "complete" marker of the set (what it holds and its logins), or None when it is missing or half-built."""
    if not database_exists(size):
        return None
    with psycopg.connect(database_url(size)) as conn:
        exists = conn.execute("SELECT to_regclass('bench_dataset')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute("SELECT value FROM bench_dataset WHERE key = 'complete'").fetchone()
    return row[0] if row else None


def _lock_key(size: str) -> int:
    return int.from_bytes(database_name(size).encode()[-8:].rjust(8, b"\0"), "big") & 0x7FFFFFFFFFFFFFFF


def _drop(conn: psycopg.Connection, size: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{database_name(size)}" WITH (FORCE)')


def _child(command: str, size: str, *, quiet: bool = False) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(size),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
    }
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, command, size], env=env, cwd=ROOT, check=True, stdout=output, stderr=output
    )


def build(sizes: list[str], *, rebuild: bool = False) -> dict[str, float | None]:
    """Build each size that is missing (or all of them with rebuild). Returns {size: seconds, None if skipped}."""
    took: dict[str, float | None] = {}
    for size in sizes:
        with _admin() as conn:
            locked = conn.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(size)]).fetchone()
            if not locked or not locked[0]:
                print(f"{database_name(size)}: another process is building it; skipped")
                took[size] = None
                continue
            info = None if rebuild else dataset_info(size)
            if info is not None and info.get("version") == GENERATOR_VERSION:
                print(f"{database_name(size)}: complete (built {info['built_at']}); skipped")
                took[size] = None
                continue
            if not rebuild and info is None and database_exists(size):
                try:
                    started = time.monotonic()
                    _child("_finish", size)
                    took[size] = time.monotonic() - started
                    continue
                except subprocess.CalledProcessError:
                    pass  # not loaded: build it again
            if database_exists(size):
                print(
                    f"{database_name(size)}: dropped ({'--rebuild' if rebuild else 'incomplete or outdated'})"
                )
            _drop(conn, size)
            conn.execute(f'CREATE DATABASE "{database_name(size)}"')
            started = time.monotonic()
            _child("_build", size)
            took[size] = time.monotonic() - started
            print(f"{database_name(size)}: built in {took[size]:.0f} s")
    return took


def refresh(sizes: list[str], *, only_behind: bool = False) -> None:
    """migrate + REFRESH_STEPS on each built set (only_behind: only on those missing a migration)."""
    for size in sizes:
        if dataset_info(size) is None:
            print(f"{database_name(size)}: not built; skipped")
            continue
        if only_behind and not migrations_behind(size):
            continue
        _child("_refresh", size)


def migrations_behind(size: str) -> bool:
    try:
        _child("_check", size, quiet=True)
    except subprocess.CalledProcessError:
        return True
    return False


def drop(sizes: list[str]) -> None:
    with _admin() as conn:
        for size in sizes:
            _drop(conn, size)
            print(f"{database_name(size)}: dropped")


# --- inside one set's database (a child process with DATABASE_URL set; Django is set up here) ---


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _r(salt: int, over: str = "g") -> str:
    """A deterministic pseudo-random number in [0, 1) drawn from `over` (an integer expression) and a salt."""
    return f"((hashint8extended(({over})::bigint, {SEED * 1000 + salt}) & 2147483647)::float8 / 2147483648.0)"


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def insert_select(model: type[Model], values: dict[str, str], source: str, params: dict[str, Any]) -> int:
    """INSERT INTO the model's table SELECT one row per row of `source` (a FROM clause, its rows named s).

    values maps field names to SQL expressions; every other column gets its field's default (a constant),
    NULL where it may be empty, or now() for auto_now fields, so a column added later with a default needs no
    change here. A field that has none of these and is not in values is an error, named."""
    from django.db import connection

    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in values:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in values:
            expressions.append(values[field.name])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        elif field.has_default() or not field.null:
            default = field.get_default()
            if default is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.name}: no value and no default")
            key = f"default_{field.column}"
            params = {**params, key: field.get_db_prep_save(default, connection)}
            expressions.append(f"CAST(%({key})s AS {field.db_type(connection)})")
        else:
            expressions.append("NULL")
    unknown = set(values) - {f.name for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__}: no such fields {sorted(unknown)}")
    sql = f"INSERT INTO {_table(model)} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _secondary_indexes(models: list[type[Model]]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the tables' indexes that back no constraint (pk, unique, FK)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [[_table(m) for m in models]],
        )
        return list(cursor.fetchall())


def _sql(statement: str, params: Any = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


SUBJECTS = [
    "Where is my order?",
    "I was charged twice",
    "Cannot log in to my account",
    "Refund for a damaged item",
    "Change my delivery address",
    "The app crashes when I pay",
    "Cancel my subscription",
    "Discount code does not work",
]
BODIES = [
    "Hi, I ordered last week and the tracking page has not moved since Tuesday. Can you check where it is?",
    "Thanks for writing in. I have looked at your account and can see what happened; here is what I did.",
    "That did not help, I still see the same error after trying again this morning on my phone and laptop.",
    "I have sent you a new link; it works for 24 hours. Let me know if anything else comes up meanwhile.",
    "Internal: customer is a repeat contact, checked the payment provider, the second charge is pending.",
    "Great, that worked. Thank you for the quick help, have a nice day!",
]
REASONS = ["too_complex", "billing", "angry_customer", "bug", "language", "other"]


def _tickets(
    *, program_id: int, count: int, people: list[Any], agent_id: int, now: datetime.datetime
) -> None:
    from queues.models import Ticket

    a = ACTIVE_SHARE
    escalated = a + (1 - a) * 0.06
    draws = ", ".join(f"{_r(k)} AS r{k}" for k in range(1, 11))
    shaped = f"""(
        SELECT d.*, p.f, p.fu,
            1 + floor(d.r3 * p.n)::int AS who,
            CASE WHEN d.r1 < {a} THEN
                     CASE WHEN d.r7 < 0.2 THEN CASE WHEN d.r8 < 0.3 THEN 'tier2' ELSE 'inhouse' END
                          WHEN d.r7 < 0.4 THEN 'waiting' ELSE 'assigned' END
                 WHEN d.r1 < {escalated} THEN 'escalated' ELSE 'solved' END AS kind,
            CASE WHEN d.r1 < {a} THEN %(now)s - d.r2 * d.r2 * interval '120 days'
                 ELSE %(now)s - interval '1 day' - d.r2 * interval '363 days' END AS created,
            60 + floor(d.r4 * 3 * 3600)::int AS response,
            600 + floor(d.r5 * 48 * 3600)::int AS work
        FROM (SELECT g, {draws} FROM generate_series(1, %(count)s) g) d
        CROSS JOIN (SELECT CAST(%(f)s AS bigint[]) AS f, CAST(%(fu)s AS bigint[]) AS fu,
                           cardinality(CAST(%(f)s AS bigint[])) AS n) p
    ) s1"""
    status = """CASE
        WHEN kind IN ('solved', 'escalated') THEN 'done'
        WHEN kind = 'waiting' THEN CASE WHEN r6 < 0.7 THEN 'new' ELSE 'open' END
        WHEN kind = 'inhouse' THEN CASE WHEN r6 < 0.8 THEN 'open' ELSE 'pending' END
        ELSE CASE WHEN r6 < 0.2 THEN 'new' WHEN r6 < 0.8 THEN 'open' ELSE 'pending' END END"""
    staged = f"""(
        SELECT s1.*, {status} AS st,
            CASE WHEN kind IN ('solved', 'escalated', 'inhouse') OR {status} <> 'new'
                 THEN created + response * interval '1 second' END AS responded
        FROM {shaped}
    ) s2"""
    done = f"""(
        SELECT s2.*,
            CASE WHEN kind = 'escalated' OR kind = 'inhouse' THEN responded + interval '10 minutes' END AS escalated,
            CASE WHEN st = 'done' THEN LEAST(responded + work * interval '1 second', %(now)s - interval '5 minutes')
                 END AS solved
        FROM {staged}
    ) s"""
    next_due = """CASE WHEN st = 'done' THEN NULL
        WHEN kind IN ('inhouse', 'tier2') THEN COALESCE(escalated, created + interval '2 seconds') + interval '4 hours'
        WHEN responded IS NULL THEN created + interval '1 hour'
        ELSE created + interval '24 hours' END"""
    values = {
        "program": "%(program)s",
        "external_id": "'B' || g",
        "subject": "(CAST(%(subjects)s AS text[]))[1 + mod(g, 8)] || ' #' || g",
        "body": "(CAST(%(bodies)s AS text[]))[1]",
        "requester_email": "'c' || mod(g, 5000) || '@example.test'",
        "requester_name": "'Customer ' || mod(g, 5000)",
        "priority": "CASE WHEN r9 < 0.1 THEN 'low' WHEN r9 < 0.8 THEN 'normal' WHEN r9 < 0.95 THEN 'high' "
        "ELSE 'urgent' END",
        "status": "CASE WHEN st <> 'done' THEN st WHEN solved < %(now)s - interval '4 days' THEN 'closed' "
        "ELSE 'solved' END",
        "tier": "CASE WHEN kind = 'tier2' THEN 2 ELSE 1 END",
        "queue": "CASE WHEN kind IN ('inhouse', 'tier2', 'escalated') THEN 'inhouse' ELSE 'freelancer' END",
        "assignee": "CASE WHEN kind IN ('assigned', 'solved') THEN f[who] END",
        "inhouse_assignee": "CASE WHEN kind = 'escalated' OR (kind IN ('inhouse', 'tier2') AND r10 < 0.5) "
        "THEN %(agent)s END",
        "sla_due_at": "created + interval '1 hour'",
        "resolution_due_at": "created + interval '24 hours'",
        "inhouse_due_at": "CASE WHEN kind IN ('inhouse', 'tier2', 'escalated') "
        "THEN COALESCE(escalated, created + interval '2 seconds') + interval '4 hours' END",
        "next_due_at": next_due,
        "sla_warned_at": f"CASE WHEN {next_due} < %(now)s THEN ({next_due}) - interval '15 minutes' END",
        "sla_breached_at": f"CASE WHEN {next_due} < %(now)s THEN {next_due} "
        "WHEN st = 'done' AND response > 3600 THEN created + interval '1 hour' END",
        "first_response_at": "responded",
        "first_responder": "CASE WHEN responded IS NULL THEN NULL WHEN kind = 'tier2' THEN %(agent)s "
        "ELSE fu[who] END",
        "solved_at": "solved",
        "solved_by": "CASE WHEN solved IS NULL THEN NULL WHEN kind = 'escalated' THEN %(agent)s ELSE fu[who] END",
        "first_response_seconds": "CASE WHEN responded IS NOT NULL THEN response END",
        "first_response_met": "CASE WHEN responded IS NOT NULL THEN response <= 3600 END",
        "resolution_seconds": "CASE WHEN solved IS NOT NULL THEN CAST(EXTRACT(EPOCH FROM solved - created) AS int) END",
        "resolution_met": "CASE WHEN solved IS NOT NULL THEN solved - created <= interval '24 hours' END",
        "escalated_at": "escalated",
        "escalation_reason": "CASE WHEN escalated IS NOT NULL THEN (CAST(%(reasons)s AS text[]))[1 + mod(g, 6)] "
        "ELSE '' END",
        "escalated_by": "CASE WHEN escalated IS NOT NULL THEN f[who] END",
        "routed_at": "created + interval '2 seconds'",
        "last_assigned_at": "CASE WHEN kind IN ('assigned', 'solved', 'escalated', 'inhouse') "
        "THEN created + interval '2 seconds' END",
        "created_at": "created",
        "updated_at": "COALESCE(solved, escalated, responded, created)",
    }
    insert_select(
        Ticket,
        values,
        done,
        {
            "program": program_id,
            "count": count,
            "now": now,
            "agent": agent_id,
            "f": [p.pk for p in people],
            "fu": [p.user_id for p in people],
            "subjects": SUBJECTS,
            "bodies": BODIES,
            "reasons": REASONS,
        },
    )


def _messages_and_events(*, program_id: int, now: datetime.datetime) -> None:
    from accounts.models import Freelancer
    from queues.models import Ticket, TicketMessage

    tickets = _table(Ticket)
    # How many messages a ticket has: none before its first response, 1-3 while it is active, 2-4 once solved;
    # one thread in a thousand is 50 long.
    count = f"""CASE WHEN t.first_response_at IS NULL THEN 0
        WHEN mod(hashint8extended(t.id, {SEED}) & 2147483647, 1000) = 0 THEN 50
        WHEN t.solved_at IS NOT NULL THEN 2 + mod(hashint8extended(t.id, {SEED + 1}) & 2147483647, 3)
        ELSE 1 + mod(hashint8extended(t.id, {SEED + 1}) & 2147483647, 3) END"""
    source = f"""(
        SELECT t.id AS ticket_id, t.first_response_at AS first, COALESCE(t.solved_at, %(now)s) AS last,
               COALESCE(t.first_responder_id, t.solved_by_id) AS author, k, {count} AS n
        FROM {tickets} t
        CROSS JOIN LATERAL generate_series(1, {count}) k
        WHERE t.program_id = %(program)s
    ) s"""
    insert_select(
        TicketMessage,
        {
            "ticket": "ticket_id",
            "kind": "CASE WHEN mod(k, 2) = 0 THEN 'customer' WHEN mod(k, 7) = 0 THEN 'note' ELSE 'reply' END",
            "author": "CASE WHEN mod(k, 2) = 1 THEN author END",
            "body": "(CAST(%(bodies)s AS text[]))[1 + mod(k + ticket_id, 6)]",
            "external_id": "''",
            "created_at": "first + (k - 1) * (last - first) / n",
        },
        source,
        {"program": program_id, "now": now, "bodies": BODIES},
    )
    _events(program_id=program_id, freelancers=_table(Freelancer), tickets=tickets)
    _message_events(program_id=program_id, messages=_table(TicketMessage), tickets=tickets)


def _events(*, program_id: int, freelancers: str, tickets: str) -> None:
    """The routing line of every ticket, the escalation and the solve, as routing and the services write them."""
    from queues.models import TicketEvent

    routed = f"""(
        SELECT t.*, fu.user_id AS escalator FROM {tickets} t
        LEFT JOIN {freelancers} fu ON fu.id = t.escalated_by_id
        WHERE t.program_id = %(program)s
    ) s"""
    params = {"program": program_id}
    insert_select(
        TicketEvent,
        {
            "ticket": "id",
            "kind": "CASE WHEN COALESCE(assignee_id, escalated_by_id) IS NULL AND queue = 'freelancer' "
            "THEN 'waiting' ELSE 'routed' END",
            "message": "CASE WHEN COALESCE(assignee_id, escalated_by_id) IS NOT NULL "
            "THEN 'Assigned: on shift, speaks the language, has room.' "
            "WHEN queue = 'inhouse' THEN 'To the in-house queue: tier 2.' "
            "ELSE 'Waiting in the program queue: nobody on shift has room.' END",
            "data": "CASE WHEN COALESCE(assignee_id, escalated_by_id) IS NOT NULL "
            "THEN jsonb_build_object('reason', 'on shift, has room', 'freelancer_id', "
            "COALESCE(assignee_id, escalated_by_id)) "
            "WHEN queue = 'inhouse' THEN jsonb_build_object('reason', 'tier 2', 'queue', 'inhouse') "
            "ELSE jsonb_build_object('reason', 'nobody on shift has room') END",
            "created_at": "routed_at",
        },
        routed,
        params,
    )
    insert_select(
        TicketEvent,
        {
            "ticket": "id",
            "kind": "'escalated'",
            "actor": "escalator",
            "message": "'Escalated to the in-house team: ' || replace(escalation_reason, '_', ' ') || '.'",
            "data": "jsonb_build_object('reason', escalation_reason, 'note', '')",
            "created_at": "escalated_at",
        },
        routed + " WHERE escalated_at IS NOT NULL",
        params,
    )
    insert_select(
        TicketEvent,
        {"ticket": "id", "kind": "'solved'", "actor": "solved_by_id", "created_at": "solved_at"},
        routed + " WHERE solved_at IS NOT NULL",
        params,
    )


def _message_events(*, program_id: int, messages: str, tickets: str) -> None:
    from queues.models import TicketEvent

    insert_select(
        TicketEvent,
        {
            "ticket": "ticket_id",
            "kind": "CASE kind WHEN 'customer' THEN 'customer_replied' WHEN 'note' THEN 'note' ELSE 'replied' END",
            "actor": "author_id",
            "data": "jsonb_build_object('message_id', id)",
            "created_at": "created_at",
        },
        f"(SELECT m.* FROM {messages} m JOIN {tickets} t ON t.id = m.ticket_id WHERE t.program_id = %(program)s) s",
        {"program": program_id},
    )


def _time_entries(
    *,
    program_id: int,
    contracts: list[Any],
    count: int,
    anchor: datetime.date,
    manager_id: int,
    now: datetime.datetime,
) -> None:
    from payments.models import PayPeriod, TimeEntry

    today = now.date()
    first_day = today - datetime.timedelta(days=DAYS - 1)
    source = f"""(
        SELECT d.*, c.c[d.who] AS contract_id, c.f[d.who] AS freelancer_id, pp.id AS period_id
        FROM (
            SELECT g, 1 + floor({_r(31)} * cardinality(CAST(%(c)s AS bigint[])))::int AS who,
                   CAST(%(first)s AS date) + floor({_r(32)} * {DAYS})::int AS day, {_r(33)} AS r3, {_r(34)} AS r4
            FROM generate_series(1, %(count)s) g
        ) d
        CROSS JOIN (SELECT CAST(%(c)s AS bigint[]) AS c, CAST(%(cf)s AS bigint[]) AS f) c
        JOIN {_table(PayPeriod)} pp ON pp.program_id = %(program)s
            AND pp.start_date = CAST(%(anchor)s AS date) + ((d.day - CAST(%(anchor)s AS date)) / 14) * 14
    ) s"""
    status = (
        "CASE WHEN day < CAST(%(today)s AS date) - 14 THEN 'approved' "
        "WHEN r3 < 0.3 THEN 'draft' WHEN r3 < 0.6 THEN 'submitted' ELSE 'approved' END"
    )
    insert_select(
        TimeEntry,
        {
            "freelancer": "freelancer_id",
            "program": "%(program)s",
            "contract": "contract_id",
            "period": "period_id",
            "date": "day",
            "hours": "(CAST(%(hours)s AS numeric[]))[1 + floor(r4 * 6)::int]",
            "status": status,
            "submitted_at": f"CASE WHEN {status} <> 'draft' THEN day + interval '18 hours' END",
            "reviewed_at": f"CASE WHEN {status} = 'approved' THEN day + interval '3 days' END",
            "reviewed_by": f"CASE WHEN {status} = 'approved' THEN %(manager)s END",
            "created_at": "day + interval '17 hours'",
            "updated_at": "day + interval '17 hours'",
        },
        source,
        {
            "program": program_id,
            "count": count,
            "first": first_day,
            "today": today,
            "anchor": anchor,
            "manager": manager_id,
            "c": [c.pk for c in contracts],
            "cf": [c.freelancer_id for c in contracts],
            "hours": ["0.25", "0.50", "0.75", "1.00", "1.50", "2.00"],
        },
    )


def _quality(*, program_id: int, manager_id: int, now: datetime.datetime) -> None:
    from queues.models import Ticket
    from reviews.models import CsatSurvey, Review

    solved = (
        f"(SELECT t.*, hashint8extended(t.id, {SEED + 5}) & 2147483647 AS h FROM {_table(Ticket)} t "
        "WHERE t.program_id = %(program)s AND t.solved_at IS NOT NULL AND t.assignee_id IS NOT NULL) s"
    )
    params = {"program": program_id, "manager": manager_id, "now": now}
    insert_select(
        Review,
        {
            "program": "%(program)s",
            "ticket": "id",
            "freelancer": "assignee_id",
            "reviewer": "%(manager)s",
            "score": "60 + mod(h, 41)",
            "original_score": "60 + mod(h, 41)",
            "passed": "60 + mod(h, 41) >= 70",
            "submitted_at": "LEAST(solved_at + interval '1 day', %(now)s)",
            "created_at": "LEAST(solved_at + interval '1 day', %(now)s)",
            "updated_at": "LEAST(solved_at + interval '1 day', %(now)s)",
        },
        solved + " WHERE mod(h, 20) = 0",
        params,
    )
    insert_select(
        CsatSurvey,
        {
            "ticket": "id",
            "program": "%(program)s",
            "freelancer": "assignee_id",
            "requester_email": "requester_email",
            "status": "'answered'",
            "sent_at": "solved_at",
            "expires_at": "solved_at + interval '7 days'",
            "rating": "CASE WHEN mod(h / 5, 10) = 0 THEN 'bad' ELSE 'good' END",
            "answered_at": "LEAST(solved_at + interval '1 hour', %(now)s)",
            "created_at": "solved_at",
            "updated_at": "LEAST(solved_at + interval '1 hour', %(now)s)",
        },
        solved + " WHERE mod(h, 5) = 1",
        params,
    )


def _marked_threads(*, freelancer: Any, now: datetime.datetime) -> tuple[int, int]:
    """Two of the marked freelancer's open tickets: one with exactly 2 messages, one with 50 (events to match)."""
    from queues.models import Ticket, TicketEvent, TicketMessage

    ids = list(
        Ticket.objects.filter(assignee=freelancer, status=Ticket.Status.OPEN, first_response_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    if len(ids) < 2:
        raise RuntimeError(
            "The marked freelancer has fewer than two open tickets; the data set is too small."
        )
    TicketEvent.objects.filter(ticket_id__in=ids, kind__in=["replied", "customer_replied", "note"]).delete()
    TicketMessage.objects.filter(ticket_id__in=ids).delete()
    for ticket_id, length in zip(ids, (2, 50), strict=True):
        ticket = Ticket.objects.get(pk=ticket_id)
        first = ticket.first_response_at
        assert first is not None  # chosen among the answered tickets
        step = (now - first) / length
        for k in range(1, length + 1):
            kind = "customer" if k % 2 == 0 else ("note" if k % 7 == 0 else "reply")
            message = TicketMessage.objects.create(
                ticket=ticket,
                kind=kind,
                author_id=None if kind == "customer" else freelancer.user_id,
                body=BODIES[(k + ticket_id) % len(BODIES)],
                created_at=first + (k - 1) * step,
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind={"customer": "customer_replied", "note": "note"}.get(kind, "replied"),
                actor_id=message.author_id,
                data={"message_id": message.pk},
                created_at=message.created_at,
            )
    return ids[0], ids[1]


def _people(*, program: Any, people: list[Any], manager: Any, now: datetime.datetime) -> tuple[Any, Any]:
    """The in-house agent, English for everyone, presence (a third online), a password for the marked freelancer
    and the agent, and the program's queue settings."""
    from accounts.models import Freelancer, Language, User
    from queues.models import Presence, QueueSettings

    agent = User.objects.create_user(
        f"bench-agent@{SLUG}.test", password=PASSWORD, role=User.Role.AGENT, display_name="Bench Agent"
    )
    program.managers.add(agent)
    english, _ = Language.objects.get_or_create(code="en", defaults={"name": "English"})
    Freelancer.languages.through.objects.bulk_create(
        [Freelancer.languages.through(freelancer_id=p.pk, language_id=english.pk) for p in people]
    )
    Presence.objects.bulk_create(
        [
            Presence(
                user_id=p.user_id,
                status=Presence.Status.ONLINE if n % 3 == 0 else Presence.Status.OFFLINE,
                since=now,
                last_seen_at=now,
            )
            for n, p in enumerate(people)
        ]
        + [
            Presence(user_id=u.pk, status=Presence.Status.ONLINE, since=now, last_seen_at=now)
            for u in (agent, manager)
        ]
    )
    marked = people[0]
    marked.user.set_password(PASSWORD)
    marked.user.save(update_fields=["password"])
    QueueSettings.objects.get_or_create(program=program)
    return agent, marked


def _refresh_steps() -> list[str]:
    import importlib

    from django.core.management import call_command, get_commands

    done = []
    available = get_commands()
    for name, args in REFRESH_STEPS:
        started = time.monotonic()
        try:
            if "." in name:
                module, _dot, attribute = name.rpartition(".")
                try:
                    function = getattr(importlib.import_module(module), attribute)
                except (ImportError, AttributeError):
                    print(f"  step {name}: no such function (yet); skipped", flush=True)
                    continue
                outcome = function()
            elif name in available:
                with open(os.devnull, "w") as quiet:
                    call_command(name, *args, stdout=quiet)
                outcome = None
            else:
                print(f"  step {name}: no such command (yet); skipped", flush=True)
                continue
        except Exception as error:  # a half-finished change elsewhere must not stop the other steps
            print(
                f"  step {name}: FAILED ({type(error).__name__}: {error}); the data set may be stale",
                flush=True,
            )
            continue
        shown = f" → {outcome}" if outcome is not None else ""
        print(f"  step {name} {' '.join(args)}: {time.monotonic() - started:.1f} s{shown}", flush=True)
        done.append(name)
    return done


def child_check(size: str) -> None:
    """Exit 1 when the set's database lacks a migration of the code (then `refresh` it)."""
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", check_unapplied=True, plan=True, verbosity=0)


def _migrate() -> float:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    return time.monotonic() - started


def _vacuum() -> float:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def child_build(size: str) -> None:
    import random

    _setup_django()
    from django.db import transaction
    from django.utils import timezone

    from bench.dashboard import scaffold, surveys_and_recruiting
    from payments.models import PayPeriod, TimeEntry
    from queues.models import Ticket, TicketEvent, TicketMessage
    from reviews.models import CsatSurvey, Review

    count = size_tickets(size)
    timings: dict[str, float] = {}
    started = last = time.monotonic()

    def lap(name: str) -> None:
        nonlocal last
        timings[name] = round(time.monotonic() - last, 1)
        print(f"  {name}: {timings[name]:.1f} s", flush=True)
        last = time.monotonic()

    print(f"{database_name(size)}: building {count:,} tickets", flush=True)
    _migrate()
    lap("migrate")
    _sql("CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, value jsonb NOT NULL)")
    _sql("DELETE FROM bench_dataset")
    rng = random.Random(SEED)  # noqa: S311 — test data
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    today = now.date()
    big = [Ticket, TicketMessage, TicketEvent, TimeEntry, Review, CsatSurvey]
    indexes = _secondary_indexes(big)
    with transaction.atomic():
        _sql("SET LOCAL synchronous_commit = off")
        # PostgreSQL's JIT spends seconds compiling these one-off statements' expressions
        _sql("SET LOCAL jit = off")
        # foreign keys checked at the end of each statement (not all at commit), so the indexes can be rebuilt
        # inside the transaction
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        manager, program, people, contracts, _periods, anchor = scaffold(
            slug=SLUG, freelancers=FREELANCERS, tickets=count, rng=rng, now=now
        )
        PayPeriod.objects.filter(program=program, end_date__gte=today).update(status=PayPeriod.Status.OPEN)
        agent, marked = _people(program=program, people=people, manager=manager, now=now)
        surveys_and_recruiting(program=program, slug=SLUG, rng=rng, now=now)
        lap("people, contracts, slots, surveys")
        for name, _definition in indexes:
            _sql(f'DROP INDEX "{name}"')
        _tickets(program_id=program.pk, count=count, people=people, agent_id=agent.pk, now=now)
        lap("tickets")
        _messages_and_events(program_id=program.pk, now=now)
        lap("messages and events")
        _time_entries(
            program_id=program.pk,
            contracts=contracts,
            count=max(count // 2, 1000),
            anchor=anchor,
            manager_id=manager.pk,
            now=now,
        )
        _quality(program_id=program.pk, manager_id=manager.pk, now=now)
        lap("time entries, reviews, CSAT")
        _sql("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            _sql(definition)
        lap(f"{len(indexes)} indexes rebuilt")
        _marked_threads(freelancer=marked, now=now)
    _finish(size, timings=timings, started=started)


def _fixture(size: str) -> dict[str, Any] | None:
    """Who and what the benches use in the set, read back from its rows; None when the load is not all there."""
    from accounts.models import Freelancer, User
    from programs.models import Program
    from queues.models import Ticket, TicketMessage

    program = Program.objects.filter(slug=SLUG).first()
    if program is None or Ticket.objects.filter(program=program).count() != size_tickets(size):
        return None
    marked = Freelancer.objects.select_related("user").filter(user__email=f"bench0@{SLUG}.test").first()
    manager = User.objects.filter(email=f"bench-manager@{SLUG}.test").first()
    agent = User.objects.filter(email=f"bench-agent@{SLUG}.test").first()
    if marked is None or manager is None or agent is None:
        return None
    threads: dict[int, int] = {}
    for ticket_id in (
        Ticket.objects.filter(assignee=marked, status=Ticket.Status.OPEN, first_response_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    ):
        threads[TicketMessage.objects.filter(ticket_id=ticket_id).count()] = ticket_id
    if set(threads) != {2, 50}:
        return None
    return {
        "program": SLUG,
        "program_id": program.pk,
        "password": PASSWORD,
        "manager": manager.email,
        "manager_id": manager.pk,
        "agent": agent.email,
        "agent_id": agent.pk,
        "freelancer": marked.user.email,
        "freelancer_user_id": marked.user_id,
        "freelancer_id": marked.pk,
        "ticket_2_messages": threads[2],
        "ticket_50_messages": threads[50],
    }


def _finish(size: str, *, timings: dict[str, float], started: float) -> None:
    """After the load: ANALYZE, the refresh steps, the rollups checked against live numbers, VACUUM ANALYZE and
    the "complete" marker. A step that fails is reported and leaves the set usable (`refresh` it later)."""
    from django.db import connection
    from django.utils import timezone

    from bench.dashboard import refresh_and_compare
    from contracts.models import Contract
    from payments.models import TimeEntry
    from programs.models import Program
    from queues.models import Ticket, TicketEvent, TicketMessage
    from reviews.models import CsatSurvey, Review

    fixture = _fixture(size)
    if fixture is None:
        print(f"{database_name(size)}: the load is not all there", flush=True)
        raise SystemExit(3)
    last = time.monotonic()

    def lap(name: str) -> None:
        nonlocal last
        timings[name] = round(time.monotonic() - last, 1)
        print(f"  {name}: {timings[name]:.1f} s", flush=True)
        last = time.monotonic()

    _sql("CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, value jsonb NOT NULL)")
    _sql("ANALYZE")
    steps = _refresh_steps()
    lap("refresh steps")
    program = Program.objects.get(pk=fixture["program_id"])
    try:
        refresh_and_compare(program)
        lap("rollups checked against live")
    except Exception as error:  # another change in progress; the set is still usable
        print(f"  rollups check: FAILED ({type(error).__name__}: {error})", flush=True)
    timings["vacuum analyze"] = round(_vacuum(), 1)
    print(f"  vacuum analyze: {timings['vacuum analyze']:.1f} s", flush=True)
    counts = {
        "tickets": Ticket.objects.filter(program=program).count(),
        "active": Ticket.objects.filter(program=program, status__in=Ticket.ACTIVE_STATUSES).count(),
        "messages": TicketMessage.objects.filter(ticket__program=program).count(),
        "events": TicketEvent.objects.filter(ticket__program=program).count(),
        "time_entries": TimeEntry.objects.filter(program=program).count(),
        "reviews": Review.objects.filter(program=program).count(),
        "csat": CsatSurvey.objects.filter(program=program).count(),
        "freelancers": Contract.objects.filter(program=program).count(),
        "marked_freelancer_active": Ticket.objects.filter(
            assignee_id=fixture["freelancer_id"], status__in=Ticket.ACTIVE_STATUSES
        ).count(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        database_size = cursor.fetchone()[0]
    info = {
        "size": size,
        "version": GENERATOR_VERSION,
        "built_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "timings": timings,
        "database": database_name(size),
        "database_size": database_size,
        **fixture,
        "refresh_steps": steps,
        "counts": counts,
    }
    _sql(
        "INSERT INTO bench_dataset (key, value) VALUES ('complete', %s::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(info)],
    )
    print(
        f"{database_name(size)}: complete in {info['seconds']:.0f} s, {database_size}; {json.dumps(counts)}"
    )


def child_finish(size: str) -> None:
    """Finish a set whose load committed but whose last steps did not run (exit 3 when the load is not there)."""
    _setup_django()
    print(f"{database_name(size)}: finishing a loaded set", flush=True)
    _finish(size, timings={}, started=time.monotonic())


def child_refresh(size: str) -> None:
    _setup_django()
    print(f"{database_name(size)}: refresh", flush=True)
    print(f"  migrate: {_migrate():.1f} s", flush=True)
    steps = _refresh_steps()
    print(f"  vacuum analyze: {_vacuum():.1f} s")
    _sql(
        "UPDATE bench_dataset SET value = value || jsonb_build_object('refreshed_at', now()::text, "
        "'refresh_steps', %s::jsonb) WHERE key = 'complete'",
        [json.dumps(steps)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "refresh", "info", "drop"):
        command = sub.add_parser(name)
        command.add_argument("--sizes", help=f"comma-separated (default {','.join(DEFAULT_SIZES)})")
        if name == "build":
            command.add_argument("--rebuild", action="store_true", help="drop and build again")
        if name == "refresh":
            command.add_argument(
                "--behind", action="store_true", help="only the sets that lack a migration of the code"
            )
    for name in ("_build", "_refresh", "_check", "_finish"):
        sub.add_parser(name).add_argument("size")
    args = parser.parse_args()
    if args.command == "_build":
        child_build(args.size)
    elif args.command == "_refresh":
        child_refresh(args.size)
    elif args.command == "_check":
        child_check(args.size)
    elif args.command == "_finish":
        child_finish(args.size)
    elif args.command == "build":
        build(parse_sizes(args.sizes), rebuild=args.rebuild)
    elif args.command == "refresh":
        refresh(parse_sizes(args.sizes), only_behind=args.behind)
    elif args.command == "drop":
        drop(parse_sizes(args.sizes))
    else:
        for size in parse_sizes(args.sizes):
            info = dataset_info(size)
            print(f"{database_name(size)}: " + (json.dumps(info, indent=2) if info else "not built"))


if __name__ == "__main__":
    main()
