from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView, View

from accounts.mixins import AgentAccess, FreelancerRequiredMixin, ManageAccessMixin, user_may_open
from accounts.selectors import OPEN_TICKETS_MAX, OPEN_TICKETS_MIN
from contracts.selectors import TIER_CHOICES, contract_list_for_manager, program_channel_choices, standing_get
from core.scoping import not_found_in_scope
from dashboard import periods
from dashboard.selectors import daily
from dashboard.selectors.costs import cost_report
from dashboard.selectors.daily import day_facts
from dashboard.selectors.home import manager_home, portal_home
from dashboard.selectors.program import program_dashboard
from dashboard.selectors.recruiting import recruiting_funnel
from dashboard.selectors.summary import weekly_summary_get_by_token
from dashboard.selectors.team import DEFAULT_SORT, SORTS, freelancer_weeks, team_member_get, team_table
from dashboard.selectors.tickets import solved_totals
from dashboard.tables import csv_response, csv_stream
from dashboard.tabular import (
    cost_tables,
    freelancer_weeks_table,
    funnel_tables,
    team_table_as_table,
)
from payments.selectors import pay_schedule_anchor, payout_list, time_entries_for_manager
from programs.mixins import ProgramAccessMixin


class ManageHomeView(ManageAccessMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "dashboard/manage_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = manager_home(user=self.request.user)
        if user_may_open(self.request.user, "programs:deliveries"):  # the page its alert links to
            from core.outbox import outbox_failed_by_program

            failed = outbox_failed_by_program(program_ids=[row.program.pk for row in context["rows"]])
            context["failed_deliveries"] = [
                (row.program, failed[row.program.pk]) for row in context["rows"] if row.program.pk in failed
            ]
        return context


class PortalHomeView(FreelancerRequiredMixin, TemplateView):
    template_name = "dashboard/portal_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(portal_home(freelancer=self.freelancer))
        context["freelancer"] = self.freelancer
        return context


class PeriodMixin(ProgramAccessMixin):
    """Reads ?period=7d|30d|pay|custom (with pay_start, start, end); a bad one shows the default and says why."""

    program_related = ("budget", "schedule")  # the cost figures read the worksheet's budget and schedule

    @cached_property
    def pay_anchor(self):
        return pay_schedule_anchor(program_id=self.program.pk)

    @cached_property
    def period_and_error(self):
        return periods.parse_period(self.request.GET, zone=self.program.zone, pay_anchor=self.pay_anchor)

    @property
    def period(self) -> periods.Period:
        return self.period_and_error[0]

    def period_query(self, **extra) -> str:
        return urlencode({**self.period.query_params(), **extra})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.now().astimezone(self.program.zone).date()
        context.update(
            period=self.period,
            period_error=self.period_and_error[1],
            period_choices=periods.CHOICES,
            period_query=self.period_query(),
            pay_starts=periods.pay_period_starts(anchor=self.pay_anchor, today=today),
            pay_period_days=periods.PAY_PERIOD_DAYS,
        )
        return context


class ProgramDashboardView(PeriodMixin, TemplateView):
    agent_access = AgentAccess.READ  # the program's dashboard: agents read it
    template_name = "dashboard/program.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(program_dashboard(program=self.program, period=self.period), section=self.section)
        return context


class ProgramTeamView(PeriodMixin, TemplateView):
    agent_access = AgentAccess.NONE  # per-freelancer hours and cost: pay figures are the managers'
    template_name = "dashboard/team.html"
    section = "team"

    def sort(self) -> tuple[str, bool]:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        if sort not in SORTS:
            sort = DEFAULT_SORT
        return sort, self.request.GET.get("dir", "desc" if sort != "name" else "asc") != "asc"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sort, descending = self.sort()
        rows = team_table(program=self.program, period=self.period, sort=sort, descending=descending)
        columns = []
        for key, (_attribute, label) in SORTS.items():
            next_dir = "asc" if (key == sort and descending) else "desc"
            columns.append(
                {
                    "key": key,
                    "label": label,
                    "active": key == sort,
                    "descending": descending,
                    "query": self.period_query(sort=key, dir=next_dir),
                }
            )
        context.update(rows=rows, columns=columns, sort=sort, descending=descending, section=self.section)
        return context


class ProgramCostsView(PeriodMixin, TemplateView):
    agent_access = AgentAccess.NONE
    template_name = "dashboard/costs.html"
    section = "costs"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One read of the days (rollups + live rest) for the hours and the solved counts.
        facts = day_facts(
            program=self.program,
            first_day=self.period.previous().first_day,
            last_day=self.period.last_day,
            parts={daily.WORK, daily.SOLVED},
        )
        report = cost_report(program=self.program, period=self.period, facts=facts)
        tickets = solved_totals(program=self.program, period=self.period, facts=facts)
        context.update(
            costs=report,
            tickets=tickets,
            section=self.section,
            figures_up_to=report.figures_up_to,
            tables=cost_tables(report=report, tickets=tickets, currency=self.program.currency),
        )
        return context


class ProgramFunnelView(PeriodMixin, TemplateView):
    agent_access = AgentAccess.NONE  # recruiting is the managers'
    template_name = "dashboard/funnel.html"
    section = "recruiting"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        funnel = recruiting_funnel(program=self.program)
        context.update(funnel=funnel, tables=funnel_tables(funnel), section=self.section)
        return context


class FreelancerView(PeriodMixin, TemplateView):
    """One freelancer in one program: the team table's numbers per week, and their reviews, evaluations,
    contracts, time and payouts in one place."""

    agent_access = AgentAccess.NONE

    template_name = "dashboard/freelancer.html"
    section = "team"

    @cached_property
    def freelancer(self):
        freelancer = team_member_get(program=self.program, freelancer_id=self.kwargs["freelancer_id"])
        if freelancer is None:
            raise not_found_in_scope(
                self.request,
                "accounts.Freelancer",
                pk=self.kwargs["freelancer_id"],
                message="No such freelancer in this program.",
            )
        return freelancer

    def get_context_data(self, **kwargs):
        from dashboard.selectors.quality import freelancer_quality_records

        context = super().get_context_data(**kwargs)
        user, program, freelancer = self.request.user, self.program, self.freelancer
        weeks = freelancer_weeks(program=program, freelancer=freelancer, period=self.period)
        context.update(
            freelancer=freelancer,
            weeks=weeks,
            section=self.section,
            table=freelancer_weeks_table(weeks=weeks, currency=program.currency),
            contracts=contract_list_for_manager(user=user, program=program).filter(freelancer=freelancer),
            time_entries=list(
                time_entries_for_manager(user=user)
                .filter(program=program, freelancer=freelancer)
                .order_by("-date", "-id")[:30]
            ),
            payouts=list(payout_list(user=user, program=program).filter(freelancer=freelancer)[:12]),
            **freelancer_quality_records(user=user, program=program, freelancer=freelancer),
            # the capacity-and-tier form (contracts:freelancer_capacity)
            tier_choices=TIER_CHOICES,
            capacity_min=OPEN_TICKETS_MIN,
            capacity_max=OPEN_TICKETS_MAX,
            standing=standing_get(freelancer_id=freelancer.pk, program_id=program.pk),
            channel_choices=program_channel_choices(program),
        )
        return context


class ExportView(PeriodMixin, View):
    """CSV of any table of the program's dashboard pages, for the chosen period."""

    agent_access = AgentAccess.NONE  # exports (including the team and cost tables) are for support managers

    def get(self, request, *args, **kwargs):
        key = kwargs["table"]
        program, period = self.program, self.period
        filename = f"{program.slug}-{key}-{period.first_day}-{period.last_day}.csv"
        tables = {}
        if key == "team":
            # One row per freelancer, read live: the header line leaves first, the rows once they are counted.
            return csv_stream(
                headers=team_table_as_table([], currency=program.currency).headers,
                rows=lambda: (
                    team_table_as_table(
                        team_table(program=program, period=period), currency=program.currency
                    ).rows
                ),
                filename=filename,
            )
        if key.startswith("funnel-"):
            tables = funnel_tables(recruiting_funnel(program=program))
        elif key.startswith("cost-"):
            report = cost_report(program=program, period=period)
            tickets = solved_totals(program=program, period=period)
            tables = cost_tables(report=report, tickets=tickets, currency=program.currency)
        else:
            tables = program_dashboard(program=program, period=period)["tables"]
        table = tables.get(key)
        if table is None:
            raise Http404("No such table.")
        return csv_response(table, filename=filename)


class FreelancerExportView(FreelancerView, View):
    def get(self, request, *args, **kwargs):
        weeks = freelancer_weeks(program=self.program, freelancer=self.freelancer, period=self.period)
        table = freelancer_weeks_table(weeks=weeks, currency=self.program.currency)
        return csv_response(
            table,
            filename=f"{self.program.slug}-freelancer-{self.freelancer.pk}-{self.period.first_day}-"
            f"{self.period.last_day}.csv",
        )


class WeeklySummaryView(TemplateView):
    """The shareable, read-only weekly summary: whoever has the link sees the snapshot that was sent."""

    template_name = "dashboard/weekly_summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = weekly_summary_get_by_token(token=kwargs["token"])
        if summary is None:
            raise Http404("This summary link is not valid.")
        context.update(summary=summary, data=summary.data)
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response
