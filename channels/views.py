"""The channel settings page (support managers only): connect a program to Zendesk, test it, map the people."""

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess
from channels import selectors, services
from channels.errors import ChannelError
from channels.forms import ZendeskSettingsForm
from channels.models import MailboxConnection, ProgramChannel
from channels.zendesk.inbound import SUBSCRIBED_EVENTS
from core.forms import add_error_to_form
from programs.mixins import ProgramAccessMixin

# The body of a Zendesk trigger ("Notify active webhook") for accounts that use triggers instead of events.
TRIGGER_BODY = {
    "ticket": {
        "id": "{{ticket.id}}",
        "subject": "{{ticket.title}}",
        "description": "{{ticket.description}}",
        "requester_email": "{{ticket.requester.email}}",
        "requester_name": "{{ticket.requester.name}}",
        "locale": "{{ticket.requester.language}}",
        "via": "{{ticket.via}}",
        "type": "{{ticket.ticket_type}}",
        "priority": "{{ticket.priority}}",
        "tags": "{{ticket.tags}}",
        "created_at": "{{ticket.created_at_with_timestamp}}",
    }
}


class ZendeskSettingsView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE  # the channel, its API token and signing secret are the managers'
    template_name = "channels/zendesk_settings.html"

    def initial(self) -> dict:
        connection = services.zendesk_connection_for(self.program)
        return {
            "channel_kind": services.channel_kind_of(self.program),
            "subdomain": connection.subdomain,
            "base_url": connection.base_url,
            "api_email": connection.api_email,
            "api_token": connection.api_token,
            "webhook_signing_secret": connection.webhook_signing_secret,
            "in_house_group_id": connection.in_house_group_id,
            "routing_tag": connection.routing_tag,
        }

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or ZendeskSettingsForm(initial=self.initial())
        context["connection"] = services.zendesk_connection_for(self.program)
        context["mailbox"] = (
            MailboxConnection.objects.filter(program=self.program).only("support_address").first()
        )
        context["people"] = selectors.zendesk_people_table(program=self.program)
        context["unmatched"] = sum(1 for row in context["people"] if not row.matched)
        context["webhook_url"] = self.request.build_absolute_uri(
            reverse("channels:zendesk_webhook", kwargs={"program_slug": self.program.slug})
        )
        context["subscriptions"] = SUBSCRIBED_EVENTS
        context["trigger_body"] = json.dumps(TRIGGER_BODY, indent=2)
        return context

    def post(self, request, *args, **kwargs):
        action = kwargs.get("action") or "save"
        here = reverse("channels:zendesk", kwargs={"program_slug": self.program.slug})
        if action == "save":
            form = ZendeskSettingsForm(request.POST, initial=self.initial())
            if (
                form.is_valid()
                and form.cleaned_data["channel_kind"] == ProgramChannel.Kind.EMAIL
                and not MailboxConnection.objects.filter(program=self.program).exists()
            ):
                # The shared mailbox is set up on its own page, and saving it there makes it the channel.
                messages.info(
                    request, "Set up the shared mailbox here; saving it makes it the program's channel."
                )
                return redirect("channels:mailbox", program_slug=self.program.slug)
            if form.is_valid():
                try:
                    services.zendesk_connection_save(
                        program=self.program, actor=request.user, **form.cleaned_data
                    )
                except ChannelError as exc:
                    add_error_to_form(form, exc)
                else:
                    messages.success(request, "Zendesk settings saved.")
                    return redirect(here)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if action == "test":
            try:
                user = services.zendesk_connection_test(program=self.program, actor=request.user)
            except ChannelError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"Connected. The token is {user.get('name')}'s <{user.get('email')}>, "
                    f"role {user.get('role')}.",
                )
            return redirect(here)
        if action == "people":
            try:
                result = services.zendesk_people_refresh(program=self.program, actor=request.user)
            except ChannelError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"People mapping refreshed: {result.matched} matched, "
                    f"{result.unmatched} without a Zendesk user.",
                )
            return redirect(here + "#people")
        raise Http404("No such action.")
