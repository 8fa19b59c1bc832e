from django.contrib import admin

from core.models import AuditLog


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
