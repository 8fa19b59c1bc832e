from django import template

from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=""):
    """{{ amount|money:currency }} → '1,234.50 USD'."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency).strip()


@register.filter
def percent(value, digits=0):
    if value is None:
        return "—"
    return f"{float(value):.{int(digits)}f} %"
