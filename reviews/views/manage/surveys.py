"""Manager pages: CSAT and NPS reports."""

import datetime

from django.utils import timezone
from django.views.generic import ListView, TemplateView

from accounts.mixins import AgentAccess
from reviews import selectors
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
            rows = [{"program": p, "stats": per_program.get(p.pk, selectors.CsatStats()),
                     "from_zendesk": p.pk in from_zendesk} for p in shown]
            per_freelancer = selectors.csat_stats(program_ids=ids, start=start, end=end, by="freelancer")
            names = selectors.freelancers_by_ids(ids=per_freelancer)
            freelancer_rows = sorted(
                ({"freelancer": names[fid], "stats": stats} for fid, stats in per_freelancer.items() if fid in names),
                key=lambda r: (-(r["stats"].percent or -1), r["freelancer"].legal_name),
            )
        context.update(program=program, program_rows=rows, freelancer_rows=freelancer_rows, start=start_date,
                       end=end_date, query=f"program={program.slug if program else ''}")
        return context


class NpsReportView(ReviewsPageMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "reviews/manage/nps.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.selected_program()
        programs = [program] if program else list(selectors.review_programs(user=self.request.user))
        context["sections"] = [{"program": p, "weeks": selectors.nps_weeks(program=p, weeks=8)} for p in programs]
        context["comments"] = selectors.nps_recent_comments(programs=programs)
        context["program"] = program
        return context
