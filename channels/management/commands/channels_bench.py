"""Benchmarks (not tests) of the Zendesk channel against a local fake Zendesk (channels.zendesk.fake).

    DATABASE_URL=postgres://… manage.py channels_bench --events 1000 --deliveries 2000

A (inbound to outbound): `--events` signed `zen:event-type:ticket.created` webhooks, as Zendesk sends them
(requester_id only, so each one makes Flexdesk fetch the ticket and its requester from the fake), are
POSTed through the whole Django stack (middleware, signature check, receipt, intake) with the Django test
client. Celery runs eagerly, as in development: after each commit the ticket is routed, routing writes
the assignment's outbox row, and after that commit the outbox PUTs it to the fake. The clock stops when
every ticket is routed and every assignment is delivered (the outbox sweep sends any that are left).
Target (issue 15): 1,000 events in under 30 s.

B (the outbox alone): `--deliveries` Zendesk ticket updates already queued (an assignment then a status
change per ticket, so half of them wait for the one before them, as per-ticket ordering requires), sent by
the every-minute sweep (outbox_deliver_due) to the fake. Target: at least 100 deliveries/s.

Creates a throw-away program (slug zdbench-…) and deletes what it made unless --keep. Runs with DEBUG off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import multiprocessing
import os
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db_connection
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Freelancer, User
from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from channels.zendesk.fake import FakeZendesk
from contracts.models import Contract
from core.db import is_postgresql
from core.models import OutboxMessage
from core.outbox import outbox_deliver, outbox_deliver_due
from programs.models import Program
from queues.management.commands.queues_bench import (  # the same freelancers and worker set-up
    _purge,
    _start_routers,
    bench_freelancers,
)
from queues.models import Ticket, TicketEvent, TicketMessage
from queues.services.routing import route_new_tickets

SECRET = "YmVuY2ggc2lnbmluZyBzZWNyZXQ="
FIRST_ZENDESK_TICKET = 100_000
FREELANCER_ZENDESK_BASE = 800_000


@dataclass
class Bench:
    program: Program
    manager: User
    people: list[Freelancer] = field(default_factory=list)


def bench_setup(*, fake: FakeZendesk, freelancers: int, room: int) -> Bench:
    """A Zendesk program pointing at the fake, with `freelancers` mapped, on shift all week, room for `room` each."""
    tag = uuid.uuid4().hex[:6]
    manager = User.objects.create_user(f"zdbench-{tag}@example.test", role=User.Role.MANAGER)
    program = Program.objects.create(
        name=f"Zendesk bench {tag}", slug=f"zdbench-{tag}", status="active", channels=["email"]
    )
    program.managers.add(manager)
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.ZENDESK)
    connection = ZendeskConnection(
        program=program,
        subdomain="bench",
        base_url=fake.url,
        api_email="api@example.test",
        routing_tag="flexdesk",
        last_sync_at=timezone.now(),
    )
    connection.api_token = "bench-token"
    connection.webhook_signing_secret = SECRET
    connection.save()
    bench = Bench(program=program, manager=manager)
    bench.people = bench_freelancers(
        program=program, count=freelancers, room=room, email_prefix=f"zdbench-{tag}"
    )
    for i, person in enumerate(bench.people):
        ZendeskUserMap.objects.create(
            program=program,
            user=person.user,
            zendesk_user_id=FREELANCER_ZENDESK_BASE + i,
            zendesk_name=f"Bench {i}",
            matched_at=timezone.now(),
        )
        fake.users[person.user.email] = FREELANCER_ZENDESK_BASE + i
    return bench


def ticket_created_event(zendesk_id: int) -> dict:
    """A `ticket.created` event as Zendesk's event-subscribed webhooks send it (requester_id, no e-mail)."""
    return {
        "type": "zen:event-type:ticket.created",
        "account_id": 9242270,
        "id": f"evt-{uuid.uuid4()}",
        "time": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{zendesk_id}",
        "detail": {
            "id": str(zendesk_id),
            "actor_id": "1",
            "assignee_id": None,
            "brand_id": "1",
            "created_at": "2026-12-02T05:30:00Z",
            "description": "My parcel never arrived.",
            "group_id": None,
            "is_public": True,
            "priority": "NORMAL",
            "requester_id": str(10_000_000 + zendesk_id),
            "status": "NEW",
            "subject": f"Order {zendesk_id} has not arrived",
            "tags": ["order-status"],
            "type": "QUESTION",
            "via": {"channel": "email"},
        },
        "event": {},
    }


