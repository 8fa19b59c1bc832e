"""Celery tasks of the queues app, and how routing is enqueued.

Routing after intake is coalesced per program: while a routing task for a program waits in the queue, new
tickets of that program do not enqueue another one (a Redis key, set with NX, marks the waiting task; the
task deletes it before it reads the new tickets, so a ticket committed after that read enqueues a task of
its own). A burst of intake is then routed by a few tasks, each taking every new ticket at once
(routing.route_new_tickets), instead of one task a ticket. The task runs GATHER_SECONDS after the first
ticket of a burst so that the burst is routed together (a quarter of a second against a first-response
target of an hour; each routing transaction has a fixed cost of a few queries, shared by its tickets). The
key expires after PENDING_TTL_SECONDS, so a lost task delays routing by that much at most, and the every-minute
sweep routes whatever is left. A task that finds more than MAX_ROUNDS × ROUTE_BATCH new tickets (a batch
intake, a CSV import) enqueues the next one for the rest.

Everything here is per program (the mark's key, the task's tickets, the freelancers it locks): tasks of two
programs run at once on two workers, and routing serialises per program only (docs/adr/0029).

This is the one way a ticket reaches routing (a task after commit, the sweep as backstop); the mark and the
gather are kept because the benchmark shows they pay on the intake side: without them every intake request
publishes a Celery message (~1 ms of its CPU), and intake is what limits throughput (docs/adr/0023).
"""

import logging
import time

import redis
from celery import shared_task

logger = logging.getLogger(__name__)
PENDING_TTL_SECONDS = 30
GATHER_SECONDS = 0.25
# Rounds of ROUTE_BATCH new tickets one task routes before it hands the rest of a very long burst to a task
# of its own (behind the other programs' waiting tasks, so one program's backlog does not hold up the others).
MAX_ROUNDS = 8  # × ROUTE_BATCH (500) = 4,000 tickets
_clients: dict[str, redis.Redis] = {}
# How long before a waiting task is due this process stops trusting that it will read a new ticket, and asks
# Redis again (the clocks of the hosts may differ by a little; the task may start at its due moment).
SURE_SECONDS = 0.05
_due: dict[str, float] = {}  # a pending mark's key → the moment its task is due, as this process last saw it


def _pending_key(program_id: int) -> str:
    return f"flexdesk:queues:route-pending:{program_id}"


def _coordination_client(app) -> redis.Redis | None:
    """A Redis client on the broker's Redis (None when tasks run eagerly or the broker is not Redis)."""
    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _clients[url]


def publish_route(ticket_id: int, program_id: int | None = None, *, gather: bool = True) -> bool:
    """Enqueue the routing of a ticket; for a new ticket of a program (program_id given) only when no
    routing task of that program is waiting already. Returns whether a task was enqueued. Broker errors
    are raised (the caller logs them; the sweep routes the ticket).

    The mark holds the moment its task is due (its countdown's end). A task deletes the mark when it starts,
    never before that moment, and then reads every new ticket; so a ticket committed before it is that task's,
    and until then (less SURE_SECONDS) this process asks Redis nothing for the program's new tickets: under a
    burst one question per process and task, not one a ticket (docs/adr/0029). If the clocks of the web and
    worker hosts disagree by more than SURE_SECONDS, a ticket may be left to the every-minute sweep.

    Without `gather` the task is due at once: a task handing on the rest of a backlog has nothing to wait for
    (a quarter of a second idle every MAX_ROUNDS × ROUTE_BATCH tickets of a batch intake)."""
    client = _coordination_client(ticket_route_task.app) if program_id is not None else None
    key = _pending_key(program_id) if program_id is not None else ""
    wait = GATHER_SECONDS if gather else 0.0
    if client is not None:
        now = time.time()
        if _due.get(key, 0.0) - SURE_SECONDS > now:
            return False  # the waiting task is not due yet: it will read this ticket
        due = now + wait  # no later than Celery's own eta (it reads the clock after this)
        waiting = client.set(key, repr(due), nx=True, ex=PENDING_TTL_SECONDS, get=True)
        if waiting is not None:
            _due[key] = _moment(waiting)
            return False
        _due[key] = due
    try:
        ticket_route_task.apply_async(
            (ticket_id, program_id), countdown=wait if client is not None and wait else None
        )
    except Exception:
        if client is not None:
            _due.pop(key, None)
            client.delete(key)
        raise
    return True


