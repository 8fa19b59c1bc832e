"""REST API: ticket intake and reads (token auth), and the Zendesk webhook (signature auth)."""

import logging

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import json_parse
from core.scoping import not_found_in_scope
from programs.models import Program
from queues import selectors
from queues.errors import IntakeError
from queues.models import Ticket
from queues.serializers import (
    BATCH_INTAKE,
    INTAKE,
    CustomerMessageInSerializer,
    CustomerMessageSerializer,
    TicketBatchIntakeSerializer,
    TicketDetailSerializer,
    TicketIntakeSerializer,
    TicketListFilterSerializer,
    TicketListSerializer,
    TicketSerializer,
    intake_validate,
    ticket_payload,
)
from queues.services.intake import (
    MAX_BATCH,
    TicketIn,
    ticket_intake,
    ticket_type_key,
    ticket_type_resolve,
    ticket_types_resolve,
    tickets_intake,
)
from queues.services.tickets import ticket_customer_message

logger = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 1024 * 1024
# A batch of tickets: under Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which refuses a bigger body first.
MAX_BATCH_REQUEST_BYTES = 2 * 1024 * 1024


def _too_big(request, limit: int = MAX_REQUEST_BYTES) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared >= limit


def _json_body(request, limit: int = MAX_REQUEST_BYTES) -> dict:
    """Parse the raw body ourselves (size checked first), so errors are 400s with a clear message."""
    raw = request.body
    if len(raw) >= limit:
        raise ParseError(f"The request body is too large (limit {limit // (1024 * 1024)} MB).")
    data = json_parse(raw)
    if not isinstance(data, dict):
        raise ParseError("Send a JSON object.")
    return data


