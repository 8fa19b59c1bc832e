from django import forms

from channels.models import WebhookEndpoint


class WebhookEndpointForm(forms.Form):
    """A new endpoint. There is no secret field: Flexdesk generates the signing secret and shows it once."""

    url = forms.URLField(
        max_length=500,
        label="Endpoint URL",
        assume_scheme="https",
        help_text="Where Flexdesk POSTs the events: an https address reachable from the internet.",
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="What receives them, for your team (e.g. “CRM sync”)."
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=WebhookEndpoint.Event.values,
        error_messages={"required": "Pick at least one event."},
    )
