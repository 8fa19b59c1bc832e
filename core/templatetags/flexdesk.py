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


@register.filter
def audit_line(entry) -> str:
    """An audit line's verb in words ({{ line|audit_line }} → "Onboarding step done: Read the handbook")."""
    from core.audit import audit_describe

    return audit_describe(entry)


@register.filter
def zone_name(zone) -> str:
    """{{ program.time_zone|zone_name }} → "Manila time" (for sentences: "times in Manila time")."""
    from core.timezones import zone_name as name

    return name(zone)


@register.filter
def zone_label(zone, at=None) -> str:
    """{{ zone|zone_label:moment }} → the zone beside a time: "EDT" on a July date, "Manila time" (never "PST")."""
    from core.timezones import zone_label as label

    return label(zone, at if hasattr(at, "tzinfo") else None)


@register.filter
def moment_zone(moment) -> str:
    """{{ moment|moment_zone }} → the label of the zone the moment is shown in (the active one)."""
    from django.utils import timezone

    from core.timezones import zone_label as label

    return label(timezone.get_current_timezone(), moment if hasattr(moment, "tzinfo") else None)


@register.filter
def code_label(value, labels=None) -> str:
    """A stored code in words: its label from `labels` (a dict or choices) when there is one, else the code
    humanised ("missed_shift" → "Missed shift"), never squashed ("Missedshift")."""
    if labels:
        mapping = labels if isinstance(labels, dict) else dict(labels)
        if value in mapping:
            text = str(mapping[value])
            return text[:1].upper() + text[1:]
    return str(value or "").replace("_", " ").replace(".", " ").strip().capitalize()


# Weekday forms of the locale's one date format (config/formats/en/formats.py): "Tue 03 Mar 2026".


@register.filter
def day(value) -> str:
    """{{ d|day }} → "Tue 03 Mar 2026"."""
    from core.dates import date_text

    return date_text(value, weekday=True)


@register.filter
def day_time(value) -> str:
    """{{ t|day_time }} → "Tue 03 Mar 2026, 14:05"."""
    from core.dates import datetime_text

    return datetime_text(value, weekday=True)


@register.filter
def day_short(value) -> str:
    """{{ d|day_short }} → "Tue 03 Mar"."""
    from core.dates import day_short_text

    return day_short_text(value)


@register.filter
def day_short_time(value) -> str:
    """{{ t|day_short_time }} → "Tue 03 Mar, 14:05"."""
    from core.dates import datetime_text

    return datetime_text(value, weekday=True, short=True)
