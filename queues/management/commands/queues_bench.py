"""Benchmarks (not tests): intake-and-route throughput over the API, and page render times at 100,000 tickets.

    DATABASE_URL=postgres://… manage.py queues_bench --tickets 2000 --clients 4 --routers 1 --page-tickets 100000
    manage.py queues_bench --tickets 3000 --clients 8 --batch 500 --page-tickets 0        # the batch endpoint
    manage.py queues_bench --tickets 4000 --programs 2 --routers 2 --page-tickets 0       # two programs
    manage.py queues_bench --tickets 2000 --scale-out --programs 2 --routers 2 --page-tickets 0

Creates throw-away programs (slug bench-…), measures, checks no freelancer was overbooked, and deletes what it
made unless --keep.

Throughput is measured as production runs it: `--clients` processes post tickets through the whole Django
stack (middleware, DRF token auth, validation, intake) with the Django test client, one ticket a request
(POST /api/v1/tickets/) or, with `--batch N`, N a request (POST /api/v1/tickets/batch/); each intake enqueues
its routing task on Redis, and `--routers` Celery worker processes (each a `celery worker` of its own, started
here, on a Redis database of their own, --broker) route them. The clock stops when the last ticket has been
routed. With `--programs P` the tickets are spread over P programs (each its own manager, token and
freelancers; client w posts to program w mod P) and each program's throughput is reported beside the total.
`--scale-out` measures routing alone (the tickets are taken in first, unrouted, outside the clock; then one
routing task per program is enqueued and the clock runs until every ticket is routed) twice: one program with
one router, then `--programs` programs with `--routers` routers, the same tickets per program. Routing
serialises per program only, so the second's total should be about `--programs` times the first.

With --eager there is no broker: each request routes its ticket in-process after commit (as in development and
tests). Requests and workers run with DEBUG off, as in production (DEBUG on records every query in memory).
"""

import datetime
import json
import logging
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import IO

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Freelancer, Language, User
from accounts.two_factor import session_mark_verified
from contracts.models import Contract
from core.db import is_postgresql
from programs.models import Program
from queues.models import AvailabilitySlot, Presence, Ticket, TicketEvent, TicketMessage
from queues.services.take import ticket_take
from queues.tasks import _pending_key, publish_route


def _post_tickets(token, slug, start, count, broker, batch, ready, results):
    """A client process: set up and send one warm-up request, wait at `ready` until every client has, then post
    `count` tickets (one a request, or `batch` a request) and put (status codes, CPU seconds) on `results`.

    The warm-up keeps what a long-running web process pays once out of the clock: the first request's
    copy-on-write faults of the forked process and its lazy imports and caches."""
    connections.close_all()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    codes: dict[int, int] = {}
    eager = broker is None
    with override_settings(CELERY_TASK_ALWAYS_EAGER=eager, ALLOWED_HOSTS=["*"], DEBUG=False):
        from config.celery import app

        app.conf.task_always_eager = eager
        if not eager:
            app.conf.broker_url = broker
        tickets = [
            {
                "external_id": f"B-{n}",
                "subject": f"Bench {n}",
                "body": "Where is my order?",
                "requester_email": f"b{n}@example.test",
                "language": "en",
            }
            for n in range(start, start + count)
        ]
        client.get("/api/v1/tickets/")
        ready.wait()
        cpu = time.process_time()
        if batch:
            for first in range(0, count, batch):
                body = {"program": slug, "tickets": tickets[first : first + batch]}
                response = client.post(
                    "/api/v1/tickets/batch/", data=json.dumps(body), content_type="application/json"
                )
                codes[response.status_code] = codes.get(response.status_code, 0) + len(body["tickets"])
        else:
            for ticket in tickets:
                body = {"program": slug, **ticket}
                response = client.post(
                    "/api/v1/tickets/", data=json.dumps(body), content_type="application/json"
                )
                codes[response.status_code] = codes.get(response.status_code, 0) + 1
        cpu = time.process_time() - cpu
    connections.close_all()
    results.put((codes, cpu))


