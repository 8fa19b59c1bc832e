"""Raw message bytes → ParsedMail: the one parse path of the IMAP poller, the provider webhook and the drop folder.

imap-tools' parser (over the stdlib email package) gives the addresses, the decoded subject, the text and HTML
bodies and the attachments; the stdlib reads what it does not (delivery-status reports, the headers a bounce
quotes). Mail is hostile input: a malformed message leaves defects on the parsed tree rather than raising, and
every header read below tolerates garbage.

What a message *is* is decided here, what becomes of it in channels.mailbox.inbound:
- `auto_reason`: why it is a robot's mail (auto-reply, list, loop), empty for a person's;
- `is_bounce` with `bounced_message_id` and `bounce_reason`: a delivery failure report (RFC 3464, or the plain
  text kind that quotes the returned message's headers).
"""

from __future__ import annotations

import codecs
import email.errors
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message

from imap_tools import MailMessage
from inscriptis import get_text

MAX_MESSAGE_BYTES = 25 * 1024 * 1024

MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")
QUOTED_MESSAGE_ID_RE = re.compile(
    r"^[ \t>]*Message-ID:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE
)
DIAGNOSTIC_RE = re.compile(
    r"^[ \t]*(?:Diagnostic-Code:[ \t]*(?:smtp;)?[ \t]*)?([45]\d\d[ -][45]?\.?\d?\.?\d*.*)$",
    re.IGNORECASE | re.MULTILINE,
)
BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|returned mail|returned to sender|delivery (status notification|failure|"
    r"has failed)|failure notice|mail delivery failed|delivery failure",
    re.IGNORECASE,
)
ROBOT_SENDERS = ("mailer-daemon", "postmaster")
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
LOOP_HEADER = "X-Flexdesk-Ticket"  # set on every reply we send (channels.mailbox.outbound)


@dataclass
class ParsedMail:
    message_id: str  # normalised "<…>"; a digest of the raw message when it has none
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)  # oldest first, as in the header
    from_address: str = ""
    from_name: str = ""
    reply_to_address: str = ""
    reply_to_name: str = ""
    recipients: list[str] = field(default_factory=list)  # lower-case, To, Cc and the delivery headers
    subject: str = ""  # decoded, whitespace collapsed, not truncated
    text: str = ""  # text/plain, or the HTML as readable text; never HTML
    html: str = ""  # the original HTML part (kept, never rendered)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, content type, bytes)
    auto_reason: str = ""
    is_bounce: bool = False
    bounced_message_id: str = ""
    bounce_reason: str = ""
    loop_ticket: str = ""  # the X-Flexdesk-Ticket header of one of our own replies
    has_message_id: bool = True
    defects: list[str] = field(default_factory=list)


def message_id_normalise(value) -> str:
    """ "<id@host>" from a header value ("<id@host>", "id@host", with comments or folding); "" when empty. An id
    longer than the 255 characters we store becomes a digest of itself (the same one wherever it is quoted)."""
    text = _header_str(value).strip()
    if not text:
        return ""
    found = MESSAGE_ID_RE.search(text)
    inner = found.group(1) if found else "".join(text.split()).strip("<>")
    if not inner:
        return ""
    normalised = f"<{inner}>"
    if len(normalised) > 255:
        normalised = f"<{hashlib.sha256(inner.encode('utf-8', 'replace')).hexdigest()}@flexdesk.invalid>"
    return normalised


def message_ids_in(value) -> list[str]:
    return [message_id_normalise(f"<{inner}>") for inner in MESSAGE_ID_RE.findall(_header_str(value))]


def mail_parse(raw: bytes) -> ParsedMail:
    """Parse a raw message (RFC 5322 bytes). Raises only for input that is not a message at all (not bytes)."""
    mail = MailMessage.from_bytes(raw)
    obj = mail.obj
    message_id = message_id_normalise(obj.get("Message-ID"))
    parsed = ParsedMail(
        message_id=message_id or f"<{hashlib.sha256(raw).hexdigest()}@flexdesk.invalid>",
        has_message_id=bool(message_id),
    )
    parsed.defects = [type(defect).__name__ for part in obj.walk() for defect in getattr(part, "defects", [])]
    parsed.in_reply_to = next(iter(message_ids_in(obj.get("In-Reply-To"))), "")
    parsed.references = message_ids_in(" ".join(_header_str(v) for v in obj.get_all("References", [])))

    sender = _safe(lambda: mail.from_values)
    parsed.from_address, parsed.from_name = (
        (sender.email.strip(), sender.name.strip()) if sender else ("", "")
    )
    reply_to = next(iter(_safe(lambda: mail.reply_to_values) or ()), None)
    if reply_to is not None and reply_to.email:
        parsed.reply_to_address, parsed.reply_to_name = reply_to.email.strip(), reply_to.name.strip()
    parsed.recipients = header_recipients(obj)
    parsed.subject = " ".join((_safe(lambda: mail.subject) or _header_str(obj.get("Subject"))).split())

    parsed.html = _safe(lambda: mail.html) or ""
    text = _safe(lambda: mail.text) or ""
    if not text.strip() and parsed.html.strip():
        text = _safe(lambda: get_text(parsed.html)) or ""
    parsed.text = _clean_text(text)
    parsed.attachments = [
        (a.filename or "", a.content_type, a.payload) for a in (_safe(lambda: mail.attachments) or [])
    ]

    parsed.loop_ticket = _header_str(obj.get(LOOP_HEADER)).strip()
    parsed.auto_reason = _auto_reason(obj, parsed.from_address)
    _read_bounce(obj, parsed)
    return parsed


