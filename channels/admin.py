from django.contrib import admin
from django.db import models

from channels.models import (
    ProgramChannel,
    WebhookEndpoint,
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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """The signing secret is generated on the program's webhooks page, shown once there, and never here."""

    list_display = ["program", "url", "description", "is_active", "created_by", "created_at"]
    list_filter = ["is_active", "program"]
    search_fields = ["url", "description"]
    fields = ["program", "url", "description", "event_types", "is_active", "created_by", "secret_rotated_at",
              "created_at", "updated_at"]
    readonly_fields = ["program", "created_by", "secret_rotated_at", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # only the webhooks page generates (and shows once) a signing secret
