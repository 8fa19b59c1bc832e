"""The every-minute poll of each e-mail program's IMAP folder.

mailbox_poll(connection_id=…) reads what arrived since the last UID and hands each message to mail_receive().
What keeps it safe:

- One poller per mailbox: a lease on the row (poll_lease_until), taken and renewed by one conditional UPDATE, so
  two workers never read the same mailbox at once; a worker that died leaves a lease that simply runs out.
- Nothing lost: a message counts as read (last_uid moves past it) only once mail_receive() has stored it and the
  server has flagged it. The server down, refusing the login or cutting the session mid-run ends the poll with
  the server's own words in last_poll_error; what was not stored yet is read on the next poll. Nothing is ever
  raised to the task.
- Nothing twice: the UID only moves forward; a new UIDVALIDITY (the folder was rebuilt) starts over from UID 0
  and mail_receive()'s Message-ID check keeps the tickets single.
- Messages stay in the mailbox. Read ones get \\Seen and the $Flexdesk keyword (where the server allows
  keywords), so the team sees in their mail client what Flexdesk took in. A message over MAX_MESSAGE_BYTES is
  never downloaded: it is logged as rejected and left as it is.

Speed: one FETCH of sizes for everything new, then the bodies in batches (BODY.PEEK[], so reading marks nothing),
one STORE per message.
"""

from __future__ import annotations

import contextlib
import datetime
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, UnexpectedCommandStatusError

from channels.mailbox.inbound import mail_receive, mail_record_rejected
from channels.mailbox.parse import MAX_MESSAGE_BYTES
from channels.models import InboundEmail, MailboxConnection, ProgramChannel

logger = logging.getLogger(__name__)

IMAP_TIMEOUT = 30  # seconds for connecting and for each answer: a silent server must not hold a worker
LEASE_SECONDS = 300  # renewed before every batch; a poller that died blocks its mailbox this long at most
BATCH_MESSAGES = 100
BATCH_BYTES = 32 * 1024 * 1024
PROCESSED_KEYWORD = "$Flexdesk"

_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    connection_id: int
    stored: int = 0  # handed to mail_receive and recorded (tickets, replies, ignored, rejected)
    rejected_unread: int = 0  # too large to download: logged, left in the mailbox
    skipped: str = ""  # why nothing was tried (no IMAP settings, another poll holds the lease)
    error: str = ""  # the server's or the network's own words

    @property
    def ok(self) -> bool:
        return not self.error


class _LeaseLost(Exception):
    pass


# --- the lease ---------------------------------------------------------------------------------------


@dataclass
class _Lease:
    connection_id: int
    until: datetime.datetime

    @classmethod
    def take(cls, connection_id: int) -> _Lease | None:
        now = timezone.now()
        until = now + datetime.timedelta(seconds=LEASE_SECONDS)
        taken = (
            MailboxConnection.objects.filter(pk=connection_id)
            .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lte=now))
            .update(poll_lease_until=until)
        )
        return cls(connection_id, until) if taken else None

    def renew(self) -> None:
        until = timezone.now() + datetime.timedelta(seconds=LEASE_SECONDS)
        if not MailboxConnection.objects.filter(pk=self.connection_id, poll_lease_until=self.until).update(
            poll_lease_until=until
        ):
            raise _LeaseLost
        self.until = until

    def release(self) -> None:
        MailboxConnection.objects.filter(pk=self.connection_id, poll_lease_until=self.until).update(
            poll_lease_until=None
        )


# --- talking to the server ---------------------------------------------------------------------------


def imap_login(connection: MailboxConnection, *, timeout: float = IMAP_TIMEOUT):
    """A logged-in imap_tools mailbox for the connection's settings (the folder is not selected yet)."""
    host, port, security = connection.imap_host, connection.imap_port, connection.imap_security
    if security == MailboxConnection.Security.SSL:
        mailbox = MailBox(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    elif security == MailboxConnection.Security.STARTTLS:
        mailbox = MailBoxStartTls(host, port, timeout=timeout, ssl_context=ssl.create_default_context())
    else:
        mailbox = MailBoxUnencrypted(host, port, timeout=timeout)
    try:
        mailbox.login(connection.imap_user, connection.imap_password, initial_folder=None)
    except BaseException:
        _close(mailbox)
        raise
    return mailbox


def _close(mailbox) -> None:
    with contextlib.suppress(Exception):  # the session is being thrown away; a dead socket is fine
        mailbox.client.shutdown()


def _logout(mailbox) -> None:
    try:
        mailbox.logout()
    except Exception:  # noqa: BLE001 — the work is stored; a server that hangs up at LOGOUT changes nothing
        _close(mailbox)


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value if item is not None)
    return str(value)


