from django.contrib import admin

from channels.models import (
    ProgramChannel,
    ZendeskConnection,
    ZendeskSentComment,
    ZendeskUserMap,
    ZendeskWebhookReceipt,
)


@admin.register(ProgramChannel)
class ProgramChannelAdmin(admin.ModelAdmin):
    list_display = ["program", "kind", "updated_at"]
    list_filter = ["kind"]


@admin.register(ZendeskConnection)
class ZendeskConnectionAdmin(admin.ModelAdmin):
    """The API token and signing secret are set on the program's channel page and never shown (encrypted)."""

    list_display = ["program", "subdomain", "base_url", "api_email", "connected_as", "connected_at", "last_sync_at"]
    readonly_fields = ["connected_as", "connected_at", "last_sync_at", "secrets"]

    @admin.display(description="Secrets")
    def secrets(self, obj):
        token = "set" if obj.api_token_encrypted else "not set"
        secret = "set" if obj.webhook_secret_encrypted else "not set"
        return f"API token {token}; webhook signing secret {secret} (encrypted; edit them on the channel page)."


@admin.register(ZendeskUserMap)
class ZendeskUserMapAdmin(admin.ModelAdmin):
    list_display = ["program", "user", "zendesk_user_id", "zendesk_name", "matched_at", "checked_at"]
    list_filter = ["program"]
    search_fields = ["user__email", "zendesk_name"]
    raw_id_fields = ["user"]


@admin.register(ZendeskWebhookReceipt)
class ZendeskWebhookReceiptAdmin(admin.ModelAdmin):
    list_display = ["program", "event_type", "received_at"]
    list_filter = ["program"]


@admin.register(ZendeskSentComment)
class ZendeskSentCommentAdmin(admin.ModelAdmin):
    list_display = ["program", "ticket", "comment_id", "outbox_message_id", "created_at"]
    raw_id_fields = ["ticket"]
