from django import forms
from django.contrib import admin
from django.db import transaction

from core.admin import ReadOnlyAdminMixin
from core.locks import lock_one
from queues.counters import counters_move, share_of
from queues.models import (
    AvailabilityChange,
    AvailabilitySlot,
    HelpMessage,
    HelpRequest,
    NoShow,
    Presence,
    PresenceChange,
    QueueCounter,
    QueueSettings,
    SavedQueueView,
    SavedReply,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)
from queues.placeholders import placeholders_problem


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "first_response_minutes",
        "resolution_minutes",
        "inhouse_response_minutes",
        "business_hours_only",
        "warning_minutes",
        "auto_escalate_on_breach",
    ]
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
    list_display = [
        "id",
        "program",
        "external_id",
        "subject",
        "status",
        "queue",
        "tier",
        "assignee",
        "inhouse_assignee",
        "next_due_at",
        "created_at",
    ]
    list_filter = ["status", "queue", "tier", "priority", "channel", "source", "program"]
    search_fields = ["=id", "external_id", "subject", "requester_email"]
    raw_id_fields = [
        "program",
        "ticket_type",
        "assignee",
        "inhouse_assignee",
        "escalated_by",
        "first_responder",
        "solved_by",
        "received_by",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["program", "assignee", "inhouse_assignee"]
    inlines = [TicketMessageInline, TicketEventInline]
    show_full_result_count = False

    # An admin's edit bypasses the services; it still moves the headline counters (queues.counters) in the
    # same transaction (the admin's change and delete views run in one).
    def save_model(self, request, obj, form, change):
        before = share_of(lock_one(Ticket.objects.filter(pk=obj.pk))) if change else None
        super().save_model(request, obj, form, change)
        counters_move([(before, share_of(obj))])

    def delete_model(self, request, obj):
        before = share_of(lock_one(Ticket.objects.filter(pk=obj.pk)))
        super().delete_model(request, obj)
        counters_move([(before, None)])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the "delete selected" action runs outside one
            before = [share_of(t) for t in queryset.select_related(None).order_by("pk").select_for_update()]
            super().delete_queryset(request, queryset)
            counters_move((share, None) for share in before)


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


class SavedReplyAdminForm(forms.ModelForm):
    """The placeholder rule of the managers' pages (queues.placeholders) holds in admin too."""

    class Meta:
        model = SavedReply
        fields = [
            "program",
            "title",
            "body",
            "status_after",
            "tags",
            "approved",
            "created_by",
            "suggested_by",
        ]

    def clean_body(self):
        body = self.cleaned_data.get("body") or ""
        problem = placeholders_problem(body)
        if problem:
            raise forms.ValidationError(problem)
        return body


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    form = SavedReplyAdminForm
    list_display = [
        "title",
        "program",
        "approved",
        "status_after",
        "usage_count",
        "last_used_at",
        "suggested_by",
    ]
    list_filter = ["approved", "status_after", "program"]
    search_fields = ["title", "body"]
    raw_id_fields = ["program", "created_by", "suggested_by"]
    readonly_fields = ["usage_count", "last_used_at"]


class HelpMessageInline(admin.TabularInline):
    model = HelpMessage
    extra = 0
    fields = ["created_at", "author", "body"]
    raw_id_fields = ["author"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    """A freelancer's side conversation with the in-house team about a ticket they keep."""

    list_display = ["ticket", "asked_by", "agent", "status", "created_at", "answered_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["=ticket__id", "asked_by__email", "agent__email"]
    raw_id_fields = ["ticket", "asked_by", "agent"]
    list_select_related = ["ticket", "asked_by", "agent"]
    inlines = [HelpMessageInline]
    show_full_result_count = False


@admin.register(HelpMessage)
class HelpMessageAdmin(admin.ModelAdmin):
    list_display = ["help_request", "author", "created_at"]
    search_fields = ["=help_request__ticket__id", "body"]
    raw_id_fields = ["help_request", "author"]
    show_full_result_count = False


@admin.register(SavedQueueView)
class SavedQueueViewAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "created_at"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a presence moves through queues.services.presence (its change is recorded, tickets re-routed)."""

    list_display = ["user", "status", "since", "last_seen_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]


@admin.register(PresenceChange)
class PresenceChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "before", "status", "reason"]
    list_filter = ["reason", "status"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]
    date_hierarchy = "at"


@admin.register(NoShow)
class NoShowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["shift_start", "freelancer", "program", "noticed_at", "tickets_rerouted", "arrived_at"]
    list_filter = ["program"]
    search_fields = ["freelancer__legal_name"]
    list_select_related = ["freelancer", "program"]
    date_hierarchy = "shift_start"


@admin.register(QueueCounter)
class QueueCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: kept by the services that change tickets and checked by the hourly repair (docs/adr/0030)."""

    list_display = ["program", "key", "shard", "n"]
    list_filter = ["program"]
    search_fields = ["key"]
    list_select_related = ["program"]
