"""Postings, the pipeline board and the candidate list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import AgentAccess, SupportManagerRequiredMixin
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.mixins import ProgramAccessMixin
from programs.selectors import program_list
from recruiting import forms, selectors, services
from recruiting.models import Application, Posting
from recruiting.rate_insight import posting_rate_insight
from recruiting.views.common import _ok


class PostingListView(SupportManagerRequiredMixin, ListView):
    template_name = "recruiting/posting_list.html"
    context_object_name = "postings"

    def get_queryset(self):
        return selectors.posting_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = program_list(user=self.request.user).order_by("name")
        context["pipeline"] = Application.PIPELINE
        return context


class PostingFormMixin:
    template_name = "recruiting/posting_form.html"
    form_class = forms.PostingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "program": self.program}


class PostingCreateView(ProgramAccessMixin, PostingFormMixin, FormView):
    agent_access = AgentAccess.NONE  # recruiting is for support managers

    def get_initial(self):
        return selectors.posting_initial_from_profile(program=self.program)

    def form_valid(self, form):
        try:
            posting = services.posting_create(
                program=self.program,
                created_by=self.request.user,
                open_now="open" in self.request.POST,
                **form.service_kwargs(),
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Posting created." + (" It is open for applications." if posting.is_open else ""))
        return redirect("recruiting:posting_detail", pk=posting.pk)


class ScopedPostingMixin(SupportManagerRequiredMixin):
    @cached_property
    def posting(self) -> Posting:
        posting = selectors.posting_get(user=self.request.user, pk=self.kwargs["pk"])
        if posting is None:
            raise not_found_in_scope(self.request, Posting, pk=self.kwargs["pk"], message="No such posting.")
        return posting

    @property
    def program(self):
        return self.posting.program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["posting"] = self.posting
        context["program"] = self.posting.program
        return context


class PostingUpdateView(ScopedPostingMixin, PostingFormMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.posting}

    def form_valid(self, form):
        kwargs = form.service_kwargs()
        # The form edited the instance in place while validating; the service reloads and saves.
        try:
            services.posting_update(posting=self.posting, updated_by=self.request.user, **kwargs)
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Posting saved. Scores follow the new weights and skills.")
        return redirect("recruiting:posting_detail", pk=self.posting.pk)


class PostingDetailView(ScopedPostingMixin, TemplateView):
    template_name = "recruiting/posting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posting = self.posting
        context["public_url"] = self.request.build_absolute_uri(
            reverse("recruiting:apply", args=[posting.slug])
        )
        context["tracking_links"] = [
            (name, f"{context['public_url']}?{urlencode({'src': source})}")
            for name, source in selectors.posting_tracking_sources(posting=posting)
        ]
        context["headcount"], context["planned"] = selectors.posting_headcount(posting=posting)
        counts = selectors.posting_list(user=self.request.user).get(pk=posting.pk)
        context["stage_counts"] = [
            (label, getattr(counts, f"count_{stage}")) for stage, label in Application.Stage.choices
        ]
        context["count_total"] = counts.count_total
        insight = posting_rate_insight(posting=posting)
        context["rate_insight"] = insight
        context["insight_sections"] = [("Region", insight.by_region), ("Experience", insight.by_experience)]
        return context


class PostingStatusView(ScopedPostingMixin, View):
    def post(self, request, pk):
        action = request.POST.get("action")
        try:
            if action == "open":
                was_closed = self.posting.status == Posting.Status.CLOSED
                services.posting_open(posting=self.posting, opened_by=request.user)
                _ok(
                    request,
                    "Posting reposted; earlier applications are kept." if was_closed else "Posting opened.",
                )
            elif action == "close":
                services.posting_close(posting=self.posting, closed_by=request.user)
                _ok(request, "Posting closed. The public page now says so.")
            else:
                messages.error(request, "Unknown action.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("recruiting:posting_detail", pk=pk)


class BoardView(ScopedPostingMixin, TemplateView):
    template_name = "recruiting/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = selectors.application_board(user=self.request.user, posting=self.posting)
        return context


class ApplicationMoveView(SupportManagerRequiredMixin, View):
    """POST a stage move. From the board (htmx) the answer is the board again, with an error if refused."""

    def post(self, request, pk):
        application = (
            selectors.application_scope(user=request.user).filter(pk=pk).select_related("posting").first()
        )
        if application is None:
            raise not_found_in_scope(request, Application, pk=pk, message="No such application.")
        form = forms.MoveForm(request.POST)
        error = None
        if form.is_valid():
            try:
                services.application_move(
                    application=application,
                    to_stage=form.cleaned_data["stage"],
                    moved_by=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                error = exc.message
        else:
            error = "Choose a stage from the list."
        if request.htmx:
            columns = selectors.application_board(user=request.user, posting=application.posting)
            return render(
                request,
                "recruiting/_board.html",
                {
                    "columns": columns,
                    "posting": application.posting,
                    "board_error": error,
                    "moved_id": application.pk,
                },
            )
        if error:
            messages.error(request, error)
        else:
            _ok(request, f"Moved to {Application.Stage(form.cleaned_data['stage']).label}.")
        return redirect("recruiting:application_detail", pk=pk)


class ApplicationListView(ScopedPostingMixin, ListView):
    template_name = "recruiting/application_list.html"
    context_object_name = "applications"
    paginate_by = 50

    @cached_property
    def filter_form(self):
        return forms.ListFilterForm(self.request.GET or None)

    def get_queryset(self):
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.application_list(
            user=self.request.user,
            posting=self.posting,
            stage=filters.get("stage") or None,
            min_score=filters.get("min_score"),
            idle_days=filters.get("idle_days"),
            search=filters.get("q") or "",
            sort=filters.get("sort") or "score",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context
