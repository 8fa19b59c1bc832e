"""The cost, funnel, team and freelancer tables as Table objects (one shape for HTML and CSV)."""

from dashboard.metrics import percent, ratio
from dashboard.selectors.costs import CostReport
from dashboard.selectors.recruiting import PIPELINE, STAGE_LABELS
from dashboard.selectors.tickets import TicketReport
from dashboard.tables import Table


def cost_tables(*, report: CostReport, tickets: TicketReport, currency: str) -> dict[str, Table]:
    solved = tickets.current.solved_by_freelancers
    comparison = Table(
        key="cost-comparison",
        title="Freelancer cost against in-house cost",
        headers=[
            "Measure",
            f"Freelancers ({currency})",
            f"In-house, from the budget ({currency})",
            f"Planned, from the budget ({currency})",
        ],
        rows=[
            [
                "Cost per ticket solved",
                ratio(report.current.cost, solved),
                report.inhouse_cost_per_ticket,
                None,
            ],
            [
                "Cost per hour of coverage",
                report.cost_per_hour,
                report.inhouse_cost_per_hour,
                report.planned_cost_per_hour,
            ],
            [
                "Cost of the period",
                report.current.cost,
                report.inhouse_period_cost,
                report.planned_period_spend,
            ],
        ],
    )
    spend = Table(
        key="cost-spend",
        title="Planned against actual spend",
        headers=["Measure", "This period", "Previous period"],
        rows=[
            ["Hours (submitted and approved)", report.current.hours, report.previous.hours],
            [f"Freelancer pay ({currency})", report.current.pay, report.previous.pay],
            [
                f"Platform fee {report.fee_percent} % ({currency})",
                report.current.cost - report.current.pay,
                report.previous.cost - report.previous.pay,
            ],
            [f"Cost: pay + fee ({currency})", report.current.cost, report.previous.cost],
            [
                f"Budget for the period ({currency}, {report.budget_label or 'no budget set'})",
                report.period_budget,
                None,
            ],
            [
                f"Planned spend: planned rate × headcount × hours ({currency})",
                report.planned_period_spend,
                None,
            ],
            ["Budget used (%)", report.budget_used_percent, None],
            ["Tickets solved by freelancers", solved, tickets.previous.solved_by_freelancers],
            [
                f"Cost per ticket ({currency})",
                ratio(report.current.cost, solved),
                ratio(report.previous.cost, tickets.previous.solved_by_freelancers),
            ],
            *[
                [f"{label} ({currency}, not in the cost above)", amount, None]
                for label, amount in report.extras
            ],
            *[
                [f"Pay in {code} ({hours} h, not converted, not in the totals above)", amount, None]
                for code, hours, amount in report.other_currencies
            ],
        ],
    )
    return {comparison.key: comparison, spend.key: spend}


def funnel_tables(funnel: dict) -> dict[str, Table]:
    tables = {}
    stage_headers = [STAGE_LABELS[s] for s in PIPELINE]
    conversion_headers = [
        f"{STAGE_LABELS[a]} → {STAGE_LABELS[b]} (%)" for a, b in zip(PIPELINE, PIPELINE[1:], strict=False)
    ]
    for key, title, rows in [
        ("funnel-postings", "Funnel per posting", [funnel["total"], *funnel["postings"]]),
        ("funnel-sources", "Funnel per source platform", funnel["sources"]),
    ]:
        table = Table(
            key=key,
            title=title,
            headers=[
                "Posting" if key == "funnel-postings" else "Source",
                *[f"Reached {h}" for h in stage_headers],
                *conversion_headers,
                "Applied → hired (%)",
                "Average days to hire",
            ],
        )
        for row in rows:
            table.rows.append(
                [
                    row.label,
                    *[row.reached.get(s, 0) for s in PIPELINE],
                    *[value for _a, _b, value in row.conversions],
                    row.overall_conversion,
                    row.hired_days,
                ]
            )
        tables[key] = table
    now_table = Table(
        key="funnel-stages",
        title="Applications per stage now",
        headers=["Posting", *[label for _v, label in funnel["stages"]], "Total"],
    )
    for row in [funnel["total"], *funnel["postings"]]:
        now_table.rows.append([row.label, *[row.now.get(v, 0) for v, _l in funnel["stages"]], row.total])
    tables[now_table.key] = now_table
    return tables


def team_table_as_table(rows, *, currency: str) -> Table:
    table = Table(
        key="team",
        title="Freelancers",
        headers=[
            "Freelancer",
            "Tier",
            "Contract status",
            "Tickets solved",
            "First response median (h)",
            "SLA attainment (%)",
            "QA average",
            "CSAT (%)",
            "Escalation rate (%)",
            "Hours",
            "Cost",
            "Cost per ticket",
            "Currency",
        ],
    )
    for row in rows:
        table.rows.append(
            [
                row.name,
                row.tier_label,
                row.contract_status_label,
                row.solved,
                row.first_response_hours,
                row.sla_attainment,
                row.qa_average,
                row.csat,
                row.escalation_rate,
                row.hours,
                row.cost,
                row.cost_per_ticket,
                row.currency,
            ]
        )
    return table


def freelancer_weeks_table(*, weeks, currency: str) -> Table:
    table = Table(
        key="freelancer-weeks",
        title="Week by week",
        headers=[
            "Week of",
            "Tickets solved",
            "Escalated",
            "Escalation rate (%)",
            "First responses",
            "First response median (h)",
            "SLA attainment (%)",
            "QA reviews",
            "QA average",
            "CSAT (%)",
            "Hours",
            f"Pay ({currency})",
            f"Pay per ticket ({currency})",
        ],
    )
    for week in weeks:
        quality = week.quality
        table.rows.append(
            [
                week.monday,
                week.solved,
                week.escalated,
                week.escalation_rate,
                week.responses,
                week.first_response_hours,
                week.sla_attainment,
                quality.qa_count if quality else 0,
                quality.qa_average if quality else None,
                quality.csat if quality else None,
                week.hours,
                week.pay,
                week.cost_per_ticket,
            ]
        )
    return table


__all__ = ["cost_tables", "freelancer_weeks_table", "funnel_tables", "percent", "team_table_as_table"]
