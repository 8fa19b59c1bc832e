"""The freelancer portal: my reviews (and disputes), evaluations, feedback and the weekly pulse, announcements."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from accounts.mixins import FreelancerRequiredMixin
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from reviews import selectors, services
from reviews.forms import DisputeForm, FeedbackForm, PulseForm


class PortalReviewListView(FreelancerRequiredMixin, ListView):
    template_name = "reviews/portal/reviews.html"
    context_object_name = "reviews"
    paginate_by = 30

    def get_queryset(self):
        return selectors.review_list_for_freelancer(freelancer=self.freelancer)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.freelancer_qa_summary(freelancer=self.freelancer)
        context["thanks"] = list(
            selectors.thank_you_notes_for_freelancer(freelancer=self.freelancer, limit=5)
        )
        return context


class PortalReviewDetailView(FreelancerRequiredMixin, TemplateView):
    template_name = "reviews/portal/review_detail.html"

    def review(self):
        review = selectors.review_get_for_freelancer(freelancer=self.freelancer, pk=self.kwargs["pk"])
        if review is None:
            raise not_found_in_scope(
                self.request, "reviews.Review", pk=self.kwargs["pk"], message="No such review."
            )
        return review

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = kwargs.get("review") or self.review()
        context.update(review=review, dispute=getattr(review, "dispute", None))
        context.setdefault("form", DisputeForm())
        return context

    def post(self, request, *args, **kwargs):
        review = self.review()
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                services.review_dispute(
                    review=review, freelancer=self.freelancer, comment=form.cleaned_data["comment"]
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(
                    request, "Dispute sent. A manager will look at it and you will see the decision here."
                )
                return redirect("reviews:portal_review", pk=review.pk)
        return self.render_to_response(self.get_context_data(form=form, review=self.review()), status=400)


class PortalEvaluationListView(FreelancerRequiredMixin, ListView):
    template_name = "reviews/portal/evaluations.html"
    context_object_name = "evaluations"
    paginate_by = 30

    def get_queryset(self):
        return selectors.evaluation_list_for_freelancer(freelancer=self.freelancer)


class PortalEvaluationDetailView(FreelancerRequiredMixin, TemplateView):
    template_name = "reviews/portal/evaluation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = selectors.evaluation_get_for_freelancer(freelancer=self.freelancer, pk=self.kwargs["pk"])
        if evaluation is None:
            raise not_found_in_scope(
                self.request, "reviews.Evaluation", pk=self.kwargs["pk"], message="No such evaluation."
            )
        context.update(
            evaluation=evaluation,
            metric_rows=[(label, evaluation.metrics.get(key)) for key, label in selectors.METRIC_LABELS],
        )
        return context


class PortalFeedbackView(FreelancerRequiredMixin, TemplateView):
    """The always-open feedback form, this week's pulse per program, and what I sent before."""

    template_name = "reviews/portal/feedback.html"

    def programs(self):
        return selectors.freelancer_programs(freelancer=self.freelancer)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", FeedbackForm(programs=self.programs()))
        context["pulse_programs"] = selectors.pulse_due_programs(freelancer=self.freelancer)
        context.setdefault("pulse_form", PulseForm())
        context["sent"] = list(selectors.feedback_for_freelancer(freelancer=self.freelancer)[:30])
        return context

    def post(self, request, *args, **kwargs):
        if kwargs.get("action") == "pulse":
            form = PulseForm(request.POST)
            program = (
                self.programs().filter(pk=form.data.get("program") or 0).first()
                if str(form.data.get("program", "")).isdigit()
                else None
            )
            if form.is_valid() and program is not None:
                try:
                    services.feedback_pulse_submit(
                        freelancer=self.freelancer,
                        program=program,
                        rating=form.cleaned_data["rating"],
                        body=form.cleaned_data["body"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"Thanks — your pulse for {program.name} is in.")
                return redirect("reviews:portal_feedback")
            if program is None:
                raise Http404("No such program.")
            return self.render_to_response(self.get_context_data(pulse_form=form), status=400)
        form = FeedbackForm(request.POST, programs=self.programs())
        if form.is_valid():
            try:
                services.feedback_submit(
                    freelancer=self.freelancer,
                    program=form.cleaned_data["program"],
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Thank you — your feedback went to the program's managers.")
                return redirect("reviews:portal_feedback")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PortalAnnouncementListView(FreelancerRequiredMixin, ListView):
    template_name = "reviews/portal/announcements.html"
    context_object_name = "announcements"
    paginate_by = 20

    def get_queryset(self):
        return selectors.announcements_for_freelancer(freelancer=self.freelancer)
