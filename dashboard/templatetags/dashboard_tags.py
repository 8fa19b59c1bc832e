import datetime
from decimal import Decimal

from django import template

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
    return {"green": "on target", "amber": "close to target", "red": "off target", "grey": "no data"}.get(colour, colour)
