"""What /api/docs/ says about outbound webhooks: one OpenAPI 3.1 webhook per event type (SPECTACULAR_SETTINGS
"WEBHOOKS"), their headers, and how a receiver verifies the signature (webhooks_docs_hook).

The serializers here only describe the documents channels.webhooks.events writes; a test compares a real
delivery with them.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from channels.models import WebhookEndpoint
from queues.models import Ticket

E = WebhookEndpoint.Event

VERIFYING = """
## Outbound webhooks

A support manager registers endpoints on the program's channel page (Webhooks) and picks the events each
receives: `ticket.routed`, `ticket.replied`, `ticket.noted`, `ticket.escalated`, `ticket.status_changed`
(see **Webhooks** below for each body). Flexdesk POSTs each event as JSON, one ticket's events in order, and
retries for about six hours while the endpoint does not answer 2xx.

| header | value |
| --- | --- |
| `Content-Type` | `application/json` |
| `X-Flexdesk-Event` | the event type, as the body's `type` |
| `X-Flexdesk-Delivery` | the delivery id, as the body's `id`: the same on every retry, so drop one you already took in |
| `X-Flexdesk-Timestamp` | when this attempt was signed, in Unix seconds |
| `X-Flexdesk-Signature` | `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"` with the endpoint's signing secret |

Answers: any 2xx means delivered. 429 and 503 are retried after your `Retry-After` (seconds or an HTTP
date); other 5xx, timeouts (10 s) and refused connections are retried with backoff; any other answer
(4xx, or a redirect, which is never followed) fails the delivery at once, and the manager sees your status
and the start of your body in the endpoint's delivery log, with Retry.

### Verifying a delivery

Compute the signature over the raw body exactly as received (before parsing it), compare in constant
time, and refuse timestamps more than five minutes away from your clock (a replayed request):

```python
import hashlib
import hmac
import time

def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    timestamp = headers["X-Flexdesk-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", headers["X-Flexdesk-Signature"])
```

The secret is shown once, when the endpoint is registered or its secret is rotated; deliveries made after
a rotation are signed with the new secret.
"""

HEADERS = [
    ("X-Flexdesk-Event", "The event type (the body's `type`).", {"type": "string", "enum": E.values}),
    (
        "X-Flexdesk-Delivery",
        "The delivery id (the body's `id`); the same on every retry.",
        {"type": "string"},
    ),
    (
        "X-Flexdesk-Timestamp",
        "Unix seconds of this attempt: refuse more than five minutes off.",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
    (
        "X-Flexdesk-Signature",
        '`sha256=` + hex HMAC-SHA256(secret, `"{timestamp}.{body}"`).',
        {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
    ),
]


class WebhookPersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()


class WebhookTicketSerializer(serializers.Serializer):
    """The ticket as it was when the event happened."""

    id = serializers.IntegerField(help_text="Flexdesk's ticket id (GET /api/v1/tickets/{id}/).")
    external_id = serializers.CharField(help_text="The ticket's id in the helpdesk it came from.")
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    queue = serializers.ChoiceField(choices=Ticket.Queue.choices)
    assignee = WebhookPersonSerializer(
        allow_null=True, help_text="The freelancer or in-house agent, or null."
    )


class WebhookMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    author = WebhookPersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookEscalationSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="The reason's code in the program's escalation rules.")
    reason_label = serializers.CharField()
    note = serializers.CharField(allow_blank=True, help_text="The freelancer's hand-off note.")


class WebhookRoutedDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    change = serializers.ChoiceField(
        choices=["routed", "assigned", "reassigned"],
        help_text="Routed by Flexdesk, assigned in-house, or reassigned by a manager.",
    )
    reason = serializers.CharField(help_text="Why, in words (the ticket timeline's line).")


class WebhookMessageDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    message = WebhookMessageSerializer(allow_null=True)


class WebhookEscalatedDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    escalation = WebhookEscalationSerializer()


class WebhookStatusDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    status = serializers.ChoiceField(choices=Ticket.Status.choices, help_text="The status it moved to.")


def _envelope(event_type: str, data_serializer: type[serializers.Serializer], name: str):
    fields = {
        "id": serializers.IntegerField(help_text="The delivery id (X-Flexdesk-Delivery): dedupe on it."),
        "type": serializers.ChoiceField(choices=[str(event_type)]),
        "created_at": serializers.DateTimeField(help_text="When the event happened (UTC)."),
        "program": serializers.SlugField(help_text="The program's slug."),
        "data": data_serializer(),
    }
    return type(name, (serializers.Serializer,), fields)


def _webhook(event_type: str, data_serializer, name: str, summary: str, what: str) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=str(event_type),
        decorator=extend_schema(
            summary=summary,
            description=f"{what}\n\nSigned as described under *Verifying a delivery* at the top of this page.",
            request=_envelope(event_type, data_serializer, name),
            responses={
                "2XX": OpenApiResponse(description="Delivered (the body is not read)."),
                "429": OpenApiResponse(description="Retried after Retry-After."),
                "503": OpenApiResponse(description="Retried after Retry-After."),
                "5XX": OpenApiResponse(description="Retried with backoff."),
                "4XX": OpenApiResponse(
                    description="The delivery fails at once (shown in the log, with Retry)."
                ),
            },
        ),
    )


ROUTED = _webhook(
    E.ROUTED,
    WebhookRoutedDataSerializer,
    "WebhookTicketRoutedSerializer",
    "A ticket was routed",
    "Routing gave the ticket to a freelancer or the in-house queue, or someone assigned or reassigned it.",
)
REPLIED = _webhook(
    E.REPLIED,
    WebhookMessageDataSerializer,
    "WebhookTicketRepliedSerializer",
    "A public reply was written",
    "A freelancer or agent replied to the customer; deliver "
    "`data.message.body` to them if your system is the channel.",
)
NOTED = _webhook(
    E.NOTED,
    WebhookMessageDataSerializer,
    "WebhookTicketNotedSerializer",
    "An internal note",
    "An internal note (never for the customer), including the in-house team's guidance when it sends "
    "a ticket back to the freelancers.",
)
ESCALATED = _webhook(
    E.ESCALATED,
    WebhookEscalatedDataSerializer,
    "WebhookTicketEscalatedSerializer",
    "A ticket was escalated",
    "The ticket went to the in-house team, with a reason and a hand-off note.",
)
STATUS_CHANGED = _webhook(
    E.STATUS_CHANGED,
    WebhookStatusDataSerializer,
    "WebhookTicketStatusChangedSerializer",
    "A ticket's status changed",
    "Pending (waiting on the customer), solved, or reopened.",
)


def webhooks_docs_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: the headers of every webhook, and the guide in the description."""
    parameters = [
        {"in": "header", "name": name, "required": True, "description": text, "schema": schema}
        for name, text, schema in HEADERS
    ]
    for operations in result.get("webhooks", {}).values():
        for operation in operations.values():
            operation["parameters"] = parameters
    info = result.setdefault("info", {})
    if "## Outbound webhooks" not in info.get("description", ""):
        info["description"] = (info.get("description", "") + "\n" + VERIFYING).strip()
    return result
