from django.urls import path

from channels import api, views
from channels.mailbox import views as mailbox_views
from channels.mailbox import webhook as mailbox_webhook
from channels.webhooks import views as webhook_views

app_name = "channels"

urlpatterns = [
    path(
        "api/v1/channels/zendesk/<slug:program_slug>/webhook/",
        api.ZendeskWebhookAPI.as_view(),
        name="zendesk_webhook",
    ),
    # The webhook's first address (queues had it): Zendesk webhooks set up before keep working.
    path(
        "api/v1/webhooks/zendesk/<slug:program_slug>/",
        api.ZendeskWebhookAPI.as_view(),
        name="zendesk_webhook_legacy",
    ),
    path("manage/channels/<slug:program_slug>/zendesk/", views.ZendeskSettingsView.as_view(), name="zendesk"),
    path(
        "manage/channels/<slug:program_slug>/zendesk/<slug:action>/",
        views.ZendeskSettingsView.as_view(),
        name="zendesk_action",
    ),
    # The shared mailbox's settings (channels.mailbox): the form, "Test connection", the inbound log.
    path(
        "manage/channels/<slug:program_slug>/mailbox/",
        mailbox_views.MailboxSettingsView.as_view(),
        name="mailbox",
    ),
    path(
        "manage/channels/<slug:program_slug>/mailbox/<slug:action>/",
        mailbox_views.MailboxSettingsView.as_view(),
        name="mailbox_action",
    ),
    # Inbound mail through Mailgun's route forward() (signed; channels.mailbox.webhook, django-anymail).
    path(
        "api/v1/channels/mail/mailgun/inbound/",
        mailbox_webhook.MailgunInboundView.as_view(),
        name="mailgun_inbound",
    ),
    # Outbound webhooks (channels.webhooks): the endpoints, each one's delivery log, its actions, a retry.
    path(
        "manage/channels/<slug:program_slug>/webhooks/",
        webhook_views.WebhookEndpointListView.as_view(),
        name="webhooks",
    ),
    path(
        "manage/channels/<slug:program_slug>/webhooks/<int:pk>/",
        webhook_views.WebhookEndpointDetailView.as_view(),
        name="webhook_detail",
    ),
    path(
        "manage/channels/<slug:program_slug>/webhooks/<int:pk>/<slug:action>/",
        webhook_views.WebhookEndpointDetailView.as_view(),
        name="webhook_action",
    ),
    path(
        "manage/channels/<slug:program_slug>/webhooks/<int:pk>/deliveries/<int:message_id>/retry/",
        webhook_views.WebhookDeliveryRetryView.as_view(),
        name="webhook_retry",
    ),
]
