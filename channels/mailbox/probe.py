""" "Test connection": log in to both sides of a program's shared mailbox with its saved settings.

IMAP: log in and open the folder the poller reads (its message count says it is the right one). SMTP: connect,
STARTTLS/SSL as set, and log in to the server the replies leave through — the mailbox's own, or the site's
EMAIL_URL. Nothing is read or sent. Each side is OK or fails with the server's exact words; a server problem is
a result, never an exception. The result is kept on the connection (tested_at, test_result) and audited,
without secrets.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone

from channels.errors import ChannelError
from channels.mailbox.imap import IMAP_TIMEOUT, imap_error_text, imap_login
from channels.mailbox.outbound import CONNECTION_PREFIX, smtp_connection
from channels.models import MailboxConnection
from core.audit import audit_record

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass
class MailboxTestSide:
    name: str
    ok: bool
    detail: str
    skipped: bool = False

    @property
    def line(self) -> str:
        state = "OK" if self.ok else "not tested" if self.skipped else "failed"
        return f"{self.name}: {state} — {self.detail}"


@dataclass
class MailboxTestResult:
    sides: list[MailboxTestSide] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(side.ok or side.skipped for side in self.sides)

    def side(self, name: str) -> MailboxTestSide:
        return next(side for side in self.sides if side.name == name)

    @property
    def text(self) -> str:
        return "\n".join(side.line for side in self.sides)


def _imap_side(connection: MailboxConnection) -> MailboxTestSide:
    if not connection.can_poll:
        return MailboxTestSide(
            "IMAP",
            ok=False,
            skipped=True,
            detail="no IMAP server set: mail reaches this program through the drop folder or "
            "the provider's inbound webhook",
        )
    folder = connection.imap_folder or "INBOX"
    where = f"{connection.imap_user} at {connection.imap_host}:{connection.imap_port}"
    try:
        mailbox = imap_login(connection, timeout=min(IMAP_TIMEOUT, 15))
        try:
            mailbox.folder.set(folder, readonly=True)
            exists = (mailbox.client.untagged_responses.get("EXISTS") or [b"0"])[-1]
            count = int(exists)
        finally:
            with contextlib.suppress(
                Exception
            ):  # the test is over; a server that hangs up at LOGOUT changes nothing
                mailbox.logout()
    except Exception as exc:  # noqa: BLE001 — every failure (refused, timed out, no such folder) is the answer
        return MailboxTestSide("IMAP", ok=False, detail=imap_error_text(exc, connection))
    noun = "message" if count == 1 else "messages"
    return MailboxTestSide("IMAP", ok=True, detail=f"logged in as {where}; {folder} has {count} {noun}")


def _smtp_error_text(exc: BaseException, where: str) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"SMTP {where} answered {exc.smtp_code} {text}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"SMTP {where} did not answer in time ({exc or 'timed out'})"
    return f"SMTP {where}: {exc}"


def _smtp_side(connection: MailboxConnection) -> MailboxTestSide:
    if connection.sends_own:
        backend = smtp_connection(f"{CONNECTION_PREFIX}{connection.program_id}")
        whose = "the mailbox's own server"
    elif settings.EMAIL_BACKEND == SMTP_BACKEND:
        backend = get_connection(backend=SMTP_BACKEND, fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
        whose = "Flexdesk's mail server (EMAIL_URL)"
    else:
        backend_name = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
        return MailboxTestSide(
            "SMTP",
            ok=False,
            skipped=True,
            detail=f"replies go through Flexdesk's e-mail backend ({backend_name}, from EMAIL_URL), "
            "which has no server to log in to",
        )
    where = f"{backend.host}:{backend.port}"
    try:
        backend.open()
    except Exception as exc:  # noqa: BLE001 — every failure is the answer to show
        return MailboxTestSide("SMTP", ok=False, detail=_smtp_error_text(exc, where))
    finally:
        backend.close()
    login = f"logged in as {backend.username}" if backend.username else "connected (no login)"
    return MailboxTestSide("SMTP", ok=True, detail=f"{login} at {where}, {whose}")


def mailbox_connection_test(*, program, actor) -> MailboxTestResult:
    """Log in to the program's IMAP and SMTP servers; each side's result, also kept on the connection."""
    connection = MailboxConnection.objects.select_related("program").filter(program=program).first()
    if connection is None:
        raise ChannelError("Save the mailbox settings first.")
    result = MailboxTestResult(sides=[_imap_side(connection), _smtp_side(connection)])
    connection.tested_at, connection.test_result = timezone.now(), result.text
    MailboxConnection.objects.filter(pk=connection.pk).update(
        tested_at=connection.tested_at, test_result=connection.test_result
    )
    audit_record(
        actor=actor,
        verb="channels.mailbox_tested",
        target=program,
        ok=result.ok,
        imap_host=connection.imap_host,
        smtp_host=connection.smtp_host if connection.sends_own else "site",
        result=result.text,
    )  # the servers' answers; never a password
    return result
