from django import template

register = template.Library()

STATUS_CLASSES = {"draft": "text-bg-secondary", "active": "text-bg-success", "paused": "text-bg-warning",
                  "closed": "text-bg-dark"}


@register.inclusion_tag("programs/includes/status_badge.html")
def program_status_badge(program):
    return {"label": program.get_status_display(), "css": STATUS_CLASSES.get(program.status, "text-bg-light")}


@register.filter
def yes_no(value):
    return "Yes" if value else "No"
