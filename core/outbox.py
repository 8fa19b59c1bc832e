"""The outbox: every message that leaves Flexdesk, written first, sent after commit, retried until accepted.

How a message travels (docs/adr/0001-outbox.md says why):

1. A service calls `outbox_enqueue` (or `email_enqueue`) inside the transaction of the change that causes
   the message. One row is written; if the transaction rolls back, the message never existed.
2. After commit, `core.tasks.outbox_deliver_task` is published. A broker that is down is logged, not raised:
   the every-minute sweep (`outbox_deliver_due`) sends what is due.
3. Delivery claims the row (a conditional UPDATE, so two workers never both send it), calls the sender
   registered for its kind outside any transaction, and records the answer: "sent" once the other side
   accepted it; otherwise the attempt is counted and the next one scheduled with backoff (or the
   other side's Retry-After); after the last attempt, or at once for an error that retrying cannot fix,
   "failed", shown to managers with a Retry button.
4. Messages that share an `ordering_key` (one ticket's replies and status changes) go out one at a time,
   oldest first: a later one waits while an earlier one is queued, sending or failed.

Senders: each app registers the kinds it sends in a module named `senders` (found through
core.discovery), with `@register_sender("kind", label="…")`. A sender takes the OutboxMessage and
returns a dict of what the other side answered (ids), or raises DeliveryError. Any other exception
(a timeout, a refused connection) counts as temporary.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Value, When
from django.utils import timezone

from core.discovery import app_modules
from core.models import OutboxMessage
from core.rawsql import PreparedQuery

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
REMOVED = "[The text carried a one-time link and was removed once the message was sent.]"


class DeliveryError(Exception):
    """A sender's way to say why a delivery did not go through.

    permanent: retrying cannot help (a 4xx other than 429, a refused recipient): fail at once.
    retry_after: seconds the other side asked us to wait (HTTP 429/503 Retry-After).
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Sender:
    send: Callable[[OutboxMessage], dict | None]
    label: str


_SENDERS: dict[str, _Sender] = {}
_discovered = False


def register_sender(kind: str, *, label: str):
    def decorator(func):
        _SENDERS[kind] = _Sender(send=func, label=label)
        return func

    return decorator


_LISTENERS: dict[str, list[Callable[[OutboxMessage], None]]] = {}


def register_delivery_listener(model_label: str):
    """Call the decorated function with the message when a message about a row of `model_label`
    ("app_label.modelname") is sent or fails for good: the app that owns the row records it there
    (a candidate message's sent_at, a reply's "delivered")."""

    def decorator(func):
        _LISTENERS.setdefault(model_label.lower(), []).append(func)
        return func

    return decorator


def _notify_listeners(message: OutboxMessage) -> None:
    if message.subject_type_id is None:
        return
    _senders()
    model = ContentType.objects.get_for_id(message.subject_type_id)
    for listener in _LISTENERS.get(f"{model.app_label}.{model.model}", []):
        try:
            listener(message)
        except Exception:  # the delivery happened; a listener's trouble must not make it look otherwise
            logger.exception("outbox: delivery listener %s failed for message %s", listener, message.pk)


def _senders() -> dict[str, _Sender]:
    global _discovered
    if not _discovered:
        for _app, _module in app_modules("senders"):
            pass  # importing the module registers its senders
        _discovered = True
    return _SENDERS


def kind_label(kind: str) -> str:
    sender = _senders().get(kind)
    return sender.label if sender else kind.replace("_", " ").replace(".", " ").capitalize()


# --- writing ------------------------------------------------------------------------------------------


