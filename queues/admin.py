from django.contrib import admin

from queues.models import (
    AvailabilityChange,
    AvailabilitySlot,
    QueueSettings,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    list_display = ["program", "first_response_minutes", "resolution_minutes", "inhouse_response_minutes",
                    "business_hours_only", "warning_minutes", "auto_escalate_on_breach"]
    list_filter = ["business_hours_only", "auto_escalate_on_breach"]
    search_fields = ["program__name", "program__slug"]
    raw_id_fields = ["program"]


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    fields = ["kind", "author", "body", "created_at"]
    raw_id_fields = ["author"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "message"]
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "program", "external_id", "subject", "status", "queue", "tier", "assignee",
                    "inhouse_assignee", "next_due_at", "created_at"]
    list_filter = ["status", "queue", "tier", "priority", "channel", "source", "program"]
    search_fields = ["=id", "external_id", "subject", "requester_email"]
    raw_id_fields = ["program", "ticket_type", "assignee", "inhouse_assignee", "escalated_by", "first_responder",
                     "solved_by", "received_by"]
    date_hierarchy = "created_at"
    list_select_related = ["program", "assignee", "inhouse_assignee"]
    inlines = [TicketMessageInline, TicketEventInline]
    show_full_result_count = False


@admin.register(TicketMessage)
class TicketMessageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=ticket__id", "body"]
    raw_id_fields = ["ticket", "author"]
    show_full_result_count = False


@admin.register(TicketAttachment)
class TicketAttachmentAdmin(admin.ModelAdmin):
    """A customer's file as it arrived (checked by content): looked at here, never replaced. The ticket pages
    serve it, to the people who may see the ticket."""

    list_display = ["ticket", "filename", "content_type", "size", "message", "created_at"]
    search_fields = ["=ticket__id", "filename"]
    list_filter = ["content_type"]
    raw_id_fields = ["ticket", "message"]
    readonly_fields = ["ticket", "message", "file", "filename", "content_type", "size", "created_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # files arrive with the customer's e-mail, checked by content on the way in


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "actor", "message", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=ticket__id", "message"]
    raw_id_fields = ["ticket", "actor"]
    show_full_result_count = False


@admin.register(AvailabilitySlot)
class AvailabilitySlotAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "weekday", "start_time", "end_time", "program", "created_by"]
    list_filter = ["weekday", "program"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email"]
    raw_id_fields = ["freelancer", "program", "created_by"]


@admin.register(AvailabilityChange)
class AvailabilityChangeAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "kind", "starts_at", "ends_at", "program", "note"]
    list_filter = ["kind"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email", "note"]
    raw_id_fields = ["freelancer", "program", "created_by"]
