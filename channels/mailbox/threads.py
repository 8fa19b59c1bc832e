"""A ticket's e-mail conversation: the token of its reply address and the Message-IDs that belong to it.

The token is the only thing a customer's answer needs to find its ticket (support+<token>@…): 80 random bits,
written in lower-case base32 because some mail systems lower-case the local part of an address.
In-Reply-To and References are the fallback (a client that answered the support address itself).
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from channels.models import MailboxConnection, MailMessageRef, MailThread
from queues.models import Ticket

TOKEN_RE = re.compile(r"^[a-z2-7]{16}$")


def thread_token_new() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def mail_thread_for(ticket: Ticket) -> MailThread:
    """The ticket's thread, made on first use (a ticket that came in another way gets one at its first reply)."""
    found = MailThread.objects.filter(ticket=ticket).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return MailThread.objects.create(
                ticket=ticket, program_id=ticket.program_id, token=thread_token_new()
            )
    except IntegrityError:
        return MailThread.objects.get(ticket=ticket)


def mail_thread_start(*, ticket: Ticket, message_id: str) -> MailThread:
    """A ticket the customer's e-mail just opened: its thread and first Message-ID, two plain inserts (the
    ticket is new, so neither can exist yet; this runs once per inbound e-mail)."""
    thread = MailThread.objects.create(ticket=ticket, program_id=ticket.program_id, token=thread_token_new())
    if message_id:
        MailMessageRef.objects.create(
            program_id=ticket.program_id,
            ticket=ticket,
            message_id=message_id[:255],
            direction=MailMessageRef.Direction.IN,
        )
    return thread


def token_from_address(connection: MailboxConnection, address: str) -> str | None:
    """The token of support+<token>@domain when `address` is the connection's support address plus a tag."""
    local, _, domain = (address or "").strip().lower().partition("@")
    support_local, _, support_domain = connection.support_address.lower().partition("@")
    if domain != support_domain or "+" not in local:
        return None
    base, _, tag = local.partition("+")
    return tag if base == support_local and TOKEN_RE.match(tag) else None


def is_support_address(connection: MailboxConnection, address: str) -> bool:
    local, _, domain = (address or "").strip().lower().partition("@")
    support_local, _, support_domain = connection.support_address.lower().partition("@")
    return domain == support_domain and local.partition("+")[0] == support_local


def ticket_for_token(*, program_id: int, token: str) -> Ticket | None:
    thread = MailThread.objects.select_related("ticket").filter(program_id=program_id, token=token).first()
    return thread.ticket if thread is not None else None


def ticket_for_references(*, program_id: int, message_ids: Iterable[str]) -> Ticket | None:
    """The ticket of the latest known Message-ID among `message_ids` (In-Reply-To first, then References)."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    refs = {
        r.message_id: r
        for r in MailMessageRef.objects.select_related("ticket").filter(
            program_id=program_id, message_id__in=ids
        )
    }
    for message_id in ids:
        if message_id in refs:
            return refs[message_id].ticket
    return None


def message_ref_add(
    *,
    ticket: Ticket,
    message_id: str,
    direction: str,
    ticket_message=None,
    outbox_message_id: int | None = None,
) -> None:
    """Remember that `message_id` belongs to the ticket's conversation (a repeat changes nothing)."""
    if not message_id:
        return
    MailMessageRef.objects.get_or_create(
        program_id=ticket.program_id,
        message_id=message_id[:255],
        defaults={
            "ticket": ticket,
            "direction": direction,
            "ticket_message": ticket_message,
            "outbox_message_id": outbox_message_id,
        },
    )


def thread_message_ids(ticket: Ticket, *, limit: int = 20) -> list[str]:
    """The conversation's Message-IDs, oldest first (the References of our next reply; at most `limit`, keeping
    the first, as RFC 5322 suggests when trimming)."""
    ids = list(
        MailMessageRef.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    if len(ids) > limit:
        ids = [ids[0], *ids[-(limit - 1) :]]
    return ids


def last_customer_message_id(ticket: Ticket) -> str:
    return (
        MailMessageRef.objects.filter(ticket=ticket, direction=MailMessageRef.Direction.IN)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)
        .first()
        or ""
    )
