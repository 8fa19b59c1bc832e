"""Benchmark: shared-mailbox replies e-mailed to a local SMTP server through the outbox (issue 16).

    createdb -h 127.0.0.1 -U postgres flexdesk_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python bench/mailbox_outbound.py \
        [--replies 1000] [--per-ticket 2]

Starts an aiosmtpd server on loopback and a throw-away program (slug mailbench-…) whose mailbox sends through it
(its own SMTP connection, "mailbox:<program id>"), with one freelancer holding `replies / per-ticket` e-mail
tickets. Then:

A. writing: the freelancer's replies through queues' ticket_reply (each its own transaction; the mailbox
   listener writes the outbox row, the thread and the Message-ID ref). Published to an in-memory broker that
   nobody reads, as when the broker is down: the database is the source of truth.
B. sending: the every-minute sweep (outbox_deliver_due) e-mails them in per-ticket order, the mailbox's SMTP
   session kept open from one reply to the next (channels.mailbox.outbound; --new-session-each: one session per
   message). Target: at least 50 replies/s. Checked afterwards: every reply accepted once, in order per ticket,
   each with its In-Reply-To.
C. end to end (--eager-replies): replies sent right after their commit (Celery eager, as `make run` with
   CELERY_TASK_ALWAYS_EAGER), reply → e-mail accepted.

Deletes what it made unless --keep. Runs with DEBUG off.
"""

import argparse
import email
import email.policy
import logging
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from channels.mailbox.outbound import smtp_sessions_close  # noqa: E402
from channels.models import MailboxConnection, MailMessageRef, MailThread, ProgramChannel  # noqa: E402
from core.models import OutboxMessage  # noqa: E402
from core.outbox import outbox_deliver_due  # noqa: E402
from programs.models import Program  # noqa: E402
from queues.management.commands.queues_bench import bench_freelancers  # noqa: E402
from queues.models import Ticket, TicketEvent, TicketMessage  # noqa: E402
from queues.services import ticket_reply  # noqa: E402


class _Collect:
    """Keeps the Message-ID, ticket and In-Reply-To of every message accepted."""

    def __init__(self):
        self.accepted: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.compat32)
        with self.lock:
            self.accepted.append(
                (message["Message-ID"], message["X-Flexdesk-Ticket"], message["In-Reply-To"] or "")
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup(*, tickets: int, port: int):
    tag = uuid.uuid4().hex[:6]
    manager = User.objects.create_user(f"mailbench-{tag}@example.test", role=User.Role.MANAGER)
    program = Program.objects.create(
        name=f"Mailbox bench {tag}", slug=f"mailbench-{tag}", status="active", channels=["email"]
    )
    program.managers.add(manager)
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.EMAIL)
    MailboxConnection.objects.create(
        program=program,
        support_address=f"support-{tag}@mailbench.test",
        display_name="Bench Support",
        send_via=MailboxConnection.SendVia.OWN,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=MailboxConnection.Security.NONE,
    )
    [freelancer] = bench_freelancers(
        program=program, count=1, room=tickets + 1, email_prefix=f"mailbench-{tag}"
    )
    freelancer.user.display_name = "Nora Bench"
    freelancer.user.save(update_fields=["display_name"])
    now = timezone.now()
    rows = Ticket.objects.bulk_create(
        [
            Ticket(
                program=program,
                external_id=f"mail-{i}",
                source=Ticket.Source.EMAIL,
                subject=f"Parcel {i} lost",
                body="Where is it?",
                requester_email=f"customer{i}@example.test",
                status=Ticket.Status.OPEN,
                assignee=freelancer,
                created_at=now,
                routed_at=now,
            )
            for i in range(tickets)
        ]
    )
    MailMessageRef.objects.bulk_create(
        [
            MailMessageRef(
                program=program,
                ticket=t,
                message_id=f"<customer-{t.pk}@example.test>",
                direction=MailMessageRef.Direction.IN,
            )
            for t in rows
        ]
    )
    return program, manager, freelancer, rows


def cleanup(program: Program, manager: User, freelancer) -> None:
    from contracts.models import Contract

    OutboxMessage.objects.filter(program_id=program.pk).delete()
    tickets = Ticket.objects.filter(program=program)
    MailMessageRef.objects.filter(program=program).delete()
    MailThread.objects.filter(program=program).delete()
    TicketEvent.objects.filter(ticket__in=tickets).delete()
    TicketMessage.objects.filter(ticket__in=tickets).delete()
    tickets.delete()
    user = freelancer.user
    Contract.objects.filter(program=program).delete()
    program.delete()
    freelancer.delete()
    user.delete()
    manager.delete()


