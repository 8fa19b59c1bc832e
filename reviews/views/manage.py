"""Manager pages: review queue, review screen, disputes, calibration, CSAT/NPS, evaluations, leaderboard, feedback."""

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

from core.errors import DomainError
from core.forms import add_error_to_form
from reviews import selectors, services
from reviews.forms import (
    CalibrationForm,
    DisputeResolveForm,
    EvaluationForm,
    PickTicketForm,
    ScorecardForm,
    SettingsForm,
    ThankYouForm,
)
from reviews.models import CalibrationSession, Dispute, Feedback, Review, ReviewAssignment, ReviewSettings
from reviews.views.common import ManagerOnlyMixin, ReviewsManagerMixin, parse_date


class HomeView(ReviewsManagerMixin, TemplateView):
    template_name = "reviews/manage/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["overview"] = selectors.reviews_overview(user=user)
        context["my_assignments"] = list(selectors.assignment_list(user=user, mine=True)[:10])
        context["open_disputes"] = list(selectors.dispute_list(user=user)[:5])
        context["pick_form"] = PickTicketForm()
        return context


class AssignmentListView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/queue.html"
    context_object_name = "assignments"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", ReviewAssignment.Status.OPEN)
        status = status if status in ReviewAssignment.Status.values else None
        return selectors.assignment_list(user=self.request.user, program=self.selected_program(), status=status,
                                         mine=self.request.GET.get("mine") == "1")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(program=self.selected_program(), statuses=ReviewAssignment.Status.choices,
                       status=self.request.GET.get("status", ReviewAssignment.Status.OPEN),
                       mine=self.request.GET.get("mine") == "1", query=self.request.GET.urlencode())
        return context


