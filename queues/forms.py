import datetime
from typing import Any

from django import forms
from django.utils.text import slugify

from queues.models import (
    AUTO_ESCALATION_REASON,
    HELPDESK_ESCALATION_REASON,
    WEEKDAYS,
    AvailabilityChange,
    QueueSettings,
    Ticket,
)

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
LOCAL_DT_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _small_widgets(form):
    for field in form.fields.values():
        is_select = isinstance(field.widget, forms.Select)
        field.widget.attrs["class"] = (
            "form-select form-select-sm" if is_select else "form-control form-control-sm"
        )


class BootstrapForm(forms.Form):
    """A form the ticket pages render by hand (the form_fields tag in queues_tags), not with crispy:
    the ticket pages carry up to five forms, and crispy's template tree was most of their render time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class ReplyForm(BootstrapForm):
    body = forms.CharField(
        label="Reply to the customer", widget=forms.Textarea(attrs={"rows": 5}), max_length=50_000
    )
    status_after = forms.ChoiceField(
        label="Then set the ticket to",
        choices=[
            (Ticket.Status.OPEN, "Open"),
            (Ticket.Status.PENDING, "Pending (waiting on the customer)"),
            (Ticket.Status.SOLVED, "Solved"),
        ],
        initial=Ticket.Status.OPEN,
    )
    # Issue #19: the time promised to the customer (in the sender's time zone: the active one), and the saved
    # reply the reply box inserted (set by static/js/saved_replies.js; queues.services.replies.ticket_reply_send).
    eta_at = forms.DateTimeField(
        label="Promise it done by (optional)",
        required=False,
        widget=LOCAL_DT_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In your time zone. The reply tells the customer when to expect it done, and your queue shows it.",
    )
    saved_reply_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class NoteForm(BootstrapForm):
    body = forms.CharField(
        label="Internal note (not sent to the customer)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=50_000,
    )


class EscalateForm(BootstrapForm):
    reason = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="Hand-off note",
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=10,
        max_length=50_000,
        help_text="What the customer needs and what you already tried.",
    )

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "— pick a reason —"), *reasons]


def _preset_choices(form: forms.Form, name: str, queryset, choices) -> None:
    """Validate against `queryset` but render the (id, label) pairs the view fetched once: a ModelChoiceField
    otherwise runs its queryset while the page renders. `queryset` may be a callable, built only for a bound form."""
    field: Any = form.fields[name]  # a (Model)ChoiceField
    if form.is_bound or not callable(queryset):
        field.queryset = queryset() if callable(queryset) else queryset
    if choices is not None:
        pairs = [("", field.empty_label or ""), *choices] if field.empty_label is not None else list(choices)
        # (id, label) pairs are already what the choices setters' normalize_choices() makes of them, and it walks
        # every pair twice (field and widget): a program's hundreds of freelancers on every ticket page.
        field._choices = field.widget._choices = pairs


class InhouseAssignForm(BootstrapForm):
    user = forms.ModelChoiceField(label="In-house team member", queryset=None)

    def __init__(self, *args, users=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _preset_choices(self, "user", users, choices)


class SendBackForm(BootstrapForm):
    guidance = forms.CharField(
        label="Guidance for the freelancer", widget=forms.Textarea(attrs={"rows": 3}), max_length=50_000
    )
    tier = forms.TypedChoiceField(
        label="Tier", coerce=int, choices=[(1, "Tier 1"), (2, "Tier 2"), (3, "Tier 3")]
    )


class ReassignForm(BootstrapForm):
    freelancer = forms.ModelChoiceField(
        label="Freelancer",
        queryset=None,
        required=False,
        help_text="Leave empty to send the ticket back to the program queue.",
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=300)

    def __init__(self, *args, freelancers=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _preset_choices(self, "freelancer", freelancers, choices)


class InhouseFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Requester, subject, external id"}),
    )
    program = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    reason = forms.ChoiceField(required=False)
    age = forms.ChoiceField(required=False)
    sla = forms.ChoiceField(required=False, label="SLA")
    assigned = forms.ChoiceField(
        required=False, choices=[("", "Anyone"), ("me", "Me"), ("none", "Unassigned")]
    )
    lang = forms.SlugField(
        required=False,
        label="Language",
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "e.g. es"}),
    )

    def __init__(self, *args, programs=(), reasons=(), ages=(), sla_states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "All programs"), *[(p.pk, p.name) for p in programs]]
        self.fields["reason"].choices = [
            ("", "Any reason"),
            ("tier", "Not escalated (tier 2+ / rule)"),
            *reasons,
        ]
        self.fields["age"].choices = [("", "Any age"), *ages]
        self.fields["sla"].choices = [("", "Any SLA state"), *sla_states]
        _small_widgets(self)


class TicketSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    program = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(required=False)
    queue = forms.ChoiceField(required=False)
    sla = forms.ChoiceField(required=False, label="SLA")

    def __init__(self, *args, programs=(), sla_states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "All programs"), *[(p.pk, p.name) for p in programs]]
        self.fields["status"].choices = [
            ("", "Any status"),
            ("active", "Active (new, open, pending)"),
            *Ticket.Status.choices,
        ]
        self.fields["queue"].choices = [
            ("", "Any queue"),
            ("waiting", "Waiting for a freelancer"),
            *Ticket.Queue.choices,
        ]
        self.fields["sla"].choices = [("", "Any SLA state"), *sla_states]
        _small_widgets(self)


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(coerce=int, choices=list(enumerate(WEEKDAYS)))
    start_time = forms.TimeField(widget=TIME_INPUT)
    end_time = forms.TimeField(widget=TIME_INPUT, help_text="00:00 means midnight at the end of the day.")


class ScheduleSlotForm(SlotForm):
    """A manager's scheduling: times in the program's time zone, as the coverage grid shows them."""

    freelancer = forms.ModelChoiceField(queryset=None)
    field_order = ["freelancer", "weekday", "start_time", "end_time"]

    def __init__(self, *args, freelancers=None, zone_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["freelancer"].queryset = freelancers
        self.fields["freelancer"].label_from_instance = lambda f: f"{f.legal_name} ({f.time_zone})"
        self.fields["weekday"].help_text = (
            f"Day and times in the program's time zone ({zone_name}); they are "
            "kept in the freelancer's own time zone."
        )


class ChangeForm(forms.Form):
    """One-off change; times are wall-clock times in `zone` (the freelancer's)."""

    kind = forms.ChoiceField(choices=AvailabilityChange.Kind.choices)
    starts_at = forms.DateTimeField(widget=LOCAL_DT_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(widget=LOCAL_DT_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, zone=None, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def _in_zone(self, value: datetime.datetime) -> datetime.datetime:
        return value.replace(tzinfo=None).replace(tzinfo=self.zone).astimezone(datetime.UTC)

    def clean(self):
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at"):
            data["starts_at"], data["ends_at"] = (
                self._in_zone(data["starts_at"]),
                self._in_zone(data["ends_at"]),
            )
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("ends_at", "The end must be after the start.")
        return data


class AwayNowForm(forms.Form):
    hours = forms.TypedChoiceField(
        label="Away for",
        coerce=int,
        choices=[(1, "1 hour"), (2, "2 hours"), (4, "4 hours"), (8, "8 hours"), (24, "24 hours")],
    )
    note = forms.CharField(required=False, max_length=200)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (UTF-8) with columns external_id, subject, body, requester_email; "
        "optional requester_name, channel, ticket_type, language, priority, created_at."
    )


class ImportConfirmForm(forms.Form):
    csv_text = forms.CharField(widget=forms.HiddenInput, max_length=2 * 1024 * 1024)


def reason_code_for(label: str, *, taken: set[str]) -> str:
    """A stored code for a new escalation reason, made from its words ("Refund request" → "refund_request"),
    unique among the program's codes. Codes are never shown; they only keep tickets pointing at their reason."""
    base = slugify(label).replace("-", "_")[:40] or "reason"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


class QueueSettingsForm(forms.ModelForm):
    # The Zendesk signing secret moved to the program's channel page (channels.ZendeskConnection, encrypted).
    business_hours = forms.CharField(
        label="Business hours",
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="One line per weekday, Monday first, e.g. “08:00-12:00, 13:00-20:00”; empty line = closed.",
    )

    class Meta:
        model = QueueSettings
        fields = [
            "first_response_minutes",
            "resolution_minutes",
            "inhouse_response_minutes",
            "business_hours_only",
            "warning_minutes",
            "auto_escalate_on_breach",
            "business_hours",
            "away_after_minutes",
            "no_show_minutes",
            "allow_extra_time",
        ]

    NEW_REASON_ROWS = 3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = self.instance.business_hours or []
        self.initial["business_hours"] = "\n".join(", ".join(f"{s}-{e}" for s, e in day) for day in hours)
        # Escalation reasons are edited as words, one field per reason. The stored code of a reason never changes
        # (tickets and reports keep pointing at it); a new reason gets one made from its words.
        self.reasons = [(str(code), str(label)) for code, label in self.instance.reason_choices()]
        for index, (_code, label) in enumerate(self.reasons):
            self.fields[f"reason_{index}"] = forms.CharField(
                label=f"Escalation reason {index + 1}",
                initial=label,
                required=False,
                max_length=80,
                help_text="Empty it to remove the reason; tickets escalated with it keep their words."
                if index == 0
                else "",
            )
        for extra in range(self.NEW_REASON_ROWS):
            self.fields[f"new_reason_{extra}"] = forms.CharField(
                label="New escalation reason",
                required=False,
                max_length=80,
                help_text="Freelancers pick a reason when they escalate a ticket." if extra == 0 else "",
            )

    def clean_business_hours(self):
        lines = (self.cleaned_data.get("business_hours") or "").splitlines()
        lines = (lines + [""] * 7)[:7]
        days = []
        for line in lines:
            intervals = []
            for part in [p.strip() for p in line.split(",") if p.strip()]:
                if "-" not in part:
                    raise forms.ValidationError(f"“{part}” is not like 08:00-17:00.")
                start, end = [x.strip() for x in part.split("-", 1)]
                intervals.append([start, end])
            days.append(intervals)
        return days

    def clean(self):
        cleaned = super().clean()
        kept = [
            [code, " ".join(cleaned.get(f"reason_{index}", "").split())]
            for index, (code, _) in enumerate(self.reasons)
        ]
        reasons = [pair for pair in kept if pair[1]]
        taken = {code for code, _ in self.reasons} | {
            AUTO_ESCALATION_REASON[0],
            HELPDESK_ESCALATION_REASON[0],
        }
        words = {label.casefold() for _, label in reasons}
        for extra in range(self.NEW_REASON_ROWS):
            label = " ".join(cleaned.get(f"new_reason_{extra}", "").split())
            if not label or label.casefold() in words:
                continue
            code = reason_code_for(label, taken=taken)
            taken.add(code)
            words.add(label.casefold())
            reasons.append([code, label])
        if not reasons:
            raise forms.ValidationError("Keep at least one escalation reason.")
        self.instance.escalation_reasons = reasons
        return cleaned


# --- saved replies (issue #19): the managers' form and a freelancer's suggestion ---------------------------------


class SavedReplyForm(forms.Form):
    """Checked by queues.services.replies (placeholders, a unique title); tags are written separated by commas."""

    title = forms.CharField(max_length=150)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 8}), max_length=50_000)
    status_after = forms.ChoiceField(
        label="After sending, set the ticket to",
        required=False,
        choices=[
            ("", "Leave the status as it is"),
            (Ticket.Status.PENDING, "Pending (waiting on the customer)"),
            (Ticket.Status.SOLVED, "Solved"),
        ],
    )
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separated by commas, e.g. “shipping, delay”."
    )

    def __init__(self, *args, placeholders_help: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = placeholders_help

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in (self.cleaned_data.get("tags") or "").split(",") if tag.strip()]


