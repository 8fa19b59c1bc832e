from django.urls import path

from channels import api, views

app_name = "channels"

urlpatterns = [
    path("api/v1/channels/zendesk/<slug:program_slug>/webhook/", api.ZendeskWebhookAPI.as_view(),
         name="zendesk_webhook"),
    # The webhook's first address (queues had it): Zendesk webhooks set up before keep working.
    path("api/v1/webhooks/zendesk/<slug:program_slug>/", api.ZendeskWebhookAPI.as_view(),
         name="zendesk_webhook_legacy"),
    path("manage/channels/<slug:program_slug>/zendesk/", views.ZendeskSettingsView.as_view(), name="zendesk"),
    path("manage/channels/<slug:program_slug>/zendesk/<slug:action>/", views.ZendeskSettingsView.as_view(),
         name="zendesk_action"),
]
