"""Reads of the managers' mailbox page."""

from __future__ import annotations

from channels.models import InboundEmail
from programs.models import Program

INBOUND_LOG_SIZE = 25


def inbound_email_recent(*, program: Program, limit: int = INBOUND_LOG_SIZE) -> list[InboundEmail]:
    """The program's latest inbound messages, newest first, whatever became of them (one query; the ticket is
    linked by its id, so nothing is joined). The raw message and HTML are left out: the page shows neither."""
    return list(
        InboundEmail.objects.filter(program=program)
        .defer("html_body", "recipients")
        .order_by("-received_at", "-id")[:limit]
    )
