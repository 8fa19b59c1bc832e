"""Saved replies (macros): the managers' pages of a program, and a freelancer's suggestion from the portal.

Support managers write, edit, approve and delete them (agent_access NONE: in-house agents use them from the reply
box of a ticket, they do not manage them). Inserting one into a reply is the ticket pages' own (TicketPageMixin,
templates/queues/includes/_saved_replies.html)."""

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess, FreelancerRequiredMixin
from accounts.models import Freelancer
from contracts.selectors import freelancer_program_ids
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.mixins import ProgramAccessMixin
from programs.models import Program
from queues import forms, reply_selectors
from queues.models import SavedReply
from queues.placeholders import PLACEHOLDERS, placeholders_known_text
from queues.services import replies as reply_services

PLACEHOLDERS_HELP = f"Placeholders filled in for each ticket: {placeholders_known_text()}."


class SavedReplyMixin(ProgramAccessMixin):
    agent_access = (
        AgentAccess.NONE
    )  # agents insert saved replies from a ticket; managing them is the managers'
    request: HttpRequest
    kwargs: dict[str, Any]

    def list_url(self) -> str:
        return reverse("queues:saved_reply_list", kwargs={"program_slug": self.program.slug})

    @cached_property
    def saved_reply(self) -> SavedReply:
        found = reply_selectors.saved_reply_get(program=self.program, pk=self.kwargs.get("pk"))
        if found is None:
            raise not_found_in_scope(
                self.request, SavedReply, pk=self.kwargs.get("pk"), message="No such saved reply."
            )
        return found

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["placeholders"] = PLACEHOLDERS
        return context


class SavedReplyListView(SavedReplyMixin, ListView):
    template_name = "queues/replies/list.html"
    context_object_name = "saved_replies"
    paginate_by = 50

    @cached_property
    def search(self) -> str:
        return (self.request.GET.get("q") or "").strip()[:200]

    @cached_property
    def suggestions_only(self) -> bool:
        return self.request.GET.get("show") == "suggestions"

    def get_queryset(self):
        return reply_selectors.saved_reply_list(
            program=self.program, search=self.search, suggestions_only=self.suggestions_only
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search"] = self.search
        context["suggestions_only"] = self.suggestions_only
        return context


class SavedReplyFormView(SavedReplyMixin, TemplateView):
    """New (no pk) or edit (pk) a saved reply; GET shows the form, POST saves it through the service."""

    template_name = "queues/replies/form.html"

    @property
    def editing(self) -> bool:
        return "pk" in self.kwargs

    def form(self, data=None) -> forms.SavedReplyForm:
        initial = {}
        if self.editing:
            reply = self.saved_reply
            initial = {
                "title": reply.title,
                "body": reply.body,
                "status_after": reply.status_after,
                "tags": ", ".join(reply.tags or []),
            }
        return forms.SavedReplyForm(data, initial=initial, placeholders_help=PLACEHOLDERS_HELP)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or self.form()
        context["saved_reply"] = self.saved_reply if self.editing else None
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "title": data["title"],
                "body": data["body"],
                "status_after": data["status_after"],
                "tags": data["tags"],
                "actor": request.user,
            }
            try:
                if self.editing:
                    reply_services.saved_reply_update(saved_reply=self.saved_reply, **fields)
                else:
                    reply_services.saved_reply_create(program=self.program, **fields)
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, "Saved reply saved." if self.editing else "Saved reply added.")
                return redirect(self.list_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SavedReplyActionView(SavedReplyMixin, View):
    """POST approve (a freelancer's suggestion) or delete."""

    http_method_names = ["post"]
    actions = {
        "approve": (
            reply_services.saved_reply_approve,
            "Approved: it is in every reply box of the program now.",
        ),
        "delete": (reply_services.saved_reply_delete, "Saved reply deleted."),
    }

    def post(self, request, *args, **kwargs):
        action = self.actions.get(kwargs["action"])
        if action is None:
            raise Http404("No such action.")
        service, done = action
        try:
            service(saved_reply=self.saved_reply, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect(self.list_url())


# --- portal ---------------------------------------------------------------------------------------------------


class SavedReplySuggestView(FreelancerRequiredMixin, TemplateView):
    """A freelancer suggests a saved reply for one of their programs (`?program=<id>` preselects it)."""

    template_name = "queues/replies/suggest.html"

    @property
    def me(self) -> Freelancer:
        return cast(
            Freelancer, self.freelancer
        )  # FreelancerRequiredMixin let only a freelancer with a profile in

    @cached_property
    def programs(self) -> list[Program]:
        ids = freelancer_program_ids(freelancer_id=self.me.pk)
        return list(Program.objects.filter(pk__in=ids).order_by("name").only("id", "name", "slug"))

    def form(self, data=None) -> forms.SavedReplySuggestForm:
        initial = {"program": self.request.GET.get("program")}
        return forms.SavedReplySuggestForm(
            data, initial=initial, programs=self.programs, placeholders_help=PLACEHOLDERS_HELP
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or self.form()
        context["placeholders"] = PLACEHOLDERS
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            program = next(p for p in self.programs if p.pk == data["program"])
            try:
                reply_services.saved_reply_suggest(
                    program=program,
                    freelancer=self.me,
                    title=data["title"],
                    body=data["body"],
                    status_after=data["status_after"],
                    tags=data["tags"],
                )
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, "Thank you: your suggestion went to the program's managers.")
                return redirect("queues:my_queue")
        return self.render_to_response(self.get_context_data(form=form), status=400)
