"""The outbound webhook pages (support managers only): endpoints, their secret shown once, the delivery log.

A new or rotated signing secret is rendered in the answer to the POST that made it, never stored anywhere it
could be shown again (no session, no message, no redirect), so reloading any page cannot bring it back.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess
from channels.errors import ChannelError
from channels.models import WebhookEndpoint
from channels.webhooks import selectors, services
from channels.webhooks.forms import WebhookEndpointForm
from core.errors import DomainError
from core.forms import add_error_to_form
from core.models import OutboxMessage
from programs.mixins import ProgramAccessMixin


class WebhookEndpointListView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE  # endpoints and their secrets are the managers'
    template_name = "channels/webhooks.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.webhook_endpoint_rows(program=self.program)
        context["form"] = form or WebhookEndpointForm()
        context["docs_url"] = reverse("api-docs") + "#/"
        return context

    def post(self, request, *args, **kwargs):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_endpoint_create(
                    program=self.program, actor=request.user, **form.cleaned_data
                )
            except ChannelError as exc:
                add_error_to_form(form, exc)
            else:
                return self.render_to_response(
                    self.get_context_data(created=endpoint, new_secret=secret, form=WebhookEndpointForm())
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class WebhookEndpointDetailView(ProgramAccessMixin, TemplateView):
    """One endpoint: its settings, the delivery log (newest first) and the actions."""

    agent_access = AgentAccess.NONE
    template_name = "channels/webhook_detail.html"
    actions = ("deactivate", "activate", "rotate", "delete")

    @cached_property
    def endpoint(self) -> WebhookEndpoint:
        endpoint = selectors.webhook_endpoint_get(program=self.program, pk=self.kwargs["pk"])
        if endpoint is None:
            raise Http404("No such endpoint.")
        return endpoint

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["endpoint"] = self.endpoint
        context["deliveries"] = list(
            selectors.webhook_deliveries(endpoint=self.endpoint)[: selectors.LOG_PAGE_SIZE]
        )
        context["page_size"] = selectors.LOG_PAGE_SIZE
        context["failed"] = OutboxMessage.Status.FAILED
        return context

    def post(self, request, *args, **kwargs):
        action = kwargs.get("action")
        if action not in self.actions:
            raise Http404("No such action.")
        endpoint = self.endpoint
        here = reverse(
            "channels:webhook_detail", kwargs={"program_slug": self.program.slug, "pk": endpoint.pk}
        )
        try:
            if action == "rotate":
                secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
                return self.render_to_response(self.get_context_data(new_secret=secret))
            if action == "delete":
                services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
                messages.success(
                    request, f"Endpoint {endpoint.url} deleted; what it had not received is cancelled."
                )
                return redirect("channels:webhooks", program_slug=self.program.slug)
            services.webhook_endpoint_set_active(
                endpoint=endpoint, actor=request.user, active=action == "activate"
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Activated: new events are delivered again."
                if action == "activate"
                else "Deactivated: no new events are delivered; the ones not sent yet are cancelled.",
            )
        return redirect(here)


class WebhookDeliveryRetryView(WebhookEndpointDetailView):
    """Retry a failed delivery of the endpoint (the same outbox Retry as the program's deliveries page)."""

    def post(self, request, *args, **kwargs):
        endpoint = self.endpoint
        try:
            message = services.webhook_delivery_retry(
                endpoint=endpoint, message_id=kwargs["message_id"], actor=request.user
            )
        except OutboxMessage.DoesNotExist:
            raise Http404("No such delivery.") from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            message.refresh_from_db()
            if message.status == OutboxMessage.Status.SENT:
                messages.success(request, "Delivered.")
            else:
                messages.warning(
                    request,
                    f"Tried again; it is {message.get_status_display().lower()}"
                    f"{': ' + message.last_error if message.last_error else ''}.",
                )
        return redirect("channels:webhook_detail", program_slug=self.program.slug, pk=endpoint.pk)

    def get(self, request, *args, **kwargs):
        return redirect("channels:webhook_detail", program_slug=self.program.slug, pk=self.endpoint.pk)
