"""Presence in the header (online / away / offline, and the heartbeat) and "Take next ticket" (issue #19)."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess, FreelancerRequiredMixin, ManageAccessMixin
from core.errors import DomainError
from queues.models import Presence
from queues.services.presence import presence_heartbeat, presence_of, presence_set
from queues.services.take import ticket_take, waiting_for_freelancer


def _back(request, fallback: str):
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _state(presence: Presence) -> dict:
    return {"status": presence.status, "label": Presence.Status(presence.status).label}


class PresenceMixin:
    """GET answers the person's presence (JSON); POST status=online|away|offline sets it (a form in the header);
    POST to …/heartbeat/ tells that the person is at the page and answers their presence."""

    heartbeat = False
    fallback = "/"

    def get(self, request, *args, **kwargs):
        return JsonResponse(_state(presence_of(request.user)))

    def post(self, request, *args, **kwargs):
        wants_json = "application/json" in request.headers.get("accept", "")
        if self.heartbeat:
            presence = presence_heartbeat(user=request.user, active=request.POST.get("active", "1") == "1")
            return JsonResponse(_state(presence))
        try:
            presence = presence_set(user=request.user, status=request.POST.get("status", ""))
        except DomainError as exc:
            if wants_json:
                return JsonResponse({**_state(presence_of(request.user)), "error": exc.message}, status=400)
            messages.error(request, exc.message)
            return _back(request, self.fallback)
        if wants_json:
            return JsonResponse(_state(presence))
        messages.success(request, f"You are {presence.get_status_display().lower()}.")
        return _back(request, self.fallback)


class PortalPresenceView(FreelancerRequiredMixin, PresenceMixin, View):
    fallback = "/portal/tickets/"


class PortalHeartbeatView(PortalPresenceView):
    heartbeat = True


class ManagePresenceView(ManageAccessMixin, PresenceMixin, View):
    agent_access = AgentAccess.WORK  # agents set their own presence
    fallback = "/manage/"


class ManageHeartbeatView(ManagePresenceView):
    heartbeat = True


class TakeTicketView(FreelancerRequiredMixin, View):
    """POST /portal/tickets/take/ (optionally `ticket` = an id): the next ticket the freelancer may take, or
    that one; the reason when they may not, and nothing assigned."""

    def post(self, request, *args, **kwargs):
        raw = request.POST.get("ticket", "").strip()
        ticket_id = int(raw) if raw.isdigit() else None
        freelancer = self.freelancer
        assert freelancer is not None  # FreelancerRequiredMixin answered 403 otherwise
        try:
            ticket = ticket_take(freelancer=freelancer, ticket_id=ticket_id)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("queues:my_queue")
        messages.success(request, f"#{ticket.pk} “{ticket.subject[:80]}” is yours now.")
        return redirect("queues:portal_ticket", pk=ticket.pk)


class WaitingListView(FreelancerRequiredMixin, TemplateView):
    """GET /portal/tickets/waiting/: what waits in the freelancer's programs, whether they may take each, and the
    "Take next ticket" button. My tickets loads it after itself (htmx); alone it is a page of its own."""

    def get_template_names(self):
        return [
            "queues/includes/_waiting.html"
            if self.request.headers.get("HX-Request")
            else "queues/waiting.html"
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        freelancer = self.freelancer
        assert freelancer is not None  # FreelancerRequiredMixin answered 403 otherwise
        context["waiting"], context["waiting_total"], context["take_blocked"] = waiting_for_freelancer(
            freelancer=freelancer
        )
        return context
