"""Exact medians of first-response and resolution times over any run of days, in SQL.

A finished day keeps its times twice (dashboard.models): how many fell in each bucket (DurationBucket, 16
buckets per doubling of the seconds, so a few hundred a day at most) and the exact histogram (DurationCount: how
many took exactly so many seconds, each row with its bucket). The days read live (today) come from queues'
tickets, bucketed by the database (core.db.WidthBucket over the same bounds). The median of a period is then
found in two queries, with nothing per ticket or per value in Python:

1. the buckets summed over the period's days (the finished days' DurationBucket rows and the live days'
   tickets, in one UNION ALL) say which bucket holds each middle rank and at which rank inside it;
2. the exact values of those buckets over the same days (one index range per bucket, plus the live days'
   tickets in the bucket's range of seconds), cumulated in SQL, and only the rows that hold the ranks sent back.

The result is the very value PERCENTILE_CONT(0.5) returns over the tickets (the same float interpolation of the
two middle values, see median_of_middle), so the page shows exactly what the all-live query shows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When

from core.db import WidthBucket
from dashboard.models import CELLS, Duration, DurationBucket, DurationCount, FreelancerResponseCells
from dashboard.selectors.daily import Facts, midnight
from queues.selectors import tickets_of_program

SUB_BUCKETS_BITS = 4  # 16 buckets per doubling: a bucket spans at most 1/16 of its values
EXACT_BELOW = 1 << (SUB_BUCKETS_BITS + 1)  # 0–31 seconds: one bucket per value
MAX_SECONDS = 1 << 31  # PositiveIntegerField
HISTOGRAMS: dict[int, str] = {
    Duration.FIRST_RESPONSE: "first_response_seconds",
    Duration.RESOLUTION: "resolution_seconds",
}
STAMPS: dict[int, str] = {Duration.FIRST_RESPONSE: "first_response_at", Duration.RESOLUTION: "solved_at"}
CURRENT, PREVIOUS = 1, 0

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from programs.models import Program


def bucket_of(seconds: int) -> int:
    """The bucket of a number of seconds: exact below 32, then 16 equal buckets per doubling (32–33, …, 62–63,
    64–67, …). Increasing with the value, so the buckets in order hold the values in order."""
    if seconds < EXACT_BELOW:
        return seconds
    length = seconds.bit_length()  # > SUB_BUCKETS_BITS + 1
    sub = (seconds >> (length - SUB_BUCKETS_BITS - 1)) & ((1 << SUB_BUCKETS_BITS) - 1)
    return EXACT_BELOW + (length - SUB_BUCKETS_BITS - 2) * (1 << SUB_BUCKETS_BITS) + sub


def _lower_bounds() -> list[int]:
    """The first value of every bucket but bucket 0, in order (what core.db.WidthBucket searches)."""
    bounds = list(range(1, EXACT_BELOW))
    length = SUB_BUCKETS_BITS + 2
    while (1 << (length - 1)) < MAX_SECONDS:
        step = 1 << (length - SUB_BUCKETS_BITS - 1)
        bounds += [(1 << (length - 1)) + sub * step for sub in range(1 << SUB_BUCKETS_BITS)]
        length += 1
    return bounds


BOUNDS = _lower_bounds()


def bucket_range(bucket: int) -> tuple[int, int]:
    """[first, after last) seconds of a bucket."""
    first = 0 if bucket == 0 else BOUNDS[bucket - 1]
    return first, BOUNDS[bucket] if bucket < len(BOUNDS) else MAX_SECONDS


def buckets_of(histogram: dict[int, int]) -> dict[int, int]:
    """{bucket: count} of an exact {seconds: count} histogram (the rollup refresh writes them)."""
    counts: dict[int, int] = defaultdict(int)
    for seconds, n in histogram.items():
        counts[bucket_of(seconds)] += n
    return dict(counts)


def median_of_middle(low: int, high: int, total: int, *, exact_float: bool) -> float | Decimal:
    """The median from its two middle values (the same one when the count is odd): as PostgreSQL's
    PERCENTILE_CONT(0.5) computes it (exact_float: the float interpolation, a float as the database returns it),
    or as core.db.median_of's fallback does elsewhere (the mean of the middle values)."""
    low_rank = (total - 1) // 2
    if exact_float:
        return float(low) + (float(high) - float(low)) * (0.5 * (total - 1) - low_rank)
    if low == high:
        return Decimal(low)
    return (Decimal(low) + Decimal(high)) / 2


