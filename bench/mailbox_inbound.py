"""Benchmark: 1,000 customers' e-mails read from a real IMAP server, turned into tickets and routed (issue 16).

    createdb -h 127.0.0.1 -U postgres flexdesk_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python bench/mailbox_inbound.py \
        [--messages 1000] [--freelancers 20]

Starts a dovecot as the tests do (tests/imapserver.py: its own config, a free port on loopback, Maildirs in a
temp dir; needs the dovecot-imapd package) and appends `--messages` messages to the support mailbox of a
throw-away program (slug mailin-…): one customer each, plain text, every tenth with an HTML part and every
twentieth with a small PDF attachment. Then times the every-minute poll (channels.mailbox.imap.mailbox_poll):
sizes in one FETCH, bodies in batches, each message taken in by mail_receive (ticket, attachments, raw message
kept); after each commit the ticket's routing task goes to the broker, and a Celery worker (`--routers`
processes, as in production, on a Redis database of the bench's own) routes it to one of `--freelancers` on
shift. The clock stops when the last ticket is routed. `--eager`: no broker, each ticket routed in the poller's
process right after its commit (one process does everything). Target: under 60 s for 1,000. Checked afterwards:
every message one ticket, every ticket routed, every message flagged in the mailbox, a second poll reads nothing.

Raw messages go to a temp MEDIA_ROOT. Deletes what it made unless --keep. Runs with DEBUG off.
"""

import argparse
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="flexdesk-bench-media-"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import User  # noqa: E402
from channels.mailbox.imap import PROCESSED_KEYWORD, mailbox_poll  # noqa: E402
from channels.models import InboundEmail, MailboxConnection, MailMessageRef, MailThread, ProgramChannel  # noqa: E402
from programs.models import Program  # noqa: E402
from queues.management.commands.queues_bench import _purge, _start_routers, bench_freelancers  # noqa: E402
from queues.models import Ticket, TicketAttachment, TicketEvent, TicketMessage  # noqa: E402
from tests.imapserver import ImapServer, dovecot_binary  # noqa: E402

PASSWORD = "bench-imap-secret"  # noqa: S105 — a throw-away dovecot on loopback


def message(i: int, *, support: str) -> bytes:
    from email.message import EmailMessage
    from email.utils import formatdate

    mail = EmailMessage()
    mail["From"] = f"Customer {i} <customer{i}@example.test>"
    mail["To"] = f"Bench Support <{support}>"
    mail["Subject"] = f"Order {i}: where is my parcel?"
    mail["Date"] = formatdate()
    mail["Message-ID"] = f"<bench-{i}-{uuid.uuid4().hex[:8]}@mail.example.test>"
    body = (
        f"Hello,\n\nI ordered #{100000 + i} two weeks ago and it has not arrived yet. Could you check where it "
        "is?\n\nThanks,\nCustomer\n\n-- \nSent from my phone\n"
    ) + "Some more detail about the order.\n" * 20
    mail.set_content(body)
    if i % 10 == 0:
        mail.add_alternative(
            f"<p>Hello,</p><p>I ordered <b>#{100000 + i}</b> two weeks ago.</p>", subtype="html"
        )
    if i % 20 == 0:
        pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"receipt-{i}.pdf")
    return mail.as_bytes()


def setup(*, support: str, imap: ImapServer, freelancers: int, room: int):
    tag = support.split("@")[0].removeprefix("support-")
    manager = User.objects.create_user(f"mailin-{tag}@example.test", role=User.Role.MANAGER)
    program = Program.objects.create(
        name=f"Inbound bench {tag}", slug=f"mailin-{tag}", status="active", channels=["email"]
    )
    program.managers.add(manager)
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.EMAIL)
    connection = MailboxConnection(
        program=program,
        support_address=support,
        display_name="Bench Support",
        imap_host=imap.host,
        imap_port=imap.port,
        imap_user=support,
        imap_security=MailboxConnection.Security.NONE,
    )
    connection.imap_password = PASSWORD
    connection.save()
    people = bench_freelancers(program=program, count=freelancers, room=room, email_prefix=f"mailin-{tag}")
    return program, manager, connection, people


