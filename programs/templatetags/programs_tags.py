from django import template
from django.utils.safestring import SafeString, mark_safe

from programs.knowledge import html_sanitise

register = template.Library()

STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "active": "text-bg-success",
    "paused": "text-bg-warning",
    "closed": "text-bg-dark",
}


@register.inclusion_tag("programs/includes/status_badge.html")
def program_status_badge(program):
    return {"label": program.get_status_display(), "css": STATUS_CLASSES.get(program.status, "text-bg-light")}


@register.filter
def yes_no(value):
    return "Yes" if value else "No"


@register.filter
def knowledge_html(article) -> SafeString:
    """A Knowledge article's body as HTML: the one place Flexdesk marks text safe for a page.

    Why that is safe: body_html is the manager's Markdown rendered and cleaned by nh3's allow-list when it was saved
    (programs.knowledge.markdown_to_safe_html), and it is cleaned by the same allow-list again here, so even a row
    written around the services carries no script, event handler or javascript: link to the reader."""
    return mark_safe(html_sanitise(article.body_html or ""))  # noqa: S308 — sanitised by the allow-list just now
