from django.urls import path

from queues import api, views
from queues.views import help as help_views
from queues.views import inhouse as inhouse_views
from queues.views import presence as presence_views
from queues.views import replies as reply_views

app_name = "queues"

urlpatterns = [
    # API
    path("api/v1/tickets/", api.TicketListCreateAPI.as_view(), name="api_tickets"),
    path("api/v1/tickets/batch/", api.TicketBatchIntakeAPI.as_view(), name="api_tickets_batch"),
    path("api/v1/tickets/<int:pk>/", api.TicketDetailAPI.as_view(), name="api_ticket"),
    path(
        "api/v1/tickets/<int:pk>/messages/",
        api.TicketCustomerMessageAPI.as_view(),
        name="api_ticket_messages",
    ),
    # The Zendesk webhook lives in channels (channels.urls), which keeps this address working.
    # Portal
    path("portal/tickets/", views.MyQueueView.as_view(), name="my_queue"),
    path("portal/tickets/take/", presence_views.TakeTicketView.as_view(), name="take_ticket"),
    path("portal/tickets/waiting/", presence_views.WaitingListView.as_view(), name="waiting_list"),
    path("portal/presence/", presence_views.PortalPresenceView.as_view(), name="portal_presence"),
    path("portal/presence/heartbeat/", presence_views.PortalHeartbeatView.as_view(), name="portal_heartbeat"),
    path("manage/presence/", presence_views.ManagePresenceView.as_view(), name="manage_presence"),
    path("manage/presence/heartbeat/", presence_views.ManageHeartbeatView.as_view(), name="manage_heartbeat"),
    path("portal/tickets/<int:pk>/", views.PortalTicketView.as_view(), name="portal_ticket"),
    path(
        "portal/tickets/<int:pk>/<slug:action>/",
        views.PortalTicketView.as_view(),
        name="portal_ticket_action",
    ),
    path(
        "portal/tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.PortalTicketAttachmentView.as_view(),
        name="portal_ticket_attachment",
    ),
    path(
        "portal/tickets/<int:pk>/help/<slug:action>/",
        help_views.PortalTicketHelpView.as_view(),
        name="portal_ticket_help",
    ),
    path(
        "portal/saved-replies/suggest/",
        reply_views.SavedReplySuggestView.as_view(),
        name="saved_reply_suggest",
    ),
    path("portal/availability/", views.AvailabilityView.as_view(), name="availability"),
    path("portal/availability/<slug:action>/", views.AvailabilityView.as_view(), name="availability_action"),
    path(
        "portal/availability/<slug:action>/<int:pk>/",
        views.AvailabilityView.as_view(),
        name="availability_delete",
    ),
    # Manage
    path("manage/queues/", views.InhouseQueueView.as_view(), name="inhouse_queue"),
    path("manage/queues/counts/", views.InhouseCountsView.as_view(), name="inhouse_counts"),
    path("manage/queues/bulk/", inhouse_views.InhouseBulkView.as_view(), name="inhouse_bulk"),
    path(
        "manage/queues/saved-views/",
        inhouse_views.SavedQueueViewCreateView.as_view(),
        name="saved_view_create",
    ),
    path(
        "manage/queues/saved-views/<int:pk>/delete/",
        inhouse_views.SavedQueueViewDeleteView.as_view(),
        name="saved_view_delete",
    ),
    path("manage/queues/tickets/", views.TicketSearchView.as_view(), name="ticket_list"),
    path("manage/queues/tickets/<int:pk>/", views.ManageTicketView.as_view(), name="manage_ticket"),
    path(
        "manage/queues/tickets/<int:pk>/<slug:action>/",
        views.ManageTicketView.as_view(),
        name="manage_ticket_action",
    ),
    path(
        "manage/queues/tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.ManageTicketAttachmentView.as_view(),
        name="manage_ticket_attachment",
    ),
    path(
        "manage/queues/tickets/<int:pk>/help/<slug:action>/",
        help_views.ManageTicketHelpView.as_view(),
        name="manage_ticket_help",
    ),
    path("manage/queues/<slug:program_slug>/coverage/", views.CoverageView.as_view(), name="coverage"),
    path(
        "manage/queues/<slug:program_slug>/coverage/<slug:action>/<int:pk>/",
        views.CoverageView.as_view(),
        name="coverage_action",
    ),
    path("manage/queues/<slug:program_slug>/import/", views.TicketImportView.as_view(), name="ticket_import"),
    path(
        "manage/queues/<slug:program_slug>/settings/",
        views.QueueSettingsView.as_view(),
        name="queue_settings",
    ),
    path(
        "manage/queues/<slug:program_slug>/replies/",
        reply_views.SavedReplyListView.as_view(),
        name="saved_reply_list",
    ),
    path(
        "manage/queues/<slug:program_slug>/replies/new/",
        reply_views.SavedReplyFormView.as_view(),
        name="saved_reply_create",
    ),
    path(
        "manage/queues/<slug:program_slug>/replies/<int:pk>/",
        reply_views.SavedReplyFormView.as_view(),
        name="saved_reply_edit",
    ),
    path(
        "manage/queues/<slug:program_slug>/replies/<int:pk>/<slug:action>/",
        reply_views.SavedReplyActionView.as_view(),
        name="saved_reply_action",
    ),
]
