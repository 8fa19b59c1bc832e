from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.views import healthz, ping

admin.site.site_header = "Flexdesk administration"
admin.site.site_title = "Flexdesk admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:landing", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file of its own (?script): no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Each app's urls.py carries its full paths (/manage/…, /portal/…, /apply/…, /api/v1/…), and no path can
    # match two apps' patterns (tests/core/test_url_overlaps.py; docs/adr/0024-url-prefixes.md), so the order
    # below is only about speed: queues first, as ticket intake (/api/v1/tickets/) is by far the most frequent
    # request and every include before it is tried pattern by pattern.
    path("", include("queues.urls")),
    path("", include("channels.urls")),
    path("", include("accounts.urls")),
    # The dashboard's /manage/programs/<program:…>/ never matches /manage/programs/new/ (programs/converters.py).
    path("", include("programs.urls")),
    path("", include("dashboard.urls")),
    path("", include("contracts.urls")),
    path("", include("recruiting.urls")),
    path("", include("payments.urls")),
    path("", include("reviews.urls")),
]

handler404 = "core.errorviews.page_not_found"
handler500 = "core.errorviews.server_error"
