"""The outbox sender of outbound webhooks: one signed POST per message (channels.senders registers it).

Signed at send time, so the timestamp is the attempt's: a receiver that refuses timestamps older than five
minutes still accepts a retry made hours later.

    X-Flexdesk-Timestamp: unix seconds of this attempt
    X-Flexdesk-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>
    X-Flexdesk-Delivery:  the delivery id (the outbox message id, also the body's "id"): the same on every
                          retry, so the receiver can drop a delivery it has already taken in

2xx: sent. 429 and 503 retry after the receiver's Retry-After; other 5xx, timeouts and refused connections
retry with backoff; any other answer (4xx, a redirect, which is never followed) fails at once with the status
and the start of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from channels.errors import ChannelError
from channels.http import shared_client
from channels.models import WebhookEndpoint
from channels.webhooks.targets import webhook_target_check
from core.models import OutboxMessage
from core.outbox import DeliveryError, retry_after_seconds

TIMEOUT = httpx.Timeout(10.0)
USER_AGENT = "Flexdesk-Webhooks/1.0"
BODY_EXCERPT = 300


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Flexdesk-Signature value: what /api/docs/ tells receivers to compute."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_body(message: OutboxMessage) -> bytes:
    """The exact bytes POSTed: the stored document with the delivery id first."""
    document = {"id": message.pk, **message.payload["document"]}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _endpoint(message: OutboxMessage) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=message.payload.get("endpoint_id")).first()
    if endpoint is None:
        raise DeliveryError("The endpoint was deleted.", permanent=True)
    if not endpoint.is_active:
        raise DeliveryError("The endpoint is deactivated.", permanent=True)
    try:
        webhook_target_check(endpoint.url)
    except ChannelError as exc:
        raise DeliveryError(f"Not sent: {exc.message}", permanent=True) from exc
    return endpoint


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:BODY_EXCERPT] or response.reason_phrase or "no body"


def webhook_post_send(message: OutboxMessage) -> dict:
    endpoint = _endpoint(message)
    body = webhook_body(message)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Flexdesk-Event": message.payload["document"]["type"],
        "X-Flexdesk-Delivery": str(message.pk),
        "X-Flexdesk-Timestamp": timestamp,
        "X-Flexdesk-Signature": webhook_signature(endpoint.signing_secret, timestamp, body),
    }
    try:
        http = shared_client(
            ("webhooks", repr(TIMEOUT)), lambda: httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        )  # keep-alive, no TLS per call
        response = http.post(endpoint.url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"The endpoint did not answer in time ({exc.__class__.__name__}).") from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"Could not reach the endpoint: {exc}") from exc
    status = response.status_code
    if 200 <= status < 300:
        return {"status_code": status, "endpoint_id": endpoint.pk}
    reason = f"The endpoint answered {status}: {_excerpt(response)}"
    if status in (429, 503):
        raise DeliveryError(reason, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if status >= 500:
        raise DeliveryError(reason)
    if 300 <= status < 400:
        reason += " (redirects are not followed: register the final address)"
    raise DeliveryError(reason, permanent=True)
