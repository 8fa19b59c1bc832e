"""The SLA badge, rendered in Python: list pages show one per row, and as a template include it was a good part
of their render time. The text matches what countdown_js.html writes into it every second."""

import functools
import unicodedata
from html import escape

from django import forms, template
from django.forms.widgets import Input
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import TIME_STRINGS, timesince

from core.dates import date_text, datetime_text, strftime_pattern
from core.text import reply_fold
from core.timezones import zone_label
from queues.destinations import ReplyDestination
from queues.models import Ticket, TicketEvent
from queues.sla import sla_state_at
from queues.templatetags.queues_eta import eta_badge_html

register = template.Library()

# Choice labels as get_FOO_display() gives them (it rebuilds this dict on every call).
STATUS_LABELS = dict(Ticket.Status.choices)
PRIORITY_LABELS = dict(Ticket.Priority.choices)
EVENT_KIND_LABELS = dict(TicketEvent.Kind.choices)


def _duration(seconds: float) -> str:
    """As countdown_js.html's fmt(): "1h 5m " / "5m 30s"."""
    seconds = abs(int(seconds))
    hours, minutes, rest = seconds // 3600, (seconds % 3600) // 60, seconds % 60
    return (f"{hours}h " if hours else "") + f"{minutes}m " + ("" if hours else f"{rest}s")


def _sla_badge_html(ticket, now, zone=None, pattern: str | None = None) -> str:
    """The badge's HTML; every value that is not a literal here is escaped. `zone` and `pattern` (the current time
    zone and the locale's date format) may be looked up once by a caller that writes many badges."""
    if ticket.next_due_at and ticket.is_active:
        due = ticket.next_due_at
        left = (due - now).total_seconds()
        state = sla_state_at(due, now)
        if state == "breached":
            css, text = "text-bg-danger", f"overdue {_duration(left)}"
        elif state == "warning":
            css, text = "text-bg-warning", f"{_duration(left)} left"
        else:
            css, text = "text-bg-light border", f"{_duration(left)} left"
        local = timezone.localtime(due, zone)
        title = escape(f"{local.strftime(pattern or strftime_pattern())} {zone_label(local.tzinfo, due)}")
        return f'<span class="badge {css} sla-countdown" data-due="{escape(due.isoformat())}" title="Due {title}">{text}</span>'
    if ticket.status == "pending" and ticket.first_response_met is not False:
        return (
            '<span class="badge text-bg-secondary" title="The resolution clock is stopped while the ticket '
            'waits on the customer">Paused</span>'
        )
    if ticket.first_response_met is False:
        return '<span class="badge text-bg-danger">SLA missed</span>'
    if ticket.first_response_met:
        return '<span class="badge text-bg-success">SLA met</span>'
    return '<span class="text-muted">—</span>'


@register.simple_tag
def sla_badge(ticket, now=None) -> SafeString:
    return mark_safe(_sla_badge_html(ticket, now or timezone.now()))  # noqa: S308 (values escaped in _sla_badge_html)


@register.filter
def reason_label(value: str) -> str:
    """An escalation reason's stored value as words: "angry_customer" → "Angry customer"."""
    return (value or "").replace("_", " ").strip().capitalize()


# --- ticket pages and queue rows, rendered in Python -----------------------------------------------------------
# Template loops with an {% include %} or a widget template per row/option were most of the pages' render time
# (issue 6: pages under 25 ms at 100,000 tickets). Every value below is escaped: by format_html or _esc (what
# conditional_escape does) in the form tags, by html.escape (what Django's escape() does) in the row and card tags.


def _local(moment, fmt: str | None = None, zone=None) -> str:
    """The moment in the viewer's time zone (`zone`: the current one, when a caller looked it up for many rows),
    in the locale's one date-and-time format (config/formats) unless `fmt` is given."""
    return timezone.localtime(moment, zone).strftime(fmt or strftime_pattern()) if moment else ""