class ReviewListView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/review_list.html"
    context_object_name = "reviews"
    paginate_by = 50

    def get_queryset(self):
        freelancer = self.request.GET.get("freelancer") or ""
        return selectors.review_list_for_manager(user=self.request.user, program=self.selected_program(),
                                                 freelancer_id=int(freelancer) if freelancer.isdigit() else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.selected_program()
        return context


class PickTicketView(ReviewsManagerMixin, ListView):
    """Any ticket a freelancer handled can be picked for review, on top of the weekly sample."""

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
        return selectors.reviewable_tickets(user=self.request.user, program=self.program,
                                            search=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(program=self.program, q=self.request.GET.get("q", ""),
                       query=f"program={self.program.slug}&q={self.request.GET.get('q', '')}")
        return context

    def post(self, request, *args, **kwargs):
        form = PickTicketForm(request.POST)
        ticket = selectors.ticket_for_review(user=request.user, pk=form.data.get("ticket")) if form.is_valid() else None
        if ticket is None:
            raise Http404("No such ticket.")
        try:
            services.review_assignment_create(ticket=ticket, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("reviews:pick") + f"?program={ticket.program.slug}")
        messages.success(request, f"Ticket #{ticket.pk} picked for review.")
        return redirect("reviews:review_ticket", ticket_pk=ticket.pk)


def _scorecard_form(program, data=None):
    criteria = selectors.scorecard_criteria(program=program)
    scale = program.scorecard.scale_max if criteria else 0
    return ScorecardForm(data, criteria=criteria, scale_max=scale)


class ReviewTicketView(ReviewsManagerMixin, TemplateView):
    """The review screen: the ticket thread beside the scorecard."""

    template_name = "reviews/manage/review_ticket.html"

    @cached_property
    def ticket(self):
        ticket = selectors.ticket_for_review(user=self.request.user, pk=self.kwargs["ticket_pk"])
        if ticket is None:
            raise Http404("No such ticket.")
        return ticket

    def existing(self):
        return Review.objects.filter(ticket=self.ticket, calibration_session__isnull=True).only("pk").first()

    def get(self, request, *args, **kwargs):
        done = self.existing()
        if done is not None:
            return redirect("reviews:review_detail", pk=done.pk)
        return self.render_to_response(self.get_context_data(form=_scorecard_form(self.ticket.program)))

    def post(self, request, *args, **kwargs):
        form = _scorecard_form(self.ticket.program, request.POST)
        if form.is_valid():
            try:
                review = services.review_submit(ticket=self.ticket, reviewer=request.user, ratings=form.ratings(),
                                                comments=form.comments(), comment=form.cleaned_data["comment"])
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
        context.update(ticket=ticket, **selectors.review_screen(ticket=ticket),
                       scorecard=getattr(ticket.program, "scorecard", None),
                       assignment=getattr(ticket, "review_assignment", None),
                       csat=selectors.csat_for_ticket(ticket=ticket))
        return context


class ReviewDetailView(ReviewsManagerMixin, TemplateView):
    template_name = "reviews/manage/review_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = selectors.review_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if review is None:
            raise Http404("No such review.")
        context.update(review=review, ticket=review.ticket, **selectors.review_screen(ticket=review.ticket),
                       dispute=getattr(review, "dispute", None), csat=selectors.csat_for_ticket(ticket=review.ticket))
        return context


# --- disputes --------------------------------------------------------------------------------------------------


class DisputeListView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/disputes.html"
    context_object_name = "disputes"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", Dispute.Status.OPEN)
        return selectors.dispute_list(user=self.request.user,
                                      status=status if status in Dispute.Status.values else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.request.GET.get("status", Dispute.Status.OPEN)
        return context


class DisputeResolveView(ManagerOnlyMixin, TemplateView):
    template_name = "reviews/manage/dispute_resolve.html"

    @cached_property
    def dispute(self):
        dispute = selectors.dispute_get(user=self.request.user, pk=self.kwargs["pk"])
        if dispute is None:
            raise Http404("No such dispute.")
        return dispute

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review = selectors.review_get_for_manager(user=self.request.user, pk=self.dispute.review_id)
        context.update(dispute=self.dispute, review=review, ticket=review.ticket,
                       **selectors.review_screen(ticket=review.ticket))
        context.setdefault("form", DisputeResolveForm())
        return context

    def post(self, request, *args, **kwargs):
        form = DisputeResolveForm(request.POST)
        if form.is_valid():
            try:
                services.dispute_resolve(dispute=self.dispute, actor=request.user, outcome=form.cleaned_data["outcome"],
                                         note=form.cleaned_data["resolution_note"],
                                         new_score=form.cleaned_data["new_score"])
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Dispute resolved; the freelancer sees the decision in the portal.")
                return redirect("reviews:disputes")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- calibration -------------------------------------------------------------------------------------------------


class CalibrationListView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/calibration_list.html"
    context_object_name = "sessions"
    paginate_by = 30

    def get_queryset(self):
        return selectors.calibration_list(user=self.request.user)

    def form(self, data=None):
        program = self.selected_program() or selectors.review_programs(user=self.request.user).first()
        if program is None:
            return None, None
        return program, CalibrationForm(data, reviewer_choices=selectors.calibration_reviewer_choices(program=program))

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
                        program=program, ticket=ticket, title=form.cleaned_data["title"],
                        reviewers=form.cleaned_data["reviewers"], actor=request.user)
                except DomainError as exc:
                    add_error_to_form(form, exc)
                else:
                    messages.success(request, "Calibration session started; reviewers score blind.")
                    return redirect("reviews:calibration_detail", pk=session.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form, program=program), status=400)


class CalibrationDetailView(ReviewsManagerMixin, TemplateView):
    template_name = "reviews/manage/calibration_detail.html"

    @cached_property
    def session(self):
        session = selectors.calibration_get(user=self.request.user, pk=self.kwargs["pk"])
        if session is None:
            raise Http404("No such session.")
        return session

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.session
        user = self.request.user
        is_reviewer = any(r.pk == user.pk for r in session.reviewers.all())
        scored_ids = set(Review.objects.filter(calibration_session=session).values_list("reviewer_id", flat=True))
        is_open = session.status == CalibrationSession.Status.OPEN
        context.update(session=session, ticket=session.ticket, **selectors.review_screen(ticket=session.ticket),
                       is_reviewer=is_reviewer, has_scored=user.pk in scored_ids, scored_ids=scored_ids,
                       is_open=is_open)
        if is_open and is_reviewer and user.pk not in scored_ids:
            context.setdefault("form", _scorecard_form(session.program))
        if not is_open:
            context["report"] = selectors.calibration_report(session=session)
        elif user.pk in scored_ids:
            context["own"] = Review.objects.filter(calibration_session=session, reviewer=user).prefetch_related(
                "criterion_scores__criterion").first()
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
        form = _scorecard_form(session.program, request.POST)
        if form.is_valid():
            try:
                services.review_submit(ticket=session.ticket, reviewer=request.user, ratings=form.ratings(),
                                       comments=form.comments(), comment=form.cleaned_data["comment"],
                                       calibration_session=session)
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Your calibration scores are in. Others' stay hidden until the session closes.")
                return redirect("reviews:calibration_detail", pk=session.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- CSAT and NPS ---------------------------------------------------------------------------------------------


def _period(request, default_days=30):
    today = timezone.localdate()
    end = parse_date(request.GET.get("end")) or today
    start = parse_date(request.GET.get("start")) or end - datetime.timedelta(days=default_days - 1)
    if start > end:
        start, end = end, start
    return start, end


class CsatReportView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/csat.html"
    context_object_name = "responses"
    paginate_by = 50

    def get_queryset(self):
        return selectors.csat_responses(user=self.request.user, program=self.selected_program())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start_date, end_date = _period(self.request)
        programs = list(selectors.review_programs(user=self.request.user))
        program = self.selected_program()
        shown = [program] if program else programs
        rows = []
        freelancer_rows = []
        ids = [p.pk for p in shown]
        if ids:
            start, end = selectors.period_bounds(shown[0], start_date, end_date)
            per_program = selectors.csat_stats(program_ids=ids, start=start, end=end)
            rows = [{"program": p, "stats": per_program.get(p.pk, selectors.CsatStats())} for p in shown]
            per_freelancer = selectors.csat_stats(program_ids=ids, start=start, end=end, by="freelancer")
            names = selectors.freelancers_by_ids(ids=per_freelancer)
            freelancer_rows = sorted(
                ({"freelancer": names[fid], "stats": stats} for fid, stats in per_freelancer.items() if fid in names),
                key=lambda r: (-(r["stats"].percent or -1), r["freelancer"].legal_name),
            )
        context.update(program=program, program_rows=rows, freelancer_rows=freelancer_rows, start=start_date,
                       end=end_date, query=f"program={program.slug if program else ''}")
        return context


class NpsReportView(ReviewsManagerMixin, TemplateView):
    template_name = "reviews/manage/nps.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.selected_program()
        programs = [program] if program else list(selectors.review_programs(user=self.request.user))
        context["sections"] = [{"program": p, "weeks": selectors.nps_weeks(program=p, weeks=8)} for p in programs]
        context["comments"] = selectors.nps_recent_comments(programs=programs)
        context["program"] = program
        return context


# --- evaluations -----------------------------------------------------------------------------------------------


class EvaluationListView(ManagerOnlyMixin, ListView):
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


class EvaluationCreateView(ManagerOnlyMixin, TemplateView):
    template_name = "reviews/manage/evaluation_form.html"

    @cached_property
    def program(self):
        program = selectors.program_for_reviews(user=self.request.user, slug=self.kwargs["program_slug"])
        if program is None:
            raise Http404("No such program.")
        return program

    @cached_property
    def freelancer(self):
        freelancer = selectors.freelancer_in_program(user=self.request.user, program=self.program,
                                                     freelancer_id=self.kwargs["freelancer_pk"])
        if freelancer is None:
            raise Http404("No such freelancer in this program.")
        return freelancer

    def period(self, form=None):
        if form is not None and form.is_bound and form.is_valid():
            return form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        due = [d for d in selectors.evaluations_due(user=self.request.user, program=self.program)
               if d.freelancer.pk == self.freelancer.pk]
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
        metrics = selectors.evaluation_metrics(program=self.program, freelancer_id=self.freelancer.pk,
                                               start_date=start, end_date=end)
        context.update(program=self.program, freelancer=self.freelancer, form=form, start=start, end=end,
                       metrics=metrics, metric_rows=[(label, metrics.get(key)) for key, label in selectors.METRIC_LABELS],
                       history=selectors.evaluation_list_for_manager(user=self.request.user, program=self.program)
                       .filter(freelancer=self.freelancer)[:10])
        return context

    def post(self, request, *args, **kwargs):
        form = EvaluationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation = services.evaluation_create(
                    program=self.program, freelancer=self.freelancer, actor=request.user,
                    period_start=data["period_start"], period_end=data["period_end"], outcome=data["outcome"],
                    summary=data["summary"], private_notes=data["private_notes"], bonus_amount=data["bonus_amount"],
                    new_hourly_rate=data["new_hourly_rate"], rate_effective_date=data["rate_effective_date"],
                    rate_override_reason=data["rate_override_reason"], plan_goals=data["plan_goals"],
                    plan_review_date=data["plan_review_date"], end_date=data["end_date"],
                    end_reason=data["end_reason"],
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Evaluation recorded: {evaluation.get_outcome_display()}.")
                return redirect("reviews:evaluation_detail", pk=evaluation.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EvaluationDetailView(ManagerOnlyMixin, TemplateView):
    template_name = "reviews/manage/evaluation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = selectors.evaluation_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if evaluation is None:
            raise Http404("No such evaluation.")
        context.update(evaluation=evaluation,
                       metric_rows=[(label, evaluation.metrics.get(key)) for key, label in selectors.METRIC_LABELS])
        return context


# --- recognition -------------------------------------------------------------------------------------------------


def _month_bounds(value: str | None):
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = datetime.date(year, month, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, min(following - datetime.timedelta(days=1), max(today, first))


class LeaderboardView(ReviewsManagerMixin, TemplateView):
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
        context.update(program=program, start=start, end=end, months=months,
                       rows=selectors.leaderboard(program=program, start_date=start, end_date=end),
                       form=ThankYouForm(), period_label=f"{start:%B %Y}")
        return context

    def post(self, request, *args, **kwargs):
        program = self.program()
        form = ThankYouForm(request.POST)
        freelancer = None
        if form.is_valid():
            freelancer = selectors.freelancer_in_program(user=request.user, program=program,
                                                         freelancer_id=form.cleaned_data["freelancer"])
        if freelancer is None:
            raise Http404("No such freelancer in this program.")
        try:
            services.thank_you_send(program=program, freelancer=freelancer, actor=request.user,
                                    message=form.cleaned_data["message"], period_label=request.POST.get("period", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Thank-you note sent to {freelancer}.")
        return redirect(reverse("reviews:leaderboard") + f"?program={program.slug}&month={request.GET.get('month', '')}")


# --- feedback, check-ins, settings --------------------------------------------------------------------------------


class FeedbackListView(ReviewsManagerMixin, TemplateView):
    template_name = "reviews/manage/feedback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", Feedback.Status.OPEN)
        status = status if status in Feedback.Status.values else None
        program = self.selected_program()
        context.update(groups=selectors.feedback_grouped(user=self.request.user, program=program, status=status),
                       status=status or "all", program=program)
        return context


class FeedbackMarkView(ReviewsManagerMixin, View):
    def post(self, request, pk, action):
        item = selectors.feedback_get(user=request.user, pk=pk)
        if item is None or action not in ("done", "reopen"):
            raise Http404("No such feedback.")
        item = services.feedback_mark(feedback=item, actor=request.user, done=action == "done")
        if request.htmx:
            return render(request, "reviews/manage/_feedback_item.html", {"item": item})
        messages.success(request, "Marked done." if action == "done" else "Reopened.")
        return redirect("reviews:feedback")


class CheckInListView(ReviewsManagerMixin, ListView):
    template_name = "reviews/manage/check_ins.html"
    context_object_name = "check_ins"
    paginate_by = 50

    def get_queryset(self):
        return selectors.check_in_list(user=self.request.user)


class SettingsView(ManagerOnlyMixin, TemplateView):
    template_name = "reviews/manage/settings.html"

    @cached_property
    def program(self):
        program = selectors.program_for_reviews(user=self.request.user, slug=self.kwargs["program_slug"])
        if program is None:
            raise Http404("No such program.")
        return program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        context.setdefault("form", SettingsForm(instance=ReviewSettings.for_program(self.program)))
        context["reviewers"] = services.reviewers_for_program(self.program)
        return context

    def post(self, request, *args, **kwargs):
        form = SettingsForm(request.POST, instance=ReviewSettings.for_program(self.program))
        if form.is_valid():
            try:
                services.review_settings_update(program=self.program, actor=request.user, **{
                    name: form.cleaned_data[name] for name in SettingsForm.Meta.fields})
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Review settings saved.")
                return redirect("reviews:settings", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)