def _moment(value: object) -> float:
    """The due moment a mark holds (0: none, as a mark from before it held the ticket's id)."""
    try:
        due = float(value)  # type: ignore[arg-type]  # Redis answers bytes
    except (TypeError, ValueError):
        return 0.0
    return due if due > 1e9 else 0.0


@shared_task(name="queues.tasks.ticket_route_task", ignore_result=True)
def ticket_route_task(ticket_id: int, program_id: int | None = None) -> None:
    """Route a ticket (idempotent: an already routed ticket is left alone). With program_id (intake), every
    new ticket of the program is routed, this one among them."""
    from queues.services.routing import ROUTE_BATCH, route_new_tickets, ticket_route

    if program_id is None:
        ticket_route(ticket_id=ticket_id)
        return
    client = _coordination_client(ticket_route_task.app)
    if client is not None:
        try:
            client.delete(_pending_key(program_id))
        except redis.RedisError:
            logger.warning("queues: could not clear the pending-routing mark of program %s", program_id)
    for _round in range(MAX_ROUNDS):
        if route_new_tickets(program_id=program_id) < ROUTE_BATCH:
            return
    # More new tickets than one task takes (a batch intake, a CSV import, a backfill): the next task of the
    # program takes the rest, queued behind the other programs' tasks, rather than the every-minute sweep.
    try:
        publish_route(ticket_id, program_id, gather=False)
    except Exception:
        logger.warning("queues: could not enqueue more routing of program %s; the sweep will", program_id)


def _waiting_key(program_id: int) -> str:
    return f"flexdesk:queues:waiting-pending:{program_id}"


def publish_waiting_route(program_id: int, cause: str = "") -> bool:
    """Enqueue routing of the program's tickets waiting for a freelancer, because someone may now take them
    (a ticket solved or escalated away, someone came online, a promotion). Coalesced per program like intake;
    broker errors are raised (the caller logs them; the every-minute sweep routes the tickets)."""
    client = _coordination_client(waiting_route_task.app)
    key = _waiting_key(program_id)
    if client is not None and not client.set(key, 1, nx=True, ex=PENDING_TTL_SECONDS):
        return False
    try:
        waiting_route_task.apply_async(
            (program_id, cause), countdown=GATHER_SECONDS if client is not None else None
        )
    except Exception:
        if client is not None:
            client.delete(key)
        raise
    return True


@shared_task(name="queues.tasks.waiting_route_task", ignore_result=True)
def waiting_route_task(program_id: int, cause: str = "") -> None:
    from queues.services.routing import route_waiting

    client = _coordination_client(waiting_route_task.app)
    if client is not None:
        try:
            client.delete(_waiting_key(program_id))
        except redis.RedisError:
            logger.warning("queues: could not clear the waiting-routing mark of program %s", program_id)
    route_waiting(program_id=program_id, cause=cause)


@shared_task(name="queues.tasks.queues_sweep_task", ignore_result=True)
def queues_sweep_task() -> dict:
    """Every minute: route waiting tickets, hand over from people off shift, SLA warnings and breaches."""
    from queues.services.sweep import queues_sweep

    return queues_sweep()


@shared_task(name="queues.tasks.queue_counters_compact_task", ignore_result=True)
def queue_counters_compact_task() -> dict:
    """Every minute: fold each connection's headline counter rows into one per key (queues.counters)."""
    from queues.counters import counters_compact

    return counters_compact()


@shared_task(name="queues.tasks.queue_counters_repair_task", ignore_result=True)
def queue_counters_repair_task() -> dict:
    """Every hour: recount the headline counters from the tickets and fix (and log) any drift."""
    from queues.counters import counters_repair

    return counters_repair()