@dataclass
class _Need:
    """One bucket to open: a measure in one half (current or previous period) and the ranks wanted in it."""

    measure: int
    half: int
    bucket: int
    ranks: list[int]  # ranks inside the bucket (0-based)


def _half_of(field: str, first_day: datetime.date, start_at: datetime.datetime | None = None) -> Case:
    boundary = {f"{field}__gte": start_at if start_at is not None else first_day}
    return Case(When(**boundary, then=Value(CURRENT)), default=Value(PREVIOUS), output_field=IntegerField())


def _windows_by_half(
    facts: Facts, zone: datetime.tzinfo, start_at: datetime.datetime
) -> dict[int, list[tuple[datetime.datetime, datetime.datetime]]]:
    """The facts' live windows (live days, the rest of a partial today) split at the current period's start."""
    halves: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {CURRENT: [], PREVIOUS: []}
    for start, end in facts.live_windows(zone):
        if start < start_at:
            halves[PREVIOUS].append((start, min(end, start_at)))
        if end > start_at:
            halves[CURRENT].append((max(start, start_at), end))
    return halves


def _live_tickets(
    *, program: "Program", measure: int, windows: list[tuple[datetime.datetime, datetime.datetime]]
) -> QuerySet | None:
    """The program's tickets with a time of this measure stamped in one of the (live) windows, or None."""
    if not windows:
        return None
    stamp, value = STAMPS[measure], HISTOGRAMS[measure]
    within = Q(pk__in=[])
    for start, end in windows:
        within |= Q(**{f"{stamp}__gte": start, f"{stamp}__lt": end})
    return tickets_of_program(program_id=program.pk).filter(within, **{f"{value}__isnull": False})