def _esc(value) -> str:
    """conditional_escape(value) as a plain str, without the lazy-string wrapper around Django's escape()
    (a select may have hundreds of options): HTML-safe values as they are, anything else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict) -> SafeString:
    """HTML attributes as Django's widgets write them: True → bare name, False/None → left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {_esc(name)}")
        elif value is not False and value is not None:
            parts.append(f' {_esc(name)}="{_esc(value)}"')
    return mark_safe("".join(parts))  # noqa: S308 (names and values are escaped)


@functools.lru_cache(maxsize=256)
def _options_html(choices: tuple) -> tuple[str, ...]:
    """A select's options, none selected: one f-string each, key and label escaped. Kept for the same choices
    (a ticket page lists every queue-ready freelancer of the program: hundreds, the same on every view)."""
    return tuple(f'<option value="{_esc(key)}">{_esc(label)}</option>' for key, label in choices)


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
        choices = tuple(bound.field.choices)
        try:
            options = list(_options_html(choices))
        except TypeError:  # a choice that cannot be a dict key: written out for this render only
            options = list(_options_html.__wrapped__(choices))
        if selected:
            for index, (key, label) in enumerate(bound.field.choices):
                if str(key) in selected:
                    options[index] = f'<option value="{_esc(key)}" selected>{_esc(label)}</option>'
        # f-strings, not format_html (a page has a dozen widgets): every value is escaped here or in _attrs
        return mark_safe(  # noqa: S308 (every option's values are escaped in _options_html and above)
            f'<select name="{_esc(bound.html_name)}"{_attrs(attrs)}>{"".join(options)}</select>'
        )
    if isinstance(widget, forms.Textarea):
        attrs = {"cols": "40", "rows": "10", **attrs}
        return mark_safe(  # noqa: S308 (escaped)
            f'<textarea name="{_esc(bound.html_name)}"{_attrs(attrs)}>\n'
            f"{_esc(widget.format_value(value) or '')}</textarea>"
        )
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput | forms.MultipleHiddenInput):
        shown = widget.format_value(value)
        if isinstance(widget, forms.PasswordInput) and not widget.render_value:
            shown = None
        shown_html = f' value="{_esc(shown)}"' if shown not in (None, "") else ""
        return mark_safe(  # noqa: S308 (escaped)
            f'<input type="{_esc(widget.input_type)}" name="{_esc(bound.html_name)}"{shown_html}{_attrs(attrs)}>'
        )
    return bound.as_widget()


_ASTERISK = '<span class="asteriskField">*</span>'


@register.simple_tag
def form_fields(form) -> SafeString:
    """A form's errors, hidden fields and labelled visible fields (Bootstrap 5), as form_fields.html wrote them."""
    # f-strings with every value through _esc (conditional_escape), not format_html: the same markup, cheaper
    out = [
        f'<div class="alert alert-danger py-2 small">{_esc(error)}</div>' for error in form.non_field_errors()
    ]
    out += [_widget_html(field) for field in form.hidden_fields()]  # Django's hidden input, written directly
    for field in form.visible_fields():
        required = field.field.required
        help_html = (
            f'<div class="form-text" id="{_esc(field.auto_id)}_helptext">{_esc(field.help_text)}</div>'
            if field.help_text
            else ""
        )
        errors_html = "".join(f'<div class="invalid-feedback d-block">{_esc(e)}</div>' for e in field.errors)
        out.append(
            f'<div class="mb-3"><label class="form-label{" requiredField" if required else ""}" '
            f'for="{_esc(field.id_for_label)}">{_esc(field.label)}'
            f"{_ASTERISK if required else ''}</label>"
            f"{_widget_html(field)}{help_html}{errors_html}</div>"
        )
    return mark_safe("".join(out))  # noqa: S308 (every part is escaped above)


# The row and card tags below build their HTML with f-strings: format_html per cell was a good part of the
# list pages' time. Every interpolated value is a literal of this module, a number, or passes through escape().


