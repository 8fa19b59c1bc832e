from django.contrib import admin
from django.db import models

from channels.models import (
    InboundEmail,
    MailboxConnection,
    MailMessageRef,
    MailThread,
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

    list_display = [
        "program",
        "subdomain",
        "base_url",
        "api_email",
        "connected_as",
        "connected_at",
        "last_sync_at",
    ]
    readonly_fields = ["connected_as", "connected_at", "last_sync_at", "secrets"]

    @admin.display(description="Secrets")
    def secrets(self, obj):
        token = "set" if obj.api_token_encrypted else "not set"
        secret = "set" if obj.webhook_secret_encrypted else "not set"
        return (
            f"API token {token}; webhook signing secret {secret} (encrypted; edit them on the channel page)."
        )


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
    fields = [
        "program",
        "url",
        "description",
        "event_types",
        "is_active",
        "created_by",
        "secret_rotated_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["program", "created_by", "secret_rotated_at", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # only the webhooks page generates (and shows once) a signing secret


# --- the shared mailbox --------------------------------------------------------------------------------------


@admin.register(MailboxConnection)
class MailboxConnectionAdmin(admin.ModelAdmin):
    """The passwords are set on the program's mailbox page and never shown (encrypted); the poller's place is
    read only (the poller moves it)."""

    list_display = [
        "program",
        "support_address",
        "imap_host",
        "imap_user",
        "send_via",
        "smtp_host",
        "last_polled_at",
        "tested_at",
    ]
    search_fields = ["support_address", "program__name", "imap_host"]
    list_select_related = ["program"]
    fields = [
        "program",
        "support_address",
        "display_name",
        "imap_host",
        "imap_port",
        "imap_security",
        "imap_user",
        "imap_folder",
        "send_via",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_user",
        "passwords",
        "uid_validity",
        "last_uid",
        "poll_lease_until",
        "last_polled_at",
        "last_poll_error",
        "tested_at",
        "test_result",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "program",
        "passwords",
        "uid_validity",
        "last_uid",
        "poll_lease_until",
        "last_polled_at",
        "last_poll_error",
        "tested_at",
        "test_result",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Passwords")
    def passwords(self, obj):
        imap = "set" if obj.imap_password_encrypted else "not set"
        smtp = "set" if obj.smtp_password_encrypted else "not set"
        return f"IMAP password {imap}; SMTP password {smtp} (encrypted; edit them on the mailbox page)."

    def has_add_permission(self, request):
        return False  # the mailbox page sets one up, with its rules (unique address, TLS) and the channel


@admin.register(MailThread)
class MailThreadAdmin(admin.ModelAdmin):
    list_display = ["ticket", "program", "token", "created_at"]
    list_filter = ["program"]
    search_fields = ["=ticket__id", "token"]
    raw_id_fields = ["ticket"]
    readonly_fields = ["ticket", "program", "token", "created_at"]


@admin.register(MailMessageRef)
class MailMessageRefAdmin(admin.ModelAdmin):
    list_display = ["message_id", "direction", "ticket", "program", "outbox_message_id", "created_at"]
    list_filter = ["direction", "program"]
    search_fields = ["message_id", "=ticket__id"]
    raw_id_fields = ["ticket", "ticket_message"]
    readonly_fields = [
        "program",
        "ticket",
        "message_id",
        "direction",
        "ticket_message",
        "outbox_message_id",
        "created_at",
    ]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """What reached a mailbox and what became of it: a record, read only (the raw message is kept as it came)."""

    list_display = ["received_at", "program", "source", "from_address", "subject", "outcome", "ticket"]
    list_filter = ["outcome", "source", "program"]
    search_fields = ["message_id", "from_address", "subject", "=ticket__id"]
    date_hierarchy = "received_at"
    list_select_related = ["program"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
