"""The in-house page's headline numbers, kept as counters by the services that change tickets (docs/adr/0030).

Counting every active ticket of the user's programs on each request grew with the backlog (58 ms at 1,000,000
tickets). Instead each change to a ticket moves a few counters (QueueCounter rows) in its own transaction:

- per program, queue and "assigned to a freelancer or not", the active tickets: `queue:inhouse:unassigned`;
- per program and UTC day, and per program and ten minutes, of next_due_at the active tickets due then:
  `due-day:2027-01-04`, `due-slot:2027-01-04T13:20` (13:20 to 13:30).

"Breached" (next_due_at <= now) depends on the clock, so it cannot be one counter: it is the day counters
before today, plus the ten-minute counters of today before the current ten minutes, plus an exact count of the
tickets due in those ten minutes up to now (an index range). Whatever the backlog, that reads at most a few
hundred counter rows and ten minutes' deadlines.

A ticket's share of the counters depends on five of its fields (`Share`). A writer passes each ticket's share
before and after its change to `counters_move`, which adds the differences in one statement (INSERT … ON
CONFLICT DO UPDATE SET n = n + the difference: atomic, no update lost). Each database connection adds to rows
of its own (`shard`, the server process id), so two writers never wait for each other on a counter, and a
counter can be moved anywhere in a transaction without risking a deadlock. Intake adds a new ticket's share in
its INSERT's own statement (`counters_insert`, docs/adr/0029). Readers sum the shards;
`counters_compact` (every minute) folds them into shard 0; `counters_repair` recounts from the tickets and
fixes any drift left by a write that bypassed the services (the admin, a bulk load).
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Count, Field, Sum
from django.db.models.functions import ExtractMinute, Floor, TruncHour

from core.db import connection_slot_sql, is_postgresql
from queues.models import QueueCounter, Ticket

logger = logging.getLogger(__name__)

UTC = datetime.UTC
_TABLE = QueueCounter._meta.db_table
# pg_advisory_lock key: one compaction or repair at a time (they write shard 0; ticket writers never do)
_LOCK = 0x71756575  # "queu"
HEADLINES = ("inhouse", "waiting", "with_freelancers", "breached")
# A writer moves a few rows; a repair may move thousands: at most this many a statement (3 parameters each,
# well under the drivers' 65,535).
_ROWS_A_STATEMENT = 5000


def queue_key(queue: str, assigned: bool) -> str:
    return f"queue:{queue}:{'assigned' if assigned else 'unassigned'}"


DAY, SLOT = "due-day:", "due-slot:"  # the due keys' prefixes; ISO moments after them sort as the moments do
SLOT_MINUTES = 10


def day_key(moment: datetime.datetime) -> str:
    return f"{DAY}{moment.astimezone(UTC):%Y-%m-%d}"


def slot_start(moment: datetime.datetime) -> datetime.datetime:
    """The start of the ten minutes the moment falls in (UTC)."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % SLOT_MINUTES, second=0, microsecond=0)


def slot_key(moment: datetime.datetime) -> str:
    return f"{SLOT}{slot_start(moment):%Y-%m-%dT%H:%M}"


@dataclass(frozen=True, slots=True)
class Share:
    """What an active ticket adds to its program's counters (an inactive ticket adds nothing: None)."""

    program_id: int
    queue: str
    assigned: bool
    due: datetime.datetime | None

    def counter_keys(self) -> list[str]:
        keys = [queue_key(self.queue, self.assigned)]
        if self.due is not None:
            keys += [day_key(self.due), slot_key(self.due)]
        return keys


def share_of(values: Ticket | Mapping[str, Any]) -> Share | None:
    """The counters' share of a ticket, or of a ticket's field values by attname (what ticket_save read)."""
    fields: Mapping[str, Any] = values if isinstance(values, Mapping) else values.__dict__
    if fields["status"] not in Ticket.ACTIVE_STATUSES:
        return None
    return Share(
        program_id=fields["program_id"],
        queue=fields["queue"],
        assigned=fields["assignee_id"] is not None,
        due=fields["next_due_at"],
    )


