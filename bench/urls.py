"""config.urls plus the bench's reference pages (bench/settings.py says why)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from django.views import View

from accounts.mixins import AgentAccess, ManageAccessMixin

# An empty body in the layout every page extends.
LAYOUT = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Bench{% endblock %}{% block content %}<p>Empty.</p>{% endblock %}'
)


class BareView(ManageAccessMixin, View):
    """A /manage/ view's role check, then a plain answer: no template, no query."""

    agent_access = AgentAccess.WORK

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")


class LayoutView(BareView):
    """The same, with the layout rendered around an empty body."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(LAYOUT.render({}, request))


urlpatterns = [
    path("bench/bare", BareView.as_view()),
    path("bench/layout", LayoutView.as_view()),
    path("", include("config.urls")),
]