def imap_error_text(exc: BaseException, connection: MailboxConnection) -> str:
    """What went wrong, in the server's (or the network's) own words."""
    where = f"{connection.imap_host}:{connection.imap_port}"
    if isinstance(exc, UnexpectedCommandStatusError):
        status, data = exc.command_result[0], exc.command_result[1]
        verb = (
            "login refused"
            if type(exc).__name__ == "MailboxLoginError"
            else f"server answered {_text(status)}"
        )
        return f"IMAP {where} {verb}: {_text(data)}"
    if isinstance(exc, imaplib.IMAP4.abort):
        return f"IMAP {where} closed the session: {exc}"
    if isinstance(exc, imaplib.IMAP4.error):
        return f"IMAP {where} error: {exc}"
    if isinstance(exc, TimeoutError):
        return f"IMAP {where} did not answer within {IMAP_TIMEOUT} s ({exc or 'timed out'})"
    if isinstance(exc, OSError):
        return f"IMAP {where}: {exc}"
    return f"IMAP {where}: {type(exc).__name__}: {exc}"


def _ok(typ, data, what: str):
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what} answered {typ}: {_text(data)}")
    return data


def _folder_select(mailbox, folder: str) -> tuple[int | None, bool]:
    """Select the folder; its UIDVALIDITY and whether it keeps keywords of ours (from SELECT's own answer)."""
    mailbox.folder.set(folder)  # a folder that does not exist raises with the server's words
    responses = mailbox.client.untagged_responses
    validity = (responses.get("UIDVALIDITY") or [None])[-1]
    permanent = _text((responses.get("PERMANENTFLAGS") or [b""])[-1])
    if validity is None:
        validity = mailbox.folder.status(folder, ["UIDVALIDITY"]).get("UIDVALIDITY")
    keywords = "\\*" in permanent or PROCESSED_KEYWORD in permanent
    return (int(validity) if validity is not None else None), keywords


def _fetch_lines(data) -> list[tuple[bytes, bytes | None]]:
    """The (meta, literal) pairs of a FETCH answer."""
    found = []
    for part in data:
        if isinstance(part, tuple):
            found.append((part[0], part[1]))
        elif isinstance(part, bytes) and part not in (b")",) and _UID_RE.search(part):
            found.append((part, None))
    return found


def _new_messages(client, after_uid: int) -> list[tuple[int, int]]:
    """(uid, size) of every message above `after_uid`, oldest first, in one round trip."""
    typ, data = client.uid("FETCH", f"{after_uid + 1}:*", "(UID RFC822.SIZE)")
    _ok(typ, data, "UID FETCH sizes")
    found = {}
    for meta, _literal in _fetch_lines(data):
        uid, size = _UID_RE.search(meta), _SIZE_RE.search(meta)
        if uid and size and int(uid.group(1)) > after_uid:  # "n:*" answers the last message even below n
            found[int(uid.group(1))] = int(size.group(1))
    return sorted(found.items())


def _batches(messages: list[tuple[int, int]]):
    batch, total = [], 0
    for uid, size in messages:
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _fetch_raw(client, uids: list[int]) -> dict[int, bytes]:
    typ, data = client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    _ok(typ, data, "UID FETCH bodies")
    found = {}
    for meta, literal in _fetch_lines(data):
        uid = _UID_RE.search(meta)
        if uid and literal is not None:
            found[int(uid.group(1))] = literal
    return found


def _fetch_headers(client, uid: int) -> dict[str, str]:
    import email
    import email.policy

    typ, data = client.uid("FETCH", str(uid), "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT)])")
    _ok(typ, data, "UID FETCH headers")
    for _meta, literal in _fetch_lines(data):
        if literal is not None:
            headers = email.message_from_bytes(literal, policy=email.policy.compat32)
            return {name: str(headers.get(name) or "") for name in ("Message-ID", "From", "Subject")}
    return {}


def _flag_processed(client, uid: int, keywords: bool) -> None:
    flags = f"(\\Seen {PROCESSED_KEYWORD})" if keywords else "(\\Seen)"
    typ, data = client.uid("STORE", str(uid), "+FLAGS.SILENT", flags)
    _ok(typ, data, f"UID STORE {uid}")


# --- the poll ----------------------------------------------------------------------------------------


def _advance(connection: MailboxConnection, uid: int) -> None:
    MailboxConnection.objects.filter(pk=connection.pk, last_uid__lt=uid).update(last_uid=uid)
    connection.last_uid = max(connection.last_uid, uid)