def _delivery_html(delivery, *, destination, retry_url: str, zone) -> str:
    """Where a reply or note stands on its way to the customer (its newest outbox message). `destination` is the
    program's ReplyDestination ("E-mailed 12:04", "Delivered to Zendesk 12:04") or just its name."""
    if delivery is None:
        return ""
    if not isinstance(destination, ReplyDestination):
        destination = ReplyDestination(name=str(destination or ""), reply_help="")
    if delivery.status == "sent":
        return (
            f'<div class="small text-success mt-1">{escape(destination.delivered_text)} '
            f"{_local(delivery.sent_at, '%H:%M', zone)}</div>"
        )
    if delivery.status == "failed":
        retry = (
            f' <a class="btn btn-sm btn-outline-danger py-0" href="{escape(retry_url)}">Retry</a>'
            if retry_url
            else " The customer has not received it; a manager can retry it."
        )
        return (
            f'<div class="small text-danger mt-1"><strong>Failed:</strong> '
            f"{escape(delivery.last_error.rstrip('.'))}.{retry}</div>"
        )
    if delivery.status == "cancelled":
        return '<div class="small text-muted mt-1">Not delivered (cancelled)</div>'
    waiting = f" (retrying: {escape(delivery.last_error)})" if delivery.last_error else ""
    return f'<div class="small text-muted mt-1">{escape(destination.queued_text)}{waiting}</div>'


def _body_html(text: str, *, fold: bool, css: str = "prewrap mt-1") -> str:
    """A message's text; a customer's e-mail with its quoted history and signature folded into a native
    <details> (kept, one click away; no script, no style)."""
    visible, folded = reply_fold(text) if fold else (text, "")
    html = f'<div class="{css}">{escape(visible)}</div>'
    if folded:
        html += (
            '<details class="mail-quoted small mt-1"><summary class="text-muted">Show quoted text</summary>'
            f'<div class="prewrap text-muted border-start ps-2 mt-1">{escape(folded)}</div></details>'
        )
    return html


@register.simple_tag
def ticket_body(ticket) -> SafeString:
    """The ticket's first message; from the shared mailbox, with the quoted history folded (as the thread's
    customer messages are)."""
    return mark_safe(_body_html(ticket.body, fold=ticket.source == Ticket.Source.EMAIL, css="prewrap mt-2"))  # noqa: S308


def _earlier_html(tag: str, anchor: str, *, url: str, earlier: int, before, noun: str) -> str:
    """'Show 40 earlier messages': a link to the page with everything (no script needed) that htmx turns into
    a request for the earlier items alone, put in the link's place (TicketPageMixin.earlier)."""
    href = escape(f"{url}?before={before}")
    return (
        f'<{tag} class="text-center my-2" id="{anchor}"><a class="btn btn-sm btn-outline-secondary" '
        f'href="{href}" hx-get="{href}" hx-target="#{anchor}" hx-swap="outerHTML">'
        f"Show {earlier} earlier {noun}{'' if earlier == 1 else 's'}</a></{tag}>"
    )


@register.simple_tag
def ticket_thread(thread, destination="", retry_url: str = "", earlier_url: str = "") -> SafeString:
    """The ticket's replies, internal notes and the customer's later messages (oldest first); a reply or note
    that goes to the helpdesk shows its delivery state (`message.delivery`, set by the selector). A thread of
    ticket_thread_newest says how many earlier messages it left out: a link loads them (`earlier_url`)."""
    zone = timezone.get_current_timezone()
    pattern = strftime_pattern()  # once, not per line
    cards = []
    earlier = getattr(thread, "earlier", 0)
    if earlier and earlier_url and len(thread):
        cards.append(
            _earlier_html(
                "div",
                "thread-earlier",
                url=earlier_url,
                earlier=earlier,
                before=thread.items[0].pk,
                noun="message",
            )
        )
    for message in thread:
        who = message.author or "system"
        if message.kind == "note":
            css, kind = "border-warning bg-warning-subtle", "Internal note"
        elif message.kind == "customer":
            css, kind = "", "Customer"
            who = message.ticket.requester_name or message.ticket.requester_email
        else:
            css, kind = "border-primary-subtle", "Reply"
        cards.append(
            f'<div class="card mb-2 {css}"><div class="card-body py-2"><div class="d-flex justify-content-between small '
            f'text-muted"><span><strong>{kind}</strong> · {escape(str(who))}</span>'
            f"<span>{_local(message.created_at, pattern, zone)}</span></div>"
            f"{_body_html(message.body, fold=message.kind == 'customer')}"
            f"{_delivery_html(getattr(message, 'delivery', None), destination=destination, retry_url=retry_url, zone=zone)}"
            "</div></div>"
        )
    return mark_safe("".join(cards))  # noqa: S308 (see above)


