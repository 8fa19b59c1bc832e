"""mail_receive(): the one way in for a shared mailbox's mail (the IMAP poller, the provider webhook, the drop folder).

Every message ends as one InboundEmail row saying what became of it, with its raw bytes kept:

- TICKET: a new ticket (queues' ticket_intake, routed after commit), its attachments and its Message-ID;
- REPLY: the customer's answer on its ticket, found by the token of the reply address (support+<token>@…) or
  else by In-Reply-To/References; a closed ticket gets a follow-up ticket instead;
- BOUNCE: a delivery failure of one of our replies: that outbox delivery is failed and the ticket gets a note;
- IGNORED: a robot's mail (auto-reply, mailing list, a loop of our own reply, a bounce of nothing we sent);
- REJECTED: mail we cannot take in (too large, no From, not a message, no program for its address), logged.

Bad mail never raises: only trouble of our own (the database is down) does, so the caller keeps the message and
tries again. The same Message-ID for the same program again answers with the stored row and changes nothing
(the unique (program, message_id) constraint decides a race). A message is taken in in one transaction.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import hashlib
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from channels.mailbox import threads
from channels.mailbox.parse import (
    MAX_MESSAGE_BYTES,
    ParsedMail,
    header_recipients,
    mail_parse,
    message_id_normalise,
)
from channels.models import InboundEmail, MailboxConnection, MailMessageRef
from core.errors import DomainError
from core.outbox import outbox_mark_failed
from core.uploads import MAX_ATTACHMENT_BYTES, UploadRefused, filename_for, upload_check
from queues.models import Ticket, TicketAttachment, TicketMessage
from queues.services.intake import ticket_intake
from queues.services.tickets import MAX_MESSAGE_LENGTH, ticket_customer_message, ticket_note_add

logger = logging.getLogger(__name__)

Outcome = InboundEmail.Outcome
CUT = "\n\n[The rest of this message was cut here; the whole message is kept with the e-mail.]"


def mail_receive(
    *,
    raw: bytes,
    source: str,
    connection: MailboxConnection | None = None,
    envelope_recipients: Iterable[str] = (),
    mailbox_uid: int | None = None,
) -> InboundEmail:
    """Take one raw message in and return the InboundEmail that says what became of it (see the module)."""
    envelope = [address.strip().lower() for address in envelope_recipients if address and address.strip()]
    size = len(raw)
    if size > MAX_MESSAGE_BYTES:
        headers = _headers_only(raw)
        if connection is None:
            connection = _connection_for([*envelope, *header_recipients(headers)])
        return mail_record_rejected(
            source=source,
            connection=connection,
            size=size,
            mailbox_uid=mailbox_uid,
            reason=f"The message is {size / (1024 * 1024):.1f} MB; at most {MAX_MESSAGE_BYTES // (1024 * 1024)} MB "
            f"is taken in. It was not read.",
            message_id=message_id_normalise(headers.get("Message-ID"))
            or f"<{hashlib.sha256(raw).hexdigest()}@flexdesk.invalid>",
            from_address=str(headers.get("From") or "")[:255],
            subject=str(headers.get("Subject") or "")[:255],
        )
    try:
        parsed = mail_parse(raw)
    except Exception as error:  # noqa: BLE001 — anything in a message that breaks the parser is the message's fault
        logger.warning("mailbox: could not parse a message (%s bytes): %r", size, error)
        return _record(
            source=source,
            connection=connection or _connection_for(envelope),
            raw=raw,
            mailbox_uid=mailbox_uid,
            outcome=Outcome.REJECTED,
            reason=f"The message could not be read as e-mail ({type(error).__name__}).",
            message_id=f"<{hashlib.sha256(raw).hexdigest()}@flexdesk.invalid>",
        )
    if connection is None:
        connection = _connection_for([*envelope, *parsed.recipients])
    recipients = list(dict.fromkeys([*envelope, *parsed.recipients]))
    if connection is None:
        return _record(
            source=source,
            connection=None,
            raw=raw,
            parsed=parsed,
            recipients=recipients,
            mailbox_uid=mailbox_uid,
            outcome=Outcome.REJECTED,
            reason="No program has this support address ("
            + (", ".join(recipients) or "no recipients")
            + ").",
        )
    existing = InboundEmail.objects.filter(
        program_id=connection.program_id, message_id=parsed.message_id
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            inbound = _take_in(parsed=parsed, connection=connection, recipients=recipients, envelope=envelope)
            inbound.source, inbound.mailbox_uid, inbound.size = source, mailbox_uid, size
            _keep_raw(inbound, raw)
            inbound.save(force_insert=True)
    except IntegrityError:
        existing = InboundEmail.objects.filter(
            program_id=connection.program_id, message_id=parsed.message_id
        ).first()
        if existing is None:
            raise
        return existing  # the same message, taken in at the same moment by another worker
    except (DomainError, ValidationError) as error:
        message = getattr(error, "message", None) or "; ".join(getattr(error, "messages", [])) or str(error)
        return _record(
            source=source,
            connection=connection,
            raw=raw,
            parsed=parsed,
            recipients=recipients,
            mailbox_uid=mailbox_uid,
            outcome=Outcome.REJECTED,
            reason=f"The message could not be taken in: {message}",
        )
    _log(inbound)
    return inbound


def mail_record_rejected(
    *,
    source: str,
    reason: str,
    connection: MailboxConnection | None = None,
    message_id: str = "",
    from_address: str = "",
    subject: str = "",
    size: int = 0,
    mailbox_uid: int | None = None,
) -> InboundEmail:
    """Log a message that was not taken in (the poller did not even download one too large): a REJECTED row with
    the reason. The same Message-ID for the same program again answers with the row stored before."""
    message_id = message_id_normalise(message_id) or "<{}@flexdesk.invalid>".format(
        hashlib.sha256(
            f"{source}\n{mailbox_uid}\n{from_address}\n{subject}\n{size}".encode("utf-8", "replace")
        ).hexdigest()
    )
    return _record(
        source=source,
        connection=connection,
        outcome=Outcome.REJECTED,
        reason=reason,
        message_id=message_id,
        from_address=from_address,
        subject=subject,
        size=size,
        mailbox_uid=mailbox_uid,
    )


# --- what a message is --------------------------------------------------------------------------------


def _take_in(
    *, parsed: ParsedMail, connection: MailboxConnection, recipients: list[str], envelope: list[str]
) -> InboundEmail:
    """Decide and do what becomes of a parsed message; returns the unsaved InboundEmail saying so."""
    program = connection.program
    inbound = InboundEmail(
        program=program,
        message_id=parsed.message_id,
        from_address=parsed.from_address[:255],
        from_name=parsed.from_name[:255],
        subject=parsed.subject[:255],
        recipients="\n".join(recipients),
        html_body=parsed.html,
    )
    if not parsed.from_address:
        return _outcome(inbound, Outcome.REJECTED, "The message has no From address: nobody to answer.")
    if parsed.is_bounce:
        return _bounce(inbound, parsed=parsed, program=program)
    if parsed.loop_ticket:
        return _outcome(
            inbound,
            Outcome.IGNORED,
            f"One of our own replies came back (X-Flexdesk-Ticket: {parsed.loop_ticket[:40]}): a mail loop.",
        )
    if threads.is_support_address(connection, parsed.from_address):
        return _outcome(
            inbound,
            Outcome.IGNORED,
            f"Sent from our own support address ({parsed.from_address}): a mail loop.",
        )
    if parsed.auto_reason:
        return _outcome(inbound, Outcome.IGNORED, f"An automatic message: {parsed.auto_reason}.")

    notes: list[str] = []
    ticket = None
    token = next(
        (t for t in (threads.token_from_address(connection, a) for a in [*envelope, *recipients]) if t), None
    )
    if token:
        ticket = threads.ticket_for_token(program_id=program.pk, token=token)
        if ticket is None:
            notes.append(f"The reply address carries an unknown token ({token}).")
    if ticket is None:
        ticket = threads.ticket_for_references(
            program_id=program.pk, message_ids=[parsed.in_reply_to, *reversed(parsed.references)]
        )
        if ticket is not None and notes:
            notes.append(f"Matched to #{ticket.pk} by its In-Reply-To/References.")
    if ticket is not None and ticket.status != Ticket.Status.CLOSED:
        return _reply(inbound, parsed=parsed, ticket=ticket, notes=notes)
    follows_up = ticket
    if follows_up is not None:
        notes.append(f"#{follows_up.pk} is closed: a new ticket follows it up.")
    elif notes:
        notes.append("A new ticket was opened.")
    return _new_ticket(inbound, parsed=parsed, connection=connection, follows_up=follows_up, notes=notes)


def _new_ticket(
    inbound: InboundEmail,
    *,
    parsed: ParsedMail,
    connection: MailboxConnection,
    follows_up: Ticket | None,
    notes: list[str],
) -> InboundEmail:
    body = parsed.text or "(no text)"
    if follows_up is not None:
        body = f"This follows up #{follows_up.pk} “{follows_up.subject}” (closed).\n\n{body}"
    requester_email, requester_name = parsed.from_address, parsed.from_name
    if (
        parsed.reply_to_address
        and _valid_address(parsed.reply_to_address)
        and not threads.is_support_address(connection, parsed.reply_to_address)
    ):
        requester_email, requester_name = parsed.reply_to_address, parsed.reply_to_name or parsed.from_name
    ticket, created = ticket_intake(
        program=connection.program,
        external_id="mail:" + _digest(parsed.message_id),
        subject=parsed.subject[:255] or "(no subject)",
        body=_fit(body),
        requester_email=requester_email[:254],
        requester_name=requester_name,
        channel="email",
        source=Ticket.Source.EMAIL,
    )
    if created:
        threads.mail_thread_start(ticket=ticket, message_id=parsed.message_id)
    else:
        threads.mail_thread_for(ticket)
        threads.message_ref_add(
            ticket=ticket, message_id=parsed.message_id, direction=MailMessageRef.Direction.IN
        )
    _attachments_store(parsed, ticket=ticket, message=None)
    inbound.ticket = ticket
    return _outcome(inbound, Outcome.TICKET, " ".join(notes))


def _reply(inbound: InboundEmail, *, parsed: ParsedMail, ticket: Ticket, notes: list[str]) -> InboundEmail:
    message, _created = ticket_customer_message(
        ticket=ticket,
        body=_fit(parsed.text or "(no text)"),
        external_id=_message_external_id(parsed.message_id),
    )
    threads.message_ref_add(
        ticket=ticket,
        message_id=parsed.message_id,
        direction=MailMessageRef.Direction.IN,
        ticket_message=message,
    )
    _attachments_store(parsed, ticket=ticket, message=message)
    inbound.ticket, inbound.ticket_message = ticket, message
    return _outcome(inbound, Outcome.REPLY, " ".join(notes))


def _bounce(inbound: InboundEmail, *, parsed: ParsedMail, program) -> InboundEmail:
    reason = parsed.bounce_reason or "the receiving mail server refused it"
    ref = None
    if parsed.bounced_message_id:
        ref = (
            MailMessageRef.objects.select_related("ticket")
            .filter(
                program=program, message_id=parsed.bounced_message_id, direction=MailMessageRef.Direction.OUT
            )
            .first()
        )
    if ref is None:
        return _outcome(
            inbound,
            Outcome.IGNORED,
            "A bounce of a message we did not send ("
            + (parsed.bounced_message_id or "no Message-ID of the returned message")
            + f"): {reason}",
        )
    when = ref.created_at
    if ref.outbox_message_id is not None:
        failed = outbox_mark_failed(message_id=ref.outbox_message_id, reason=f"Bounced: {reason}")
        if failed is not None:
            when = failed.sent_at or failed.created_at or when
    ticket = ref.ticket
    ticket.program = program
    shown = when.astimezone(program.zone).strftime("%-d %b %Y %H:%M") + f" ({program.zone.key})"
    outcome_reason = f"Our reply {parsed.bounced_message_id} bounced: {reason}"
    if ticket.status == Ticket.Status.CLOSED:
        outcome_reason += " (the ticket is closed, so no note was added)"
    else:
        ticket_note_add(
            ticket=ticket,
            author=None,
            body=f"The e-mailed reply of {shown} bounced: the customer did not get it.\n"
            f"The mail server said: {reason}",
        )
    inbound.ticket, inbound.ticket_message_id = ticket, ref.ticket_message_id
    return _outcome(inbound, Outcome.BOUNCE, outcome_reason)


def _attachments_store(parsed: ParsedMail, *, ticket: Ticket, message: TicketMessage | None) -> None:
    """Keep the attachments that pass core.uploads (by content and size); name the others in an internal note."""
    kept, refused = [], []
    for index, (filename, content_type, data) in enumerate(parsed.attachments, start=1):
        name = filename_for(filename, content_type) if filename or content_type else f"attachment-{index}"
        upload = ContentFile(data, name=name)
        try:
            checked_type = upload_check(upload, max_bytes=MAX_ATTACHMENT_BYTES)
        except UploadRefused as error:
            refused.append(f"“{name}” ({_size(len(data))}): {error.message}")
            continue
        attachment = TicketAttachment(
            ticket=ticket, message=message, filename=name, content_type=checked_type, size=len(data)
        )
        attachment.file.save(name, upload, save=False)
        kept.append(attachment)
    if kept:
        TicketAttachment.objects.bulk_create(kept)
    if refused:
        ticket_note_add(
            ticket=ticket,
            author=None,
            body="Attachments of the customer's e-mail that were not kept (they remain in the raw "
            "message only):\n" + "\n".join(f"- {line}" for line in refused),
        )


# --- small helpers ------------------------------------------------------------------------------------


def _connection_for(addresses: Iterable[str]) -> MailboxConnection | None:
    """The mailbox whose support address is one of `addresses` (support+tag@… counts), the first one's first."""
    candidates = []
    for address in addresses:
        local, _, domain = (address or "").strip().lower().partition("@")
        if local and domain:
            candidates.append(f"{local.partition('+')[0]}@{domain}")
    candidates = list(dict.fromkeys(candidates))
    if not candidates:
        return None
    found = {
        c.support_lower: c
        for c in MailboxConnection.objects.select_related("program")
        .annotate(support_lower=Lower("support_address"))
        .filter(support_lower__in=candidates)
    }
    return next((found[c] for c in candidates if c in found), None)