def counters_move(changes: Iterable[tuple[Share | None, Share | None]]) -> None:
    """Move the counters by each (share before, share after) of the tickets a writer changed, in the caller's
    transaction: one statement, none when nothing moved. (None, share) is a new ticket."""
    deltas: Counter[tuple[int, str]] = Counter()
    # a batch's tickets make a few distinct moves (routing's 500: new and unassigned → assigned, due at a few
    # moments): each move's keys are worked out once, then counted as often as it happened
    for (before, after), times in Counter(changes).items():
        if before == after:
            continue
        if before is not None:
            deltas.subtract({(before.program_id, key): times for key in before.counter_keys()})
        if after is not None:
            deltas.update({(after.program_id, key): times for key in after.counter_keys()})
    _add(deltas, shard_sql=connection_slot_sql())


# The columns of a ticket its share is made of (share_of reads them): an INSERT run by counters_insert returns
# them, so the counters' share is taken from the rows it inserted.
SHARE_FIELDS: list[Field] = [
    cast(Field, Ticket._meta.get_field(name))
    for name in ("program", "status", "queue", "assignee", "next_due_at")
]


def counters_insert(insert_sql: str, params: Sequence[Any], *, shares: Iterable[Share | None]) -> list[tuple]:
    """Run `insert_sql`, an INSERT of new tickets … RETURNING whatever the caller reads and then SHARE_FIELDS'
    columns, and add to the counters the share of each ticket it inserted; returns the INSERT's rows. `shares`
    are the shares the new tickets may have (share_of of each; repeats and None are fine). A ticket the INSERT
    skipped (ON CONFLICT DO NOTHING) adds nothing.

    On PostgreSQL it is one statement (a data-modifying WITH: the INSERT, then the counters' INSERT … ON
    CONFLICT DO UPDATE of the keys of the rows it returned, each row matched to its share by those columns),
    atomic on its own: outside a transaction it needs no BEGIN and COMMIT, the two round trips that cost a
    one-ticket intake as much as its INSERT. Elsewhere the INSERT and counters_move run in one transaction.
    """
    if not is_postgresql():
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(insert_sql, params)
            rows = cursor.fetchall()
            start = len(rows[0]) - len(SHARE_FIELDS) if rows else 0
            names = [field.attname for field in SHARE_FIELDS]
            counters_move((None, share_of(dict(zip(names, row[start:], strict=True)))) for row in rows)
        return rows
    # one row per distinct share and key (a batch received at once has one or a few shares)
    rows = [
        (share.program_id, share.queue, share.assigned, share.due, key)
        for share in {share for share in shares if share is not None}
        for key in share.counter_keys()
    ]
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], [], [], []]
    program, status, queue, assignee, due = (f"t.{field.column}" for field in SHARE_FIELDS)
    active = ", ".join(["%s"] * len(Ticket.ACTIVE_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH t AS ({insert_sql}), c AS ("  # noqa: S608 (no input: names, and the ORM's compiled INSERT)
            f"INSERT INTO {_TABLE} (program_id, key, shard, n)"
            f" SELECT s.program_id, s.key, {connection_slot_sql()}, COUNT(*) FROM t"
            " JOIN unnest(%s::bigint[], %s::text[], %s::boolean[], %s::timestamptz[], %s::text[])"
            " AS s(program_id, queue, assigned, due, key)"
            f" ON {program} = s.program_id AND {status} IN ({active}) AND {queue} = s.queue"
            f" AND ({assignee} IS NOT NULL) = s.assigned AND {due} IS NOT DISTINCT FROM s.due"
            " GROUP BY s.program_id, s.key"
            f" ON CONFLICT (program_id, key, shard) DO UPDATE SET n = {_TABLE}.n + excluded.n)"
            " SELECT * FROM t",
            [*params, *columns, *Ticket.ACTIVE_STATUSES],
        )
        return cursor.fetchall()


def _add(deltas: Mapping[tuple[int, str], int], *, shard_sql: str) -> None:
    rows = sorted((program_id, key, n) for (program_id, key), n in deltas.items() if n)
    for start in range(0, len(rows), _ROWS_A_STATEMENT):
        chunk = rows[start : start + _ROWS_A_STATEMENT]
        values = ", ".join([f"(%s, %s, {shard_sql}, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TABLE} (program_id, key, shard, n) VALUES {values} "  # noqa: S608 (no input)
                f"ON CONFLICT (program_id, key, shard) DO UPDATE SET n = {_TABLE}.n + excluded.n",
                [value for row in chunk for value in row],
            )


def counters_read(*, program_ids: list[int], now: datetime.datetime) -> dict[str, int]:
    """The headline numbers of the programs together at `now`: in-house, waiting for a freelancer, with
    freelancers, breached (past next_due_at). counters_by_program's numbers summed: one query whatever the
    number of tickets; none without programs."""
    counts = dict.fromkeys(HEADLINES, 0)
    for numbers in counters_by_program(program_ids=program_ids, now=now).values():
        for name in HEADLINES:
            counts[name] += numbers[name]
    return counts


def counters_by_program(*, program_ids: list[int], now: datetime.datetime) -> dict[int, dict[str, int]]:
    """Each program's headline numbers at `now` ({program id: {name: n}}, a program without active tickets
    left out): HEADLINES and "active" (every active ticket, the backlog). One query, grouped by program,
    whatever the number of tickets; none without programs.

    A hand-written SELECT (docs/adr/0015): the ORM took ~2.5 ms of CPU to build the two querysets this
    replaces, which PostgreSQL answers in ~0.5 ms (bench_10k, docs/adr/0030). The keys it reads come from
    queue_key, day_key and slot_key, as the writers' do. The tickets due in the current ten minutes are
    counted in a branch of their own (UNION ALL), so a program's are counted even if it had no counter row.
    """
    if not program_ids:
        return {}
    slot = slot_start(now)
    day = slot.replace(hour=0, minute=0)
    queues = Ticket.Queue.values
    inhouse = [queue_key(Ticket.Queue.INHOUSE, assigned) for assigned in (True, False)]
    waiting = [queue_key(Ticket.Queue.FREELANCER, False)]
    with_freelancers = [queue_key(queue, True) for queue in queues]
    every_queue = [queue_key(queue, assigned) for queue in queues for assigned in (True, False)]
    programs = ", ".join(["%s"] * len(program_ids))
    active = ", ".join(["%s"] * len(Ticket.ACTIVE_STATUSES))

    def among(keys: list[str]) -> str:
        return f"key IN ({', '.join(['%s'] * len(keys))})"

    sql = (
        "SELECT program_id, SUM(inhouse), SUM(waiting), SUM(with_freelancers), SUM(active),"  # noqa: S608
        " SUM(due_before), SUM(due_now) FROM ("
        f"SELECT program_id, SUM(CASE WHEN {among(inhouse)} THEN n ELSE 0 END) AS inhouse,"
        f" SUM(CASE WHEN {among(waiting)} THEN n ELSE 0 END) AS waiting,"
        f" SUM(CASE WHEN {among(with_freelancers)} THEN n ELSE 0 END) AS with_freelancers,"
        f" SUM(CASE WHEN {among(every_queue)} THEN n ELSE 0 END) AS active,"
        f" SUM(CASE WHEN {among(every_queue)} THEN 0 ELSE n END) AS due_before, 0 AS due_now"
        f" FROM {_TABLE} WHERE program_id IN ({programs}) AND ({among(every_queue)}"
        " OR (key >= %s AND key < %s) OR (key >= %s AND key < %s)) GROUP BY program_id"
        " UNION ALL"
        f" SELECT program_id, 0, 0, 0, 0, 0, COUNT(*) FROM {Ticket._meta.db_table}"
        f" WHERE program_id IN ({programs}) AND status IN ({active})"
        " AND next_due_at >= %s AND next_due_at <= %s GROUP BY program_id"
        ") per_program GROUP BY program_id"
    )
    params = [
        *inhouse,
        *waiting,
        *with_freelancers,
        *every_queue,
        *every_queue,
        *program_ids,
        *every_queue,
        # the day counters before today, the ten-minute counters of today before these ten minutes
        DAY,
        day_key(day),
        slot_key(day),
        slot_key(slot),
        *program_ids,
        *Ticket.ACTIVE_STATUSES,
        connection.ops.adapt_datetimefield_value(slot),
        connection.ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {}
    for program_id, *values in rows:
        inhouse_n, waiting_n, with_n, active_n, due_before_these_minutes, due_in_them = (
            int(value or 0) for value in values
        )
        numbers = {
            "inhouse": inhouse_n,
            "waiting": waiting_n,
            "with_freelancers": with_n,
            "breached": due_before_these_minutes + due_in_them,
            "active": active_n,
        }
        if any(numbers.values()):
            found[program_id] = numbers
    return found


# --- keeping them right ----------------------------------------------------------------------------------


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Compactions and repairs one at a time (a session advisory lock; SQLite has one writer anyway)."""
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def counters_compact() -> dict[str, int]:
    """Fold every connection's counter rows into shard 0, and drop the rows at zero (keys no ticket is under
    any more). Rows a transaction is writing now are left for the next run (SKIP LOCKED): nobody waits."""
    folded = 0
    with _one_at_a_time(), transaction.atomic(), connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                f"WITH folded AS ("  # noqa: S608 (no input in it)
                f" DELETE FROM {_TABLE} WHERE id IN"
                f" (SELECT id FROM {_TABLE} WHERE shard <> 0 FOR UPDATE SKIP LOCKED)"
                f" RETURNING program_id, key, n),"
                f" added AS (INSERT INTO {_TABLE} (program_id, key, shard, n)"
                f" SELECT program_id, key, 0, SUM(n) FROM folded GROUP BY program_id, key"
                f" ORDER BY program_id, key"
                f" ON CONFLICT (program_id, key, shard) DO UPDATE SET n = {_TABLE}.n + excluded.n)"
                f" SELECT COUNT(*) FROM folded"
            )
            folded = cursor.fetchone()[0]
        dropped = QueueCounter.objects.filter(shard=0, n=0).delete()[0]
    return {"folded": folded, "dropped": dropped}


def counters_full_count(*, program_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """Every counter as a full count of the active tickets would set it ({(program id, key): n}, no zeros):
    one GROUP BY over the active tickets (an index-only scan of ticket_active_counts)."""
    active = Ticket.objects.filter(status__in=Ticket.ACTIVE_STATUSES)
    if program_ids is not None:
        active = active.filter(program_id__in=list(program_ids))
    rows = (
        active.annotate(
            hour=TruncHour("next_due_at", tzinfo=UTC),
            slot=Floor(ExtractMinute("next_due_at", tzinfo=UTC) / SLOT_MINUTES),
        )
        .values("program_id", "queue", "hour", "slot")
        .annotate(total=Count("queue"), assigned=Count("assignee"))
        .order_by()
    )
    found: Counter[tuple[int, str]] = Counter()
    for row in rows:
        program_id, total, assigned = row["program_id"], row["total"], row["assigned"]
        found[(program_id, queue_key(row["queue"], True))] += assigned
        found[(program_id, queue_key(row["queue"], False))] += total - assigned
        if row["hour"] is not None:
            due = row["hour"] + datetime.timedelta(minutes=int(row["slot"]) * SLOT_MINUTES)
            found[(program_id, day_key(due))] += total
            found[(program_id, slot_key(due))] += total
    return {key: n for key, n in found.items() if n}


def counters_kept(*, program_ids: Iterable[int] | None = None) -> dict[tuple[int, str], int]:
    """Every counter as kept ({(program id, key): n}, the shards summed, no zeros)."""
    kept = QueueCounter.objects.all()
    if program_ids is not None:
        kept = kept.filter(program_id__in=list(program_ids))
    rows = kept.values("program_id", "key").annotate(total=Sum("n")).order_by()
    return {(row["program_id"], row["key"]): row["total"] for row in rows if row["total"]}


def counters_repair(*, program_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Recount the counters from the tickets and fix those that drifted, logging each program that was off.

    The full count and the counters are read in one snapshot (REPEATABLE READ when this starts the
    transaction), and the difference is added to shard 0 rather than set: a ticket changed meanwhile moved
    the counters in its own transaction, which the snapshot either holds wholly or not at all, so nothing
    it did is lost or counted twice. Safe to run at any time, and twice.
    """
    ids = None if program_ids is None else sorted(set(program_ids))
    with _one_at_a_time():
        starts = not connection.in_atomic_block
        with transaction.atomic():
            if starts and is_postgresql():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            truth = counters_full_count(program_ids=ids)
            kept = counters_kept(program_ids=ids)
            drift = {key: truth.get(key, 0) - kept.get(key, 0) for key in truth.keys() | kept.keys()}
            drift = {key: n for key, n in drift.items() if n}
            _add(drift, shard_sql="0")
    off: Counter[int] = Counter()
    for (program_id, _key), n in drift.items():
        off[program_id] += abs(n)
    for program_id, n in sorted(off.items()):
        keys = sorted(key for (pid, key) in drift if pid == program_id)
        logger.warning(
            "queue counters of program %s were off by %s in %s key(s) (%s); fixed",
            program_id,
            n,
            len(keys),
            ", ".join(keys[:5]) + (", …" if len(keys) > 5 else ""),
        )
    return {"programs_off": len(off), "keys_fixed": len(drift), "off_by": sum(off.values())}