def signed_headers(body: bytes, secret: str = SECRET) -> dict:
    """Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    timestamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": base64.b64encode(digest).decode(),
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
    }


def _sweep_until_sent(program: Program, kinds: list[str], expected: int, timeout: float) -> int:
    """Run the outbox sweep until `expected` messages of `kinds` are sent (or none is left to try)."""
    sent = OutboxMessage.objects.filter(
        program_id=program.pk, kind__in=kinds, status=OutboxMessage.Status.SENT
    )
    deadline = time.perf_counter() + timeout
    while sent.count() < expected and time.perf_counter() < deadline:
        if not outbox_deliver_due():
            break
    return sent.count()


def _post_events(args) -> dict[int, int]:
    """POST signed ticket.created events for these Zendesk ticket numbers (one client process's share)."""
    slug, numbers, forked, broker = args
    if forked:
        connections.close_all()  # a forked process opens connections of its own
    if broker:  # tasks go to the bench's broker, for the Celery worker started by the bench
        from config.celery import app

        app.conf.task_always_eager = False
        app.conf.broker_url = broker
    client = Client()
    codes: dict[int, int] = {}
    with override_settings(CELERY_TASK_ALWAYS_EAGER=not broker):
        for number in numbers:
            body = json.dumps(ticket_created_event(number)).encode()
            response = client.post(
                f"/api/v1/channels/zendesk/{slug}/webhook/",
                data=body,
                content_type="application/json",
                **signed_headers(body),
            )
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
    if forked:
        connections.close_all()
    return codes


def bench_inbound(
    *,
    bench: Bench,
    fake: FakeZendesk,
    events: int,
    clients: int = 1,
    broker: str | None = None,
    timeout: float = 120,
) -> dict:
    """Bench A. `clients` processes post at once (Zendesk sends its webhooks concurrently). With `broker`, a
    Celery worker started by the caller routes and delivers, as in production; without, each request does it
    in-process after its commit (eager). Returns what happened; the caller checks it."""
    program = bench.program
    numbers = [FIRST_ZENDESK_TICKET + n for n in range(events)]
    started = time.perf_counter()
    if clients > 1:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(clients) as pool:
            results = pool.map(
                _post_events, [(program.slug, numbers[c::clients], True, broker) for c in range(clients)]
            )
    else:
        results = [_post_events((program.slug, numbers, False, broker))]
    if broker:  # the worker routes and delivers: wait for it
        sent = OutboxMessage.objects.filter(
            program_id=program.pk, kind="zendesk.assign", status=OutboxMessage.Status.SENT
        )
        deadline = time.perf_counter() + timeout
        while sent.count() < events and time.perf_counter() < deadline:
            time.sleep(0.05)
    codes: dict[int, int] = {}
    for result in results:
        for code, count in result.items():
            codes[code] = codes.get(code, 0) + count
    posted = time.perf_counter() - started
    while route_new_tickets(program_id=program.pk):  # eager routing did it already; this is the safety net
        pass
    delivered = _sweep_until_sent(program, ["zendesk.assign"], events, timeout=60)
    elapsed = time.perf_counter() - started
    tickets = Ticket.objects.filter(program=program)
    return {
        "events": events,
        "clients": clients,
        "broker": broker,
        "elapsed": elapsed,
        "posted": posted,
        "codes": codes,
        "tickets": tickets.count(),
        "routed": tickets.filter(assignee__isnull=False).count(),
        "delivered": delivered,
        "fake_requests": dict(fake.requests),
        "zendesk_assigned": sum(
            1 for updates in fake.updates.values() if any(u.get("assignee_id") for u in updates)
        ),
    }


def _deliver_share(message_ids: list[int]) -> None:
    """One worker process: deliver these messages, as a Celery worker runs outbox_deliver_task for each."""
    connections.close_all()
    for message_id in message_ids:
        outbox_deliver(message_id=message_id)
    connections.close_all()


def bench_outbox(*, bench: Bench, fake: FakeZendesk, deliveries: int, workers: int = 1) -> dict:
    """Bench B: `deliveries` queued Zendesk updates (written as outbox_enqueue writes them), sent by the sweep
    (workers=1) or by `workers` processes delivering each message as outbox_deliver_task does."""
    program = bench.program
    pairs = max(1, deliveries // 2)
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            program=program,
            external_id=str(500_000 + n),
            subject="Outbox bench",
            body="x",
            requester_email="b@example.test",
            created_at=now,
            routed_at=now,
            sla_due_at=now,
            status="open",
            queue="freelancer",
            assignee=bench.people[n % len(bench.people)] if bench.people else None,
        )
        for n in range(pairs)
    )
    tickets = list(Ticket.objects.filter(program=program, external_id__in=[t.external_id for t in tickets]))
    ticket_type = ContentType.objects.get_for_model(Ticket)
    rows = []
    for ticket in tickets:
        for kind, update in (
            ("zendesk.assign", {"assignee_id": FREELANCER_ZENDESK_BASE, "additional_tags": ["flexdesk"]}),
            ("zendesk.status", {"status": "pending"}),
        ):
            rows.append(
                OutboxMessage(
                    kind=kind,
                    program_id=program.pk,
                    summary=f"Zendesk #{ticket.external_id}: bench",
                    next_attempt_at=now,
                    payload={
                        "program_id": program.pk,
                        "ticket_id": ticket.pk,
                        "zendesk_ticket_id": int(ticket.external_id),
                        "update": update,
                        "comment": None,
                    },
                    subject_type=ticket_type,
                    subject_id=str(ticket.pk),
                    ordering_key=f"zendesk-ticket:{ticket.pk}",
                )
            )
    kinds = ["zendesk.assign", "zendesk.status"]
    already_sent = OutboxMessage.objects.filter(
        program_id=program.pk, kind__in=kinds, status=OutboxMessage.Status.SENT
    ).count()
    OutboxMessage.objects.bulk_create(rows)
    before = fake.requests[("PUT", "ticket_update")]
    started = time.perf_counter()
    if workers > 1:
        # as Celery workers do: each message's task goes to whichever worker is free, so an assignment and the
        # status change after it are often sent by two workers at once (the second waits for the first)
        ids = sorted(
            m.pk
            for m in OutboxMessage.objects.filter(program_id=program.pk, status=OutboxMessage.Status.QUEUED)
        )
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_deliver_share, [ids[w::workers] for w in range(workers)])
    sent = _sweep_until_sent(program, kinds, already_sent + len(rows), timeout=600)
    elapsed = time.perf_counter() - started
    return {
        "deliveries": len(rows),
        "workers": workers,
        "sent": sent - already_sent,
        "elapsed": elapsed,
        "puts": fake.requests[("PUT", "ticket_update")] - before,
        "in_order": all(
            [u.get("status") for u in fake.updates[int(t.external_id)]] == [None, "pending"] for t in tickets
        ),
    }


