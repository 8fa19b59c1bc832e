from rest_framework import serializers

from programs.models import Channel
from queues.models import Ticket, TicketMessage

MAX_BODY_CHARS = 200_000


class TicketIntakeSerializer(serializers.Serializer):
    """The POST /api/v1/tickets/ contract. Program and ticket type are resolved by the view."""

    program = serializers.SlugField(max_length=60)
    external_id = serializers.CharField(max_length=100)
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField(max_length=MAX_BODY_CHARS, trim_whitespace=False)
    requester_email = serializers.EmailField()
    requester_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.EMAIL)
    ticket_type = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True,
                                        default=None, help_text="Name or slug of a ticket type of the program.")
    language = serializers.RegexField(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=10, required=False,
                                      default="en", error_messages={"invalid": "Give a language code such as en or pt-br."})
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False, default=Ticket.Priority.NORMAL)


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return str(obj)


class TicketSerializer(serializers.ModelSerializer):
    """The ticket as the contract answers it."""

    program = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = AssigneeSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = ["id", "program", "external_id", "status", "tier", "queue", "assignee", "sla_due_at", "created_at"]
        read_only_fields = fields


class TicketListSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "subject", "priority", "language", "updated_at"]
        read_only_fields = fields


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = TicketMessage
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields

    def get_author(self, obj) -> str:
        return str(obj.author) if obj.author_id else ""


class TicketDetailSerializer(TicketSerializer):
    ticket_type = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    replies = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields, "subject", "requester_email", "channel", "ticket_type", "language",
            "priority", "resolution_due_at", "first_response_at", "solved_at", "escalated_at", "escalation_reason",
            "first_response_met", "resolution_met", "updated_at", "replies",
        ]
        read_only_fields = fields

    def get_replies(self, obj) -> list[dict]:
        return ReplySerializer(getattr(obj, "api_replies", []), many=True).data
