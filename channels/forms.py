from django import forms

from channels.models import SUBDOMAIN, ProgramChannel
from core.forms import SecretField


class ZendeskSettingsForm(forms.Form):
    """The program's channel and Zendesk connection. Secrets are never written back into the page: a blank field
    keeps the stored value (core.forms.SecretField)."""

    channel_kind = forms.ChoiceField(
        label="Where the program's customer conversations live",
        choices=ProgramChannel.Kind.choices,
        help_text="Zendesk: replies, assignments and status go to Zendesk. Shared mailbox: customers e-mail the "
        "support address and get the replies as e-mail (set up on the shared mailbox page). API only: "
        "another system reads them through /api/v1/.",
    )
    subdomain = forms.CharField(
        max_length=63, required=False, validators=[SUBDOMAIN], help_text="acme for https://acme.zendesk.com."
    )
    base_url = forms.URLField(
        required=False,
        label="Base URL",
        assume_scheme="https",
        help_text="Leave blank for https://<subdomain>.zendesk.com; set it for a sandbox or a test server.",
    )
    api_email = forms.EmailField(
        required=False,
        label="API user's e-mail",
        help_text="The Zendesk admin or agent whose API token Flexdesk uses.",
    )
    api_token = SecretField(
        max_length=200,
        label="API token",
        help_text="Admin Center → Apps and integrations → Zendesk API → API tokens.",
    )
    webhook_signing_secret = SecretField(
        max_length=200,
        label="Webhook signing secret",
        help_text="Shown on the webhook's page in Zendesk (Reveal secret).",
    )
    in_house_group_id = forms.IntegerField(
        required=False,
        min_value=1,
        label="In-house group id",
        help_text="Escalations move the Zendesk ticket to this group.",
    )
    routing_tag = forms.CharField(
        max_length=50,
        required=False,
        initial="flexdesk",
        help_text="Added to a Zendesk ticket when Flexdesk assigns it to a freelancer.",
    )
