from django import forms

from channels.models import MailboxConnection
from core.forms import SecretField


class MailboxSettingsForm(forms.Form):
    """The program's shared mailbox. Passwords are never written back into the page: a blank field keeps the
    stored one (core.forms.SecretField). The rules (unique address, TLS, own SMTP needs a host) are the
    service's: channels.mailbox.services.mailbox_connection_save."""

    support_address = forms.EmailField(
        label="Support address",
        max_length=254,
        help_text="Where customers write, e.g. support@acme.com. Replies come from it; customers' answers go to "
        "support+(the ticket's token)@… (plus-addressing).",
    )
    display_name = forms.CharField(
        max_length=100,
        required=False,
        label="Name in the From line",
        help_text="Replies come from “Nora via (this name)”; blank: the program's name.",
    )
    imap_host = forms.CharField(
        max_length=255,
        required=False,
        label="IMAP host",
        help_text="imap.gmail.com, outlook.office365.com, …; blank: nothing is read over IMAP (the drop folder of "
        "`make run`, or a provider's inbound webhook, brings the mail in).",
    )
    imap_port = forms.IntegerField(min_value=1, max_value=65535, initial=993, label="IMAP port")
    imap_security = forms.ChoiceField(
        choices=MailboxConnection.Security.choices, initial="ssl", label="IMAP security"
    )
    imap_user = forms.CharField(
        max_length=255, required=False, label="IMAP user", help_text="Usually the mailbox's address."
    )
    imap_password = SecretField(
        max_length=500,
        label="IMAP password or app password",
        help_text="Gmail and Microsoft 365 with two-step sign-in need an app password.",
    )
    imap_folder = forms.CharField(
        max_length=255,
        initial="INBOX",
        label="Folder to read",
        help_text="New messages in this folder become tickets or answers.",
    )
    send_via = forms.ChoiceField(
        choices=MailboxConnection.SendVia.choices,
        initial="site",
        label="Send replies via",
        widget=forms.RadioSelect,
    )
    smtp_host = forms.CharField(
        max_length=255, required=False, label="SMTP host", help_text="smtp.gmail.com, smtp.office365.com, …"
    )
    smtp_port = forms.IntegerField(min_value=1, max_value=65535, initial=587, label="SMTP port")
    smtp_security = forms.ChoiceField(
        choices=MailboxConnection.Security.choices, initial="starttls", label="SMTP security"
    )
    smtp_user = forms.CharField(max_length=255, required=False, label="SMTP user")
    smtp_password = SecretField(max_length=500, label="SMTP password or app password")

    @classmethod
    def initial_for(cls, connection: MailboxConnection) -> dict:
        """The form's values from the saved (or unsaved empty) connection; the passwords decide "set / not set"."""
        names = [name for name in cls.base_fields if not name.endswith("_password")]
        initial = {name: getattr(connection, name) for name in names}
        initial["imap_password"] = connection.imap_password
        initial["smtp_password"] = connection.smtp_password
        return initial