def write_replies(*, freelancer, tickets, per_ticket: int) -> float:
    start = time.perf_counter()
    for round_ in range(per_ticket):
        for ticket in tickets:
            ticket_reply(
                ticket=ticket,
                author=freelancer.user,
                body=f"Reply {round_ + 1}: it is on its way.\nNora",
                freelancer=freelancer,
            )
    return time.perf_counter() - start


def check(collected: _Collect, program: Program, expected: int) -> tuple[bool, bool]:
    """(each reply accepted exactly once, each ticket's replies in order and threaded)."""
    ours = dict(
        OutboxMessage.objects.filter(program_id=program.pk, kind="mailbox.reply").values_list(
            "payload__headers__Message-ID", "pk"
        )
    )
    ids = [message_id for message_id, _, _ in collected.accepted]
    once = len(ids) == expected == len(set(ids)) and set(ids) == set(ours)
    last: dict[str, int] = {}
    in_order = True
    for message_id, ticket_id, in_reply_to in collected.accepted:
        pk = ours.get(message_id, 0)
        in_order &= pk > last.get(ticket_id, 0) and in_reply_to == f"<customer-{ticket_id}@example.test>"
        last[ticket_id] = pk
    return once, in_order


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--per-ticket", type=int, default=2)
    parser.add_argument("--eager-replies", type=int, default=200, help="replies for C (0: skip)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--new-session-each", action="store_true", help="B without reusing SMTP sessions")
    args = parser.parse_args()
    for name in ("mail.log", "celery.app.trace", "core.outbox"):  # one line per message would be timed too
        logging.getLogger(name).setLevel(logging.WARNING)
    from channels.mailbox import outbound
    from config.celery import app

    if args.new_session_each:
        outbound.SESSION_MAX_MESSAGES = 1

    collected = _Collect()
    port = free_port()
    controller = Controller(collected, hostname="127.0.0.1", port=port)
    controller.start()
    tickets = max(args.replies // args.per_ticket, 1)
    expected = tickets * args.per_ticket
    eager_before, broker_before = app.conf.task_always_eager, app.conf.broker_url
    try:
        with override_settings(DEBUG=False):
            program, manager, freelancer, rows = setup(tickets=tickets, port=port)
            try:
                app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
                writing = write_replies(freelancer=freelancer, tickets=rows, per_ticket=args.per_ticket)
                print(
                    f"A. {expected} replies written (outbox row, thread, Message-ID ref) in {writing:.2f}s "
                    f"= {expected / writing:.0f} replies/s"
                )
                start = time.perf_counter()
                sent = 0
                while True:
                    batch = outbox_deliver_due()
                    sent += batch
                    if not batch:
                        break
                sending = time.perf_counter() - start
                once, in_order = check(collected, program, expected)
                print(
                    f"B. {sent} of {expected} replies e-mailed by the outbox sweep to aiosmtpd on loopback in "
                    f"{sending:.2f}s = {sent / sending:.0f} replies/s (target: at least 50/s; the program's own "
                    f"connection, {'a new SMTP session per message' if args.new_session_each else 'sessions reused'}); each accepted once: {once}; in order per "
                    f"ticket and threaded: {in_order}"
                )
                if args.eager_replies:
                    app.conf.task_always_eager = True
                    collected.accepted.clear()
                    count = min(args.eager_replies, len(rows))
                    start = time.perf_counter()
                    write_replies(freelancer=freelancer, tickets=rows[:count], per_ticket=1)
                    elapsed = time.perf_counter() - start
                    print(
                        f"C. {count} replies, each e-mailed right after its commit (eager): {elapsed:.2f}s = "
                        f"{count / elapsed:.0f} replies/s; accepted {len(collected.accepted)}"
                    )
                if sent != expected or not once or not in_order:
                    sys.exit("Not every reply was e-mailed exactly once, in order.")
            finally:
                if not args.keep:
                    cleanup(program, manager, freelancer)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager_before, broker_before
        smtp_sessions_close()
        controller.stop()
    print(f"(database {settings.DATABASES['default']['NAME']}, SMTP 127.0.0.1:{port})")


if __name__ == "__main__":
    main()
