"""The program dashboard: success metrics against targets, the charts and their tables. Read only."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from dashboard.metrics import (
    AT_MOST,
    Trend,
    percent,
    quantize,
    ratio,
    target_colour,
    trend,
)
from dashboard.periods import Period
from dashboard.selectors._sql import weeks_between
from dashboard.selectors.costs import CostReport, cost_report
from dashboard.selectors.coverage import coverage_counts
from dashboard.selectors.daily import day_facts
from dashboard.selectors.quality import QualityReport, QualityTotals, quality_report
from dashboard.selectors.snapshot import snapshot_get
from dashboard.selectors.tickets import TicketReport, sla_attainment_per_day, ticket_report
from dashboard.tables import Chart, Table
from programs.selectors import MetricKind, success_metric_list
from queues.selectors import WEEKDAY_NAMES as WEEKDAYS

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from programs.models import SuccessMetric

UNITS = {
    MetricKind.CSAT: "%",
    MetricKind.SLA_ATTAINMENT: "%",
    MetricKind.ESCALATION_RATE: "%",
    MetricKind.FIRST_RESPONSE: "h",
    MetricKind.RESOLUTION: "h",
    MetricKind.QA_SCORE: "",
    MetricKind.NPS: "",
    MetricKind.COST_PER_TICKET: "money",
    MetricKind.BACKLOG: " tickets",
    MetricKind.OTHER: "",
}


@dataclass
class MetricRow:
    metric: "SuccessMetric"
    actual: Decimal | None
    previous: Decimal | None
    colour: str
    trend: Trend
    unit: str
    measured: bool = True

    @property
    def label(self) -> str:
        return self.metric.label or self.metric.get_kind_display()


def actual_values(*, tickets: TicketReport, costs: CostReport, quality: QualityReport) -> dict:
    """{kind: (current, previous)} for every kind of success metric Flexdesk measures."""

    def both(get):
        return get(tickets.current, costs.current, quality.current), get(
            tickets.previous, costs.previous, quality.previous
        )

    return {
        MetricKind.CSAT: both(lambda t, c, q: q.csat),
        MetricKind.FIRST_RESPONSE: both(lambda t, c, q: t.first_response_hours),
        MetricKind.RESOLUTION: both(lambda t, c, q: t.resolution_hours),
        MetricKind.SLA_ATTAINMENT: both(lambda t, c, q: t.sla_attainment),
        MetricKind.QA_SCORE: both(lambda t, c, q: q.qa_average),
        MetricKind.NPS: both(lambda t, c, q: q.nps),
        MetricKind.COST_PER_TICKET: both(lambda t, c, q: ratio(c.cost, t.solved_by_freelancers)),
        MetricKind.BACKLOG: both(lambda t, c, q: Decimal(t.backlog)),
        MetricKind.ESCALATION_RATE: both(lambda t, c, q: t.escalation_rate),
    }


def metric_rows(*, metrics, actuals: dict) -> list[MetricRow]:
    rows = []
    for metric in metrics:
        measured = metric.kind in actuals
        current, previous = actuals.get(metric.kind, (None, None))
        rows.append(
            MetricRow(
                metric=metric,
                actual=current,
                previous=previous,
                colour=target_colour(current, metric.target, metric.direction),
                trend=trend(current, previous, metric.direction),
                unit=UNITS.get(metric.kind, ""),
                measured=measured,
            )
        )
    return rows


def metrics_table(rows: list[MetricRow], period: Period, currency: str) -> Table:
    table = Table(
        key="metrics",
        title="Success metrics",
        caption=f"{period.label}; previous: {period.previous().label}",
        headers=["Metric", "Direction", "Target", "Actual", "Status", "Previous period", "Change", "Trend"],
    )
    for row in rows:
        table.rows.append(
            [
                row.label,
                row.metric.get_direction_display(),
                row.metric.target,
                row.actual,
                row.colour if row.actual is not None else "no data",
                row.previous,
                row.trend.delta,
                row.trend.state,
            ]
        )
    return table


def _weekly_labels(period: Period) -> list[datetime.date]:
    return weeks_between(period.first_day, period.last_day)


def build_charts(
    *,
    program,
    period: Period,
    tickets: TicketReport,
    costs: CostReport,
    quality: QualityReport,
    coverage: dict,
    arrivals: dict,
    sla_target,
) -> list[Chart]:
    days = period.day_list
    weeks = _weekly_labels(period)
    charts = []

    created = [tickets.created_per_day.get(day, 0) for day in days]
    solved = [tickets.solved_per_day.get(day, 0) for day in days]
    charts.append(
        Chart(
            key="tickets",
            title="Tickets in and solved per day",
            kind="line",
            labels=days,
            datasets=[{"label": "Tickets in", "data": created}, {"label": "Solved", "data": solved}],
            table=Table(
                key="tickets",
                title="Tickets in and solved per day",
                headers=["Day", "Tickets in", "Solved"],
                rows=[[d, c, s] for d, c, s in zip(days, created, solved, strict=True)],
            ),
            y_title="tickets",
            has_data=any(created) or any(solved),
        )
    )

    sla = sla_attainment_per_day(tickets)
    sla_datasets = [{"label": "First responses within SLA (%)", "data": sla}]
    if sla_target is not None:
        sla_datasets.append({"label": "Target", "data": [sla_target] * len(days), "dashed": True})
    charts.append(
        Chart(
            key="sla",
            title="First-response SLA attainment per day",
            kind="line",
            labels=days,
            datasets=sla_datasets,
            table=Table(
                key="sla",
                title="First-response SLA attainment per day",
                headers=["Day", "First responses", "Within SLA", "Attainment (%)"],
                rows=[
                    [d, *tickets.responses_per_day.get(d, (0, 0)), v] for d, v in zip(days, sla, strict=True)
                ],
            ),
            y_title="%",
            has_data=any(v is not None for v in sla),
        )
    )

    queues = [row[0] for row in tickets.backlog_by_queue]
    status_labels = ["New", "Open", "Pending"]
    charts.append(
        Chart(
            key="backlog",
            title="Backlog by queue (now)",
            kind="bar",
            labels=queues,
            stacked=True,
            datasets=[
                {"label": label, "data": [row[i + 1] for row in tickets.backlog_by_queue]}
                for i, label in enumerate(status_labels)
            ],
            table=Table(
                key="backlog",
                title="Backlog by queue (now)",
                headers=["Queue", *status_labels, "Total"],
                rows=[[*row, sum(row[1:])] for row in tickets.backlog_by_queue],
            ),
            y_title="open tickets",
            has_data=any(sum(row[1:]) for row in tickets.backlog_by_queue),
        )
    )

    empty = QualityTotals()
    weekly_quality = [quality.weekly.get(w, empty) for w in weeks]
    csat = [q.csat for q in weekly_quality]
    nps_values = [q.nps for q in weekly_quality]
    charts.append(
        Chart(
            key="csat-nps",
            title="CSAT and NPS per week",
            kind="line",
            labels=weeks,
            datasets=[{"label": "CSAT (%)", "data": csat}, {"label": "NPS", "data": nps_values}],
            table=Table(
                key="csat-nps",
                title="CSAT and NPS per week",
                headers=["Week of", "CSAT answers", "CSAT (%)", "NPS answers", "NPS"],
                rows=[
                    [w, q.csat_answers, q.csat, q.nps_promoters + q.nps_passives + q.nps_detractors, q.nps]
                    for w, q in zip(weeks, weekly_quality, strict=True)
                ],
            ),
            y_title="% / NPS",
            has_data=any(v is not None for v in csat + nps_values),
        )
    )
    qa = [q.qa_average for q in weekly_quality]
    charts.append(
        Chart(
            key="qa",
            title="QA average per week",
            kind="line",
            labels=weeks,
            datasets=[{"label": "QA average (0–100)", "data": qa}],
            table=Table(
                key="qa",
                title="QA average per week",
                headers=["Week of", "Reviews", "QA average"],
                rows=[[w, q.qa_count, q.qa_average] for w, q in zip(weeks, weekly_quality, strict=True)],
            ),
            y_title="score",
            has_data=any(v is not None for v in qa),
        )
    )

    hours = [costs.hours_per_week.get(w, Decimal("0")) for w in weeks]
    cost = [costs.cost_per_week.get(w, Decimal("0.00")) for w in weeks]
    cost_datasets = [
        {"label": f"Cost ({costs.currency})", "data": cost, "type": "bar"},
        {"label": "Hours", "data": hours, "type": "line", "axis": "y2"},
    ]
    if costs.weekly_budget is not None:
        cost_datasets.insert(
            1,
            {
                "label": f"Weekly budget ({costs.budget_label})",
                "data": [costs.weekly_budget] * len(weeks),
                "type": "line",
                "dashed": True,
            },
        )
    charts.append(
        Chart(
            key="hours-cost",
            title="Freelancer hours and cost per week against the budget",
            kind="bar",
            labels=weeks,
            datasets=cost_datasets,
            y_title=costs.currency,
            y2_title="hours",
            table=Table(
                key="hours-cost",
                title="Freelancer hours and cost per week",
                headers=["Week of", "Hours", f"Cost ({costs.currency})", f"Weekly budget ({costs.currency})"],
                rows=[[w, h, c, costs.weekly_budget] for w, h, c in zip(weeks, hours, cost, strict=True)],
            ),
            has_data=any(hours),
        )
    )

    escalated = [tickets.escalations_per_week.get(w, (0, 0)) for w in weeks]
    rates = [percent(e, h) for e, h in escalated]
    charts.append(
        Chart(
            key="escalation-rate",
            title="Escalation rate per week",
            kind="line",
            labels=weeks,
            datasets=[{"label": "Escalated by freelancers (%)", "data": rates}],
            table=Table(
                key="escalation-rate",
                title="Escalation rate per week",
                headers=["Week of", "Escalated", "Handled by freelancers (solved + escalated)", "Rate (%)"],
                rows=[[w, e, h, r] for w, (e, h), r in zip(weeks, escalated, rates, strict=True)],
            ),
            y_title="%",
            has_data=any(r is not None for r in rates),
        )
    )
    reasons = tickets.escalation_reasons
    total_escalated = sum(n for _, n in reasons)
    charts.append(
        Chart(
            key="escalation-reasons",
            title="Escalation reasons",
            kind="bar",
            labels=[label for label, _ in reasons],
            datasets=[{"label": "Escalations", "data": [n for _, n in reasons]}],
            y_title="tickets",
            table=Table(
                key="escalation-reasons",
                title="Escalation reasons",
                headers=["Reason", "Escalations", "Share (%)"],
                rows=[[label, n, percent(n, total_escalated)] for label, n in reasons],
            ),
            has_data=bool(reasons),
        )
    )

    charts.append(_coverage_chart(period=period, coverage=coverage, arrivals=arrivals))
    return charts


def _coverage_chart(*, period: Period, coverage: dict, arrivals: dict) -> Chart:
    """Freelancers on shift per hour of the coming week against the period's average arrivals per hour."""
    occurrences = [0] * 7
    for day in period.day_list:
        occurrences[day.weekday()] += 1
    labels, on_shift, average, rows = [], [], [], []
    for weekday, row in enumerate(coverage["rows"]):
        for cell in row["cells"]:
            label = f"{WEEKDAYS[weekday][:3]} {cell.hour:02d}:00"
            arrivals_here = arrivals.get((weekday, cell.hour), 0)
            mean = quantize(Decimal(arrivals_here) / occurrences[weekday]) if occurrences[weekday] else None
            labels.append(label)
            on_shift.append(cell.count)
            average.append(mean)
            rows.append([label, cell.count, arrivals_here, mean])
    return Chart(
        key="coverage",
        title="Coverage: freelancers on shift vs tickets arriving, per hour of the week",
        kind="line",
        labels=labels,
        datasets=[
            {"label": "Freelancers on shift (this week)", "data": on_shift, "stepped": True},
            {"label": "Tickets arriving (average in the period)", "data": average, "axis": "y2"},
        ],
        y_title="freelancers",
        y2_title="tickets per hour",
        description=f"Hours in {coverage['zone']}. {coverage['gaps']} hour(s) this week with nobody on shift."
        + (
            f" Shifts as of {coverage['as_of'].astimezone(coverage['zone']):%H:%M}."
            if coverage["as_of"]
            else ""
        ),
        table=Table(
            key="coverage",
            title="Coverage per hour of the week",
            headers=["Hour", "Freelancers on shift", "Tickets arrived in the period", "Average per hour"],
            rows=rows,
        ),
        has_data=True,
    )


