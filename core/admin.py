from django.contrib import admin, messages

from core.errors import DomainError
from core.models import AuditLog, OutboxMessage


class ReadOnlyAdminMixin:
    """Rows that only services write (money that was fixed, signatures, the worksheet): admins read them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "target_repr", "ip_address"]
    list_filter = ["verb", "target_type"]
    search_fields = ["verb", "target_repr", "actor__email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What left, or is leaving, Flexdesk. Read-only: the payload is what was (or will be) sent."""

    list_display = [
        "created_at",
        "kind",
        "summary",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "program_id",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["summary", "dedupe_key", "ordering_key", "last_error"]
    date_hierarchy = "created_at"
    actions = ["retry_failed", "cancel_failed"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected failed messages now")
    def retry_failed(self, request, queryset):
        from core.outbox import outbox_retry

        done = 0
        for message in queryset.filter(status=OutboxMessage.Status.FAILED):
            outbox_retry(message_id=message.pk, actor=request.user)
            done += 1
        self.message_user(request, f"{done} message(s) queued again.", messages.SUCCESS)

    @admin.action(description="Give up on the selected failed messages")
    def cancel_failed(self, request, queryset):
        from core.outbox import outbox_cancel

        done = 0
        for message in queryset.filter(status=OutboxMessage.Status.FAILED):
            try:
                outbox_cancel(message_id=message.pk, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, f"{done} message(s) cancelled.", messages.SUCCESS)