def _read(
    connection: MailboxConnection,
    result: PollResult,
    lease: _Lease,
    on_stored: Callable[[InboundEmail], None] | None,
) -> None:
    mailbox = imap_login(connection)
    try:
        validity, keywords = _folder_select(mailbox, connection.imap_folder or "INBOX")
        if validity is not None and validity != connection.uid_validity:
            if connection.uid_validity is not None:
                logger.warning(
                    "mailbox %s: UIDVALIDITY of %s changed (%s → %s); reading it again from the start",
                    connection.support_address,
                    connection.imap_folder,
                    connection.uid_validity,
                    validity,
                )
            connection.uid_validity, connection.last_uid = validity, 0
            MailboxConnection.objects.filter(pk=connection.pk).update(uid_validity=validity, last_uid=0)
        client = mailbox.client
        messages = _new_messages(client, connection.last_uid)
        for batch in _batches(messages):
            lease.renew()
            sizes = dict(messages)
            wanted = [uid for uid in batch if sizes[uid] <= MAX_MESSAGE_BYTES]
            raw_by_uid = _fetch_raw(client, wanted) if wanted else {}
            for uid in batch:
                if sizes[uid] > MAX_MESSAGE_BYTES:
                    headers = _fetch_headers(client, uid)
                    mail_record_rejected(
                        source=InboundEmail.Source.IMAP,
                        connection=connection,
                        mailbox_uid=uid,
                        size=sizes[uid],
                        reason=f"The message is {sizes[uid] / (1024 * 1024):.1f} MB; at most "
                        f"{MAX_MESSAGE_BYTES // (1024 * 1024)} MB is taken in. It was not downloaded and is "
                        f"still in the mailbox ({connection.imap_folder}, UID {uid}).",
                        message_id=headers.get("Message-ID", ""),
                        from_address=headers.get("From", "")[:255],
                        subject=headers.get("Subject", "")[:255],
                    )
                    result.rejected_unread += 1
                    _advance(connection, uid)
                    continue
                raw = raw_by_uid.get(uid)
                if raw is None:  # expunged by someone else between the two fetches
                    continue
                inbound = mail_receive(
                    raw=raw, source=InboundEmail.Source.IMAP, connection=connection, mailbox_uid=uid
                )
                _flag_processed(client, uid, keywords)
                _advance(connection, uid)
                result.stored += 1
                if on_stored is not None:
                    on_stored(inbound)
    except BaseException:
        _close(mailbox)
        raise
    _logout(mailbox)


def mailbox_poll(
    *, connection_id: int, on_stored: Callable[[InboundEmail], None] | None = None
) -> PollResult:
    """Read the new messages of one program's IMAP folder (see the module). Never raises for a server problem;
    `on_stored` is called after each message is stored and flagged (progress for a command)."""
    result = PollResult(connection_id=connection_id)
    connection = MailboxConnection.objects.select_related("program").filter(pk=connection_id).first()
    if connection is None or not connection.can_poll:
        result.skipped = "no IMAP mailbox is set up"
        return result
    lease = _Lease.take(connection_id)
    if lease is None:
        result.skipped = "another poll of this mailbox is running"
        return result
    try:
        connection.refresh_from_db(fields=["uid_validity", "last_uid"])
        try:
            _read(connection, result, lease, on_stored)
        except _LeaseLost:
            result.error = "The poll took longer than its lease; the next poll carries on."
        except (ImapToolsError, imaplib.IMAP4.error, OSError) as exc:
            result.error = imap_error_text(exc, connection)
        except Exception as exc:  # noqa: BLE001 — a poller never fails its task; the next poll tries again
            logger.exception("mailbox %s: poll failed", connection.support_address)
            result.error = f"{type(exc).__name__}: {exc}"
        if result.error:
            logger.warning("mailbox %s: %s", connection.support_address, result.error)
        MailboxConnection.objects.filter(pk=connection_id).update(
            last_polled_at=timezone.now(), last_poll_error=result.error
        )
    finally:
        lease.release()
    return result


def mailbox_poll_all() -> dict[str, PollResult]:
    """Poll every e-mail program whose IMAP mailbox is set up; by program slug."""
    connections = (
        MailboxConnection.objects.select_related("program")
        .filter(program__channel_setting__kind=ProgramChannel.Kind.EMAIL)
        .exclude(imap_host="")
        .exclude(imap_user="")
        .exclude(imap_password_encrypted="")
        .order_by(F("last_polled_at").asc(nulls_first=True), "pk")
    )
    return {connection.program.slug: mailbox_poll(connection_id=connection.pk) for connection in connections}
