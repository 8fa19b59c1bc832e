"""Manager pages: the review queue, reviews, picking tickets, the review screen and disputes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from reviews import selectors, services
from reviews.forms import (
    DisputeResolveForm,
    PickTicketForm,
)
from reviews.models import Dispute, Review, ReviewAssignment
from reviews.views.common import ReviewsPageMixin, scorecard_form


class HomeView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.WORK
    template_name = "reviews/manage/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["overview"] = selectors.reviews_overview(user=user)
        context["my_assignments"] = list(selectors.assignment_list(user=user, mine=True)[:10])
        context["open_disputes"] = list(selectors.dispute_list(user=user)[:5])
        context["pick_form"] = PickTicketForm()
        return context


class AssignmentListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.WORK
    template_name = "reviews/manage/queue.html"
    context_object_name = "assignments"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", ReviewAssignment.Status.OPEN)
        status = status if status in ReviewAssignment.Status.values else None
        return selectors.assignment_list(
            user=self.request.user,
            program=self.selected_program(),
            status=status,
            mine=self.request.GET.get("mine") == "1",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.selected_program(),
            statuses=ReviewAssignment.Status.choices,
            status=self.request.GET.get("status", ReviewAssignment.Status.OPEN),
            mine=self.request.GET.get("mine") == "1",
            query=self.request.GET.urlencode(),
        )
        return context


class ReviewListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/review_list.html"
    context_object_name = "reviews"
    paginate_by = 50

    def get_queryset(self):
        freelancer = self.request.GET.get("freelancer") or ""
        return selectors.review_list_for_manager(
            user=self.request.user,
            program=self.selected_program(),
            freelancer_id=int(freelancer) if freelancer.isdigit() else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.selected_program()
        return context


class PickTicketView(ReviewsPageMixin, ListView):
    """Any ticket a freelancer handled can be picked for review, on top of the weekly sample."""

    agent_access = AgentAccess.WORK

    template_name = "reviews/manage/pick.html"
    context_object_name = "tickets"
    paginate_by = 30

    @cached_property
    def program(self):
        program = self.selected_program()
        if program is None:
            programs = list(selectors.review_programs(user=self.request.user)[:1])
            if not programs:
                raise Http404("You do not manage any program.")
            program = programs[0]
        return program

    def get_queryset(self):
        return selectors.reviewable_tickets(
            user=self.request.user, program=self.program, search=self.request.GET.get("q", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            program=self.program,
            q=self.request.GET.get("q", ""),
            query=f"program={self.program.slug}&q={self.request.GET.get('q', '')}",
        )
        return context

    def post(self, request, *args, **kwargs):
        form = PickTicketForm(request.POST)
        ticket = (
            selectors.ticket_for_review(user=request.user, pk=form.data.get("ticket"))
            if form.is_valid()
            else None
        )
        if ticket is None:
            raise Http404("No such ticket.")
        try:
            services.review_assignment_create(ticket=ticket, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("reviews:pick") + f"?program={ticket.program.slug}")
        messages.success(request, f"Ticket #{ticket.pk} picked for review.")
        return redirect("reviews:review_ticket", ticket_pk=ticket.pk)


class ReviewTicketView(ReviewsPageMixin, TemplateView):
    """The review screen: the ticket thread beside the scorecard."""

    agent_access = AgentAccess.WORK

    template_name = "reviews/manage/review_ticket.html"

    @cached_property
    def ticket(self):
        ticket = selectors.ticket_for_review(user=self.request.user, pk=self.kwargs["ticket_pk"])
        if ticket is None:
            raise not_found_in_scope(
                self.request, "queues.Ticket", pk=self.kwargs["ticket_pk"], message="No such ticket."
            )
        return ticket

    def existing(self):
        return Review.objects.filter(ticket=self.ticket, calibration_session__isnull=True).only("pk").first()

    def get(self, request, *args, **kwargs):
        done = self.existing()
        if done is not None:
            return redirect("reviews:review_detail", pk=done.pk)
        return self.render_to_response(self.get_context_data(form=scorecard_form(self.ticket.program)))

    def post(self, request, *args, **kwargs):
        form = scorecard_form(self.ticket.program, request.POST)
        if form.is_valid():
            try:
                review = services.review_submit(
                    ticket=self.ticket,
                    reviewer=request.user,
                    ratings=form.ratings(),
                    comments=form.comments(),
                    comment=form.cleaned_data["comment"],
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Review saved: {review.score} / 100.")
                nxt = selectors.assignment_list(user=request.user, mine=True).first()
                if nxt is not None and request.POST.get("next") == "1":
                    return redirect("reviews:review_ticket", ticket_pk=nxt.ticket_id)
                return redirect("reviews:review_detail", pk=review.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.ticket
        context.update(
            ticket=ticket,
            **selectors.review_screen(ticket=ticket),
            scorecard=getattr(ticket.program, "scorecard", None),
            assignment=getattr(ticket, "review_assignment", None),
            csat=selectors.csat_for_ticket(ticket=ticket),
        )
        return context


class ReviewDetailView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/review_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = selectors.review_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if review is None:
            raise not_found_in_scope(self.request, Review, pk=self.kwargs["pk"], message="No such review.")
        context.update(
            review=review,
            ticket=review.ticket,
            **selectors.review_screen(ticket=review.ticket),
            dispute=getattr(review, "dispute", None),
            csat=selectors.csat_for_ticket(ticket=review.ticket),
        )
        return context


class DisputeListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.NONE
    template_name = "reviews/manage/disputes.html"
    context_object_name = "disputes"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", Dispute.Status.OPEN)
        return selectors.dispute_list(
            user=self.request.user, status=status if status in Dispute.Status.values else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.request.GET.get("status", Dispute.Status.OPEN)
        return context


class DisputeResolveView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.NONE  # disputes are decisions for support managers
    template_name = "reviews/manage/dispute_resolve.html"

    @cached_property
    def dispute(self):
        dispute = selectors.dispute_get(user=self.request.user, pk=self.kwargs["pk"])
        if dispute is None:
            raise not_found_in_scope(self.request, Dispute, pk=self.kwargs["pk"], message="No such dispute.")
        return dispute

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = selectors.review_get_for_manager(user=self.request.user, pk=self.dispute.review_id)
        context.update(
            dispute=self.dispute,
            review=review,
            ticket=review.ticket,
            **selectors.review_screen(ticket=review.ticket),
        )
        context.setdefault("form", DisputeResolveForm())
        return context

    def post(self, request, *args, **kwargs):
        form = DisputeResolveForm(request.POST)
        if form.is_valid():
            try:
                services.dispute_resolve(
                    dispute=self.dispute,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["resolution_note"],
                    new_score=form.cleaned_data["new_score"],
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Dispute resolved; the freelancer sees the decision in the portal.")
                return redirect("reviews:disputes")
        return self.render_to_response(self.get_context_data(form=form), status=400)
