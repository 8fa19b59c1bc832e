"""The SLA badge, rendered in Python: list pages show one per row, and as a template include it was a good part
of their render time. The text matches what countdown_js.html writes into it every second."""

from django import forms, template
from django.forms.widgets import Input
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

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


# --- ticket pages and queue rows, rendered in Python -----------------------------------------------------------
# Template loops with an {% include %} or a widget template per row/option were most of the pages' render time
# (issue 6: pages under 25 ms at 100,000 tickets). Every value below goes through format_html/conditional_escape.


def _local(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _attrs(attrs: dict) -> SafeString:
    """HTML attributes as Django's widgets write them: True → bare name, False/None → left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False and value is not None:
            parts.append(format_html(' {}="{}"', name, value))
    return mark_safe("".join(parts))  # noqa: S308 (each part is built with format_html)


def _widget_html(bound) -> SafeString:
    """A field's widget, written directly for the widgets the ticket pages use (Select, Textarea, inputs)."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs(dict(widget.attrs))
    if bound.auto_id and "id" not in attrs:
        attrs["id"] = bound.auto_id
    if bound.help_text and bound.auto_id:
        attrs.setdefault("aria-describedby", f"{bound.auto_id}_helptext")
    if bound.errors:
        attrs["aria-invalid"] = "true"
    value = bound.value()
    if isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
        selected = {str(v) for v in widget.format_value(value)}
        options = [
            format_html('<option value="{}"{}>{}</option>', key, mark_safe(" selected") if str(key) in selected else "",
                        label)
            for key, label in bound.field.choices
        ]
        return format_html('<select name="{}"{}>{}</select>', bound.html_name, _attrs(attrs),
                           mark_safe("".join(options)))  # noqa: S308 (options are format_html output)
    if isinstance(widget, forms.Textarea):
        attrs = {"cols": "40", "rows": "10", **attrs}
        return format_html('<textarea name="{}"{}>\n{}</textarea>', bound.html_name, _attrs(attrs),
                           widget.format_value(value) or "")
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput | forms.MultipleHiddenInput):
        shown = widget.format_value(value)
        if isinstance(widget, forms.PasswordInput) and not widget.render_value:
            shown = None
        return format_html('<input type="{}" name="{}"{}{}>', widget.input_type, bound.html_name,
                           format_html(' value="{}"', shown) if shown not in (None, "") else "", _attrs(attrs))
    return bound.as_widget()


@register.simple_tag
def form_fields(form) -> SafeString:
    """A form's errors, hidden fields and labelled visible fields (Bootstrap 5), as form_fields.html wrote them."""
    out = [format_html('<div class="alert alert-danger py-2 small">{}</div>', error) for error in form.non_field_errors()]
    out += [str(field) for field in form.hidden_fields()]
    for field in form.visible_fields():
        required = field.field.required
        out.append(format_html(
            '<div class="mb-3"><label class="form-label{}" for="{}">{}{}</label>{}{}{}</div>',
            " requiredField" if required else "", field.id_for_label, field.label,
            mark_safe('<span class="asteriskField">*</span>') if required else "",
            _widget_html(field),
            format_html('<div class="form-text" id="{}_helptext">{}</div>', field.auto_id, field.help_text)
            if field.help_text else "",
            mark_safe("".join(format_html('<div class="invalid-feedback d-block">{}</div>', e)  # noqa: S308
                              for e in field.errors)),
        ))
    return mark_safe("".join(out))  # noqa: S308 (every part is escaped above)


@register.simple_tag
def ticket_thread(thread) -> SafeString:
    """The ticket's replies and internal notes (oldest first)."""
    cards = []
    for message in thread:
        note = message.kind == "note"
        cards.append(format_html(
            '<div class="card mb-2 {}"><div class="card-body py-2"><div class="d-flex justify-content-between small '
            'text-muted"><span><strong>{}</strong> · {}</span><span>{}</span></div>'
            '<div class="prewrap mt-1">{}</div></div></div>',
            "border-warning bg-warning-subtle" if note else "border-primary-subtle",
            "Internal note" if note else "Reply", message.author or "system", _local(message.created_at),
            message.body,
        ))
    return mark_safe("".join(cards))  # noqa: S308 (format_html output)


@register.simple_tag
def ticket_timeline(timeline) -> SafeString:
    """The ticket's timeline lines (oldest first)."""
    if not timeline:
        return format_html('<li class="text-muted">{}</li>', "Nothing yet.")
    lines = []
    for event in timeline:
        note = event.data.get("note") if event.kind == "escalated" and isinstance(event.data, dict) else ""
        lines.append(format_html(
            '<li class="mb-2"><span class="text-muted">{}</span> · <strong>{}</strong>{}{}{}</li>',
            _local(event.created_at), event.get_kind_display(),
            format_html(" · {}", event.actor) if event.actor_id else "",
            format_html("<div>{}</div>", event.message) if event.message else "",
            format_html('<div class="prewrap text-muted">{}</div>', note) if note else "",
        ))
    return mark_safe("".join(lines))  # noqa: S308 (format_html output)


def _ticket_link(prefix: str, ticket, text) -> SafeString:
    return format_html('<a href="{}{}/">{}</a>', prefix, ticket.pk, text)


@register.simple_tag
def my_queue_rows(tickets, prefix: str) -> SafeString:
    """The freelancer's queue rows (`prefix`: the ticket URL without the id)."""
    now = timezone.now()
    rows = []
    for ticket in tickets:
        urgent = ticket.priority in ("urgent", "high")
        rows.append(format_html(
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            _ticket_link(prefix, ticket, ticket.pk), _ticket_link(prefix, ticket, Truncator(ticket.subject).chars(80)),
            format_html(' <span class="badge text-bg-danger">{}</span>', ticket.get_priority_display()) if urgent else "",
            ticket.program.name, ticket.ticket_type.name if ticket.ticket_type_id else "—", ticket.language,
            ticket.get_status_display(), sla_badge(ticket, now),
        ))
    return mark_safe("".join(rows))  # noqa: S308 (format_html output)


@register.simple_tag
def inhouse_rows(tickets, prefix: str) -> SafeString:
    """The in-house queue rows (`prefix`: the ticket URL without the id)."""
    now = timezone.now()
    rows = []
    for ticket in tickets:
        if ticket.escalation_reason:
            why = format_html('<span class="badge text-bg-warning">{}</span>', reason_label(ticket.escalation_reason))
        else:
            why = format_html('<span class="small text-muted">{}</span>',
                              ticket.ticket_type.name if ticket.ticket_type_id else "rule")
        rows.append(format_html(
            '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="small">{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            _ticket_link(prefix, ticket, ticket.pk), _ticket_link(prefix, ticket, Truncator(ticket.subject).chars(70)),
            ticket.program.name, why, ticket.tier, ticket.language, timesince(ticket.created_at, now),
            ticket.inhouse_assignee or "—", sla_badge(ticket, now),
        ))
    return mark_safe("".join(rows))  # noqa: S308 (format_html output)


@register.simple_tag
def field_widget(bound) -> SafeString:
    """One field's widget written in Python (filter bars: a select's options are a template include each in Django)."""
    return _widget_html(bound)
