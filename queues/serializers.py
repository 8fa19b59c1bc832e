import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.datetimes import parse_aware_datetime
from core.errors import DomainError
from programs.models import Channel
from queues.models import Ticket, TicketMessage
from queues.services.intake import MAX_BATCH

MAX_BODY_CHARS = 200_000


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 date and time read strictly (core.datetimes): impossible dates and offsets are errors; a
    value without an offset is UTC."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 64:
            raise serializers.ValidationError("Give a date and time such as 2026-03-01T09:30:00Z.")
        try:
            return parse_aware_datetime(data, field=self.field_name, default_zone=datetime.UTC)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message)

    def to_representation(self, value):
        return _iso(value)


class TicketListFilterSerializer(serializers.Serializer):
    """The query parameters of GET /api/v1/tickets/ (all optional)."""

    program = serializers.CharField(max_length=60, required=False, help_text="Program slug")
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    queue = serializers.ChoiceField(choices=Ticket.Queue.choices, required=False)
    external_id = serializers.CharField(max_length=100, required=False)
    updated_since = AwareDateTimeField(
        required=False, help_text="Only tickets changed at or after this moment (ISO 8601)."
    )


class TicketIntakeItemSerializer(serializers.Serializer):
    """One ticket as intake takes it in (a batch's item; POST /api/v1/tickets/ adds the program). The ticket
    type is resolved by the view."""

    external_id = serializers.CharField(max_length=100)
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField(max_length=MAX_BODY_CHARS, trim_whitespace=False)
    requester_email = serializers.EmailField()
    requester_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.EMAIL)
    ticket_type = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Name or slug of a ticket type of the program.",
    )
    language = serializers.RegexField(
        r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        max_length=10,
        required=False,
        default="en",
        error_messages={"invalid": "Give a language code such as en or pt-br."},
    )
    priority = serializers.ChoiceField(
        choices=Ticket.Priority.choices, required=False, default=Ticket.Priority.NORMAL
    )


class TicketIntakeSerializer(TicketIntakeItemSerializer):
    """The POST /api/v1/tickets/ contract. Program and ticket type are resolved by the view."""

    program = serializers.SlugField(max_length=60)


class TicketBatchIntakeSerializer(serializers.Serializer):
    """The POST /api/v1/tickets/batch/ contract: up to MAX_BATCH tickets of one program, taken in together.

    Errors of an item are keyed by its index in `tickets` (DRF's ListField answer): {"tickets": {"3": {…}}}.
    """

    program = serializers.SlugField(max_length=60)
    tickets = serializers.ListField(
        child=TicketIntakeItemSerializer(), min_length=1, max_length=MAX_BATCH, allow_empty=False
    )


def intake_validate(serializer: serializers.Serializer, data: object) -> dict:
    """`serializer`'s validated data for `data`, raising ValidationError with its field errors, as
    is_valid(raise_exception=True) would.

    Intake validates with one instance built at import (run_validation keeps no state on the instance, as a
    ListSerializer's child validates every item): building a serializer deep-copies its declared fields, which
    cost more than validating them, on every request.
    """
    return serializer.run_validation(data)


INTAKE = TicketIntakeSerializer()
BATCH_INTAKE = TicketBatchIntakeSerializer()


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return str(obj)


class TicketSerializer(serializers.Serializer):
    """The ticket as the contract answers it.

    Declared fields (not a ModelSerializer): intake answers with this on every ticket, and a ModelSerializer
    introspects the model again for each instance it is built for.
    """

    id = serializers.IntegerField(read_only=True)
    program = serializers.CharField(source="program.slug", read_only=True)
    external_id = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Ticket.Status.choices, read_only=True)
    tier = serializers.IntegerField(read_only=True)
    queue = serializers.ChoiceField(choices=Ticket.Queue.choices, read_only=True)
    assignee = AssigneeSerializer(read_only=True, allow_null=True)
    sla_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


def _iso(moment) -> str | None:
    """As DRF's DateTimeField writes a UTC moment: ISO 8601 with "Z"."""
    if moment is None:
        return None
    value = timezone.localtime(moment).isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def ticket_payload(ticket: Ticket) -> dict:
    """TicketSerializer(ticket).data, written out: intake answers with it on every ticket, and building the
    serializer's fields cost more than the rest of the answer (a test keeps the two the same)."""
    assignee = ticket.assignee if ticket.assignee_id else None
    return {
        "id": ticket.pk,
        "program": ticket.program.slug,
        "external_id": ticket.external_id,
        "status": ticket.status,
        "tier": ticket.tier,
        "queue": ticket.queue,
        "assignee": {"id": assignee.pk, "name": str(assignee)} if assignee is not None else None,
        "sla_due_at": _iso(ticket.sla_due_at),
        "created_at": _iso(ticket.created_at),
    }


class TicketListSerializer(TicketSerializer):
    subject = serializers.CharField(read_only=True)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, read_only=True)
    language = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = TicketMessage
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields

    def get_author(self, obj) -> str:
        return str(obj.author) if obj.author_id else ""


class TicketDetailSerializer(TicketListSerializer):
    requester_email = serializers.EmailField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    ticket_type = serializers.CharField(source="ticket_type.slug", read_only=True, allow_null=True)
    resolution_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True)
    solved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    escalated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    escalation_reason = serializers.CharField(read_only=True)
    first_response_met = serializers.BooleanField(read_only=True, allow_null=True)
    resolution_met = serializers.BooleanField(read_only=True, allow_null=True)
    replies = serializers.SerializerMethodField()

    def get_replies(self, obj) -> list[dict]:
        return ReplySerializer(getattr(obj, "api_replies", []), many=True).data


class CustomerMessageInSerializer(serializers.Serializer):
    """POST /api/v1/tickets/{id}/messages/: the customer wrote again."""

    body = serializers.CharField(max_length=MAX_BODY_CHARS, trim_whitespace=False)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The helpdesk's id of this message: sending it again changes nothing.",
    )


class CustomerMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    external_id = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    ticket = TicketSerializer(read_only=True)