def period_medians(
    *, program: "Program", facts: Facts, first_day: datetime.date, exact_float: bool
) -> dict[tuple[int, int], object]:
    """{(measure, half): median or None} for both measures and both halves of the facts' days (the current
    period from first_day on, the previous one before it). Two queries."""
    zone = program.zone
    start_at = midnight(first_day, zone)
    live_days = {
        half: [d for d in facts.live if (d >= first_day) == (half == CURRENT)] for half in (CURRENT, PREVIOUS)
    }
    windows = _windows_by_half(facts, zone, start_at)

    # 1. The buckets of every day: the finished days' rollups and the live days' tickets, in one statement.
    parts = []
    stored = DurationBucket.objects.filter(
        program_id=program.pk, day__gte=facts.first_day, day__lte=facts.last_day
    )
    if facts.live:
        stored = stored.exclude(day__in=facts.live)
    parts.append(
        stored.annotate(half=_half_of("day", first_day))
        .values("measure", "half", "bucket")
        .annotate(n=Sum("count"))
        .values_list("measure", "half", "bucket", "n")
        .order_by()
    )
    for measure, value in HISTOGRAMS.items():
        live = _live_tickets(program=program, measure=measure, windows=windows[CURRENT] + windows[PREVIOUS])
        if live is not None:
            parts.append(
                live.annotate(
                    the_measure=Value(int(measure), output_field=IntegerField()),
                    half=_half_of(STAMPS[measure], first_day, start_at),
                    the_bucket=WidthBucket(F(value), bounds=BOUNDS),
                )
                .values("the_measure", "half", "the_bucket")
                .annotate(n=Count("*"))
                .values_list("the_measure", "half", "the_bucket", "n")
                .order_by()
            )
    buckets: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for measure, half, bucket, n in parts[0].union(*parts[1:], all=True):
        buckets[int(measure), int(half)][int(bucket)] += int(n)

    # Which bucket holds each middle rank, and the rank inside it.
    needs: dict[tuple[int, int, int], _Need] = {}
    wanted: dict[tuple[int, int], tuple[int, list[tuple[int, int]]]] = {}  # -> (total, [(bucket, rank)])
    for measure in HISTOGRAMS:
        for half in (CURRENT, PREVIOUS):
            counts = buckets.get((int(measure), half), {})
            total = sum(counts.values())
            if not total:
                continue
            places = []
            for rank in sorted({(total - 1) // 2, total // 2}):
                seen = 0
                for bucket in sorted(counts):
                    if seen + counts[bucket] > rank:
                        places.append((bucket, rank - seen))
                        need = needs.setdefault(
                            (int(measure), half, bucket),
                            _Need(measure=int(measure), half=half, bucket=bucket, ranks=[]),
                        )
                        need.ranks.append(rank - seen)
                        break
                    seen += counts[bucket]
            wanted[int(measure), half] = (total, places)

    # 2. The values at those ranks, each from the one row of its bucket that holds it.
    rows = _rank_rows(
        program=program,
        facts=facts,
        first_day=first_day,
        live_days=live_days,
        windows=windows,
        needs=list(needs.values()),
    )
    result: dict[tuple[int, int], object] = {
        (int(m), h): None for m in HISTOGRAMS for h in (CURRENT, PREVIOUS)
    }
    for (measure, half), (total, places) in wanted.items():
        values = [
            next(
                seconds
                for seconds, n, cumulative in rows[measure, half, bucket]
                if cumulative - n <= rank < cumulative
            )
            for bucket, rank in places
        ]
        result[measure, half] = median_of_middle(values[0], values[-1], total, exact_float=exact_float)
    return result


def _rank_rows(
    *,
    program: "Program",
    facts: Facts,
    first_day: datetime.date,
    live_days: dict[int, list[datetime.date]],
    windows: dict[int, list[tuple[datetime.datetime, datetime.datetime]]],
    needs: list[_Need],
) -> dict[tuple[int, int, int], list[tuple[int, int, int]]]:
    """{(measure, half, bucket): [(seconds, count, cumulative count)]} of the values of each bucket over the
    half's days (stored for the days with rollups, the tickets for the live windows), only the rows that hold
    one of the ranks wanted. One query."""
    if not needs:
        return defaultdict(list)
    blocks: list[str] = []
    params: list[Any] = []
    table = DurationCount._meta.db_table
    for position, need in enumerate(needs):
        if need.half == CURRENT:
            first, last = first_day, facts.last_day
        else:
            first, last = facts.first_day, first_day - datetime.timedelta(days=1)
        live = live_days[need.half]
        not_live = f"AND day NOT IN ({', '.join(['%s'] * len(live))})" if live else ""
        sources = [
            f"SELECT seconds, count FROM {table} WHERE program_id = %s AND measure = %s AND bucket = %s "  # noqa: S608
            f"AND day >= %s AND day <= %s {not_live}"
        ]
        params += [program.pk, need.measure, need.bucket, first, last, *live]
        tickets = _live_tickets(program=program, measure=need.measure, windows=windows[need.half])
        if tickets is not None:
            low, high = bucket_range(need.bucket)
            value = HISTOGRAMS[need.measure]
            live_sql, live_params = (
                tickets.filter(**{f"{value}__gte": low, f"{value}__lt": high})
                .values_list(value)
                .query.sql_with_params()
            )
            sources.append(f"SELECT live.{value} AS seconds, 1 AS count FROM ({live_sql}) live")  # noqa: S608
            params += list(live_params)
        blocks.append(
            f"SELECT {position} AS need, seconds, n, cumulative FROM ("  # noqa: S608 — our tables and numbers
            "SELECT seconds, n, SUM(n) OVER (ORDER BY seconds) AS cumulative FROM ("
            f"SELECT seconds, SUM(count) AS n FROM ({' UNION ALL '.join(sources)}) source GROUP BY seconds"
            ") grouped) running WHERE cumulative > %s AND cumulative - n <= %s"
        )
        params += [min(need.ranks), max(need.ranks)]
    found: dict[tuple[int, int, int], list[tuple[int, int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(f"SELECT * FROM ({block}) b{i}" for i, block in enumerate(blocks)),  # noqa: S608
            params,
        )
        for position, seconds, n, cumulative in cursor.fetchall():
            need = needs[position]
            found[need.measure, need.half, need.bucket].append((int(seconds), int(n), int(cumulative)))
    return found


# --- Per freelancer: the team table's first-response medians (docs/adr/0028, addendum "team table") ---------------
# A finished day's times of each freelancer are three levels of dashboard.models (FreelancerResponseCells level 1:
# 16 groups of 32 buckets; level 2: a group's 16 pairs of buckets; FreelancerResponseCount: the exact seconds of a
# pair). Each level is one statement over the stored days UNION ALL the live window's tickets (bucketed the same
# way by the database), reading at most one row per freelancer and day, then the exact values of one pair.

GROUP_BUCKETS = 32  # buckets per level-1 cell; a level-2 cell is a pair of buckets


def group_of(bucket: int) -> int:
    return bucket // GROUP_BUCKETS


def cell_in_group(bucket: int) -> int:
    return bucket % GROUP_BUCKETS // 2


def pair_of(bucket: int) -> int:
    return bucket // 2


def pair_range(pair: int) -> tuple[int, int]:
    """[first, after last) seconds of a pair of buckets."""
    return bucket_range(2 * pair)[0], bucket_range(2 * pair + 1)[1]


@dataclass
class _Rank:
    """Where one of a freelancer's middle ranks is: the cell at the current level and the rank inside it."""

    cell: int
    rank: int


def _place(counts: list[int], rank: int) -> _Rank:
    seen = 0
    for cell, n in enumerate(counts):
        if seen + n > rank:
            return _Rank(cell=cell, rank=rank - seen)
        seen += n
    raise ValueError("rank beyond the counts")  # the counts sum to the total: never


def freelancer_response_medians(
    *,
    program: "Program",
    first_day: datetime.date,
    last_stored: datetime.date | None,
    live: tuple[datetime.datetime, datetime.datetime] | None,
) -> dict[int, float]:
    """{freelancer_id: median first-response seconds} of the first responses made by freelancers over the stored
    days [first_day, last_stored] (per-freelancer rollups) and the live window [start, end) (tickets): the value
    PERCENTILE_CONT(0.5) gives over those tickets (a float, the same interpolation). Three queries."""
    stored = last_stored is not None and last_stored >= first_day
    live_sql, live_params = "", []
    if live is not None:
        # The live window's (freelancer, seconds, bucket), compiled once; each level groups it in SQL.
        base_sql, base_params = (
            tickets_of_program(program_id=program.pk)
            .filter(
                first_response_at__gte=live[0],
                first_response_at__lt=live[1],
                first_responder__freelancer_profile__isnull=False,
                first_response_seconds__isnull=False,
            )
            .annotate(
                fid=F("first_responder__freelancer_profile__id"),
                the_bucket=WidthBucket(F("first_response_seconds"), bounds=BOUNDS),
            )
            .values_list("fid", "first_response_seconds", "the_bucket")
            .order_by()
            .query.sql_with_params()
        )
        live_sql = (
            "SELECT fid, first_response_seconds AS seconds, the_bucket AS bucket "  # noqa: S608 — our queryset
            f"FROM ({base_sql}) base"
        )
        live_params = list(base_params)
    if not stored and not live_sql:
        return {}

    def sums(level: int, wanted: dict[int, set[int]] | None) -> dict[tuple[int, int], list[int]]:
        """{(freelancer, cell at level - 1): 16 counts} at a level, for the wanted (freelancer, cell) only (a join
        with their arrays: an IN list of hundreds of pairs costs PostgreSQL more to plan than to run)."""
        table = FreelancerResponseCells._meta.db_table
        pairs = [(fid, cell) for fid, cells in sorted((wanted or {}).items()) for cell in sorted(cells)]
        sql: list[str] = []
        params: list[Any] = []
        if stored:
            sums_sql = ", ".join(f"SUM(s.{c})" for c in CELLS)
            where = "s.program_id = %s AND s.level = %s AND s.day >= %s AND s.day <= %s"
            if wanted is None:
                sql.append(
                    f"SELECT s.freelancer_id, s.cell, {sums_sql} FROM {table} s "  # noqa: S608 — our own names
                    f"WHERE {where} GROUP BY s.freelancer_id, s.cell"
                )
            else:  # one index range per wanted (freelancer, cell), summed there: a nested loop, index-only
                plain = ", ".join(f"SUM({c})" for c in CELLS)
                sql.append(
                    f"SELECT wanted.fid, wanted.cell, s.* FROM wanted CROSS JOIN LATERAL ("  # noqa: S608
                    f"SELECT {plain} FROM {table} s WHERE {where} AND s.freelancer_id = wanted.fid "
                    "AND s.cell = wanted.cell) s"
                )
            params += [program.pk, level, first_day, last_stored]
        if live_sql:
            # level 1: group 0, cell bucket // 32; level 2: group bucket // 32, cell its pair bucket % 32 // 2
            if level == 1:
                group, cell = "0", f"bucket / {GROUP_BUCKETS}"
            else:
                group, cell = (
                    f"bucket / {GROUP_BUCKETS}",
                    f"bucket %% {GROUP_BUCKETS} / 2",
                )  # %% : a placeholder-safe %
            counts = ", ".join(f"COUNT(*) FILTER (WHERE {cell} = {k})" for k in range(len(CELLS)))
            grouped = f"SELECT fid, {group} AS cell, {counts} FROM ({live_sql}) live GROUP BY 1, 2"  # noqa: S608
            if wanted is not None:
                grouped = (
                    f"SELECT counted.* FROM ({grouped}) counted "  # noqa: S608 — our own SQL
                    "JOIN wanted ON wanted.fid = counted.fid AND wanted.cell = counted.cell"
                )
            sql.append(grouped)
            params += live_params
        prefix = ""
        if wanted is not None:
            prefix = "WITH wanted (fid, cell) AS (SELECT * FROM unnest(%s::bigint[], %s::int[])) "
            params = [[fid for fid, _ in pairs], [cell for _, cell in pairs], *params]
        found: dict[tuple[int, int], list[int]] = {}
        with connection.cursor() as cursor:
            cursor.execute(prefix + " UNION ALL ".join(sql), params)
            for fid, cell, *counts_ in cursor.fetchall():
                row = found.setdefault((int(fid), int(cell)), [0] * len(CELLS))
                for k, n in enumerate(counts_):
                    row[k] += int(n or 0)
        return found

    # 1. Per freelancer, how many times fall in each group of buckets: the total, and each middle rank's group.
    level1 = {fid: counts for (fid, _cell), counts in sums(1, None).items()}
    totals = {fid: sum(counts) for fid, counts in level1.items() if sum(counts)}
    ranks: dict[int, list[int]] = {fid: sorted({(n - 1) // 2, n // 2}) for fid, n in totals.items()}
    places: dict[tuple[int, int], tuple[int, int]] = {}  # (fid, rank) -> (group, rank in the group)
    for fid, wanted_ranks in ranks.items():
        for rank in wanted_ranks:
            place = _place(level1[fid], rank)
            places[fid, rank] = (place.cell, place.rank)
    # 2. Inside each of those groups, the pair of buckets of each rank.
    groups: dict[int, set[int]] = defaultdict(set)
    for (fid, _rank), (group, _inner) in places.items():
        groups[fid].add(group)
    level2 = sums(2, groups) if groups else {}
    pairs: dict[tuple[int, int], tuple[int, int]] = {}  # (fid, rank) -> (pair, rank in the pair)
    for (fid, rank), (group, inner) in places.items():
        place = _place(level2[fid, group], inner)
        pairs[fid, rank] = (group * 16 + place.cell, place.rank)
    # 3. The exact values at those ranks, each from the pair's seconds over the days (cumulated in SQL).
    values = _pair_values(
        program=program,
        first_day=first_day,
        last_stored=last_stored if stored else None,
        live=(live_sql, live_params),
        pairs=pairs,
    )
    result = {}
    for fid, wanted_ranks in ranks.items():
        low, high = values[fid, wanted_ranks[0]], values[fid, wanted_ranks[-1]]
        result[fid] = float(median_of_middle(low, high, totals[fid], exact_float=True))
    return result


def _pair_values(
    *,
    program: "Program",
    first_day: datetime.date,
    last_stored: datetime.date | None,
    live: tuple[str, list[Any]],
    pairs: dict[tuple[int, int], tuple[int, int]],
) -> dict[tuple[int, int], int]:
    """{(freelancer, rank): seconds} of each (freelancer, rank) -> (pair, rank in the pair): the pair's values over
    the stored days and the live tickets, cumulated per freelancer and pair in SQL, only the rows holding a
    wanted rank sent back. One query."""
    if not pairs:
        return {}
    wanted: dict[tuple[int, int], list[int]] = defaultdict(list)  # (fid, pair) -> [inner ranks]
    for (fid, _rank), (pair, inner) in pairs.items():
        wanted[fid, pair].append(inner)
    keys = sorted(wanted)
    params: list[Any] = [
        [fid for fid, _ in keys],
        [pair for _, pair in keys],
        [min(wanted[key]) for key in keys],
        [max(wanted[key]) for key in keys],
    ]
    sources = []
    if last_stored is not None:
        sources.append(
            "SELECT stored.freelancer_id, stored.pair, stored.seconds, stored.count "
            "FROM dashboard_freelancerresponsecount stored "
            "JOIN wanted ON wanted.fid = stored.freelancer_id AND wanted.pair = stored.pair "
            "WHERE program_id = %s AND day >= %s AND day <= %s"
        )
        params += [program.pk, first_day, last_stored]
    if live[0]:
        sources.append(
            f"SELECT live.fid, live.bucket / 2, live.seconds, 1 FROM ({live[0]}) live "  # noqa: S608 — our own SQL
            "JOIN wanted ON wanted.fid = live.fid AND wanted.pair = live.bucket / 2"
        )
        params += list(live[1])
    sql = (
        "WITH wanted (fid, pair, low, high) AS ("  # noqa: S608 — our tables and numbers
        "SELECT * FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[])), "
        f"source (fid, pair, seconds, n) AS ({' UNION ALL '.join(sources)}), "
        # a running count row by row (ROWS: equal seconds of several days are rows of their own, each holding
        # its own ranks), so no grouping by value first
        "running AS (SELECT fid, pair, seconds, n, SUM(n) OVER (PARTITION BY fid, pair ORDER BY seconds "
        "ROWS UNBOUNDED PRECEDING) AS cum FROM source) "
        "SELECT running.fid, running.pair, seconds, n, cum FROM running JOIN wanted "
        "ON wanted.fid = running.fid AND wanted.pair = running.pair "
        "WHERE cum > wanted.low AND cum - n <= wanted.high"
    )
    rows: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for fid, pair, seconds, n, cum in cursor.fetchall():
            rows[int(fid), int(pair)].append((int(seconds), int(n), int(cum)))
    result = {}
    for (fid, rank), (pair, inner) in pairs.items():
        result[fid, rank] = next(s for s, n, cum in rows[fid, pair] if cum - n <= inner < cum)
    return result