def outbox_enqueue(
    *,
    kind: str,
    payload: dict,
    summary: str = "",
    program_id: int | None = None,
    about=None,
    ordering_key: str = "",
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Write one outbound message in the current transaction; it is sent after commit.

    `about` is the row the message concerns (its page shows the delivery state). With `dedupe_key`, a
    message already written under that key is returned instead of a second one (idempotent enqueue).
    """
    if kind not in _senders():
        raise ValueError(f"No sender is registered for outbox messages of kind {kind!r}.")
    message = OutboxMessage(
        kind=kind,
        payload=payload,
        summary=summary[:250],
        program_id=program_id,
        ordering_key=ordering_key[:80],
        dedupe_key=dedupe_key[:200] if dedupe_key else None,
        next_attempt_at=timezone.now(),
    )
    if about is not None:
        message.subject_type = ContentType.objects.get_for_model(about)
        message.subject_id = str(about.pk)
    if dedupe_key:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return OutboxMessage.objects.get(dedupe_key=message.dedupe_key)
    else:
        message.save()
    _deliver_after_commit(message.pk)
    return message


def email_enqueue(
    *,
    to: Iterable[str],
    subject: str,
    body: str,
    html_body: str = "",
    from_email: str | None = None,
    reply_to: Iterable[str] | None = None,
    cc: Iterable[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    program_id: int | None = None,
    about=None,
    ordering_key: str = "",
    dedupe_key: str | None = None,
    connection: str = "",
    sensitive: bool = False,
    kind: str = "email",
) -> OutboxMessage | None:
    """Queue one e-mail (see outbox_enqueue). Returns None when there is nobody to send it to.

    Every e-mail gets its Message-ID now, so a retry after a lost answer carries the same id and the
    recipient's mail client shows it once. `connection` names a registered SMTP connection (a program's
    own mailbox); blank is the site's EMAIL_URL. A `sensitive` message (it carries a one-time link) has its
    text removed from the row once it was sent. `kind` is "email" unless the e-mail is a channel's delivery
    (a shared mailbox's reply, "mailbox.reply"): its sender must be email_send.
    """
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        return None
    headers = dict(headers or {})
    headers.setdefault("Message-ID", make_msgid(domain=_message_id_domain()))
    payload = {
        "to": recipients,
        "cc": sorted(set(cc or [])),
        "subject": " ".join(subject.split())[:998],
        "body": body,
        "html_body": html_body,
        "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
        "reply_to": list(reply_to or []),
        "headers": headers,
        "attachments": [
            {"filename": name, "content": base64.b64encode(content).decode("ascii"), "mimetype": mimetype}
            for name, content, mimetype in attachments
        ],
        "connection": connection,
        "sensitive": sensitive,
    }
    shown_to = recipients[0] + (f" and {len(recipients) - 1} more" if len(recipients) > 1 else "")
    return outbox_enqueue(
        kind=kind,
        payload=payload,
        summary=f"E-mail to {shown_to}: {payload['subject']}",
        program_id=program_id,
        about=about,
        ordering_key=ordering_key,
        dedupe_key=dedupe_key,
    )


def _message_id_domain() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "flexdesk.localhost"


def _deliver_after_commit(message_id: int) -> None:
    def _publish():
        from core.tasks import outbox_deliver_task

        try:
            outbox_deliver_task.delay(message_id)
        except Exception:
            logger.warning(
                "outbox: could not enqueue delivery of message %s; the sweep will send it",
                message_id,
                exc_info=True,
            )

    transaction.on_commit(_publish)


def _failed_message_locked(message_id: int, program_ids: Iterable[int] | None, verb: str) -> OutboxMessage:
    """The failed message, locked; DoesNotExist outside `program_ids`, a DomainError in any other state."""
    from core.errors import DomainError

    queryset = OutboxMessage.objects.filter(pk=message_id)
    if program_ids is not None:
        queryset = queryset.filter(program_id__in=list(program_ids))
    message = queryset.select_for_update().first()
    if message is None:
        raise OutboxMessage.DoesNotExist
    if message.status != Status.FAILED:
        raise DomainError(
            f"Only a failed message can be {verb}; this one is {message.get_status_display().lower()}."
        )
    return message


def outbox_retry(*, message_id: int, actor=None, program_ids: Iterable[int] | None = None) -> OutboxMessage:
    """Try a failed message again now (a manager's Retry button). Only failed messages; others are left."""
    from core.audit import audit_record

    with transaction.atomic():
        message = _failed_message_locked(message_id, program_ids, "retried")
        message.status = Status.QUEUED
        message.next_attempt_at = timezone.now()
        message.attempts = 0
        message.save(update_fields=["status", "next_attempt_at", "attempts", "updated_at"])
        audit_record(actor=actor, verb="outbox.retried", target=message, kind=message.kind)
        _deliver_after_commit(message.pk)
    return message


def outbox_cancel(*, message_id: int, actor=None, program_ids: Iterable[int] | None = None) -> OutboxMessage:
    """Give up on a failed message, so the ones after it in the same order can go."""
    from core.audit import audit_record

    with transaction.atomic():
        message = _failed_message_locked(message_id, program_ids, "cancelled")
        message.status = Status.CANCELLED
        message.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, verb="outbox.cancelled", target=message, kind=message.kind)
        _release_next(message)
    return message


# --- reading ------------------------------------------------------------------------------------------


def outbox_list(*, program_id: int, status: str | None = None):
    """A program's outgoing messages, newest first (one query; the page slices it)."""
    queryset = OutboxMessage.objects.filter(program_id=program_id).defer("payload", "result")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def outbox_counts(*, program_id: int) -> dict[str, int]:
    """How many of a program's messages are in each state (one query)."""
    from django.db.models import Count

    rows = (
        OutboxMessage.objects.filter(program_id=program_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def outbox_failed_by_program(*, program_ids: Iterable[int]) -> dict[int, int]:
    """How many messages failed for good, per program (one query)."""
    from django.db.models import Count

    rows = (
        OutboxMessage.objects.filter(program_id__in=list(program_ids), status=Status.FAILED)
        .values("program_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["program_id"]: row["n"] for row in rows}


def outbox_state_for(*, objects: Iterable) -> dict[int, OutboxMessage]:
    """The newest outbox message about each of `objects` (all of one model), by the object's pk: one query."""
    objects = list(objects)
    if not objects:
        return {}
    content_type = ContentType.objects.get_for_model(objects[0])
    latest: dict[int, OutboxMessage] = {}
    rows = _STATES.objects(content_type_id=content_type.pk, subject_ids=[str(o.pk) for o in objects])
    for message in rows:
        latest[int(message.subject_id)] = message
    return latest


# Compiled once (core.rawsql.PreparedQuery): every ticket page reads its replies' delivery states.
_STATES = PreparedQuery(
    lambda content_type_id, subject_ids: (
        OutboxMessage.objects.filter(subject_type=content_type_id, subject_id__in=subject_ids)
        .defer("payload")
        .order_by("created_at", "id")
    ),
    "content_type_id",
    lists=("subject_ids",),
)


# --- sending ------------------------------------------------------------------------------------------


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (HTTP allows a number of seconds or an HTTP date); None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 1.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max((moment - timezone.now()).total_seconds(), 1.0)


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt `attempts + 1`: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly."""
    return int(min(30 * 2 ** max(attempts - 1, 0), 3600))


def _blocked_by_earlier():
    """True for a message while an earlier one of its order is queued, sending or failed: an expression, read
    with the message in one query (a message without an ordering key is never blocked; CASE skips the
    subquery for it)."""
    earlier = OutboxMessage.objects.filter(
        ordering_key=OuterRef("ordering_key"),
        pk__lt=OuterRef("pk"),
        status__in=[Status.QUEUED, Status.SENDING, Status.FAILED],
    )
    return Case(
        When(ordering_key="", then=Value(False)), default=Exists(earlier), output_field=BooleanField()
    )


def outbox_deliver(*, message_id: int, now: datetime.datetime | None = None) -> str:
    """Send one message if it is due and first in its order. Returns its status afterwards (or why not).

    Safe to run twice, and from several workers at once: the claim is one conditional UPDATE.
    """
    now = now or timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id).annotate(blocked=_blocked_by_earlier()).first()
    if message is None:
        return "missing"
    if message.status != Status.QUEUED:
        return message.status
    if message.next_attempt_at and message.next_attempt_at > now:
        return "not due"
    if message.blocked:
        return "waiting"
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=Status.QUEUED).update(
        status=Status.SENDING, claimed_at=now, attempts=message.attempts + 1, updated_at=now
    )
    if not claimed:
        return "claimed elsewhere"
    message.attempts += 1
    message.status = Status.SENDING
    sender = _senders().get(message.kind)
    error: DeliveryError | None = None
    result: dict | None = None
    if sender is None:
        error = DeliveryError(f"No sender is registered for {message.kind!r}.", permanent=True)
    else:
        try:
            result = sender.send(message) or {}
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a timeout, a refused connection, a bug: temporary, retried with backoff
            logger.warning("outbox: message %s (%s) failed: %r", message.pk, message.kind, exc)
            error = DeliveryError(_describe(exc))
    return _record(message, result=result, error=error)


def _record(message: OutboxMessage, *, result: dict | None, error: DeliveryError | None) -> str:
    now = timezone.now()
    if error is None:
        changes = {}
        if message.payload.get("sensitive"):
            changes["payload"] = {**message.payload, "body": REMOVED, "html_body": "", "attachments": []}
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=Status.SENT,
            sent_at=now,
            result=result or {},
            last_error="",
            claimed_at=None,
            updated_at=now,
            **changes,
        )
        message.status, message.sent_at, message.result = Status.SENT, now, result or {}
        _notify_listeners(message)
        _release_next(message)
        return Status.SENT
    out_of_tries = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    if error.permanent or out_of_tries:
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED,
            last_error=error.reason[:2000],
            claimed_at=None,
            next_attempt_at=None,
            updated_at=now,
        )
        logger.error("outbox: message %s (%s) failed for good: %s", message.pk, message.kind, error.reason)
        message.status, message.last_error = Status.FAILED, error.reason[:2000]
        _notify_listeners(message)
        return Status.FAILED
    wait = error.retry_after if error.retry_after is not None else backoff_seconds(message.attempts)
    wait = min(max(wait, 1), 86400)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.QUEUED,
        last_error=error.reason[:2000],
        claimed_at=None,
        next_attempt_at=now + datetime.timedelta(seconds=wait),
        updated_at=now,
    )
    return Status.QUEUED


def _release_next(message: OutboxMessage) -> None:
    """The next message in the same order may go now."""
    if not message.ordering_key:
        return
    following = (
        OutboxMessage.objects.filter(
            ordering_key=message.ordering_key, pk__gt=message.pk, status=Status.QUEUED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        _deliver_after_commit(following)  # outside a transaction on_commit runs at once


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}" if text != exc.__class__.__name__ else text


def outbox_mark_failed(*, message_id: int, reason: str) -> OutboxMessage | None:
    """A message the server accepted came back for good (an e-mail's bounce): it is failed with the reason, and
    the listeners of the row it is about are told, as for a failure at send time. None for an unknown id."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return None
        message.status, message.last_error = Status.FAILED, reason[:2000]
        message.next_attempt_at, message.claimed_at, message.updated_at = None, None, now
        message.save(update_fields=["status", "last_error", "next_attempt_at", "claimed_at", "updated_at"])
    _notify_listeners(message)
    return message


def outbox_deliver_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """The every-minute sweep: send what is due (the broker was down, a retry's time came).

    A message stuck in "sending" longer than OUTBOX_CLAIM_TIMEOUT (its worker died) is queued again; its
    attempt counts. Returns how many messages were sent.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)
    OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.QUEUED, next_attempt_at=now, last_error="The delivery was interrupted; trying again."
    )
    due = list(
        OutboxMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in due:
        if outbox_deliver(message_id=message_id, now=now) == Status.SENT:
            sent += 1
    return sent


# --- e-mail -------------------------------------------------------------------------------------------

_CONNECTIONS: dict[str, Callable[[str], object]] = {}


def register_email_connection(prefix: str, factory: Callable[[str], object]) -> None:
    """An app that has SMTP settings of its own (a program's mailbox) resolves `connection` names
    starting with `prefix` to a Django mail connection."""
    _CONNECTIONS[prefix] = factory


def _email_connection(name: str):
    if name:
        _senders()
        for prefix, factory in _CONNECTIONS.items():
            if name.startswith(prefix):
                return factory(name)
        raise DeliveryError(f"The mail connection {name!r} no longer exists.", permanent=True)
    return get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)


@register_sender("email", label="E-mail")
def email_send(message: OutboxMessage) -> dict:
    data = message.payload
    email = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data.get("from_email") or None,
        to=data["to"],
        cc=data.get("cc") or None,
        reply_to=data.get("reply_to") or None,
        headers=data.get("headers") or {},
        connection=_email_connection(data.get("connection", "")),
    )
    if data.get("html_body"):
        email.attach_alternative(data["html_body"], "text/html")
    for item in data.get("attachments", []):
        email.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"The mail server refused the recipient(s): {_smtp_reasons(exc.recipients)}", permanent=True
        ) from exc
    except smtplib.SMTPResponseException as exc:
        reason = f"The mail server answered {exc.smtp_code}: {_decode(exc.smtp_error)}"
        raise DeliveryError(reason, permanent=500 <= exc.smtp_code < 600) from exc
    return {"message_id": data.get("headers", {}).get("Message-ID", "")}


def _decode(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _smtp_reasons(recipients: dict) -> str:
    return "; ".join(f"{address} ({code} {_decode(text)})" for address, (code, text) in recipients.items())
