"""A public reply on a shared-mailbox program's ticket becomes an e-mail to the requester, through the outbox.

queues publishes every timeline row inside the transaction of the change (core.events); for each REPLIED event
of a program whose channel is the shared mailbox, `ticket_events_email` writes one `mailbox.reply` outbox row
in that same transaction (channels.senders registers core's e-mail sender for it), and records the e-mail's
Message-ID in the ticket's conversation, so a customer's answer to it — or its bounce — finds the ticket.

What the customer's mail client sees:
- From "Nora via BrightCart Support <support@brightcart.com>", Reply-To support+<token>@brightcart.com (the
  ticket's token: the answer comes back to this ticket whatever client they use);
- Subject "Re: <ticket subject> [#<id>]"; In-Reply-To their last message, References the conversation's
  Message-IDs, so Gmail and Outlook show one thread;
- a plain-text part and the same text as escaped HTML (nothing the author typed is rendered as HTML).

Notes are never e-mailed. A ticket that came in through the API or a CSV on an e-mail program is e-mailed too:
its thread (token) is made at its first reply. Sending goes through the program's own SMTP server when it has
one (`mailbox:<program id>`, resolved by `smtp_connection`), otherwise the site's EMAIL_URL.
"""

from __future__ import annotations

import re
import smtplib
import threading
import time
from email.utils import formataddr

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import make_msgid
from django.utils.html import linebreaks

from channels.mailbox.threads import (
    last_customer_message_id,
    mail_thread_for,
    message_ref_add,
    thread_message_ids,
)
from channels.models import MailboxConnection, MailMessageRef, ProgramChannel
from core.outbox import DeliveryError, email_enqueue
from queues.destinations import ReplyDestination
from queues.models import TicketEvent, TicketMessage