@register.simple_tag
def ticket_timeline(timeline, earlier_url: str = "") -> SafeString:
    """The ticket's timeline lines (oldest first). A timeline of ticket_timeline_newest (its creation line and
    newest events) says how many events it left out between them: a link loads them (`earlier_url`)."""
    if not timeline:
        return mark_safe('<li class="text-muted">Nothing yet.</li>')
    zone = timezone.get_current_timezone()
    pattern = strftime_pattern()  # once, not per line
    lines = []
    earlier = getattr(timeline, "earlier", 0)
    for index, event in enumerate(timeline):
        if index == 1 and earlier and earlier_url:
            lines.append(
                _earlier_html(
                    "li", "timeline-earlier", url=earlier_url, earlier=earlier, before=event.pk, noun="event"
                )
            )
        note = event.data.get("note") if event.kind == "escalated" and isinstance(event.data, dict) else ""
        lines.append(
            f'<li class="mb-2"><span class="text-muted">{_local(event.created_at, pattern, zone)}</span> · '
            f"<strong>{escape(str(EVENT_KIND_LABELS.get(event.kind, event.kind)))}</strong>"
            + (f" · {escape(str(event.actor))}" if event.actor_id else "")
            + (f"<div>{escape(event.message)}</div>" if event.message else "")
            + (f'<div class="prewrap text-muted">{escape(str(note))}</div>' if note else "")
            + "</li>"
        )
    return mark_safe("".join(lines))  # noqa: S308 (see above)


def _truncate(text: str, length: int) -> str:
    """Truncator(text).chars(length), without building a Truncator when nothing is cut (the usual case)."""
    normalized = unicodedata.normalize("NFC", text)
    # Truncator counts the characters of the NFC form that are not combining marks: at most len(normalized).
    if len(normalized) <= length:
        return normalized
    return Truncator(text).chars(length)


class _TimeStrings(dict):
    """timesince()'s unit strings, each number's wording translated once per tag call rather than once per row."""

    class _Unit:
        __slots__ = ("lazy", "done")

        def __init__(self, lazy):
            self.lazy, self.done = lazy, {}

        def __mod__(self, values):
            number = values["num"]
            if number not in self.done:
                self.done[number] = self.lazy % values
            return self.done[number]

    def __init__(self):
        super().__init__((name, self._Unit(lazy)) for name, lazy in TIME_STRINGS.items())


@register.simple_tag
def my_queue_rows(tickets, prefix: str) -> SafeString:
    """The freelancer's queue rows (`prefix`: the ticket URL without the id)."""
    now = timezone.now()
    zone = timezone.get_current_timezone()
    pattern = strftime_pattern()
    prefix = escape(prefix)
    rows = []
    for ticket in tickets:
        href = f"{prefix}{ticket.pk}/"
        urgent = (
            (
                f' <span class="badge text-bg-danger">{escape(str(PRIORITY_LABELS.get(ticket.priority, ticket.priority)))}'
                "</span>"
            )
            if ticket.priority in ("urgent", "high")
            else ""
        )
        rows.append(
            f'<tr><td><a href="{href}">{ticket.pk}</a></td>'
            f'<td><a href="{href}">{escape(_truncate(ticket.subject, 80))}</a>{urgent}</td>'
            f"<td>{escape(ticket.program.name)}</td>"
            f"<td>{escape(ticket.ticket_type.name) if ticket.ticket_type_id else '—'}</td>"
            f"<td>{escape(ticket.language)}</td>"
            f"<td>{escape(str(STATUS_LABELS.get(ticket.status, ticket.status)))}</td>"
            f"<td>{_sla_badge_html(ticket, now, zone, pattern)}</td>"
            f"<td>{eta_badge_html(ticket.eta_at, None, now, zone) or '—'}</td></tr>"  # active: not solved yet
        )
    return mark_safe("".join(rows))  # noqa: S308 (see above)


