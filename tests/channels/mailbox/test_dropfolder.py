"""The embedded default's incoming-mail folder: a .eml dropped there becomes a ticket or a reply, and the file
moves to processed/ or rejected/ (with the reason beside it), never read twice."""

import os
import time

import pytest

from channels.mailbox.dropfolder import CLAIM_TIMEOUT, dropfolder_read
from channels.mailbox.threads import mail_thread_for
from channels.models import InboundEmail
from channels.tasks import mailbox_poll_task
from queues.models import Ticket, TicketMessage
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.channels.mailbox.mails import customer_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(tmp_path, settings):
    settings.FLEXDESK_MAIL_DROP_DIR = str(tmp_path / "mail-drop")
    return tmp_path / "mail-drop"


@pytest.fixture
def program():
    return mailbox_program(manager=ManagerFactory())


def files(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_dropped_eml_becomes_a_ticket_and_moves_to_processed(drop, program):
    drop.mkdir()
    (drop / "parcel.eml").write_bytes(customer_mail(subject="Parcel lost"))
    result = dropfolder_read()
    assert (result.processed, result.rejected, result.errors) == (1, 0, [])
    [ticket] = Ticket.objects.filter(program=program)
    assert ticket.subject == "Parcel lost" and ticket.requester_email == "ann@example.test"
    assert InboundEmail.objects.get().source == InboundEmail.Source.DROP
    assert files(drop / "processed") == ["parcel.eml"]
    assert not list(drop.glob("*.eml")) and files(drop / "processing") == []
    # read again: nothing is there to read
    assert dropfolder_read().processed == 0
    assert Ticket.objects.count() == 1


def test_a_reply_eml_lands_on_its_ticket(drop, program):
    ticket = Ticket.objects.create(
        program=program,
        subject="Parcel lost",
        requester_email="ann@example.test",
        source=Ticket.Source.EMAIL,
        status=Ticket.Status.PENDING,
    )
    token = mail_thread_for(ticket).token
    drop.mkdir()
    (drop / "answer.eml").write_bytes(
        customer_mail(
            subject=f"Re: Parcel lost [#{ticket.pk}]",
            body="It is still not here.",
            to=f"support+{token}@brightcart.test",
            message_id="<CAF=ann2@mail.example.test>",
        )
    )
    assert dropfolder_read().processed == 1
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.get().outcome == InboundEmail.Outcome.REPLY
    assert TicketMessage.objects.filter(ticket=ticket, body__startswith="It is still not here.").exists()
    assert files(drop / "processed") == ["answer.eml"]


def test_mail_for_no_program_is_rejected_with_the_reason_beside_it(drop, program):
    drop.mkdir()
    (drop / "stray.eml").write_bytes(customer_mail(to="someone@elsewhere.test"))
    result = dropfolder_read()
    assert (result.processed, result.rejected) == (0, 1)
    assert files(drop / "rejected") == ["stray.eml", "stray.eml.txt"]
    reason = (drop / "rejected" / "stray.eml.txt").read_text()
    inbound = InboundEmail.objects.get()
    assert inbound.outcome == InboundEmail.Outcome.REJECTED and inbound.reason in reason
    assert not Ticket.objects.exists()


def test_an_auto_reply_makes_no_ticket_and_says_why(drop, program):
    drop.mkdir()
    (drop / "ooo.eml").write_bytes(
        customer_mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
    )
    assert dropfolder_read().processed == 1
    assert not Ticket.objects.exists()
    assert files(drop / "processed") == ["ooo.eml", "ooo.eml.txt"]
    assert (drop / "processed" / "ooo.eml.txt").read_text().startswith("Ignored")


def test_a_maildir_new_folder_is_read_too_and_names_never_clash(drop, program):
    (drop / "new").mkdir(parents=True)
    (drop / "new" / "1764677095.M1P2.mx").write_bytes(
        customer_mail(subject="From the Maildir", message_id="<m1@mail.example.test>")
    )
    (drop / "processed").mkdir()
    (drop / "processed" / "same.eml").write_bytes(b"an older one")
    (drop / "same.eml").write_bytes(customer_mail(subject="Same name", message_id="<m2@mail.example.test>"))
    assert dropfolder_read().processed == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["From the Maildir", "Same name"]
    assert files(drop / "processed") == ["1764677095.M1P2.mx.eml", "same-2.eml", "same.eml"]
    assert files(drop / "new") == []


def test_a_file_left_half_read_by_a_poller_that_died_is_read_again_once(drop, program):
    (drop / "processing").mkdir(parents=True)
    stale = drop / "processing" / "stuck.eml"
    stale.write_bytes(customer_mail(subject="Stuck"))
    old = time.time() - CLAIM_TIMEOUT - 5
    os.utime(stale, (old, old))
    fresh = drop / "processing" / "being-read.eml"  # another poller is reading it right now
    fresh.write_bytes(customer_mail(subject="Being read", message_id="<other@mail.example.test>"))
    assert dropfolder_read().processed == 1
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Stuck"]
    assert files(drop / "processing") == ["being-read.eml"]


def test_off_when_no_folder_is_set(settings):
    settings.FLEXDESK_MAIL_DROP_DIR = ""
    assert dropfolder_read().skipped.startswith("no drop folder")


def test_the_periodic_task_reads_the_drop_folder(drop, program):
    drop.mkdir()
    (drop / "parcel.eml").write_bytes(customer_mail())
    assert mailbox_poll_task.delay().get()["drop"]["processed"] == 1
    assert mailbox_poll_task.delay().get()["drop"]["processed"] == 0
    assert Ticket.objects.count() == 1


def test_the_command_runs_the_same_poll(drop, program):
    from io import StringIO

    from django.core.management import call_command

    drop.mkdir()
    (drop / "parcel.eml").write_bytes(customer_mail())
    out = StringIO()
    call_command("mailbox_poll", stdout=out)
    assert f"drop folder {drop}: 1 taken in, 0 rejected" in out.getvalue()
    assert Ticket.objects.filter(program=program).count() == 1