def _record(
    *,
    source: str,
    connection: MailboxConnection | None,
    outcome: str,
    reason: str,
    message_id: str = "",
    raw: bytes | None = None,
    parsed: ParsedMail | None = None,
    recipients: list[str] | None = None,
    from_address: str = "",
    subject: str = "",
    size: int = 0,
    mailbox_uid: int | None = None,
) -> InboundEmail:
    """Store a message that was not taken in (REJECTED) and log it; the same message again answers the same row."""
    if parsed is not None:
        message_id, from_address, subject = parsed.message_id, parsed.from_address, parsed.subject
    program_id = connection.program_id if connection is not None else None
    if program_id is not None:
        existing = InboundEmail.objects.filter(program_id=program_id, message_id=message_id).first()
        if existing is not None:
            return existing
    inbound = InboundEmail(
        program_id=program_id,
        source=source,
        message_id=message_id[:255],
        from_address=from_address[:255],
        from_name=(parsed.from_name if parsed else "")[:255],
        subject=" ".join(subject.split())[:255],
        recipients="\n".join(recipients or []),
        html_body=parsed.html if parsed else "",
        outcome=outcome,
        reason=reason,
        size=size or (len(raw) if raw is not None else 0),
        mailbox_uid=mailbox_uid,
    )
    if raw is not None:
        _keep_raw(inbound, raw)
    try:
        with transaction.atomic():
            inbound.save(force_insert=True)
    except IntegrityError:
        existing = InboundEmail.objects.filter(program_id=program_id, message_id=message_id).first()
        if existing is None:
            raise
        return existing
    _log(inbound)
    return inbound


