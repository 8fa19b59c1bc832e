import datetime
from decimal import Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dashboard.tables import cell_text

register = template.Library()

NO_DATA = "no data"


@register.filter
def show(value, suffix=""):
    """A number for people: "no data" for None, thousands separators, the unit after it."""
    if value is None or value == "":
        return NO_DATA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    if isinstance(value, Decimal):
        return f"{value:,f}{suffix}"
    if isinstance(value, datetime.date):
        return value.strftime("%d %b %Y")
    return f"{value}{suffix}"


@register.filter
def cell(value):
    """A table cell: like show(), but an em dash for "nothing" so tables stay readable."""
    if value is None or value == "":
        return "—"
    return show(value)


@register.simple_tag
def table_rows(table):
    """The <tr> rows of a Table's body: the first cell a row header, every value through cell() and escaped.

    Built in Python rather than a nested template loop (the dashboard's tables hold over a thousand cells and
    the loop took a fifth of the page's time). Every value is HTML-escaped here; only this markup is marked safe.
    """
    if not table.rows:
        return format_html(
            '<tr><td colspan="{}" class="text-muted">No data for this period.</td></tr>', len(table.headers)
        )
    rows = []
    for row in table.rows:
        cells = [escape(cell(value)) for value in row]
        head = f'<th scope="row" class="fw-normal">{cells[0]}</th>' if cells else ""
        rows.append("<tr>" + head + "".join(f"<td>{text}</td>" for text in cells[1:]) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 — every cell above went through html.escape


@register.simple_tag
def team_rows(rows, program_slug, period_query, columns):
    """The team table's body rows (dashboard/team.html): the loop written in Python, as table_rows, for a
    program's hundreds of freelancers (the template loop was more than half the page's time). Every value is
    HTML-escaped here; only this markup is marked safe."""
    if not rows:
        return format_html(
            '<tr><td colspan="{}" class="text-muted">No freelancer has a contract in this program yet.</td></tr>',
            columns,
        )
    # One reverse for the program: a freelancer's page is the same path with their id as the last segment.
    sample = reverse("dashboard:freelancer", args=[program_slug, 0])
    prefix = sample[: -len("0/")] if sample.endswith("/0/") else None
    query = escape(period_query)
    out = []
    for row in rows:
        path = (
            f"{prefix}{row.freelancer_id}/"
            if prefix is not None
            else reverse("dashboard:freelancer", args=[program_slug, row.freelancer_id])
        )
        per_ticket = row.cost_per_ticket
        cost = f"{escape(cell(per_ticket))} {escape(row.currency)}" if per_ticket is not None else "—"
        numbers = "".join(
            f"<td>{escape(cell(value))}</td>"
            for value in (
                row.solved,
                row.first_response_hours,
                row.sla_attainment,
                row.qa_average,
                row.csat,
                row.escalation_rate,
                row.hours,
            )
        )
        out.append(
            f'<tr><th scope="row" class="fw-normal text-nowrap"><a href="{escape(path)}?{query}">'
            f"{escape(row.name)}</a></th>{numbers}<td>{cost}</td>"
            f'<td class="text-nowrap">{escape(row.tier_label)}</td><td>{escape(row.contract_status_label)}</td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 — every value above went through html.escape


@register.filter
def signed(value):
    if value is None:
        return ""
    return f"+{value}" if value > 0 else str(value)


def _plain(value: Decimal) -> str:
    """90.00 → 90, 0.50 → 0.5, 1234.5 → 1,234.5 (targets and metric values; never an exponent)."""
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.filter
def metric_value(value, unit):
    if value is None:
        return NO_DATA
    if unit == "money":
        return f"{value:,.2f}"
    text = _plain(value) if isinstance(value, Decimal) else f"{value:,}"
    return f"{text} {unit.strip()}".strip() if unit != "%" else f"{text} %"


@register.filter
def csv_text(value):
    return cell_text(value)


@register.simple_tag
def colour_label(colour):
    return {"green": "on target", "amber": "close to target", "red": "off target", "grey": "no data"}.get(
        colour, colour
    )
