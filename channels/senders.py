"""Outbox senders for Zendesk (core.outbox discovers this module) and what delivery tells the replies.

Each message is one ticket update (PUT /api/v2/tickets/{id}.json) built when the change happened
(channels.outbound); credentials are read from the connection at send time and never stored in the outbox.

Idempotency: every update carries the outbox message id in the audit's custom metadata and as the
Idempotency-Key header. A retry after an answer was lost (a timeout) first reads the ticket's latest audits:
if the update is there, it was delivered and is not posted again.
"""

from __future__ import annotations

from channels.mailbox import outbound as mailbox_outbound
from channels.models import ZendeskConnection, ZendeskSentComment
from channels.webhooks.delivery import webhook_post_send
from channels.zendesk.client import ZendeskClient
from core.models import OutboxMessage
from core.outbox import (
    DeliveryError,
    email_enqueue,
    email_send,
    register_delivery_listener,
    register_email_connection,
    register_sender,
)
from queues.models import TicketMessage

METADATA_KEY = "flexdesk_outbox_id"
COMMENT_EVENTS = ("Comment", "VoiceComment")


def _connection(program_id: int) -> ZendeskConnection:
    connection = ZendeskConnection.objects.filter(program_id=program_id).first()
    if connection is None or not connection.can_call_api:
        raise DeliveryError(
            "The program is not connected to Zendesk (no API e-mail, token or URL).", permanent=True
        )
    return connection


def _comment_id(audit: dict) -> int | None:
    return next(
        (
            event.get("id")
            for event in audit.get("events") or []
            if event.get("type") in COMMENT_EVENTS and event.get("id")
        ),
        None,
    )


def _delivered_before(client: ZendeskClient, zendesk_ticket_id: int, message_id: int) -> dict | None:
    for audit in client.ticket_audits(zendesk_ticket_id):
        custom = (audit.get("metadata") or {}).get("custom") or {}
        if str(custom.get(METADATA_KEY, "")) == str(message_id):
            return audit
    return None


def zendesk_ticket_update_send(message: OutboxMessage) -> dict:
    payload = message.payload
    connection = _connection(payload["program_id"])
    zendesk_ticket_id = payload["zendesk_ticket_id"]
    ticket = dict(payload.get("update") or {})
    if payload.get("comment"):
        ticket["comment"] = payload["comment"]
    ticket["metadata"] = {METADATA_KEY: message.pk}
    with ZendeskClient.for_connection(connection) as client:
        audit = None
        if payload.get("comment") and message.attempts > 1:
            audit = _delivered_before(client, zendesk_ticket_id, message.pk)
        if audit is None:
            answer = client.ticket_update(
                zendesk_ticket_id, ticket, idempotency_key=f"flexdesk-outbox-{message.pk}"
            )
            audit = answer.get("audit") or {}
    comment_id = _comment_id(audit) if payload.get("comment") else None
    if comment_id:
        # The comment_added webhook this causes comes back: this row makes it an echo.
        ZendeskSentComment.objects.get_or_create(
            program_id=payload["program_id"],
            comment_id=comment_id,
            defaults={"ticket_id": payload["ticket_id"], "outbox_message_id": message.pk},
        )
    return {"zendesk_ticket_id": zendesk_ticket_id, "audit_id": audit.get("id"), "comment_id": comment_id}


register_sender("webhook.post", label="Webhook")(webhook_post_send)  # channels.webhooks: outbound webhooks

# The shared mailbox (channels.mailbox.outbound): a reply is an ordinary e-mail, sent through the program's own
# SMTP server ("mailbox:<program id>") when it has one.
register_sender("mailbox.reply", label="Shared mailbox: reply")(email_send)
register_email_connection(mailbox_outbound.CONNECTION_PREFIX, mailbox_outbound.smtp_connection)

for _kind, _label in [
    ("zendesk.assign", "Zendesk: assignment"),
    ("zendesk.reply", "Zendesk: public reply"),
    ("zendesk.note", "Zendesk: internal note"),
    ("zendesk.escalate", "Zendesk: escalation"),
    ("zendesk.status", "Zendesk: status"),
]:
    register_sender(_kind, label=_label)(zendesk_ticket_update_send)


@register_delivery_listener("queues.ticketmessage")
def reply_delivery_failed(outbox_message: OutboxMessage) -> None:
    """A reply that did not reach the customer, for good (Zendesk refused it; the mail server refused it, or it
    bounced later): its author, and for an e-mail the ticket's current holder too, are told (the ticket page
    shows it as well). One e-mail per person and failure, however often the listener is called."""
    if outbox_message.status != OutboxMessage.Status.FAILED or outbox_message.kind not in FAILURE_WORDING:
        return
    reply = (
        TicketMessage.objects.select_related("author", "ticket__assignee__user", "ticket__inhouse_assignee")
        .filter(pk=outbox_message.subject_id)
        .first()
    )
    if reply is None:
        return
    from django.conf import settings
    from django.urls import reverse

    ticket, author = reply.ticket, reply.author
    channel, key = FAILURE_WORDING[outbox_message.kind]
    people = [author]
    if (
        outbox_message.kind == "mailbox.reply"
    ):  # the person now answering the customer must know they did not get it
        people += [ticket.assignee.user if ticket.assignee_id else None, ticket.inhouse_assignee]
    told = set()
    site = settings.SITE_URL.rstrip("/")
    for person in people:
        if person is None or not person.email or person.pk in told:
            continue
        told.add(person.pk)
        page = "queues:manage_ticket" if person.is_inhouse else "queues:portal_ticket"
        link = site + reverse(page, kwargs={"pk": ticket.pk})
        is_author = author is not None and person.pk == author.pk
        opening = "Your reply" if is_author else f"The reply by {author or 'Flexdesk'}"
        email_enqueue(
            to=[person.email],
            program_id=outbox_message.program_id,  # not about=reply: its state is the delivery's
            subject=(
                f"Your reply on ticket #{ticket.pk} did not reach the customer"
                if is_author
                else f"A reply on your ticket #{ticket.pk} did not reach the customer"
            ),
            body=(
                f"{opening} on “{ticket.subject}” "
                f"could not be delivered {channel}:\n\n{outbox_message.last_error}\n\n"
                f"A manager can retry it from the program's deliveries page; the ticket: {link}\n"
            ),
            dedupe_key=f"{key}:{outbox_message.pk}:{outbox_message.attempts}"
            + ("" if is_author else f":{person.pk}"),
        )


# A reply kind's failure, told: "could not be delivered <channel>", and its dedupe key's prefix.
FAILURE_WORDING = {
    "zendesk.reply": ("to Zendesk", "zendesk-reply-failed"),
    "mailbox.reply": ("to the customer by e-mail", "mailbox-reply-failed"),
}