ESCALATED_STATES = {"solved": "solved by the in-house team", "closed": "closed by the in-house team"}


@register.simple_tag
def recent_items(tickets) -> SafeString:
    """My tickets' "Recently solved" list items (the template loop they were, with |truncatechars and |date)."""
    if not tickets:
        return mark_safe('<li class="text-muted">None yet.</li>')
    return mark_safe(  # noqa: S308 (subjects and names escaped; dates are the locale's digits and words)
        "".join(
            f"<li>#{ticket.pk} {escape(_truncate(ticket.subject, 80))} · {escape(ticket.program.name)} · "
            f"{escape(datetime_text(ticket.solved_at))}</li>"
            for ticket in tickets
        )
    )


@register.simple_tag
def escalated_items(tickets, prefix: str) -> SafeString:
    """My tickets' "Escalated by me" list items (`prefix`: the portal ticket URL without the id)."""
    if not tickets:
        return mark_safe('<li class="text-muted">Nothing you escalated is with the in-house team.</li>')
    prefix = escape(prefix)
    return mark_safe(  # noqa: S308 (as above)
        "".join(
            f'<li><a href="{prefix}{ticket.pk}/">#{ticket.pk} {escape(_truncate(ticket.subject, 80))}</a> · '
            f"{escape(ticket.program.name)} · escalated {escape(date_text(ticket.escalated_at))} · "
            f"{ESCALATED_STATES.get(ticket.status, 'with the in-house team')}</li>"
            for ticket in tickets
        )
    )