def _auto_reason(obj: Message, from_address: str) -> str:
    auto_submitted = _header_str(obj.get("Auto-Submitted")).split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header_str(obj.get("Precedence")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if obj.get(name) is not None:
            return f"a mailing list's message ({name})"
    for name in ("X-Autoreply", "X-Autorespond"):
        if obj.get(name) is not None:
            return f"an automatic reply ({name})"
    if any(_header_str(value).strip() in ("<>", "") for value in obj.get_all("Return-Path", [])):
        return "an empty Return-Path (<>): sent by a mail system, not a person"
    local = from_address.lower().partition("@")[0]
    if local in ROBOT_SENDERS:
        return f"sent by {local}@ (a mail system, not a person)"
    return ""


def _read_bounce(obj: Message, parsed: ParsedMail) -> None:
    """Fill is_bounce, bounced_message_id and bounce_reason for a delivery failure report."""
    if obj.get_content_type() == "multipart/report" and (
        (obj.get_param("report-type") or "").lower() == "delivery-status"
    ):
        actions, statuses, diagnostics = [], [], []
        for part in obj.walk():
            content_type = part.get_content_type()
            if content_type == "message/delivery-status":
                for block in _status_blocks(part):
                    actions.append(_header_str(block.get("Action")).strip().lower())
                    statuses.append(_header_str(block.get("Status")).strip())
                    diagnostics.append(" ".join(_header_str(block.get("Diagnostic-Code")).split()))
            elif content_type in ("message/rfc822", "text/rfc822-headers") and not parsed.bounced_message_id:
                parsed.bounced_message_id = _returned_message_id(part)
        failed = [i for i, action in enumerate(actions) if action == "failed"] or (
            [i for i, status in enumerate(statuses) if status.startswith("5")] if not any(actions) else []
        )
        if not failed:
            if not parsed.auto_reason:  # "delayed", "delivered": a report, not a failure
                parsed.auto_reason = (
                    f"a delivery status report ({', '.join(a for a in actions if a) or 'no action'})"
                )
            return
        parsed.is_bounce = True
        first = failed[0]
        diagnostic = re.sub(r"^\s*smtp\s*;\s*", "", diagnostics[first], flags=re.IGNORECASE)
        parsed.bounce_reason = (
            " — ".join(x for x in (statuses[first], diagnostic) if x)
            or "the receiving mail server refused it"
        )[:500]
        return
    local = parsed.from_address.lower().partition("@")[0]
    empty_return_path = any(_header_str(v).strip() == "<>" for v in obj.get_all("Return-Path", []))
    if local not in ROBOT_SENDERS and not empty_return_path:
        return
    body = parsed.text
    for part in obj.walk():  # a returned message attached whole (message/rfc822) carries its headers too
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            parsed.bounced_message_id = parsed.bounced_message_id or _returned_message_id(part)
    quoted = QUOTED_MESSAGE_ID_RE.search(body)
    if quoted and not parsed.bounced_message_id:
        parsed.bounced_message_id = message_id_normalise(quoted.group(1))
    if not parsed.bounced_message_id and not BOUNCE_SUBJECT_RE.search(parsed.subject):
        return
    parsed.is_bounce = True
    diagnostic = DIAGNOSTIC_RE.search(body)
    if diagnostic:
        parsed.bounce_reason = " ".join(diagnostic.group(1).split())[:500]
    else:
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        parsed.bounce_reason = (
            lines[0] if lines else parsed.subject or "the message could not be delivered"
        )[:500]


def _status_blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status part (the stdlib parses each block as a headers-only
    Message; a part it could not split is parsed here from its text)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = _part_text(part)
    return [
        email.parser.HeaderParser(policy=email.policy.compat32).parsestr(chunk)
        for chunk in re.split(r"\r?\n\s*\r?\n", text)
        if chunk.strip()
    ]


def _returned_message_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        headers = payload[0]
    else:
        headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(_part_text(part))
    return message_id_normalise(headers.get("Message-ID"))


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def header_recipients(obj: Message) -> list[str]:
    found: list[str] = []
    for name in RECIPIENT_HEADERS:
        values = [_header_str(value) for value in obj.get_all(name, [])]
        for _display, address in email.utils.getaddresses(values):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _header_str(value) -> str:
    """A header's value as text: encoded words decoded, a Header object or bytes tolerated, None → ""."""
    if value is None:
        return ""
    if not isinstance(value, str | email.header.Header):
        return str(value)
    try:
        parts = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError, TypeError):
        return str(value)
    return "".join(
        text.decode(_charset(charset), "replace") if isinstance(text, bytes) else text
        for text, charset in parts
    )


def _charset(charset: str | None) -> str:
    if not charset:
        return "raw-unicode-escape"  # how decode_header gave back the unencoded stretches of a str
    try:
        codecs.lookup(charset)
    except LookupError:
        return "utf-8"  # "unknown-8bit" (raw bytes in a header) and made-up names: most often UTF-8
    return charset


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _safe(read):
    """Read one property of imap-tools' message; a malformed part must not stop the rest of the parse."""
    try:
        return read()
    except (
        LookupError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        UnicodeError,
        email.errors.MessageError,
    ):
        return None