def _warm_up(token: str) -> None:
    """One API request before the clients fork, so that each starts with the URLs, views and serializers
    loaded (as a web worker that has served a request), not paying for the imports on its first tickets."""
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        response = Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/tickets/")
    if response.status_code != 200:
        raise CommandError(f"The API answered {response.status_code} to the warm-up request.")


def _start_workers(count: int, broker: str) -> list[tuple[subprocess.Popen, IO[str]]]:
    """`count` Celery workers, separate processes (`celery worker --concurrency 1` each, named router-N),
    consuming the bench's own Redis database."""
    # as production.py: DEBUG off, database connections kept between tasks
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DJANGO_DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
    }
    workers: list[tuple[subprocess.Popen, IO[str]]] = []
    for number in range(count):
        log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed with the worker, in _stop_workers)
        worker = subprocess.Popen(  # noqa: S603 (a fixed command line, nothing from input)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--hostname",
                f"router-{number}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",  # for its "ready." line
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        workers.append((worker, log))
    # the workers boot (Django setup) before the clock starts: each says "ready." in its log
    deadline = time.perf_counter() + 120
    try:
        for worker, output in workers:
            while True:
                output.seek(0)
                text = output.read()
                if " ready." in text:
                    break
                if worker.poll() is not None:
                    raise CommandError(f"A Celery worker did not start: {text[-2000:]}")
                if time.perf_counter() > deadline:
                    raise CommandError("The Celery workers did not start in 2 minutes.")
                time.sleep(0.2)
    except BaseException:
        _stop_workers(workers)  # none may outlive the bench: it would route the next run's tickets
        raise
    return workers


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and all their descendants so far (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    try:
        tick = os.sysconf("SC_CLK_TCK")
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except (OSError, ValueError):
        return 0.0
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    wanted, total = set(pids), 0.0
    for pid, seconds in times.items():
        ancestor = pid
        while ancestor > 1 and ancestor not in wanted:
            ancestor = parents.get(ancestor, 0)
        if ancestor in wanted:
            total += seconds
    return total


def _start_routers(count: int, broker: str) -> subprocess.Popen:
    """A Celery worker (prefork, `count` processes) consuming the bench's own Redis database."""
    # as production.py: DEBUG off, database connections kept between tasks
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DJANGO_DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
    }
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed with the worker, in _throughput)
    worker = subprocess.Popen(  # noqa: S603 (a fixed command line, nothing from input)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(count),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    worker.log = log
    return worker


def _stop_workers(workers: list[tuple[subprocess.Popen, IO[str]]]) -> None:
    for worker, _log in workers:
        worker.terminate()
    for worker, log in workers:
        worker.wait(timeout=30)
        log.close()


def _take_in_unrouted(program: Program, count: int) -> None:
    """`count` new tickets of the program, not routed (intake without its routing task), in batches; one at a
    time on a tree older than the batch intake (to measure a commit from before it the same way)."""
    try:
        from queues.services.intake import MAX_BATCH, TicketIn, tickets_intake
    except ImportError:
        from queues.services.intake import ticket_intake

        for n in range(count):
            ticket_intake(
                program=program,
                external_id=f"S-{n}",
                subject=f"Bench {n}",
                body="Where is my order?",
                requester_email=f"s{n}@example.test",
                route=False,
            )
        return
    for first in range(0, count, MAX_BATCH):
        tickets_intake(
            program=program,
            tickets=[
                TicketIn(
                    external_id=f"S-{n}",
                    subject=f"Bench {n}",
                    body="Where is my order?",
                    requester_email=f"s{n}@example.test",
                )
                for n in range(first, min(first + MAX_BATCH, count))
            ],
            route=False,
        )


def _wait_routed(programs: list[Program], started: float, timeout: float = 180) -> dict[int, float]:
    """Seconds from `started` until each program had no unrouted ticket left."""
    done: dict[int, float] = {}
    deadline = time.perf_counter() + timeout
    while len(done) < len(programs):
        for program in programs:
            if (
                program.pk not in done
                and not Ticket.objects.filter(program=program, routed_at__isnull=True).exists()
            ):
                done[program.pk] = time.perf_counter() - started
        if time.perf_counter() > deadline:
            left = Ticket.objects.filter(program__in=programs, routed_at__isnull=True).count()
            raise CommandError(f"{left} tickets still unrouted after {timeout:.0f} s.")
        time.sleep(0.02)
    return done


def _purge(broker: str, programs: Sequence[Program] = ()) -> None:
    """Empty the bench's queue, and forget the programs' marks of a waiting routing task (a worker stopped
    before it ran the last one a round enqueued: the mark would keep the next round's task from being sent)."""
    from config.celery import app

    with app.connection_for_write(broker) as conn:
        app.control.purge(connection=conn)
    if programs:
        redis.Redis.from_url(broker).delete(*(_pending_key(program.pk) for program in programs))


def bench_freelancers(*, program: Program, count: int, room: int, email_prefix: str) -> list[Freelancer]:
    """`count` queue-ready English-speaking freelancers of `program`, on shift all week and online (routing reads
    their presence too), room for `room` each."""
    english, _ = Language.objects.get_or_create(code="en", defaults={"name": "English"})
    people = []
    for i in range(count):
        user = User.objects.create_user(f"{email_prefix}-{i}@example.test", role=User.Role.FREELANCER)
        person = Freelancer.objects.create(
            user=user, legal_name=f"Bench {i}", status="active", max_open_tickets=room
        )
        person.languages.add(english)
        Contract.objects.create(
            program=program,
            freelancer=person,
            status="active",
            start_date=datetime.date(2025, 1, 1),
            hourly_rate="10",
            hours_per_week="20",
            weekly_hour_cap="40",
        )
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(
                freelancer=person, weekday=d, start_time=datetime.time(0), end_time=datetime.time(0)
            )
            for d in range(7)
        )
        Presence.objects.create(user=user, status=Presence.Status.ONLINE, last_seen_at=timezone.now())
        people.append(person)
    return people