def bench_cleanup(bench: Bench) -> None:
    program = bench.program
    OutboxMessage.objects.filter(program_id=program.pk).delete()
    TicketEvent.objects.filter(ticket__program=program).delete()
    TicketMessage.objects.filter(ticket__program=program).delete()
    Ticket.objects.filter(program=program).delete()
    Contract.objects.filter(program=program).delete()
    users = [p.user_id for p in bench.people] + [bench.manager.pk]
    program.delete()
    User.objects.filter(pk__in=users).delete()
    if is_postgresql() and not db_connection.in_atomic_block:
        with db_connection.cursor() as cursor:
            # reclaim the deleted rows now, so the next run does not race autovacuum over them
            cursor.execute("VACUUM ANALYZE core_outboxmessage, queues_ticket, queues_ticketevent")


class Command(BaseCommand):
    help = "Zendesk channel benchmarks against a local fake Zendesk: webhooks to delivered assignments, and outbox rate."

    def add_arguments(self, parser):
        parser.add_argument(
            "--events", type=int, default=1000, help="ticket.created webhooks (bench A; 0 skips)"
        )
        parser.add_argument(
            "--deliveries", type=int, default=2000, help="queued Zendesk updates (bench B; 0 skips)"
        )
        parser.add_argument("--clients", type=int, default=4, help="processes posting the webhooks (bench A)")
        parser.add_argument(
            "--broker",
            default=os.environ.get("BENCH_ZENDESK_BROKER_URL", "redis://127.0.0.1:6379/13"),
            help="bench A: a Redis database for the bench alone (its queue is purged)",
        )
        parser.add_argument(
            "--routers",
            type=int,
            default=2,
            help="bench A: Celery worker processes routing the tickets and delivering to Zendesk",
        )
        parser.add_argument(
            "--eager",
            action="store_true",
            help="bench A without a broker: each request routes and delivers in-process",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="bench B: 1 = the sweep alone; more = worker processes delivering each message",
        )
        parser.add_argument("--freelancers", type=int, default=40)
        parser.add_argument("--keep", action="store_true", help="keep the program and its rows")
        parser.add_argument("--any-database", action="store_true", help="allow SQLite (the tests' tiny run)")

    def handle(
        self,
        *args,
        events,
        deliveries,
        clients,
        broker,
        routers,
        eager,
        workers,
        freelancers,
        keep,
        any_database,
        **options,
    ):
        for name in ("celery", "kombu", "django.request", "channels", "core.outbox", "httpx"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if not is_postgresql() and not any_database:
            raise CommandError("Run the benchmark on PostgreSQL (set DATABASE_URL).")
        from config.celery import app

        eager_before = app.conf.task_always_eager
        app.conf.task_always_eager = True  # as in development: each step runs after the commit that caused it
        try:
            with (
                FakeZendesk() as fake,
                override_settings(DEBUG=False, ALLOWED_HOSTS=["*"], CELERY_TASK_ALWAYS_EAGER=True),
            ):
                room = max(5, -(-events // max(freelancers, 1)))
                bench = bench_setup(fake=fake, freelancers=freelancers, room=room)
                try:
                    if events:
                        self._report_inbound(
                            self._inbound(bench, fake, events, clients, None if eager else broker, routers)
                        )
                    if deliveries:
                        self._report_outbox(
                            bench_outbox(bench=bench, fake=fake, deliveries=deliveries, workers=workers)
                        )
                finally:
                    if not keep:
                        bench_cleanup(bench)
        finally:
            app.conf.task_always_eager = eager_before

    def _inbound(self, bench, fake, events, clients, broker, routers) -> dict:
        if broker is None:
            return bench_inbound(bench=bench, fake=fake, events=events, clients=clients)
        _purge(broker)
        worker = _start_routers(routers, broker)
        time.sleep(4)  # the worker's processes boot (Django setup) before the clock starts
        if worker.poll() is not None:
            worker.log.seek(0)
            raise CommandError(f"The Celery worker did not start: {worker.log.read()[-2000:]}")
        try:
            return bench_inbound(bench=bench, fake=fake, events=events, clients=clients, broker=broker)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker.log.close()
            from config.celery import app

            app.conf.broker_url = settings.CELERY_BROKER_URL
            app.conf.task_always_eager = True  # bench B sends in this process

    def _report_inbound(self, found: dict) -> None:
        self.stdout.write(
            f"A. inbound→routed→delivered: {found['events']} ticket.created events in {found['elapsed']:.2f}s "
            f"= {found['events'] / found['elapsed']:.0f} events/s with {found['clients']} posting process(es), "
            f"{'a Celery worker routing and delivering' if found['broker'] else 'routed and delivered in-process'} "
            f"(target: under 30 s for 1,000); responses {found['codes']}"
        )
        self.stdout.write(
            f"   tickets {found['tickets']}, routed to a freelancer {found['routed']}, "
            f"assignments delivered {found['delivered']} (assigned in the fake: "
            f"{found['zendesk_assigned']}); all posted after {found['posted']:.2f}s"
        )
        self.stdout.write(
            "   requests the fake Zendesk saw: "
            + ", ".join(
                f"{method} {name} {count}" for (method, name), count in sorted(found["fake_requests"].items())
            )
        )
        if found["delivered"] != found["events"] or found["routed"] != found["events"]:
            raise CommandError("Not every ticket was routed and its assignment delivered.")

    def _report_outbox(self, found: dict) -> None:
        rate = found["sent"] / found["elapsed"] if found["elapsed"] else 0
        self.stdout.write(
            f"B. outbox: {found['sent']} of {found['deliveries']} Zendesk updates sent in "
            f"{found['elapsed']:.2f}s = {rate:.0f} deliveries/s by "
            f"{'the sweep' if found['workers'] == 1 else str(found['workers']) + ' worker processes'} "
            f"(target: at least 100/s); "
            f"PUTs seen by the fake {found['puts']}; per-ticket order kept: {found['in_order']}"
        )
        if found["sent"] != found["deliveries"] or not found["in_order"]:
            raise CommandError("Not every delivery was sent, or not in order.")
