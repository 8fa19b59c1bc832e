"""Benchmarks (not tests): intake-and-route throughput over the API, and page render times at 100,000 tickets.

    DATABASE_URL=postgres://… manage.py queues_bench --tickets 2000 --clients 4 --routers 1 --page-tickets 100000

Creates a throw-away program (slug bench-…), measures, checks no freelancer was overbooked, and deletes
what it made unless --keep.

Throughput is measured as production runs it: `--clients` processes post tickets through the whole Django
stack (middleware, DRF token auth, validation, intake) with the Django test client, each intake enqueues
its routing task on Redis, and `--routers` Celery worker processes (started here, on a Redis database of
their own, --broker) route them. The clock stops when the last ticket has been routed. With --eager there
is no broker: each request routes its ticket in-process after commit (as in development and tests).
Requests and workers run with DEBUG off, as in production (DEBUG on records every query in memory).
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


def _post_batch(args):
    token, slug, start, count, broker = args
    connections.close_all()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    codes = {}
    cpu = time.process_time()
    eager = broker is None
    with override_settings(CELERY_TASK_ALWAYS_EAGER=eager, ALLOWED_HOSTS=["*"], DEBUG=False):
        from config.celery import app

        app.conf.task_always_eager = eager
        if not eager:
            app.conf.broker_url = broker
        for n in range(start, start + count):
            body = {
                "program": slug,
                "external_id": f"B-{n}",
                "subject": f"Bench {n}",
                "body": "Where is my order?",
                "requester_email": f"b{n}@example.test",
                "language": "en",
            }
            response = client.post("/api/v1/tickets/", data=json.dumps(body), content_type="application/json")
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
    connections.close_all()
    return codes, time.process_time() - cpu


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


def _purge(broker: str) -> None:
    from config.celery import app

    with app.connection_for_write(broker) as conn:
        app.control.purge(connection=conn)


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
        parser.add_argument("--tickets", type=int, default=2000)
        parser.add_argument("--clients", type=int, default=4, help="processes posting tickets")
        parser.add_argument("--routers", type=int, default=1, help="Celery worker processes routing them")
        parser.add_argument(
            "--broker",
            default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
            help="a Redis database for the bench alone (its queue is purged)",
        )
        parser.add_argument("--eager", action="store_true", help="no broker: route in the request process")
        parser.add_argument("--freelancers", type=int, default=40)
        parser.add_argument("--page-tickets", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument("--keep", action="store_true")

    def handle(
        self,
        *args,
        tickets,
        clients,
        routers,
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
        tag = uuid.uuid4().hex[:6]
        manager = User.objects.create_user(f"bench-{tag}@example.test", role=User.Role.MANAGER)
        program = Program.objects.create(
            name=f"Bench {tag}", slug=f"bench-{tag}", status="active", channels=["email"]
        )
        program.managers.add(manager)
        # room for every ticket of the run, so each one is assigned (not left waiting): routing at full work
        people = bench_freelancers(
            program=program,
            count=freelancers,
            room=max(5, -(-tickets // freelancers)),
            email_prefix=f"bench-{tag}",
        )
        token = Token.objects.create(user=manager).key
        try:
            if tickets:
                self._throughput(token, program, people, tickets, clients, None if eager else broker, routers)
            if page_tickets:
                self._pages(program, manager, people[0], page_tickets, runs)
                people += self._take_next(program, runs, email_prefix=f"bench-{tag}-taker")
        finally:
            if not keep:
                self._cleanup(program, manager, people)

    def _throughput(self, token, program, people, tickets, clients, broker, routers):
        per = tickets // clients
        worker = None
        if broker is not None:
            _purge(broker)
            worker = _start_routers(routers, broker)
            time.sleep(4)  # the worker's processes boot (Django setup) before the clock starts
            if worker.poll() is not None:
                worker.log.seek(0)
                raise CommandError(f"The Celery worker did not start: {worker.log.read()[-2000:]}")
        connections.close_all()
        try:
            started = time.perf_counter()
            with multiprocessing.get_context("fork").Pool(clients) as pool:
                results = pool.map(
                    _post_batch, [(token, program.slug, w * per, per, broker) for w in range(clients)]
                )
            posted = time.perf_counter() - started
            unrouted = Ticket.objects.filter(program=program, routed_at__isnull=True)
            deadline = time.perf_counter() + 120
            while unrouted.exists():
                if time.perf_counter() > deadline:
                    raise CommandError(f"{unrouted.count()} tickets still unrouted after 2 minutes.")
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
                worker.log.close()
        codes: dict = {}
        client_cpu = sum(cpu for _codes, cpu in results)
        for result, _cpu in results:
            for code, count in result.items():
                codes[code] = codes.get(code, 0) + count
        total = per * clients
        assigned = Ticket.objects.filter(program=program, assignee__isnull=False).count()
        over = [
            p.pk
            for p in people
            if Ticket.objects.filter(assignee=p, status__in=Ticket.LOAD_STATUSES).count() > p.max_open_tickets
        ]
        how = "routed in-process (eager)" if broker is None else f"{routers} Celery router process(es)"
        self.stdout.write(
            f"intake+route: {total} tickets in {elapsed:.2f}s = {total / elapsed:.0f} tickets/s "
            f"({clients} API client processes, {how}); responses {codes}"
        )
        self.stdout.write(
            f"  intake alone: all posted after {posted:.2f}s = {total / posted:.0f} tickets/s; "
            f"API client CPU {client_cpu / total * 1000:.1f} ms a ticket"
        )
        self.stdout.write(
            f"  assigned {assigned} (capacity {sum(p.max_open_tickets for p in people)}), "
            f"overbooked freelancers: {len(over)}"
        )
        if over:
            raise CommandError(f"Overbooked: {over}")

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