def _too_big_response(limit: int = MAX_REQUEST_BYTES):
    return Response(
        {"non_field_errors": [f"The request body is too large (limit {limit // (1024 * 1024)} MB)."]},
        status=status.HTTP_400_BAD_REQUEST,
    )


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

    @extend_schema(parameters=[TicketListFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # Blank parameters mean "no filter", as they always did.
        filters = TicketListFilterSerializer(data={k: v for k, v in self.request.query_params.items() if v})
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        return selectors.ticket_list_for_api(
            user=self.request.user,
            program=params.get("program"),
            status=params.get("status"),
            queue=params.get("queue"),
            external_id=params.get("external_id"),
            updated_since=params.get("updated_since"),
        )

    @extend_schema(
        request=TicketIntakeSerializer,
        responses={
            201: TicketSerializer,
            200: OpenApiResponse(TicketSerializer, description="Already received"),
            400: OpenApiResponse(description="Field errors"),
            404: OpenApiResponse(description="Not your program"),
        },
        description="Take a ticket in. The same (program, external_id) again answers 200 with the existing ticket. "
        "Routing runs right after intake, in the background: `queue` and `assignee` show its decision "
        "when you read the ticket again (GET /api/v1/tickets/{id}/).",
    )
    def post(self, request, *args, **kwargs):
        if _too_big(request):
            return _too_big_response()
        data = intake_validate(INTAKE, _json_body(request))
        program = _program_for_intake(slug=data["program"], user=request.user)
        ticket_type = ticket_type_resolve(program=program, value=data.get("ticket_type"))
        # ticket_intake is atomic: routing is enqueued when it commits.
        ticket, created = ticket_intake(
            program=program,
            external_id=data["external_id"],
            subject=data["subject"],
            body=data["body"],
            requester_email=data["requester_email"],
            requester_name=data.get("requester_name", ""),
            channel=data["channel"],
            ticket_type=ticket_type,
            language=data["language"],
            priority=data["priority"],
            source=Ticket.Source.API,
            actor=request.user,
        )
        return _ticket_response(ticket, program=program, created=created)


_BATCH_RESULT = inline_serializer(
    "TicketBatchIntakeResult",
    {
        "created": serializers.IntegerField(help_text="Tickets new to Flexdesk."),
        "existing": serializers.IntegerField(help_text="Tickets received before: unchanged."),
        "tickets": inline_serializer(
            "TicketBatchIntakeItem",
            {
                "id": serializers.IntegerField(),
                "external_id": serializers.CharField(),
                "created": serializers.BooleanField(),
            },
            many=True,
        ),
    },
)


class TicketBatchIntakeAPI(APIView):
    """Many tickets of one program in one request (a helpdesk's backlog, a migration)."""

    @extend_schema(
        request=TicketBatchIntakeSerializer,
        responses={
            201: _BATCH_RESULT,
            200: OpenApiResponse(_BATCH_RESULT, description="Every ticket was received before: created 0"),
            400: OpenApiResponse(
                description='Field errors, each bad ticket\'s by its index: {"tickets": {"3": {"subject": '
                "[…]}}}; nothing was taken in"
            ),
            404: OpenApiResponse(description="Not your program"),
        },
        description=f"Take up to {MAX_BATCH} tickets of one program in, all or none: a ticket that breaks a "
        "rule answers 400 with its index and field errors, and nothing of the batch is taken in. Each "
        "ticket is the same as POST /api/v1/tickets/ takes (without `program`, given once for the batch), "
        "idempotent the same way: an `external_id` received before (or earlier in the batch) answers with "
        "that ticket, `created: false`, and changes nothing. The answer lists the tickets in the order "
        "sent. Routing runs right after, in the background, as for one ticket. At most 2 MB a request.",
    )
    def post(self, request, *args, **kwargs):
        if _too_big(request, MAX_BATCH_REQUEST_BYTES):
            return _too_big_response(MAX_BATCH_REQUEST_BYTES)
        data = intake_validate(BATCH_INTAKE, _json_body(request, MAX_BATCH_REQUEST_BYTES))
        program = _program_for_intake(slug=data["program"], user=request.user)
        items = data["tickets"]
        types = ticket_types_resolve(program=program, values=[item.get("ticket_type") for item in items])
        keys = [ticket_type_key(item.get("ticket_type")) for item in items]
        bad = {
            str(index): {"ticket_type": [found.message]}
            for index, key in enumerate(keys)
            if isinstance(found := types.get(key), IntakeError)
        }
        if bad:
            return Response({"tickets": bad}, status=status.HTTP_400_BAD_REQUEST)
        known = {key: found for key, found in types.items() if not isinstance(found, IntakeError)}
        answered = tickets_intake(
            program=program,
            tickets=[
                TicketIn(
                    external_id=item["external_id"],
                    subject=item["subject"],
                    body=item["body"],
                    requester_email=item["requester_email"],
                    requester_name=item.get("requester_name", ""),
                    channel=item["channel"],
                    ticket_type=known.get(key),
                    language=item["language"],
                    priority=item["priority"],
                )
                for item, key in zip(items, keys, strict=True)
            ],
            source=Ticket.Source.API,
            actor=request.user,
        )
        created = sum(1 for _ticket, made in answered if made)
        return Response(
            {
                "created": created,
                "existing": len(answered) - created,
                "tickets": [
                    {"id": ticket.pk, "external_id": ticket.external_id, "created": made}
                    for ticket, made in answered
                ],
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TicketDetailAPI(generics.RetrieveAPIView):
    serializer_class = TicketDetailSerializer

    def get_object(self):
        ticket = selectors.ticket_get_for_api(user=self.request.user, pk=self.kwargs["pk"])
        if ticket is None:
            raise not_found_in_scope(self.request, Ticket, pk=self.kwargs["pk"], message="No such ticket.")
        return ticket


def _customer_message_response(ticket: Ticket, *, body: str, external_id: str) -> Response:
    message, created = ticket_customer_message(ticket=ticket, body=body, external_id=external_id)
    message.ticket = Ticket.objects.select_related("program", "assignee").get(pk=ticket.pk)
    return Response(
        CustomerMessageSerializer(message).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


class TicketCustomerMessageAPI(APIView):
    """The customer wrote again on a ticket (a follow-up in the helpdesk)."""

    @extend_schema(
        request=CustomerMessageInSerializer,
        responses={
            201: CustomerMessageSerializer,
            200: OpenApiResponse(CustomerMessageSerializer, description="Already received"),
            400: OpenApiResponse(description="Field errors, or the ticket is closed"),
            404: OpenApiResponse(description="Not a ticket of your programs"),
        },
        description="Record the customer's new message. A ticket pending on the customer is open again (its "
        "resolution clock restarts); a solved one is reopened; a closed one answers 400 (send the "
        "message in as a new ticket). The same external_id again answers 200 and changes nothing.",
    )
    def post(self, request, pk):
        if _too_big(request):
            return _too_big_response()
        ticket = selectors.ticket_get_for_api(user=request.user, pk=pk)
        if ticket is None:
            raise not_found_in_scope(request, Ticket, pk=pk, message="No such ticket.")
        serializer = CustomerMessageInSerializer(data=_json_body(request))
        serializer.is_valid(raise_exception=True)
        return _customer_message_response(
            ticket,
            body=serializer.validated_data["body"],
            external_id=serializer.validated_data["external_id"],
        )
