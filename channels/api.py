"""The Zendesk webhook of a program: events and trigger bodies in, verified exactly as Zendesk signs them."""

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.models import ZendeskConnection
from channels.zendesk import inbound
from core.outbox import DeliveryError
from core.parsers import json_parse
from queues.errors import WebhookSignatureError
from queues.serializers import ticket_payload

logger = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 1024 * 1024
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


def _refused(slug: str, why: str) -> Response:
    logger.warning("channels: refused a Zendesk webhook for %s: %s", slug, why)
    return Response({"detail": "Invalid webhook signature."}, status=status.HTTP_401_UNAUTHORIZED)


class ZendeskWebhookAPI(APIView):
    """Zendesk's webhook for one program (event subscriptions and trigger/automation JSON bodies).

    Answers 401 and stores nothing for an unknown program, a missing or wrong signature, or a signature
    timestamp more than five minutes from now; the same delivery again answers 200 and changes nothing;
    event types Flexdesk does not act on answer 200.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="base64(HMAC-SHA256(signing secret, timestamp + body))",
            ),
            OpenApiParameter(
                TIMESTAMP_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="ISO 8601; must be within five minutes of now",
            ),
        ],
        responses={
            201: OpenApiResponse(description="A ticket or message was taken in"),
            200: OpenApiResponse(description="Received; already taken in, or nothing to change"),
            400: OpenApiResponse(description="A malformed event, with the reason"),
            401: OpenApiResponse(description="Bad or missing signature, stale timestamp, unknown program"),
            503: OpenApiResponse(description="Zendesk could not be asked for what the event lacks"),
        },
    )
    def post(self, request, program_slug):
        connection = (
            ZendeskConnection.objects.filter(program__slug=program_slug).select_related("program").first()
        )
        body = request.body
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if connection is None:
            return _refused(program_slug, "no Zendesk connection")
        if len(body) >= MAX_REQUEST_BYTES:
            return Response({"detail": "The request body is too large (limit 1 MB)."}, status=400)
        program = connection.program
        if inbound.signature_matches(
            secret=inbound.ZENDESK_TEST_SECRET, timestamp=timestamp, body=body, signature=signature
        ):
            return Response({"detail": "Test received. Flexdesk changes nothing for a test request."})
        try:
            inbound.verify_zendesk_signature(
                secret=connection.webhook_signing_secret, timestamp=timestamp, body=body, signature=signature
            )
        except WebhookSignatureError as exc:
            return _refused(program_slug, str(exc))
        payload = json_parse(body) if body.strip() else {}
        if not isinstance(payload, dict):
            raise ParseError("Send a JSON object.")
        if not payload:
            return Response({"detail": "Received an empty body; nothing to do."})
        fetched = None
        fetch_id = inbound.needs_fetch(program=program, payload=payload)
        if fetch_id and connection.can_call_api:
            try:
                fetched = inbound.fetch_ticket(connection, fetch_id)  # outside any transaction
            except DeliveryError as exc:
                if exc.permanent:
                    return Response(
                        {"detail": f"Zendesk refused to show ticket {fetch_id}: {exc.reason}"}, status=400
                    )
                return Response(
                    {"detail": f"Zendesk could not be asked about ticket {fetch_id}: {exc.reason}"},
                    status=503,
                    headers={"Retry-After": "60"},
                )
        outcome = inbound.event_apply(program=program, payload=payload, fetched=fetched, signature=signature)
        answer = {"detail": outcome.detail}
        if outcome.ticket is not None:
            outcome.ticket.program = program
            answer["ticket"] = ticket_payload(outcome.ticket)
        return Response(answer, status=outcome.status)