def cleanup(program: Program, manager: User, people) -> None:
    from contracts.models import Contract

    tickets = Ticket.objects.filter(program=program)
    InboundEmail.objects.filter(program=program).delete()
    MailMessageRef.objects.filter(program=program).delete()
    MailThread.objects.filter(program=program).delete()
    TicketAttachment.objects.filter(ticket__in=tickets).delete()
    TicketEvent.objects.filter(ticket__in=tickets).delete()
    TicketMessage.objects.filter(ticket__in=tickets).delete()
    tickets.delete()
    Contract.objects.filter(program=program).delete()
    program.delete()
    for person in people:
        user = person.user
        person.delete()
        user.delete()
    manager.delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--freelancers", type=int, default=20)
    parser.add_argument("--routers", type=int, default=2, help="Celery worker processes routing the tickets")
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_MAILBOX_BROKER_URL", "redis://127.0.0.1:6379/12"),
        help="a Redis database for the bench alone (its queue is purged)",
    )
    parser.add_argument("--eager", action="store_true", help="no broker: route in the poller's process")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    for name in ("channels.mailbox", "queues", "celery.app.trace"):  # a line per message would be timed too
        logging.getLogger(name).setLevel(logging.WARNING)
    binary = dovecot_binary()
    if binary is None:
        sys.exit("Needs dovecot (apt-get install dovecot-imapd).")
    from config.celery import app

    support = f"support-{uuid.uuid4().hex[:6]}@mailin.test"
    imap = ImapServer(binary, users={support: PASSWORD})
    imap.start()
    eager_before, broker_before = app.conf.task_always_eager, app.conf.broker_url
    worker = None
    try:
        with override_settings(DEBUG=False):
            program, manager, connection, people = setup(
                support=support,
                imap=imap,
                freelancers=args.freelancers,
                room=-(-args.messages // args.freelancers) + 1,
            )
            try:
                raws = [message(i, support=support) for i in range(args.messages)]
                start = time.perf_counter()
                imap.append_many(support, raws)
                print(
                    f"appended {len(raws)} messages ({sum(map(len, raws)) / 1e6:.1f} MB) to dovecot "
                    f"{imap.host}:{imap.port} in {time.perf_counter() - start:.2f}s"
                )

                if args.eager:
                    app.conf.task_always_eager = True  # each ticket routed right after its commit
                else:
                    app.conf.task_always_eager, app.conf.broker_url = False, args.broker
                    _purge(args.broker)
                    worker = _start_routers(args.routers, args.broker)
                    time.sleep(4)  # the worker's processes boot (Django setup) before the clock starts
                    if worker.poll() is not None:
                        worker.log.seek(0)
                        sys.exit(f"The Celery worker did not start: {worker.log.read()[-2000:]}")
                start = time.perf_counter()
                result = mailbox_poll(connection_id=connection.pk)
                polled = time.perf_counter() - start
                waiting = Ticket.objects.filter(program=program, assignee__isnull=True)
                deadline = time.perf_counter() + 120
                while waiting.exists() and time.perf_counter() < deadline:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - start

                tickets = Ticket.objects.filter(program=program).aggregate(
                    total=Count("pk"), routed=Count("pk", filter=Q(assignee__isnull=False))
                )
                attachments = TicketAttachment.objects.filter(ticket__program=program).count()
                flags = imap.flags(support)
                flagged = sum(1 for value in flags.values() if {"\\Seen", PROCESSED_KEYWORD} <= value)
                print(
                    f"poll: {result.stored} messages read and taken in, {tickets['total']} tickets, "
                    f"{tickets['routed']} routed to {args.freelancers} freelancers, {attachments} attachments, "
                    f"{flagged} flagged in the mailbox; error: {result.error or 'none'}"
                )
                how = (
                    "in the poller's process (eager)"
                    if args.eager
                    else f"by {args.routers} Celery worker processes"
                )
                print(
                    f"time: {elapsed:.2f}s to read, take in and route (routed {how}) = "
                    f"{result.stored / elapsed:.0f} messages/s; the poll itself {polled:.2f}s "
                    f"(target: {args.messages} in under 60 s)"
                )
                again = mailbox_poll(connection_id=connection.pk)
                print(f"second poll: {again.stored} read")
                ok = (
                    result.stored == tickets["total"] == tickets["routed"] == flagged == args.messages
                    and again.stored == 0
                    and not result.error
                )
                if not ok:
                    sys.exit("Not every message became one routed ticket.")
            finally:
                if not args.keep:
                    cleanup(program, manager, people)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
            worker.log.close()
        app.conf.task_always_eager, app.conf.broker_url = eager_before, broker_before
        imap.close()
    print(f"(database {settings.DATABASES['default']['NAME']}, media {settings.MEDIA_ROOT})")


if __name__ == "__main__":
    main()
