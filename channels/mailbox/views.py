"""The shared mailbox's settings page (support managers only): the mailbox, how replies leave, "Test connection",
the poller's state, what to set up in the mail system, and what became of the latest inbound messages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess
from channels.errors import ChannelError
from channels.mailbox import selectors
from channels.mailbox.forms import MailboxSettingsForm
from channels.mailbox.services import mailbox_connection_for, mailbox_connection_save
from channels.models import InboundEmail, ProgramChannel
from channels.services import channel_kind_of
from core.forms import add_error_to_form
from programs.mixins import ProgramAccessMixin


def _provider_webhook_url(request) -> str:
    """Where an e-mail provider posts inbound mail (Mailgun's route forward(); channels.mailbox.webhook): one
    address for every program, each message finds its program by the support address it was sent to."""
    try:
        return request.build_absolute_uri(reverse("channels:mailgun_inbound"))
    except NoReverseMatch:
        return ""


class MailboxSettingsView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE  # the mailbox's passwords and the program's channel are the managers'
    template_name = "channels/mailbox_settings.html"

    def get_context_data(self, form=None, test_result=None, **kwargs):
        context = super().get_context_data(**kwargs)
        connection = mailbox_connection_for(self.program)
        context["connection"] = connection
        context["form"] = form or MailboxSettingsForm(initial=MailboxSettingsForm.initial_for(connection))
        context["channel_kind"] = channel_kind_of(self.program)
        context["is_channel"] = (
            context["channel_kind"] == ProgramChannel.Kind.EMAIL and connection.pk is not None
        )
        context["inbound"] = selectors.inbound_email_recent(program=self.program) if connection.pk else []
        context["outcomes"] = InboundEmail.Outcome
        context["test_result"] = test_result
        context["example_reply_address"] = connection.address_for("k7q2x9m4d3f8h6j5") if connection.pk else ""
        context["plus_pattern"] = connection.address_for("anything") if connection.pk else ""
        context["drop_folder"] = (
            getattr(settings, "FLEXDESK_MAIL_DROP_DIR", "") or "var/mail-drop/ (FLEXDESK_MAIL_DROP_DIR)"
        )
        context["provider_webhook_url"] = _provider_webhook_url(self.request)
        return context

    def post(self, request, *args, **kwargs):
        action = kwargs.get("action") or "save"
        here = reverse("channels:mailbox", kwargs={"program_slug": self.program.slug})
        if action == "save":
            connection = mailbox_connection_for(self.program)
            form = MailboxSettingsForm(request.POST, initial=MailboxSettingsForm.initial_for(connection))
            if form.is_valid():
                try:
                    mailbox_connection_save(program=self.program, actor=request.user, **form.cleaned_data)
                except (ChannelError, ValidationError) as exc:
                    add_error_to_form(form, exc)
                else:
                    messages.success(
                        request, "Mailbox settings saved. The shared mailbox is the program's channel."
                    )
                    return redirect(here)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if action == "test":
            from channels.mailbox.probe import mailbox_connection_test

            try:
                result = mailbox_connection_test(program=self.program, actor=request.user)
            except ChannelError as exc:
                messages.error(request, exc.message)
                return redirect(here)
            return self.render_to_response(self.get_context_data(test_result=result))
        raise Http404("No such action.")
