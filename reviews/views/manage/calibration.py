"""Manager pages: calibration sessions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from reviews import selectors, services
from reviews.forms import (
    CalibrationForm,
)
from reviews.models import CalibrationSession, Review
from reviews.views.common import ReviewsPageMixin, scorecard_form


class CalibrationListView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/calibration_list.html"
    context_object_name = "sessions"
    paginate_by = 30

    def get_queryset(self):
        return selectors.calibration_list(user=self.request.user)

    def form(self, data=None):
        program = self.selected_program() or selectors.review_programs(user=self.request.user).first()
        if program is None:
            return None, None
        return program, CalibrationForm(
            data, reviewer_choices=selectors.calibration_reviewer_choices(program=program)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in kwargs:
            context["program"], context["form"] = self.form()
        return context

    def post(self, request, *args, **kwargs):
        program, form = self.form(request.POST)
        if program is None:
            raise Http404("You do not manage any program.")
        if form.is_valid():
            ticket = selectors.ticket_for_review(user=request.user, pk=form.cleaned_data["ticket"])
            if ticket is None or ticket.program_id != program.pk:
                form.add_error("ticket", "No ticket with that number in this program.")
            else:
                try:
                    session = services.calibration_session_create(
                        program=program,
                        ticket=ticket,
                        title=form.cleaned_data["title"],
                        reviewers=form.cleaned_data["reviewers"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    add_error_to_form(form, exc)
                else:
                    messages.success(request, "Calibration session started; reviewers score blind.")
                    return redirect("reviews:calibration_detail", pk=session.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form, program=program), status=400)


class CalibrationDetailView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.WORK  # reviewers of a session (agents among them) score it blind
    template_name = "reviews/manage/calibration_detail.html"

    @cached_property
    def session(self):
        session = selectors.calibration_get(user=self.request.user, pk=self.kwargs["pk"])
        if session is None:
            raise not_found_in_scope(
                self.request, CalibrationSession, pk=self.kwargs["pk"], message="No such session."
            )
        return session

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.session
        user = self.request.user
        is_reviewer = any(r.pk == user.pk for r in session.reviewers.all())
        scored_ids = set(
            Review.objects.filter(calibration_session=session).values_list("reviewer_id", flat=True)
        )
        is_open = session.status == CalibrationSession.Status.OPEN
        context.update(
            session=session,
            ticket=session.ticket,
            **selectors.review_screen(ticket=session.ticket),
            is_reviewer=is_reviewer,
            has_scored=user.pk in scored_ids,
            scored_ids=scored_ids,
            is_open=is_open,
        )
        if is_open and is_reviewer and user.pk not in scored_ids:
            context.setdefault("form", scorecard_form(session.program))
        if not is_open:
            context["report"] = selectors.calibration_report(session=session)
        elif user.pk in scored_ids:
            context["own"] = (
                Review.objects.filter(calibration_session=session, reviewer=user)
                .prefetch_related("criterion_scores__criterion")
                .first()
            )
        return context

    def post(self, request, *args, **kwargs):
        session = self.session
        if kwargs.get("action") == "close":
            try:
                services.calibration_session_close(session=session, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Session closed: the scores are revealed.")
            return redirect("reviews:calibration_detail", pk=session.pk)
        form = scorecard_form(session.program, request.POST)
        if form.is_valid():
            try:
                services.review_submit(
                    ticket=session.ticket,
                    reviewer=request.user,
                    ratings=form.ratings(),
                    comments=form.comments(),
                    comment=form.cleaned_data["comment"],
                    calibration_session=session,
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(
                    request, "Your calibration scores are in. Others' stay hidden until the session closes."
                )
                return redirect("reviews:calibration_detail", pk=session.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CalibrationCloseView(CalibrationDetailView):
    """POST close: reveals the scores. Reviewers score; closing the session is for support managers."""

    agent_access = AgentAccess.NONE