@register.simple_tag
def inhouse_rows(tickets, prefix: str, bulk_form: str = "") -> SafeString:
    """The in-house queue rows (`prefix`: the ticket URL without the id); with `bulk_form` (a form's id), each row
    starts with a checkbox of that form (name "ticket")."""
    now = timezone.now()
    zone = timezone.get_current_timezone()
    pattern = strftime_pattern()
    prefix = escape(prefix)
    time_strings = _TimeStrings()
    rows = []
    for ticket in tickets:
        href = f"{prefix}{ticket.pk}/"
        if ticket.escalation_reason:
            why = (
                f'<span class="badge text-bg-warning">{escape(reason_label(ticket.escalation_reason))}</span>'
            )
        else:
            why = f'<span class="small text-muted">{escape(ticket.ticket_type.name) if ticket.ticket_type_id else "rule"}</span>'
        pick = (
            (
                f'<td><input class="form-check-input" type="checkbox" name="ticket" value="{ticket.pk}" '
                f'form="{escape(bulk_form)}" aria-label="Select #{ticket.pk}"></td>'
            )
            if bulk_form
            else ""
        )
        rows.append(
            f'<tr>{pick}<td><a href="{href}">{ticket.pk}</a></td>'
            f'<td><a href="{href}">{escape(_truncate(ticket.subject, 70))}</a></td>'
            f"<td>{escape(ticket.program.name)}</td><td>{why}</td><td>{ticket.tier}</td><td>{escape(ticket.language)}</td>"
            f'<td class="small">{escape(timesince(ticket.created_at, now, time_strings=time_strings))}</td>'
            f"<td>{escape(str(ticket.inhouse_assignee or '—'))}</td><td>{_sla_badge_html(ticket, now, zone, pattern)}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 (see above)


@register.simple_tag
def field_columns(form, skip: str = "", errors: bool = False) -> SafeString:
    """The filter and action bars' fields (the visible ones but `skip`), each in its column with its label, and
    with `errors` its errors under it: the loop the templates had, written in Python (a bar has up to eight)."""
    out = []
    for field in form.visible_fields():
        if field.name == skip:
            continue
        shown = (
            "".join(f'<div class="invalid-feedback d-block">{_esc(e)}</div>' for e in field.errors)
            if errors
            else ""
        )
        out.append(
            f'<div class="col-6 col-md-2"><label class="form-label small mb-0" for="{_esc(field.id_for_label)}">'
            f"{_esc(field.label)}</label>{_widget_html(field)}{shown}</div>"
        )
    return mark_safe("".join(out))  # noqa: S308 (labels, ids and errors escaped; widgets by _widget_html)


@register.simple_tag
def field_widget(bound) -> SafeString:
    """One field's widget written in Python (filter bars: a select's options are a template include each in Django)."""
    return _widget_html(bound)


@register.simple_tag
def ticket_facts(ticket, reason_label: str = "") -> SafeString:
    """The ticket pages' facts card (program, status, queue, deadlines, escalation), as ticket_facts.html wrote
    it; `reason_label` names the escalation reason (the page's context)."""
    from queues.templatetags.queues_eta import eta_badge_html

    zone = timezone.get_current_timezone()
    pattern = strftime_pattern()

    def at(moment) -> str:
        return _local(moment, pattern, zone)

    first = "—"
    if ticket.first_response_at:
        first = f"{at(ticket.first_response_at)} ({'met' if ticket.first_response_met else 'missed'})"
    if ticket.sla_paused_at:
        resolution = (
            f'<span class="text-muted">paused since {at(ticket.sla_paused_at)} (waiting on the customer); moves '
            "on when the ticket is open again</span>"
        )
    else:
        resolution = at(ticket.resolution_due_at) or "—"
    ticket_type = ticket.ticket_type.name if ticket.ticket_type_id and ticket.ticket_type else ""
    rows = [
        ("Program", escape(ticket.program.name)),
        ("External id", escape(ticket.external_id)),
        ("Status", escape(str(ticket.get_status_display()))),
        ("Queue", escape(str(ticket.get_queue_display()))),
        ("Type · tier", f"{escape(ticket_type or '—')} · tier {escape(str(ticket.tier))}"),
        (
            "Language · priority",
            f"{escape(str(ticket.language))} · {escape(str(ticket.get_priority_display()))}",
        ),
        ("Next deadline", _sla_badge_html(ticket, timezone.now(), zone)),
        ("First response due", at(ticket.sla_due_at) or "—"),
        ("First response", first),
        ("Resolution due", resolution),
    ]
    if ticket.eta_at:
        promised = (
            f'<div class="text-muted">promised {at(ticket.eta_set_at)}</div>' if ticket.eta_set_at else ""
        )
        rows.append(
            (
                "Promised to the customer",
                eta_badge_html(ticket.eta_at, ticket.solved_at, timezone.now()) + promised,
            )
        )
    if ticket.solved_at:
        rows.append(("Solved", at(ticket.solved_at)))
    if ticket.escalated_at:
        by = (
            f" by {escape(str(ticket.escalated_by))}"
            if ticket.escalated_by_id and ticket.escalated_by
            else ""
        )
        rows.append(("Escalated", at(ticket.escalated_at) + by))
    html = (
        '<dl class="row small mb-0">\n'
        + "\n".join(f'  <dt class="col-5">{name}</dt><dd class="col-7">{value}</dd>' for name, value in rows)
        + "\n</dl>\n"
    )
    if ticket.escalated_at:
        html += (
            f'<div class="alert alert-warning small mt-2 mb-0"><strong>Escalation: {escape(str(reason_label))}'
            f'</strong><div class="prewrap">{escape(ticket.escalation_note)}</div></div>\n'
        )
    return mark_safe(html)  # noqa: S308 (every value is escaped above)
