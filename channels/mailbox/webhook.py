"""Inbound mail through an e-mail provider's webhook (django-anymail): Mailgun's route forward() for now.

Anymail's view checks Mailgun's signature (HMAC-SHA256 of timestamp + token with the webhook signing key,
ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]) and answers 400 to a request that fails it, before any of our code
runs; it turns both of Mailgun's forms (the raw "mime" one and the parsed fields) into one message and sends
anymail's `inbound` signal, which mail_received() below answers: the message, as raw bytes, goes through
mail_receive() like a message read over IMAP. A repeated delivery is stored once (its Message-ID).
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunInboundWebhookView

from channels.mailbox.inbound import mail_receive
from channels.models import InboundEmail

logger = logging.getLogger(__name__)


class MailgunInboundView(MailgunInboundWebhookView):
    """Anymail's Mailgun inbound view, refusing every request while no signing key is set (an empty key would
    make anyone's HMAC valid)."""

    def validate_request(self, request):
        if not self.webhook_signing_key:
            raise AnymailWebhookValidationFailure(
                "Mailgun's webhook signing key is not set "
                "(MAILGUN_WEBHOOK_SIGNING_KEY): inbound mail is refused."
            )


def mail_received(sender, event, esp_name, **kwargs) -> None:
    """anymail's `inbound` signal: take the message in."""
    raw = _raw_bytes(event)
    recipients = [
        address.strip() for address in (event.message.envelope_recipient or "").split(",") if address.strip()
    ]
    inbound = mail_receive(raw=raw, source=InboundEmail.Source.WEBHOOK, envelope_recipients=recipients)
    logger.info("mailbox: %s inbound webhook: %s (%s)", esp_name, inbound.outcome, inbound.message_id)


def _raw_bytes(event) -> bytes:
    """The message as it was sent when the provider posted it whole (Mailgun's body-mime), else anymail's
    message serialised (the parsed-fields form, rebuilt by anymail from the fields)."""
    request = event.esp_event
    body_mime = getattr(request, "POST", {}).get("body-mime") if request is not None else None
    if body_mime:
        return body_mime.encode("utf-8", "surrogateescape")
    try:
        return event.message.as_bytes()
    except (UnicodeError, LookupError, ValueError, TypeError):
        return event.message.as_string().encode("utf-8", "surrogateescape")
