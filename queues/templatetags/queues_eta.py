"""The ETA promised to the customer, as a badge: on the ticket pages (ticket_facts.html) and in the freelancer's
queue rows (queues_tags.my_queue_rows). Rules in queues.eta."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.dates import strftime_pattern
from core.timezones import zone_label
from queues.eta import DUE, MET, MISSED, eta_state

register = template.Library()

CSS = {MET: "text-bg-success", MISSED: "text-bg-danger", DUE: "text-bg-info"}
WORDS = {MET: "ETA met", MISSED: "ETA missed", DUE: "ETA"}


def eta_badge_html(eta_at, solved_at, now, zone=None) -> str:
    """ "ETA 08 Dec, 15:00" (due), "ETA met …", "ETA missed …"; "" when nothing was promised. Values escaped."""
    state = eta_state(eta_at=eta_at, solved_at=solved_at, now=now)
    if not state:
        return ""
    local = timezone.localtime(eta_at, zone)
    when = local.strftime(strftime_pattern("SHORT_DATETIME_FORMAT"))
    title = (
        f"Promised to the customer: {local.strftime(strftime_pattern())} {zone_label(local.tzinfo, eta_at)}"
    )
    return f'<span class="badge {CSS[state]}" title="{escape(title)}">{WORDS[state]} {escape(when)}</span>'


@register.simple_tag
def eta_badge(ticket) -> SafeString:
    return mark_safe(eta_badge_html(ticket.eta_at, ticket.solved_at, timezone.now()))  # noqa: S308 (escaped above)
