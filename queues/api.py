"""REST API: ticket intake and reads (token auth), and the Zendesk webhook (signature auth)."""

import base64
import binascii
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.models import Channel, Program
from queues import selectors
from queues.errors import IntakeError, WebhookSignatureError
from queues.models import QueueSettings, Ticket
from queues.serializers import (
    CustomerMessageInSerializer,
    CustomerMessageSerializer,
    TicketDetailSerializer,
    TicketIntakeSerializer,
    TicketListSerializer,
    TicketSerializer,
    ticket_payload,
)
from queues.services.intake import ticket_intake, ticket_type_resolve
from queues.services.tickets import ticket_customer_message

logger = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 1024 * 1024


def _too_big(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared >= MAX_REQUEST_BYTES


def _json_body(request) -> dict:
    """Parse the raw body ourselves (size checked first), so errors are 400s with a clear message."""
    raw = request.body
    if len(raw) >= MAX_REQUEST_BYTES:
        raise ParseError("The request body is too large (limit 1 MB).")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ParseError("The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ParseError("Send a JSON object.")
    return data


def _too_big_response():
    return Response({"non_field_errors": ["The request body is too large (limit 1 MB)."]},
                    status=status.HTTP_400_BAD_REQUEST)


def _program_for_intake(*, slug: str, user) -> Program:
    """The user's program with this slug and its queue policy (intake reads it), in one query.

    Raises IntakeError (400) for a slug no program has, Http404 for another manager's program.
    """
    program = selectors.program_for_intake(user=user, slug=slug)
    if program is not None:
        return program
    if Program.objects.filter(slug=slug).exists():
        raise Http404("No such program.")
    raise IntakeError(f"No program with the slug “{slug}”.", field="program")


def _ticket_response(ticket: Ticket, *, program: Program, created: bool) -> Response:
    """201 with a new ticket, 200 with one received before (as it is now, routing included).

    A new ticket is answered as committed, without reading it again: a Celery worker routes it (queue and
    assignee show on the next read). Without a broker routing ran in-process at commit, so it is read again.
    """
    if not created or settings.CELERY_TASK_ALWAYS_EAGER:
        ticket = Ticket.objects.select_related("assignee").get(pk=ticket.pk)
    ticket.program = program
    return Response(ticket_payload(ticket), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TicketListCreateAPI(generics.ListAPIView):
    """Tickets of the programs the token's user manages."""

    serializer_class = TicketListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("program", str, description="Program slug"),
            OpenApiParameter("status", str, enum=Ticket.Status.values),
            OpenApiParameter("queue", str, enum=Ticket.Queue.values),
            OpenApiParameter("external_id", str),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from django.utils.dateparse import parse_datetime

        params = self.request.query_params
        since = parse_datetime(params.get("updated_since", "") or "") if params.get("updated_since") else None
        return selectors.ticket_list_for_api(
            user=self.request.user, program=params.get("program") or None, status=params.get("status") or None,
            queue=params.get("queue") or None, external_id=params.get("external_id") or None, updated_since=since,
        )

    @extend_schema(
        request=TicketIntakeSerializer,
        responses={201: TicketSerializer, 200: OpenApiResponse(TicketSerializer, description="Already received"),
                   400: OpenApiResponse(description="Field errors"), 404: OpenApiResponse(description="Not your program")},
        description="Take a ticket in. The same (program, external_id) again answers 200 with the existing ticket. "
                    "Routing runs right after intake, in the background: `queue` and `assignee` show its decision "
                    "when you read the ticket again (GET /api/v1/tickets/{id}/).",
    )
    def post(self, request, *args, **kwargs):
        if _too_big(request):
            return _too_big_response()
        serializer = TicketIntakeSerializer(data=_json_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        program = _program_for_intake(slug=data["program"], user=request.user)
        ticket_type = ticket_type_resolve(program=program, value=data.get("ticket_type"))
        # ticket_intake is atomic: routing is enqueued when it commits.
        ticket, created = ticket_intake(
            program=program, external_id=data["external_id"], subject=data["subject"], body=data["body"],
            requester_email=data["requester_email"], requester_name=data.get("requester_name", ""),
            channel=data["channel"], ticket_type=ticket_type, language=data["language"],
            priority=data["priority"], source=Ticket.Source.API, actor=request.user,
        )
        return _ticket_response(ticket, program=program, created=created)


class TicketDetailAPI(generics.RetrieveAPIView):
    serializer_class = TicketDetailSerializer

    def get_object(self):
        ticket = selectors.ticket_get_for_api(user=self.request.user, pk=self.kwargs["pk"])
        if ticket is None:
            raise Http404("No such ticket.")
        return ticket


def _customer_message_response(ticket: Ticket, *, body: str, external_id: str) -> Response:
    message, created = ticket_customer_message(ticket=ticket, body=body, external_id=external_id)
    message.ticket = Ticket.objects.select_related("program", "assignee").get(pk=ticket.pk)
    return Response(CustomerMessageSerializer(message).data,
                    status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TicketCustomerMessageAPI(APIView):
    """The customer wrote again on a ticket (a follow-up in the helpdesk)."""

    @extend_schema(
        request=CustomerMessageInSerializer,
        responses={201: CustomerMessageSerializer,
                   200: OpenApiResponse(CustomerMessageSerializer, description="Already received"),
                   400: OpenApiResponse(description="Field errors, or the ticket is closed"),
                   404: OpenApiResponse(description="Not a ticket of your programs")},
        description="Record the customer's new message. A ticket pending on the customer is open again (its "
                    "resolution clock restarts); a solved one is reopened; a closed one answers 400 (send the "
                    "message in as a new ticket). The same external_id again answers 200 and changes nothing.",
    )
    def post(self, request, pk):
        if _too_big(request):
            return _too_big_response()
        ticket = selectors.ticket_get_for_api(user=request.user, pk=pk)
        if ticket is None:
            raise Http404("No such ticket.")
        serializer = CustomerMessageInSerializer(data=_json_body(request))
        serializer.is_valid(raise_exception=True)
        return _customer_message_response(ticket, body=serializer.validated_data["body"],
                                          external_id=serializer.validated_data["external_id"])


def verify_zendesk_signature(*, secret: str, timestamp: str, body: bytes, signature: str) -> None:
    """Zendesk signs base64(HMAC-SHA256(secret, timestamp + body)). Raise WebhookSignatureError when it does not match."""
    if not secret or not timestamp or not signature:
        raise WebhookSignatureError("missing signature")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSignatureError("malformed signature")
    if not hmac.compare_digest(digest, given):
        raise WebhookSignatureError("wrong signature")


def zendesk_comment(payload: dict) -> dict | None:
    """The comment of a Zendesk "comment added" event ({"type": "zen:event-type:ticket.comment_added",
    "detail": {ticket}, "event": {"comment": {...}}}), or None for any other payload (a new ticket)."""
    if not str(payload.get("type") or "").endswith("ticket.comment_added"):
        return None
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else {}
    author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
    return {"ticket_id": str(detail.get("id") or ""), "external_id": str(comment.get("id") or ""),
            "body": str(comment.get("body") or ""), "by_staff": bool(author.get("is_staff"))}


def zendesk_ticket_fields(payload: dict) -> dict:
    """Map a Zendesk ticket-created payload (a trigger's JSON with "ticket", or an event with "detail")."""
    ticket = payload.get("ticket") or payload.get("detail") or payload
    if not isinstance(ticket, dict):
        raise ParseError("No ticket in the payload.")
    requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
    via = ticket.get("via") if isinstance(ticket.get("via"), dict) else {}
    channel = str(via.get("channel") or ticket.get("channel") or "email").lower()
    channel = {"web": "email", "mail": "email", "chat": "chat", "voice": "phone", "twitter": "social",
               "facebook": "social", "sms": "sms", "native_messaging": "chat", "api": "email",
               "web_service": "email"}.get(channel, channel)
    tags = ticket.get("tags") if isinstance(ticket.get("tags"), list) else []
    locale = str(requester.get("locale") or ticket.get("locale") or ticket.get("language") or "en")
    priority = str(ticket.get("priority") or "normal").lower()
    return {
        "external_id": str(ticket.get("id") or payload.get("id") or ""),
        "subject": ticket.get("subject") or "",
        "body": ticket.get("description") or ticket.get("body") or "",
        "requester_email": requester.get("email") or ticket.get("requester_email") or "",
        "requester_name": requester.get("name") or ticket.get("requester_name") or "",
        "channel": channel,
        "ticket_type": ticket.get("ticket_type") or ticket.get("type_slug") or "",
        "tags": [str(t) for t in tags],
        "language": locale.lower()[:10],
        "priority": priority,
    }


class ZendeskWebhookAPI(APIView):
    """Zendesk ticket-created webhook for one program, verified with the program's signing secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("X-Zendesk-Webhook-Signature", str, OpenApiParameter.HEADER, required=True),
                    OpenApiParameter("X-Zendesk-Webhook-Signature-Timestamp", str, OpenApiParameter.HEADER,
                                     required=True)],
        responses={201: TicketSerializer, 200: TicketSerializer, 400: OpenApiResponse(description="Bad payload"),
                   401: OpenApiResponse(description="Bad or missing signature")},
    )
    def post(self, request, program_slug):
        program = Program.objects.filter(slug=program_slug).select_related("queue_settings").first()
        if program is None:
            raise Http404("No such program.")
        if _too_big(request):
            return _too_big_response()
        body = request.body
        secret = QueueSettings.for_program(program).zendesk_signing_secret
        try:
            verify_zendesk_signature(
                secret=secret, body=body,
                timestamp=request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", ""),
                signature=request.headers.get("X-Zendesk-Webhook-Signature", ""),
            )
        except WebhookSignatureError as exc:
            logger.warning("queues: rejected Zendesk webhook for %s: %s", program_slug, exc)
            return Response({"detail": "Invalid webhook signature."}, status=status.HTTP_401_UNAUTHORIZED)
        payload = _json_body(request)
        comment = zendesk_comment(payload)
        if comment is not None:
            return self.comment_added(program, comment)
        fields = zendesk_ticket_fields(payload)
        tags = fields.pop("tags")
        type_value = fields.pop("ticket_type")
        if not type_value:
            type_value = next((t for t in tags if program.ticket_types.filter(slug=t).exists()), "")
        fields["channel"] = fields["channel"] if fields["channel"] in Channel.values else Channel.OTHER
        fields["priority"] = fields["priority"] if fields["priority"] in Ticket.Priority.values else "normal"
        fields["language"] = fields["language"].replace("_", "-")
        serializer = TicketIntakeSerializer(data={**fields, "program": program.slug, "ticket_type": type_value})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ticket_type = ticket_type_resolve(program=program, value=data.get("ticket_type"))
        ticket, created = ticket_intake(
            program=program, external_id=data["external_id"], subject=data["subject"], body=data["body"],
            requester_email=data["requester_email"], requester_name=data.get("requester_name", ""),
            channel=data["channel"], ticket_type=ticket_type, language=data["language"],
            priority=data["priority"], source=Ticket.Source.ZENDESK,
        )
        return _ticket_response(ticket, program=program, created=created)

    def comment_added(self, program: Program, comment: dict) -> Response:
        """A comment on a ticket we hold: the customer's becomes a customer message; an agent's (our own replies,
        synced back) changes nothing."""
        if comment["by_staff"]:
            return Response({"detail": "Ignored: written by an agent."}, status=status.HTTP_200_OK)
        ticket = (Ticket.objects.filter(program=program, external_id=comment["ticket_id"]).first()
                  if comment["ticket_id"] else None)
        if ticket is None:
            raise Http404("No such ticket in this program.")
        return _customer_message_response(ticket, body=comment["body"], external_id=comment["external_id"])
