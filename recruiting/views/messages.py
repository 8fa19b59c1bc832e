"""Message templates per program."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.forms import add_error_to_form
from programs.mixins import ProgramAccessMixin
from recruiting import forms, selectors, services
from recruiting.models import MessageTemplate
from recruiting.placeholders import PLACEHOLDERS
from recruiting.views.common import _ok


class MessageTemplateListView(ProgramAccessMixin, TemplateView):
    agent_access = AgentAccess.NONE  # recruiting is for support managers
    template_name = "recruiting/template_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "templates": selectors.message_template_list(program=self.program),
            "placeholders": PLACEHOLDERS,
        }


class MessageTemplateEditView(ProgramAccessMixin, FormView):
    agent_access = AgentAccess.NONE  # recruiting is for support managers
    template_name = "recruiting/template_form.html"
    form_class = forms.MessageTemplateForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in MessageTemplate.Kind.values:
            raise Http404("No such template.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        from recruiting.services.messages import template_for

        subject, body = template_for(program=self.program, kind=self.kwargs["kind"])
        return {"subject": subject, "body": body}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "kind_label": MessageTemplate.Kind(self.kwargs["kind"]).label,
            "placeholders": PLACEHOLDERS,
        }

    def form_valid(self, form):
        try:
            services.message_template_save(
                program=self.program,
                kind=self.kwargs["kind"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                saved_by=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Template saved.")
        return redirect("recruiting:template_list", program_slug=self.program.slug)
