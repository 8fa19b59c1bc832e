""" "Test connection" against the real servers: dovecot (IMAP) and aiosmtpd (SMTP) on loopback. Each side is OK or
shows the server's exact words; the result is kept and audited without secrets."""

import pytest

from channels.mailbox.probe import mailbox_connection_test
from channels.models import MailboxConnection
from core.models import AuditLog
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import mailbox_program
from tests.imapserver import SUPPORT

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return ManagerFactory()


def test_both_sides_log_in_and_the_folder_is_counted(manager, imap_server, smtp_server):
    smtp_server.require_login("support@brightcart.test", "smtp-secret")
    imap_server.append(SUPPORT, b"Subject: one\r\n\r\nhi\r\n")
    imap_server.append(SUPPORT, b"Subject: two\r\n\r\nhi\r\n")
    program = mailbox_program(
        manager=manager,
        imap=imap_server.settings(SUPPORT),
        smtp={
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "user": "support@brightcart.test",
            "password": "smtp-secret",
        },
    )
    result = mailbox_connection_test(program=program, actor=manager)
    assert result.ok
    assert result.side("IMAP").detail == (
        f"logged in as {SUPPORT} at 127.0.0.1:{imap_server.port}; INBOX has 2 messages"
    )
    assert result.side("SMTP").detail == (
        f"logged in as support@brightcart.test at 127.0.0.1:{smtp_server.port}, the mailbox's own server"
    )
    connection = MailboxConnection.objects.get(program=program)
    assert connection.tested_at is not None and connection.test_result == result.text
    assert connection.test_result.startswith("IMAP: OK — ")
    assert imap_server.flags(SUPPORT) and all(not flags for flags in imap_server.flags(SUPPORT).values())
    assert smtp_server.messages == []  # nothing sent


def test_wrong_passwords_show_each_servers_exact_answer(manager, imap_server, smtp_server):
    smtp_server.require_login("support@brightcart.test", "smtp-secret")
    program = mailbox_program(
        manager=manager,
        imap={**imap_server.settings(SUPPORT), "password": "wrong-imap"},
        smtp={
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "user": "support@brightcart.test",
            "password": "wrong-smtp",
        },
    )
    result = mailbox_connection_test(program=program, actor=manager)
    assert not result.ok
    imap, smtp = result.side("IMAP"), result.side("SMTP")
    assert not imap.ok and imap.detail == (
        f"IMAP 127.0.0.1:{imap_server.port} login refused: [AUTHENTICATIONFAILED] Authentication failed."
    )
    assert not smtp.ok and smtp.detail == (
        f"SMTP 127.0.0.1:{smtp_server.port} answered 535 5.7.8 Authentication credentials invalid"
    )
    # the audit line has the answers, never a password
    audit = AuditLog.objects.get(verb="channels.mailbox_tested")
    assert audit.data["ok"] is False and "[AUTHENTICATIONFAILED]" in audit.data["result"]
    assert "wrong-imap" not in str(audit.data) and "wrong-smtp" not in str(audit.data)


def test_servers_that_are_down_are_results_not_exceptions(manager, imap_server, smtp_server):
    program = mailbox_program(
        manager=manager,
        imap=imap_server.settings(SUPPORT),
        smtp={"host": "127.0.0.1", "port": smtp_server.port},
    )
    imap_server.stop()
    smtp_server.stop()
    result = mailbox_connection_test(program=program, actor=manager)
    assert result.side("IMAP").detail == f"IMAP 127.0.0.1:{imap_server.port}: [Errno 111] Connection refused"
    assert result.side("SMTP").detail == f"SMTP 127.0.0.1:{smtp_server.port}: [Errno 111] Connection refused"
    assert "failed" in MailboxConnection.objects.get(program=program).test_result


def test_a_folder_that_does_not_exist_fails_the_imap_side(manager, imap_server, smtp_server):
    program = mailbox_program(
        manager=manager,
        imap=imap_server.settings(SUPPORT),
        smtp={"host": "127.0.0.1", "port": smtp_server.port},
    )
    MailboxConnection.objects.filter(program=program).update(imap_folder="Helpdesk")
    result = mailbox_connection_test(program=program, actor=manager)
    assert "Mailbox doesn't exist: Helpdesk" in result.side("IMAP").detail
    assert result.side("SMTP").ok and result.side("SMTP").detail.startswith("connected (no login)")


def test_through_the_sites_smtp_server_the_site_connection_is_tested(manager, smtp_server):
    # smtp_server points EMAIL_* at the local aiosmtpd, as an EMAIL_URL=smtp://… would
    program = mailbox_program(manager=manager)
    result = mailbox_connection_test(program=program, actor=manager)
    imap, smtp = result.side("IMAP"), result.side("SMTP")
    assert imap.skipped and "drop folder" in imap.detail
    assert smtp.ok and smtp.detail == (
        f"connected (no login) at 127.0.0.1:{smtp_server.port}, Flexdesk's mail server (EMAIL_URL)"
    )
    assert result.ok


def test_with_the_console_backend_there_is_no_smtp_server_to_test(manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    program = mailbox_program(manager=manager)
    smtp = mailbox_connection_test(program=program, actor=manager).side("SMTP")
    assert smtp.skipped and "console" in smtp.detail