KIND = "mailbox.reply"
CONNECTION_PREFIX = "mailbox:"
# "Re:", "RE:", "Aw:", "Sv:", "Antw:" (any number of them): the subject is answered once, never "Re: Re:".
_REPLY_PREFIXES = re.compile(r"^\s*(?:(?:re|aw|sv|antw|wg|fw|fwd)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def mailbox_connections(program_ids) -> dict[int, MailboxConnection]:
    """The mailbox connections of those of `program_ids` whose channel is the shared mailbox (one query)."""
    return {
        c.program_id: c
        for c in MailboxConnection.objects.select_related("program").filter(
            program_id__in=list(program_ids), program__channel_setting__kind=ProgramChannel.Kind.EMAIL
        )
    }


def reply_subject(ticket) -> str:
    """Re: <subject> [#<id>], with one "Re:" and one reference however often the customer's client added them."""
    reference = f"[#{ticket.pk}]"
    base = _REPLY_PREFIXES.sub("", ticket.subject or "").replace(reference, "")
    base = " ".join(base.split()) or "Your request"
    return f"Re: {base} {reference}"


def author_first_name(author) -> str:
    return (getattr(author, "display_name", "") or "").strip().split(" ")[0] if author is not None else ""


def sender_name(connection: MailboxConnection, author) -> str:
    first = author_first_name(author)
    return f"{first} via {connection.shown_name}" if first else connection.shown_name


def reply_bodies(*, body: str, connection: MailboxConnection, author) -> tuple[str, str]:
    """(plain text, HTML): the reply and a short signature; the HTML is the same text, escaped, with line breaks."""
    first = author_first_name(author)
    signature = f"{first}, {connection.shown_name}" if first else connection.shown_name
    text = f"{body.strip()}\n\n-- \n{signature}\n"
    html = (
        f"<!DOCTYPE html><html><body>{linebreaks(body.strip(), autoescape=True)}"
        f"{linebreaks(f'-- {chr(10)}{signature}', autoescape=True)}</body></html>"
    )
    return text, html


def _support_domain(connection: MailboxConnection) -> str:
    return connection.support_address.rpartition("@")[2] or "flexdesk.localhost"


def reply_email_enqueue(*, message: TicketMessage, connection: MailboxConnection):
    """Write the e-mail of one public reply (idempotent: the same reply again returns its first e-mail), and
    remember its Message-ID in the ticket's conversation. None when the ticket has no requester address."""
    ticket = message.ticket
    thread = mail_thread_for(ticket)
    headers = {
        "Message-ID": make_msgid(domain=_support_domain(connection)),
        "X-Flexdesk-Ticket": str(ticket.pk),
    }
    in_reply_to = last_customer_message_id(ticket)
    references = thread_message_ids(ticket)
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    text, html = reply_bodies(body=message.body, connection=connection, author=message.author)
    outbox = email_enqueue(
        kind=KIND,
        to=[ticket.requester_email],
        from_email=formataddr((sender_name(connection, message.author), connection.support_address)),
        reply_to=[connection.address_for(thread.token)],
        subject=reply_subject(ticket),
        body=text,
        html_body=html,
        headers=headers,
        about=message,
        program_id=ticket.program_id,
        ordering_key=f"mail-ticket:{ticket.pk}",
        dedupe_key=f"mailbox:reply:{message.pk}",
        connection=f"{CONNECTION_PREFIX}{ticket.program_id}" if connection.sends_own else "",
    )
    if outbox is not None:
        # A repeat returns the first row: its Message-ID is the one the customer sees (and is already known).
        message_ref_add(
            ticket=ticket,
            message_id=outbox.payload["headers"]["Message-ID"],
            direction=MailMessageRef.Direction.OUT,
            ticket_message=message,
            outbox_message_id=outbox.pk,
        )
    return outbox


def ticket_events_email(*, events: list[TicketEvent]) -> None:
    """The core.events listener: runs inside the change's transaction and writes rows only (no SMTP here).

    A publish without a reply costs no query; with one, the program's connection and the replies are read in
    two queries, then each reply costs a fixed handful (its thread, its references, its row and its ref)."""
    replies = [e for e in events if e.kind == TicketEvent.Kind.REPLIED and (e.data or {}).get("message_id")]
    if not replies:
        return
    connections = mailbox_connections({e.ticket.program_id for e in replies})
    replies = [e for e in replies if e.ticket.program_id in connections]
    if not replies:
        return
    messages = TicketMessage.objects.select_related("author").in_bulk([e.data["message_id"] for e in replies])
    for event in replies:
        message = messages.get(event.data["message_id"])
        if message is None or message.kind != TicketMessage.Kind.REPLY:
            continue
        message.ticket = event.ticket  # the ticket as the change left it (no query)
        reply_email_enqueue(message=message, connection=connections[event.ticket.program_id])


# --- the program's own SMTP server (core.outbox resolves "mailbox:<program id>" through this) ------------

# A sweep sends a mailbox's replies one after another: each thread keeps its last SMTP session per mailbox open
# for the next one, while it is fresh. A session idle longer than this is closed and a new one opened (servers
# drop idle clients), and none carries more than SESSION_MAX_MESSAGES (some servers limit it).
SESSION_IDLE_SECONDS = 5.0
SESSION_MAX_MESSAGES = 20
_sessions = threading.local()


class _MailboxSMTPBackend(EmailBackend):
    """Django's SMTP backend, kept open between sends for the next reply of the same mailbox.

    After any error the session is closed and forgotten, so the outbox's next attempt starts afresh. A reused
    session the server had already dropped is replaced at once and the message sent on the new one: the same
    message, with the same Message-ID, so even a send the server had taken before hanging up is one message to
    the customer's client (as for any retry of the outbox)."""

    fingerprint: tuple = ()
    used = 0
    last_used = 0.0

    def send_messages(self, email_messages):
        reused = self.connection is not None
        try:
            self.open()  # opened here, so the base class does not close it after the send
            try:
                sent = super().send_messages(email_messages)
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                self.close()
                self.open()
                sent = super().send_messages(email_messages)
        except BaseException:
            _session_forget(self)
            raise
        self.used += 1
        self.last_used = time.monotonic()
        if self.used >= SESSION_MAX_MESSAGES:
            _session_forget(self)
        return sent


def _session_forget(backend: _MailboxSMTPBackend) -> None:
    pool = getattr(_sessions, "by_program", {})
    for key, kept in list(pool.items()):
        if kept is backend:
            del pool[key]
    try:
        backend.close()
    except Exception:  # closing a broken session: nothing more to do
        backend.connection = None


def smtp_sessions_close() -> None:
    """Close this thread's kept SMTP sessions (the end of a benchmark or a test; a worker leaves them to the
    idle rule)."""
    for backend in list(getattr(_sessions, "by_program", {}).values()):
        _session_forget(backend)


def smtp_connection(name: str) -> EmailBackend:
    """An SMTP backend for the program's own SMTP settings, read at send time (never kept in the outbox); the
    thread's open session to the same server is reused while it is fresh and the settings are unchanged."""
    program_id = name.removeprefix(CONNECTION_PREFIX)
    connection = (
        MailboxConnection.objects.filter(program_id=int(program_id)).first() if program_id.isdigit() else None
    )
    if connection is None:
        raise DeliveryError(
            "The program has no shared mailbox any more, so its reply cannot be e-mailed.", permanent=True
        )
    if not connection.sends_own:
        raise DeliveryError(
            f"The mailbox {connection.support_address} no longer sends through its own SMTP server; this reply was "
            "written for it. Cancel it, or set the SMTP server again and retry.",
            permanent=True,
        )
    fingerprint = (
        connection.smtp_host,
        connection.smtp_port,
        connection.smtp_security,
        connection.smtp_user,
        connection.smtp_password_encrypted,
    )
    pool = _sessions.__dict__.setdefault("by_program", {})
    kept = pool.get(connection.program_id)
    if kept is not None:
        fresh = time.monotonic() - kept.last_used <= SESSION_IDLE_SECONDS
        if kept.fingerprint == fingerprint and fresh and kept.connection is not None:
            return kept
        _session_forget(kept)
    security = connection.smtp_security
    backend = _MailboxSMTPBackend(
        host=connection.smtp_host,
        port=connection.smtp_port,
        username=connection.smtp_user,
        password=connection.smtp_password,
        use_tls=security == MailboxConnection.Security.STARTTLS,
        use_ssl=security == MailboxConnection.Security.SSL,
        timeout=settings.EMAIL_TIMEOUT,
        fail_silently=False,
    )
    backend.fingerprint = fingerprint
    pool[connection.program_id] = backend
    return backend


# --- what the ticket page says -----------------------------------------------------------------------------


def mailbox_destination(*, connection: MailboxConnection, ticket=None) -> ReplyDestination:
    requester = ""
    if ticket is not None and ticket.requester_email:
        requester = (
            f"{ticket.requester_name} <{ticket.requester_email}>"
            if ticket.requester_name
            else ticket.requester_email
        )
    return ReplyDestination(
        name="the customer by e-mail",
        reply_help=(
            f"E-mailed to {requester or 'the requester'} from {connection.support_address}; "
            "their answer comes back to this ticket."
        ),
        note_help="Only the team sees internal notes; they are never e-mailed.",
        delivered_label="E-mailed",
        queued_label="Queued to be e-mailed",
    )