def program_dashboard(*, program, period: Period) -> dict:
    """Everything the program dashboard shows. A fixed number of queries, whatever the number of rows."""
    metrics = success_metric_list(program_id=program.pk)
    # The day-by-day sums of both periods at once: rollups of finished days, live queries for the rest.
    facts = day_facts(program=program, first_day=period.previous().first_day, last_day=period.last_day)
    snapshot = snapshot_get(program=program)  # the open tickets and this week's shifts, as of the rollup job
    tickets = ticket_report(program=program, period=period, facts=facts, snapshot=snapshot)
    costs = cost_report(program=program, period=period, facts=facts)
    quality = quality_report(program=program, period=period, facts=facts)
    rows = metric_rows(metrics=metrics, actuals=actual_values(tickets=tickets, costs=costs, quality=quality))
    sla_target = next((m.target for m in metrics if m.kind == MetricKind.SLA_ATTAINMENT), None)
    charts = build_charts(
        program=program,
        period=period,
        tickets=tickets,
        costs=costs,
        quality=quality,
        coverage=coverage_counts(program=program, snapshot=snapshot),
        arrivals=tickets.arrivals_by_hour,
        sla_target=sla_target,
    )
    return {
        "figures_up_to": facts.up_to,
        "metric_rows": rows,
        "tickets": tickets,
        "costs": costs,
        "quality": quality,
        "charts": charts,
        "tables": {
            "metrics": metrics_table(rows, period, program.currency),
            **{c.key: c.table for c in charts},
        },
        "colour_counts": {
            colour: sum(1 for r in rows if r.colour == colour) for colour in ("green", "amber", "red", "grey")
        },
    }


__all__ = ["AT_MOST", "program_dashboard"]
