"""Manager pages: evaluations, recognition, feedback, check-ins and settings."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess
from channels.models import ProgramChannel
from channels.services import channel_kind_of
from contracts.selectors import standing_get
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from reviews import selectors, services
from reviews.forms import (
    EvaluationForm,
    SettingsForm,
    ThankYouForm,
)
from reviews.models import Feedback, ReviewSettings
from reviews.services.engagement import REASON_LABELS
from reviews.views.common import ReviewsPageMixin, parse_date


class EvaluationListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.NONE
    template_name = "reviews/manage/evaluations.html"
    context_object_name = "evaluations"
    paginate_by = 30

    def get_queryset(self):
        return selectors.evaluation_list_for_manager(user=self.request.user, program=self.selected_program())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.selected_program()
        context["due"] = selectors.evaluations_due(user=self.request.user, program=context["program"])
        return context


class EvaluationCreateView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.NONE
    template_name = "reviews/manage/evaluation_form.html"

    @cached_property
    def program(self):
        program = selectors.program_for_reviews(user=self.request.user, slug=self.kwargs["program_slug"])
        if program is None:
            raise not_found_in_scope(
                self.request, "programs.Program", slug=self.kwargs["program_slug"], message="No such program."
            )
        return program

    @cached_property
    def freelancer(self):
        freelancer = selectors.freelancer_in_program(
            user=self.request.user, program=self.program, freelancer_id=self.kwargs["freelancer_pk"]
        )
        if freelancer is None:
            raise not_found_in_scope(
                self.request,
                "accounts.Freelancer",
                pk=self.kwargs["freelancer_pk"],
                message="No such freelancer in this program.",
            )
        return freelancer

    def period(self, form=None):
        if form is not None and form.is_bound and form.is_valid():
            return form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        due = [
            d
            for d in selectors.evaluations_due(user=self.request.user, program=self.program)
            if d.freelancer.pk == self.freelancer.pk
        ]
        start = parse_date(self.request.GET.get("start"))
        end = parse_date(self.request.GET.get("end"))
        if due:
            start, end = start or due[0].period_start, end or due[0].period_end
        today = timezone.localdate()
        return start or today - datetime.timedelta(days=29), end or today

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form")
        start, end = self.period(form)
        if form is None:
            form = EvaluationForm(initial={"period_start": start, "period_end": end, "outcome": "keep"})
        metrics = selectors.evaluation_metrics(
            program=self.program, freelancer_id=self.freelancer.pk, start_date=start, end_date=end
        )
        context.update(
            program=self.program,
            freelancer=self.freelancer,
            form=form,
            start=start,
            end=end,
            tier=standing_get(freelancer_id=self.freelancer.pk, program_id=self.program.pk).tier,
            metrics=metrics,
            metric_rows=[(label, metrics.get(key)) for key, label in selectors.METRIC_LABELS],
            history=selectors.evaluation_list_for_manager(
                user=self.request.user, program=self.program
            ).filter(freelancer=self.freelancer)[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = EvaluationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation = services.evaluation_create(
                    program=self.program,
                    freelancer=self.freelancer,
                    actor=request.user,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    outcome=data["outcome"],
                    summary=data["summary"],
                    private_notes=data["private_notes"],
                    bonus_amount=data["bonus_amount"],
                    new_hourly_rate=data["new_hourly_rate"],
                    rate_effective_date=data["rate_effective_date"],
                    rate_override_reason=data["rate_override_reason"],
                    plan_goals=data["plan_goals"],
                    plan_review_date=data["plan_review_date"],
                    end_date=data["end_date"],
                    end_reason=data["end_reason"],
                    confirm_out_of_range=data["confirm_out_of_range"],
                    out_of_range_reason=data["out_of_range_reason"],
                    confirm_paid_period=data["confirm_paid_period"],
                    confirm_over_limit=data["confirm_over_limit"],
                    over_limit_reason=data["over_limit_reason"],
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Evaluation recorded: {evaluation.get_outcome_display()}.")
                return redirect("reviews:evaluation_detail", pk=evaluation.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EvaluationDetailView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.NONE
    template_name = "reviews/manage/evaluation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = selectors.evaluation_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if evaluation is None:
            raise not_found_in_scope(
                self.request, "reviews.Evaluation", pk=self.kwargs["pk"], message="No such evaluation."
            )
        context.update(
            evaluation=evaluation,
            metric_rows=[(label, evaluation.metrics.get(key)) for key, label in selectors.METRIC_LABELS],
        )
        return context


def _month_bounds(value: str | None):
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = datetime.date(year, month, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, min(following - datetime.timedelta(days=1), max(today, first))


class LeaderboardView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/leaderboard.html"

    def program(self):
        program = self.selected_program() or selectors.review_programs(user=self.request.user).first()
        if program is None:
            raise Http404("You do not manage any program.")
        return program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.program()
        start, end = _month_bounds(self.request.GET.get("month"))
        today = timezone.localdate().replace(day=1)
        months = []
        for back in range(6):
            month = (today - datetime.timedelta(days=back * 28)).replace(day=1)
            if month not in months:
                months.append(month)
        context.update(
            program=program,
            start=start,
            end=end,
            months=months,
            rows=selectors.leaderboard(program=program, start_date=start, end_date=end),
            form=ThankYouForm(),
            period_label=f"{start:%B %Y}",
        )
        return context

    def post(self, request, *args, **kwargs):
        program = self.program()
        form = ThankYouForm(request.POST)
        freelancer = None
        if form.is_valid():
            freelancer = selectors.freelancer_in_program(
                user=request.user, program=program, freelancer_id=form.cleaned_data["freelancer"]
            )
        if freelancer is None:
            raise Http404("No such freelancer in this program.")
        try:
            services.thank_you_send(
                program=program,
                freelancer=freelancer,
                actor=request.user,
                message=form.cleaned_data["message"],
                period_label=request.POST.get("period", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Thank-you note sent to {freelancer}.")
        return redirect(
            reverse("reviews:leaderboard") + f"?program={program.slug}&month={request.GET.get('month', '')}"
        )


class FeedbackListView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/feedback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", Feedback.Status.OPEN)
        status = status if status in Feedback.Status.values else None
        program = self.selected_program()
        context.update(
            groups=selectors.feedback_grouped(user=self.request.user, program=program, status=status),
            status=status or "all",
            program=program,
        )
        return context


class FeedbackMarkView(ReviewsPageMixin, View):
    agent_access = AgentAccess.NONE

    def post(self, request, pk, action):
        item = selectors.feedback_get(user=request.user, pk=pk)
        if item is None:
            raise not_found_in_scope(request, Feedback, pk=pk, message="No such feedback.")
        if action not in ("done", "reopen"):
            raise Http404("No such feedback.")
        item = services.feedback_mark(feedback=item, actor=request.user, done=action == "done")
        if request.htmx:
            return render(request, "reviews/manage/_feedback_item.html", {"item": item})
        messages.success(request, "Marked done." if action == "done" else "Reopened.")
        return redirect("reviews:feedback")


class CheckInListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/check_ins.html"
    context_object_name = "check_ins"
    paginate_by = 50

    def get_queryset(self):
        return selectors.check_in_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, reason_labels=REASON_LABELS)


class SettingsView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.NONE
    template_name = "reviews/manage/settings.html"

    @cached_property
    def program(self):
        program = selectors.program_for_reviews(user=self.request.user, slug=self.kwargs["program_slug"])
        if program is None:
            raise not_found_in_scope(
                self.request, "programs.Program", slug=self.kwargs["program_slug"], message="No such program."
            )
        return program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        context.setdefault(
            "form", SettingsForm(instance=self.review_settings, zendesk_channel=self.zendesk_channel)
        )
        context["reviewers"] = services.reviewers_for_program(self.program)
        context["review_settings"] = self.review_settings
        return context

    @cached_property
    def review_settings(self):
        return ReviewSettings.for_program(self.program)

    @cached_property
    def zendesk_channel(self) -> bool:
        return channel_kind_of(self.program) == ProgramChannel.Kind.ZENDESK

    def post(self, request, *args, **kwargs):
        form = SettingsForm(request.POST, instance=self.review_settings, zendesk_channel=self.zendesk_channel)
        if form.is_valid():
            try:
                services.review_settings_update(
                    program=self.program,
                    actor=request.user,
                    **{
                        name: form.cleaned_data[name]
                        for name in SettingsForm.Meta.fields
                        if name in form.fields
                    },
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Review settings saved.")
                return redirect("reviews:settings", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