class Command(BaseCommand):
    help = "Measure intake+route throughput over the API and queue page render times (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=2000, help="in all (per program with --scale-out)")
        parser.add_argument("--clients", type=int, default=4, help="processes posting tickets")
        parser.add_argument("--routers", type=int, default=1, help="Celery worker processes routing them")
        parser.add_argument(
            "--batch", type=int, default=0, help="post N tickets a request (the batch endpoint)"
        )
        parser.add_argument("--programs", type=int, default=1, help="spread the tickets over N programs")
        parser.add_argument(
            "--scale-out",
            action="store_true",
            help="routing alone: 1 program with 1 router, then --programs programs with --routers routers",
        )
        parser.add_argument(
            "--broker",
            default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
            help="a Redis database for the bench alone (its queue is purged)",
        )
        parser.add_argument("--eager", action="store_true", help="no broker: route in the request process")
        parser.add_argument("--freelancers", type=int, default=40, help="per program")
        parser.add_argument("--page-tickets", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument("--keep", action="store_true")

    def handle(
        self,
        *args,
        tickets,
        clients,
        routers,
        batch,
        programs,
        scale_out,
        broker,
        eager,
        freelancers,
        page_tickets,
        runs,
        keep,
        **options,
    ):
        for name in ("celery", "kombu", "django.request"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if not is_postgresql():
            raise CommandError("Run the benchmark on PostgreSQL (set DATABASE_URL).")
        if batch > 500:
            raise CommandError("--batch is at most 500 (queues.services.intake.MAX_BATCH).")
        per_program = tickets if scale_out else -(-tickets // programs)
        made = [
            self._program(freelancers=freelancers, room=max(5, -(-per_program // freelancers)))
            for _ in range(programs)
        ]
        try:
            if scale_out:
                self._scale_out(made, per_program, broker, routers)
            elif tickets:
                self._throughput(made, tickets, clients, None if eager else broker, routers, batch)
            if page_tickets:
                program, manager, _token, people = made[0]
                self._pages(program, manager, people[0], page_tickets, runs)
                people += self._take_next(program, runs, email_prefix=f"{program.slug}-taker")
        finally:
            if not keep:
                for program, manager, _token, people in made:
                    self._cleanup(program, manager, people)

    def _program(self, *, freelancers: int, room: int) -> tuple[Program, User, str, list[Freelancer]]:
        """A throw-away program with its manager, the manager's API token and `freelancers` freelancers with
        room for `room` tickets each (room for every ticket of the run: routing at full work)."""
        tag = uuid.uuid4().hex[:6]
        manager = User.objects.create_user(f"bench-{tag}@example.test", role=User.Role.MANAGER)
        program = Program.objects.create(
            name=f"Bench {tag}", slug=f"bench-{tag}", status="active", channels=["email"]
        )
        program.managers.add(manager)
        people = bench_freelancers(program=program, count=freelancers, room=room, email_prefix=f"bench-{tag}")
        return program, manager, Token.objects.create(user=manager).key, people

    def _throughput(self, made, tickets, clients, broker, routers, batch):
        per = tickets // clients
        workers: list[tuple[subprocess.Popen, IO[str]]] = []
        if broker is not None:
            _purge(broker)
            workers = _start_workers(routers, broker)
        _warm_up(made[0][2])
        connections.close_all()
        programs = [program for program, _manager, _token, _people in made]
        jobs = []
        for w in range(clients):
            program, _manager, token, _people = made[w % len(made)]
            jobs.append((token, program.slug, w * per, per, broker, batch))
        context = multiprocessing.get_context("fork")
        ready, queue = context.Barrier(clients + 1), context.Queue()
        processes = [context.Process(target=_post_tickets, args=(*job, ready, queue)) for job in jobs]
        try:
            for process in processes:
                process.start()
            ready.wait(timeout=120)
            router_cpu = _cpu_seconds([worker.pid for worker, _log in workers])
            started = time.perf_counter()
            results = [queue.get(timeout=600) for _ in processes]
            posted = time.perf_counter() - started
            for process in processes:
                process.join()
            done = _wait_routed(programs, started)
            elapsed = time.perf_counter() - started
            router_cpu = _cpu_seconds([worker.pid for worker, _log in workers]) - router_cpu
        finally:
            _stop_workers(workers)
        codes: dict = {}
        client_cpu = sum(cpu for _codes, cpu in results)
        for result, _cpu in results:
            for code, count in result.items():
                codes[code] = codes.get(code, 0) + count
        total = per * clients
        how = "routed in-process (eager)" if broker is None else f"{routers} Celery router process(es)"
        way = f"batches of {batch}" if batch else "one ticket a request"
        self.stdout.write(
            f"intake+route: {total} tickets in {elapsed:.2f}s = {total / elapsed:.0f} tickets/s "
            f"({clients} API client processes, {way}, {how}, {len(made)} program(s)); responses {codes}"
        )
        self.stdout.write(
            f"  intake alone: all posted after {posted:.2f}s = {total / posted:.0f} tickets/s; "
            f"API client CPU {client_cpu / total * 1000:.2f} ms a ticket, router CPU "
            f"{router_cpu / total * 1000:.2f} ms a ticket; load average {os.getloadavg()[0]:.1f}"
        )
        if len(made) > 1:
            for program in programs:
                count = Ticket.objects.filter(program=program).count()
                self.stdout.write(
                    f"  {program.slug}: {count} tickets routed after {done[program.pk]:.2f}s = "
                    f"{count / done[program.pk]:.0f} tickets/s"
                )
        self._check_assigned(made)

    def _check_assigned(self, made) -> None:
        for program, _manager, _token, people in made:
            assigned = Ticket.objects.filter(program=program, assignee__isnull=False).count()
            over = [
                p.pk
                for p in people
                if Ticket.objects.filter(assignee=p, status__in=Ticket.LOAD_STATUSES).count()
                > p.max_open_tickets
            ]
            self.stdout.write(
                f"  {program.slug}: assigned {assigned} of {Ticket.objects.filter(program=program).count()} "
                f"(capacity {sum(p.max_open_tickets for p in people)}), overbooked freelancers: {len(over)}"
            )
            if over:
                raise CommandError(f"Overbooked: {over}")

    def _scale_out(self, made, per_program, broker, routers):
        """Routing alone, by real Celery workers: 1 program with 1 router, then every program with `routers`
        routers. The tickets are taken in (unrouted) before the clock starts; then one routing task per
        program is enqueued, as intake enqueues it, and the clock stops when each program's last is routed."""
        rows = []
        for label, chosen, count in (
            ("1 program, 1 router", made[:1], 1),
            (f"{len(made)} programs, {routers} routers", made, routers),
        ):
            programs = [program for program, _manager, _token, _people in chosen]
            for program in programs:  # a fresh start: no tickets left from the round before
                Ticket.objects.filter(program=program).delete()
                _take_in_unrouted(program, per_program)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE queues_ticket")
            _purge(broker, programs)
            workers = _start_workers(count, broker)
            connections.close_all()
            try:
                from config.celery import app

                app.conf.task_always_eager = False
                app.conf.broker_url = broker
                router_cpu = _cpu_seconds([worker.pid for worker, _log in workers])
                started = time.perf_counter()
                for program in programs:
                    first = (
                        Ticket.objects.filter(program=program).order_by("pk").values_list("pk", flat=True)[0]
                    )
                    publish_route(first, program.pk)
                done = _wait_routed(programs, started)
                elapsed = time.perf_counter() - started
                router_cpu = _cpu_seconds([worker.pid for worker, _log in workers]) - router_cpu
            finally:
                _stop_workers(workers)
            per = {program.slug: per_program / done[program.pk] for program in programs}
            rows.append((label, len(programs) * per_program / elapsed, per))
            self.stdout.write(
                f"routing alone, {label}: {len(programs) * per_program} tickets in {elapsed:.2f}s = "
                f"{len(programs) * per_program / elapsed:.0f} tickets/s; per program "
                + ", ".join(f"{slug} {rate:.0f}/s" for slug, rate in per.items())
                + f"; router CPU {router_cpu / (len(programs) * per_program) * 1000:.2f} ms a ticket, "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            self._check_assigned(chosen)
        self.stdout.write(
            f"  scale-out: total {rows[1][1] / rows[0][1]:.2f}x the one-program, one-router rate"
        )

    def _pages(self, program, manager, freelancer, page_tickets, runs):
        now = timezone.now()
        have = Ticket.objects.filter(program=program).count()
        batch = []
        for n in range(have, page_tickets):
            inhouse = n % 10 == 0
            created = now - datetime.timedelta(minutes=n % (60 * 24 * 60))
            active = n % 4 == 0
            batch.append(
                Ticket(
                    program=program,
                    external_id=f"P-{n}",
                    subject=f"Page bench {n}",
                    body="x",
                    requester_email="p@example.test",
                    status="open" if active else "closed",
                    queue="inhouse" if inhouse else "freelancer",
                    escalation_reason="bug" if inhouse else "",
                    created_at=created,
                    routed_at=created,
                    sla_due_at=created + datetime.timedelta(hours=1),
                    resolution_due_at=created + datetime.timedelta(hours=24),
                    next_due_at=created + datetime.timedelta(hours=1) if active else None,
                )
            )
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        if batch:
            Ticket.objects.bulk_create(batch)
        Ticket.objects.filter(assignee=freelancer).update(status="open")
        # a full working queue for the freelancer page: 100 open tickets assigned to them
        extra = Ticket.objects.filter(
            program=program, assignee__isnull=True, status="open", queue="freelancer"
        )
        Ticket.objects.filter(pk__in=list(extra.values_list("pk", flat=True)[:95])).update(
            assignee=freelancer
        )
        ticket = Ticket.objects.filter(assignee=freelancer).first()
        TicketMessage.objects.bulk_create(
            TicketMessage(ticket=ticket, kind="reply", body=f"reply {i}") for i in range(30)
        )
        TicketEvent.objects.bulk_create(
            TicketEvent(ticket=ticket, kind="note", message=f"e {i}") for i in range(30)
        )
        with connection.cursor() as cursor:
            # as autovacuum would after a bulk load: fresh statistics and visibility map (index-only scans)
            cursor.execute("VACUUM ANALYZE queues_ticket")
            cursor.execute("ANALYZE queues_ticketmessage; ANALYZE queues_ticketevent")
        total = Ticket.objects.filter(program=program).count()
        self.stdout.write(
            f"pages with {total} tickets in the program "
            f"({Ticket.objects.filter(assignee=freelancer, status='open').count()} in the freelancer's queue):"
        )
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(
            ALLOWED_HOSTS=["*"], DEBUG=False, STORAGES={**settings.STORAGES, "staticfiles": static}
        ):
            pages = [
                ("freelancer queue", freelancer.user, "/portal/tickets/"),
                ("in-house queue", manager, "/manage/queues/"),
                # its headline numbers, which the page fetches right after it loads (they read every active ticket)
                ("in-house counts", manager, "/manage/queues/counts/"),
                ("ticket page (portal)", freelancer.user, f"/portal/tickets/{ticket.pk}/"),
                ("ticket page (manage)", manager, f"/manage/queues/tickets/{ticket.pk}/"),
            ]
            clients = {}
            for label, user, url in pages:
                clients[label] = Client()
                clients[label].force_login(user)
                session_mark_verified(session=clients[label].session, user=user)  # managers sign in with 2FA
                clients[label].get(url)
            # The pages take turns, a few requests each, so a passing disturbance of the machine (autovacuum
            # after the bulk load, another process) is spread over all of them rather than landing on one.
            timings: dict[str, list[float]] = {label: [] for label, _user, _url in pages}
            rounds = max(1, runs // 5)
            for _round in range(rounds):
                for label, _user, url in pages:
                    for _ in range(5):
                        started = time.perf_counter()
                        response = clients[label].get(url)
                        timings[label].append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200, (url, response.status_code)
            for label, values in timings.items():
                self.stdout.write(
                    f"  {label:<22} median {statistics.median(values):6.1f} ms   "
                    f"p90 {sorted(values)[int(len(values) * 0.9)]:6.1f} ms   ({len(values)} requests)"
                )

    def _take_next(self, program, runs, *, email_prefix) -> list[Freelancer]:
        """ "Take next ticket" with the program's tickets loaded (a quarter of them waiting for a freelancer)."""
        taker = bench_freelancers(program=program, count=1, room=runs + 5, email_prefix=email_prefix)[0]
        waiting = Ticket.objects.filter(
            program=program, queue="freelancer", assignee__isnull=True, status__in=Ticket.ACTIVE_STATUSES
        ).count()
        ticket_take(freelancer=taker)  # warm up
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            ticket_take(freelancer=taker)
            timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"  take next ticket       median {statistics.median(timings):6.1f} ms   "
            f"p90 {sorted(timings)[int(len(timings) * 0.9)]:6.1f} ms   ({len(timings)} takes, "
            f"{waiting} waiting of {Ticket.objects.filter(program=program).count()})"
        )
        return [taker]

    def _cleanup(self, program, manager, people):
        TicketEvent.objects.filter(ticket__program=program).delete()
        TicketMessage.objects.filter(ticket__program=program).delete()
        Ticket.objects.filter(program=program).delete()
        Contract.objects.filter(program=program).delete()
        users = [p.user_id for p in people] + [manager.pk]
        program.delete()
        User.objects.filter(pk__in=users).delete()
        with connection.cursor() as cursor:
            # reclaim the deleted rows now, so the next run does not race autovacuum over them
            cursor.execute("VACUUM ANALYZE queues_ticket, queues_ticketevent, queues_ticketmessage")
