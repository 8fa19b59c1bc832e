"""Dashboard benchmark: a data generator for one big program, and a timer for the dashboard pages.

    # a PostgreSQL database of its own (never the demo's):
    createdb -h 127.0.0.1 -U postgres flexdesk_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/dashboard.py generate            # 300 freelancers, 200,000 tickets, 500,000 time entries
    .venv/bin/python bench/dashboard.py run                 # times each page (median of --repeat runs) + query counts
                                                            # before (all live) and after (daily rollups), after
                                                            # refreshing the rollups and checking both give equal numbers
    .venv/bin/python bench/dashboard.py generate --tickets 2000 --time-entries 5000 --slug small   # a small twin

The goal (issue 9): the program dashboard renders in under 300 ms on PostgreSQL on a 2-core machine, and its
query count is the same with 2,000 tickets as with 200,000 (tests/dashboard assert the count on small data).
Rows are written with bulk_create in batches; the generator is deterministic (seeded random).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Freelancer, User  # noqa: E402
from accounts.two_factor import session_mark_verified  # noqa: E402
from contracts.models import Contract, ProgramStanding, RateChange  # noqa: E402
from core.db import is_postgresql  # noqa: E402
from payments.models import PayPeriod, PaySchedule, TimeEntry  # noqa: E402
from programs.models import Budget, Program, ProgramSchedule, SuccessMetric  # noqa: E402
from queues.models import AvailabilitySlot, Ticket  # noqa: E402
from recruiting.models import Application, Posting  # noqa: E402
from reviews.models import CsatSurvey, NpsInvitation, NpsRound, Review  # noqa: E402

BATCH = 5000
DAYS = 365
REASONS = ["too_complex", "billing", "angry_customer", "bug", "language", "other"]


def _bulk(model, rows):
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)


def scaffold(
    *, slug: str, freelancers: int, tickets: int, rng: random.Random, now: datetime.datetime
) -> tuple[User, Program, list[Freelancer], list[Contract], dict[datetime.date, PayPeriod], datetime.date]:
    """The program around its tickets: manager, program worksheet, `freelancers` freelancers with standings,
    contracts, rate changes and Monday-Friday slots, the pay schedule and periods. Returns (manager, program,
    people, contracts, pay period by start date, pay anchor). bench/datasets.py builds its data sets on it."""
    today = now.date()
    first_day = today - datetime.timedelta(days=DAYS - 1)
    started = time.monotonic()
    manager, _ = User.objects.get_or_create(
        email=f"bench-manager@{slug}.test",
        defaults={"display_name": "Bench Manager", "role": User.Role.MANAGER},
    )
    manager.set_password("bench")
    manager.save()
    program = Program.objects.create(
        name=f"Benchmark {slug}",
        slug=slug,
        status=Program.Status.ACTIVE,
        time_zone="America/New_York",
        currency="USD",
    )
    program.managers.add(manager)
    Budget.objects.create(
        program=program,
        planned_hourly_rate=Decimal("15.00"),
        platform_fee_percent=Decimal("5"),
        inhouse_monthly_cost=Decimal("400000"),
        monthly_budget=Decimal("350000"),
    )
    ProgramSchedule.objects.create(
        program=program,
        hours_per_week=Decimal("20"),
        freelancers_needed=freelancers,
        queue_ready_date=today,
        tickets_per_week=tickets * 7 // DAYS,
    )
    for position, (kind, direction, target) in enumerate(
        [
            ("sla_attainment", "at_least", "90"),
            ("first_response", "at_most", "1"),
            ("csat", "at_least", "90"),
            ("qa_score", "at_least", "85"),
            ("nps", "at_least", "40"),
            ("cost_per_ticket", "at_most", "4.5"),
            ("backlog", "at_most", "500"),
            ("escalation_rate", "at_most", "8"),
            ("resolution", "at_most", "24"),
        ]
    ):
        SuccessMetric.objects.create(
            program=program, kind=kind, direction=direction, target=Decimal(target), position=position
        )
    users = [
        User(
            email=f"bench{n}@{slug}.test",
            display_name=f"Bench Freelancer {n}",
            role=User.Role.FREELANCER,
            password="!",
        )
        for n in range(freelancers)
    ]
    _bulk(User, users)
    users = list(
        User.objects.filter(email__endswith=f"@{slug}.test", role=User.Role.FREELANCER).order_by("pk")
    )
    _bulk(
        Freelancer,
        [
            Freelancer(
                user=u,
                legal_name=u.display_name,
                status=Freelancer.Status.ACTIVE,
                time_zone=rng.choice(["Asia/Manila", "Europe/Warsaw", "America/Sao_Paulo"]),
            )
            for u in users
        ],
    )
    people = list(Freelancer.objects.filter(user__in=users).order_by("pk"))
    # a quarter of them tier 2 in the program (the team table shows it)
    _bulk(
        ProgramStanding,
        [ProgramStanding(freelancer=f, program=program, tier=2) for f in people if rng.random() < 0.25],
    )
    _bulk(
        Contract,
        [
            Contract(
                program=program,
                freelancer=f,
                status=Contract.Status.ACTIVE,
                start_date=first_day,
                hourly_rate=Decimal(rng.choice(["12.00", "14.50", "16.00"])),
                currency="USD",
                hours_per_week=Decimal("20"),
                weekly_hour_cap=Decimal("30"),
            )
            for f in people
        ],
    )
    contracts = list(Contract.objects.filter(program=program).order_by("freelancer_id"))
    _bulk(
        RateChange,
        [
            RateChange(
                contract=c,
                effective_date=first_day + datetime.timedelta(days=rng.randrange(DAYS)),
                hourly_rate=c.hourly_rate + Decimal("1.50"),
                reason="evaluation",
            )
            for c in contracts[::3]
        ],
    )
    _bulk(
        AvailabilitySlot,
        [
            AvailabilitySlot(
                freelancer=f,
                weekday=d,
                start_time=datetime.time(rng.randrange(0, 16)),
                end_time=datetime.time(0),
            )
            for f in people
            for d in range(5)
        ],
    )
    anchor = first_day - datetime.timedelta(days=first_day.weekday())
    PaySchedule.objects.create(program=program, anchor_date=anchor)
    periods = [
        PayPeriod(
            program=program,
            start_date=anchor + datetime.timedelta(days=14 * n),
            end_date=anchor + datetime.timedelta(days=14 * n + 13),
            status=PayPeriod.Status.CLOSED,
        )
        for n in range(DAYS // 14 + 2)
    ]
    _bulk(PayPeriod, periods)
    period_by_start = {p.start_date: p for p in PayPeriod.objects.filter(program=program)}
    print(f"people, contracts, slots: {time.monotonic() - started:.0f}s")
    return manager, program, people, contracts, period_by_start, anchor


def surveys_and_recruiting(
    *, program: Program, slug: str, rng: random.Random, now: datetime.datetime
) -> None:
    """A year of weekly NPS rounds (5 answered invitations each) and an open posting with 500 applications."""
    first_day = now.date() - datetime.timedelta(days=DAYS - 1)
    monday = first_day - datetime.timedelta(days=first_day.weekday())
    for week in range(DAYS // 7):
        nps_round = NpsRound.objects.create(
            program=program, week_start=monday + datetime.timedelta(weeks=week)
        )
        _bulk(
            NpsInvitation,
            [
                NpsInvitation(
                    round=nps_round,
                    email=f"s{k}@{slug}.test",
                    score=rng.randrange(11),
                    token_hash=f"{slug}-{week}-{k}".ljust(64, "0")[:64],
                    expires_at=now,
                )
                for k in range(5)
            ],
        )
    posting = Posting.objects.create(
        program=program,
        title="Bench agent",
        slug=f"{slug}-agent",
        status=Posting.Status.OPEN,
        summary="…",
    )
    _bulk(
        Application,
        [
            Application(
                posting=posting,
                full_name=f"Candidate {k}",
                email=f"cand{k}@{slug}.test",
                rate_asked=Decimal("12"),
                stage=rng.choice(Application.Stage.values),
                profile_url=rng.choice(["", "https://upwork.com/x", "https://fiverr.com/y"]),
            )
            for k in range(500)
        ],
    )


def generate(*, slug: str, freelancers: int, tickets: int, time_entries: int, seed: int = 9) -> None:
    rng = random.Random(seed)  # noqa: S311 — test data, not security
    if Program.objects.filter(slug=slug).exists():
        sys.exit(f"A program with slug {slug!r} exists already; use another --slug or a fresh database.")
    started = time.monotonic()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    today = now.date()
    first_day = today - datetime.timedelta(days=DAYS - 1)
    with transaction.atomic():
        manager, program, people, contracts, period_by_start, anchor = scaffold(
            slug=slug, freelancers=freelancers, tickets=tickets, rng=rng, now=now
        )

        rows = []
        for n in range(tickets):
            created = now - datetime.timedelta(minutes=rng.randrange(DAYS * 24 * 60))
            contract = rng.choice(contracts)
            fate = rng.random()
            ticket = Ticket(
                program=program,
                external_id=f"B{n}",
                subject="Where is my order?",
                body="…",
                requester_email=f"c{n % 5000}@example.test",
                created_at=created,
                routed_at=created,
                assignee_id=contract.freelancer_id,
                queue=Ticket.Queue.FREELANCER,
                sla_due_at=created + datetime.timedelta(hours=1),
                next_due_at=created + datetime.timedelta(hours=1),
            )
            if created < now - datetime.timedelta(days=2) or fate < 0.97:
                response = rng.randrange(60, 3 * 3600)
                ticket.first_response_at = created + datetime.timedelta(seconds=response)
                ticket.first_response_seconds = response
                ticket.first_response_met = response <= 3600
                if fate < 0.06:
                    ticket.escalated_at = ticket.first_response_at + datetime.timedelta(minutes=10)
                    ticket.escalated_by_id = contract.freelancer_id
                    ticket.escalation_reason = rng.choice(REASONS)
                    ticket.queue = Ticket.Queue.INHOUSE
                    ticket.status = Ticket.Status.OPEN if fate < 0.01 else Ticket.Status.SOLVED
                else:
                    ticket.status = Ticket.Status.SOLVED
                if ticket.status == Ticket.Status.SOLVED:
                    resolution = response + rng.randrange(600, 48 * 3600)
                    ticket.solved_at = created + datetime.timedelta(seconds=resolution)
                    ticket.resolution_seconds = resolution
                    ticket.resolution_met = resolution <= 24 * 3600
            else:
                ticket.status = Ticket.Status.OPEN
            rows.append(ticket)
            if len(rows) == BATCH:
                Ticket.objects.bulk_create(rows)
                rows = []
        Ticket.objects.bulk_create(rows)
        print(f"tickets: {time.monotonic() - started:.0f}s")
        # First responders are users; most tickets above left it empty to keep the generator fast, so set it in SQL.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE queues_ticket t SET first_responder_id = f.user_id FROM accounts_freelancer f "
                "WHERE t.assignee_id = f.id AND t.program_id = %s AND t.first_response_at IS NOT NULL",
                [program.pk],
            )

        rows = []
        for _n in range(time_entries):
            contract = rng.choice(contracts)
            day = first_day + datetime.timedelta(days=rng.randrange(DAYS))
            period_start = anchor + datetime.timedelta(days=((day - anchor).days // 14) * 14)
            status = (
                TimeEntry.Status.APPROVED
                if day < today - datetime.timedelta(days=14)
                else rng.choice(
                    [TimeEntry.Status.DRAFT, TimeEntry.Status.SUBMITTED, TimeEntry.Status.APPROVED]
                )
            )
            rows.append(
                TimeEntry(
                    freelancer_id=contract.freelancer_id,
                    program=program,
                    contract=contract,
                    period=period_by_start[period_start],
                    date=day,
                    status=status,
                    hours=Decimal(rng.choice(["0.25", "0.50", "0.75", "1.00", "1.50", "2.00"])),
                )
            )
            if len(rows) == BATCH:
                TimeEntry.objects.bulk_create(rows)
                rows = []
        TimeEntry.objects.bulk_create(rows)
        print(f"time entries: {time.monotonic() - started:.0f}s")

        solved = list(
            Ticket.objects.filter(program=program, status=Ticket.Status.SOLVED).values_list(
                "pk", "assignee_id", "solved_at", "requester_email"
            )[: max(tickets // 5, 1)]
        )
        _bulk(
            Review,
            [
                Review(
                    program=program,
                    ticket_id=pk,
                    freelancer_id=assignee,
                    reviewer=manager,
                    score=Decimal(rng.randrange(60, 101)),
                    original_score=Decimal("80"),
                    passed=True,
                    submitted_at=solved_at + datetime.timedelta(days=1),
                )
                for pk, assignee, solved_at, _e in solved[: len(solved) // 4]
            ],
        )
        _bulk(
            CsatSurvey,
            [
                CsatSurvey(
                    ticket_id=pk,
                    program=program,
                    freelancer_id=assignee,
                    requester_email=email,
                    status=CsatSurvey.Status.ANSWERED,
                    rating=rng.choice(["good"] * 9 + ["bad"]),
                    sent_at=solved_at,
                    answered_at=solved_at,
                )
                for pk, assignee, solved_at, email in solved
            ],
        )
        surveys_and_recruiting(program=program, slug=slug, rng=rng, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"done in {time.monotonic() - started:.0f}s: program {slug!r}, manager bench-manager@{slug}.test / bench"
    )


def refresh_and_compare(program) -> None:
    """Backfill the program's daily rollups (what the 5-minute job keeps fresh), then check that the dashboard's
    numbers from the rollups equal the all-live ones for the default periods."""
    from dashboard.periods import last_days
    from dashboard.selectors.program import program_dashboard
    from dashboard.services import dashboard_rollups_backfill

    started = time.monotonic()
    today = timezone.now().astimezone(program.zone).date()
    written = dashboard_rollups_backfill(
        program_id=program.pk, start_day=today - datetime.timedelta(days=DAYS + 30), end_day=today
    )
    print(f"rollups refreshed: {written} days in {time.monotonic() - started:.1f}s")
    for days in (7, 30, 90):
        period = last_days(days, today=today, zone=program.zone)
        with override_settings(DASHBOARD_ROLLUPS=False):
            live = program_dashboard(program=program, period=period)
        rolled = program_dashboard(program=program, period=period)
        assert rolled["figures_up_to"] is not None, "the rollups were not used"
        for part in ("tickets", "costs", "quality"):
            assert (rolled[part].current, rolled[part].previous) == (
                live[part].current,
                live[part].previous,
            ), part
        for key, table in live["tables"].items():
            assert rolled["tables"][key].rows == table.rows, f"{days}d: table {key} differs"
        print(f"last {days} days: rollup-backed numbers equal the live ones ({len(live['tables'])} tables)")


def run(*, slug: str, repeat: int) -> None:
    program = Program.objects.get(slug=slug)
    refresh_and_compare(program)
    manager = program.managers.first()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    session_mark_verified(session=client.session, user=manager)  # managers sign in with two-factor
    pages = [
        ("program dashboard, last 30 days", f"/manage/programs/{slug}/"),
        ("program dashboard, last 7 days", f"/manage/programs/{slug}/?period=7d"),
        ("program dashboard, a pay period", f"/manage/programs/{slug}/?period=pay"),
        ("freelancer table, last 30 days", f"/manage/programs/{slug}/team/"),
        ("costs, last 30 days", f"/manage/programs/{slug}/costs/"),
        ("recruiting funnel", f"/manage/programs/{slug}/recruiting-funnel/"),
        (
            "one freelancer, last 30 days",
            f"/manage/programs/{slug}/freelancers/{Contract.objects.filter(program=program).first().freelancer_id}/",
        ),
        ("manager home", "/manage/"),
    ]
    counts = {
        "tickets": Ticket.objects.filter(program=program).count(),
        "time entries": TimeEntry.objects.filter(program=program).count(),
        "freelancers": Contract.objects.filter(program=program).count(),
    }
    print(", ".join(f"{value:,} {key}" for key, value in counts.items()))
    for label, url in pages:
        if label.startswith("program dashboard"):
            with override_settings(DASHBOARD_ROLLUPS=False):
                _time(client, f"{label} (before: live)", url, repeat)
        _time(client, label, url, repeat)


def _time(client, label: str, url: str, repeat: int) -> None:
    assert client.get(url).status_code == 200, url  # warm-up (templates, connections)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(
        f"{label:52} median {statistics.median(timings):7.1f} ms   max {max(timings):7.1f} ms   "
        f"{len(queries):3} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("generate")
    make.add_argument("--slug", default="bench")
    make.add_argument("--freelancers", type=int, default=300)
    make.add_argument("--tickets", type=int, default=200_000)
    make.add_argument("--time-entries", type=int, default=500_000)
    timer = sub.add_parser("run")
    timer.add_argument("--slug", default="bench")
    timer.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not is_postgresql():
        print("warning: the benchmark is meant for PostgreSQL (set DATABASE_URL=postgres://…)")
    if args.command == "generate":
        generate(
            slug=args.slug, freelancers=args.freelancers, tickets=args.tickets, time_entries=args.time_entries
        )
    else:
        run(slug=args.slug, repeat=args.repeat)


if __name__ == "__main__":
    main()