def _outcome(inbound: InboundEmail, outcome: str, reason: str) -> InboundEmail:
    inbound.outcome, inbound.reason = outcome, reason
    return inbound


def _log(inbound: InboundEmail) -> None:
    if inbound.outcome == Outcome.REJECTED:
        logger.warning(
            "mailbox: rejected %s from %r (program %s, %s): %s",
            inbound.message_id,
            inbound.from_address,
            inbound.program_id,
            inbound.source,
            inbound.reason,
        )
    elif inbound.outcome == Outcome.IGNORED:
        logger.info(
            "mailbox: ignored %s from %r (program %s): %s",
            inbound.message_id,
            inbound.from_address,
            inbound.program_id,
            inbound.reason,
        )


def _keep_raw(inbound: InboundEmail, raw: bytes) -> None:
    inbound.raw.save("message.eml", ContentFile(raw), save=False)


def _headers_only(raw: bytes):
    """The headers of a message too large to parse whole (read from its first 64 KB)."""
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    except Exception:  # noqa: BLE001 — the headers are only for the log
        return email.message.Message()


def _valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]


def _message_external_id(message_id: str) -> str:
    """A customer message's external id: its Message-ID, or a digest of one over the 100 characters it may take."""
    return message_id if len(message_id) <= 100 else "mail:" + _digest(message_id)


def _fit(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - len(CUT)] + CUT


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{max(1, round(count / 1024))} KB"
