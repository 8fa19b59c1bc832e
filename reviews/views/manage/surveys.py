"""Manager pages: CSAT and NPS reports, and running the scheduled reviews jobs now."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.scoping import not_found_in_scope
from reviews import selectors, services
from reviews.views.common import ReviewsPageMixin, parse_date


def _period(request, default_days=30):
    today = timezone.localdate()
    end = parse_date(request.GET.get("end")) or today
    start = parse_date(request.GET.get("start")) or end - datetime.timedelta(days=default_days - 1)
    if start > end:
        start, end = end, start
    return start, end


class CsatReportView(ReviewsPageMixin, ListView):
    agent_access = AgentAccess.READ
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
            from_zendesk = selectors.csat_from_zendesk_program_ids(program_ids=ids)
            rows = [
                {
                    "program": p,
                    "stats": per_program.get(p.pk, selectors.CsatStats()),
                    "from_zendesk": p.pk in from_zendesk,
                }
                for p in shown
            ]
            per_freelancer = selectors.csat_stats(program_ids=ids, start=start, end=end, by="freelancer")
            names = selectors.freelancers_by_ids(ids=per_freelancer)
            freelancer_rows = sorted(
                (
                    {"freelancer": names[fid], "stats": stats}
                    for fid, stats in per_freelancer.items()
                    if fid in names
                ),
                key=lambda r: (-(r["stats"].percent or -1), r["freelancer"].legal_name),
            )
        context.update(
            program=program,
            program_rows=rows,
            freelancer_rows=freelancer_rows,
            start=start_date,
            end=end_date,
            query=f"program={program.slug if program else ''}",
        )
        return context


class NpsReportView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/nps.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.selected_program()
        programs = [program] if program else list(selectors.review_programs(user=self.request.user))
        context["sections"] = [
            {"program": p, "weeks": selectors.nps_weeks(program=p, weeks=8)} for p in programs
        ]
        context["comments"] = selectors.nps_recent_comments(programs=programs)
        context["program"] = program
        return context


RUN_NOW_PAGES = {"nps": "reviews:nps", "csat": "reviews:csat", "sampling": "reviews:queue"}


class RunNowView(ReviewsPageMixin, View):
    """POST: run one of the program's scheduled reviews jobs now (this week's NPS, the QA sample, CSAT surveys)."""

    agent_access = AgentAccess.NONE  # sending surveys to customers and stakeholders, assigning reviews

    def post(self, request, program_slug, action):
        if action not in RUN_NOW_PAGES:
            raise Http404("No such job.")
        program = selectors.program_for_reviews(user=request.user, slug=program_slug)
        if program is None:
            raise not_found_in_scope(
                request, "programs.Program", slug=program_slug, message="No such program."
            )
        try:
            result = services.reviews_job_run_now(program=program, job=action, actor=request.user)
        except DomainError as exc:
            messages.error(request, f"Nothing was changed: {exc.message}")
        else:
            _run_now_message(request, program, result)
        return redirect(reverse(RUN_NOW_PAGES[action]) + "?" + urlencode({"program": program.slug}))


def _run_now_message(request, program, result) -> None:
    name = program.name
    if result.job == "nps":
        if result.count:
            messages.success(
                request,
                f"This week's NPS question went to {result.count} stakeholder"
                f"{pluralize(result.count)} of {name}.",
            )
        else:
            messages.info(
                request,
                f"This week's NPS of {name} had already gone to every stakeholder: nothing was changed.",
            )
    elif result.job == "sampling":
        if result.count:
            messages.success(
                request,
                f"Last week's QA sample of {name}: {result.count} ticket"
                f"{pluralize(result.count)} assigned for review.",
            )
        else:
            messages.info(
                request,
                f"Last week's solved tickets of {name} were already sampled (or none were "
                "solved): nothing was changed.",
            )
    elif result.count or result.skipped:
        text = f"CSAT surveys sent for {result.count} solved ticket{pluralize(result.count)} of {name}."
        if result.skipped:
            text += (
                f" {result.skipped} requester{pluralize(result.skipped)} surveyed recently "
                f"{pluralize(result.skipped, 'was,were')} not asked again."
            )
        messages.success(request, text)
    else:
        messages.info(
            request, f"No solved ticket of {name} is waiting for a CSAT survey: nothing was changed."
        )