class SavedReplySuggestForm(SavedReplyForm):
    program = forms.TypedChoiceField(coerce=int, label="Program")
    field_order = ["program", "title", "body", "status_after", "tags"]

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        if isinstance(program_field, forms.ChoiceField):
            program_field.choices = [(program.pk, program.name) for program in programs]


# --- the in-house queue's bulk actions and saved views; help requests on a ticket -----------------------------


class TicketIdsField(forms.Field):
    """The ticket ids of a list's checkboxes (name="ticket", many values)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError("Select tickets from the list.") from exc
        if any(not 0 < pk <= 2**63 - 1 for pk in ids):
            raise forms.ValidationError("Select tickets from the list.")
        return list(dict.fromkeys(ids))


class InhouseBulkForm(BootstrapForm):
    ticket = TicketIdsField(error_messages={"required": "Select at least one ticket."})
    action = forms.ChoiceField(
        label="With the selected tickets",
        choices=[
            ("", "— pick an action —"),
            ("assign_me", "Assign to me"),
            ("assign", "Assign to…"),
            ("solve", "Solve"),
            ("send_back", "Send back to the freelancers"),
        ],
    )
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Assign to", queryset=None, required=False, empty_label="— in-house person —"
    )
    guidance = forms.CharField(
        label="Guidance (sending back)",
        required=False,
        max_length=50_000,
        widget=forms.TextInput(attrs={"placeholder": "What the freelancer should do"}),
    )

    def __init__(self, *args, users=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _preset_choices(self, "user", users, choices)
        for name in ("action", "user", "guidance"):
            self.fields[name].widget.attrs["class"] += (
                " form-select-sm" if name != "guidance" else " form-control-sm"
            )

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("user"):
            self.add_error("user", "Pick whom to assign the tickets to.")
        if data.get("action") == "send_back" and not (data.get("guidance") or "").strip():
            self.add_error("guidance", "Write guidance for the freelancers who will get these tickets.")
        return data


class SavedQueueViewForm(forms.Form):
    name = forms.CharField(
        label="Save this view as",
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Mine, breached"}),
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class HelpAskForm(BootstrapForm):
    question = forms.CharField(
        label="Your question for the in-house team",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The ticket stays with you and its SLA keeps running.",
    )
    agent: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Ask", queryset=None, required=False, empty_label="Anyone in the in-house team"
    )

    def __init__(self, *args, users=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _preset_choices(self, "agent", users, choices)


class HelpMessageForm(BootstrapForm):
    body = forms.CharField(label="Message", max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str = "Message", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = label


class HelpCloseForm(forms.Form):
    """Closing has no fields; the form is where a refusal is shown."""
