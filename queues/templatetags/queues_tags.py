"""The SLA badge, rendered in Python: list pages show one per row, and as a template include it was a good part
of their render time. The text matches what countdown_js.html writes into it every second."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def _duration(seconds: float) -> str:
    """As countdown_js.html's fmt(): "1h 5m " / "5m 30s"."""
    seconds = abs(int(seconds))
    hours, minutes, rest = seconds // 3600, (seconds % 3600) // 60, seconds % 60
    return (f"{hours}h " if hours else "") + f"{minutes}m " + ("" if hours else f"{rest}s")


@register.simple_tag
def sla_badge(ticket, now=None) -> str:
    if ticket.next_due_at and ticket.is_active:
        now = now or timezone.now()
        due = ticket.next_due_at
        left = (due - now).total_seconds()
        if left < 0:
            css, text = "text-bg-danger", f"overdue {_duration(left)}"
        elif left < 15 * 60:
            css, text = "text-bg-warning", f"{_duration(left)} left"
        else:
            css, text = "text-bg-light border", f"{_duration(left)} left"
        local = timezone.localtime(due)
        return format_html('<span class="badge {} sla-countdown" data-due="{}" title="Due {}">{}</span>',
                           css, due.isoformat(), local.strftime("%Y-%m-%d %H:%M %Z"), text)
    if ticket.first_response_met is False:
        return format_html('<span class="badge text-bg-danger">{}</span>', "SLA missed")
    if ticket.first_response_met:
        return format_html('<span class="badge text-bg-success">{}</span>', "SLA met")
    return format_html('<span class="text-muted">{}</span>', "—")


@register.filter
def reason_label(value: str) -> str:
    """An escalation reason's stored value as words: "angry_customer" → "Angry customer"."""
    return (value or "").replace("_", " ").strip().capitalize()
