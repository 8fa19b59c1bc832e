"""Where each program's customer conversations live, and its Zendesk connection.

Secrets (the API token, the webhook signing secret) are stored encrypted with the vault's MultiFernet keys
(contracts.vault) and never rendered back into a form; the `*_encrypted` columns hold the ciphertext and the
properties below open or seal them.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from contracts.vault import decrypt_secret, encrypt_secret
from core.models import TimeStampedModel
from programs.models import Program
from queues.models import Ticket

SUBDOMAIN = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,62}$",
    "Only the subdomain: lower-case letters, digits and dashes (acme for acme.zendesk.com).",
)


class ProgramChannel(TimeStampedModel):
    """A program's channel: where its customers write in and get the replies. Programs without a row are
    API only (the helpdesk reads replies through /api/v1/)."""

    class Kind(models.TextChoices):
        ZENDESK = "zendesk", "Zendesk"
        EMAIL = "email", "Shared mailbox"
        API = "api", "API only"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="channel_setting")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.API)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["zendesk", "email", "api"]), name="program_channel_kind_valid"
            )
        ]

    def __str__(self):
        return f"{self.program}: {self.get_kind_display()}"


def _seal(value: str) -> str:
    return encrypt_secret({"value": value}) if value else ""


def _open(ciphertext: str) -> str:
    return decrypt_secret(ciphertext).get("value", "") if ciphertext else ""


class ZendeskConnection(TimeStampedModel):
    """One program's Zendesk account: how Flexdesk calls its API and checks its webhooks."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="zendesk_connection")
    subdomain = models.CharField(
        max_length=63, blank=True, validators=[SUBDOMAIN], help_text="acme for https://acme.zendesk.com."
    )
    base_url = models.URLField(
        blank=True,
        help_text="Leave blank for https://<subdomain>.zendesk.com; set it for a sandbox or a test server.",
    )
    api_email = models.EmailField(blank=True, help_text="The Zendesk user whose API token Flexdesk uses.")
    api_token_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    in_house_group_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The Zendesk group of the in-house team: escalations move tickets there.",
    )
    routing_tag = models.CharField(
        max_length=50,
        default="flexdesk",
        help_text="Added to a Zendesk ticket when Flexdesk assigns it to a freelancer.",
    )
    connected_as = models.CharField(max_length=200, blank=True, help_text="Whose token it is (last test).")
    connected_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Zendesk of {self.program}: {self.api_url or 'not set up'}"

    @property
    def api_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"https://{self.subdomain}.zendesk.com" if self.subdomain else ""

    @property
    def api_token(self) -> str:
        return _open(self.api_token_encrypted)

    @api_token.setter
    def api_token(self, value: str) -> None:
        self.api_token_encrypted = _seal(value)

    @property
    def webhook_signing_secret(self) -> str:
        return _open(self.webhook_secret_encrypted)

    @webhook_signing_secret.setter
    def webhook_signing_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = _seal(value)

    @property
    def can_call_api(self) -> bool:
        return bool(self.api_url and self.api_email and self.api_token_encrypted)


class ZendeskUserMap(models.Model):
    """A person of the program (freelancer or in-house) and their Zendesk user, matched by e-mail.
    zendesk_user_id empty: no Zendesk user has their e-mail (the settings page highlights them)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    zendesk_user_id = models.PositiveBigIntegerField(null=True, blank=True)
    zendesk_name = models.CharField(max_length=200, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["program", "user"], name="zendesk_user_map_unique_person"),
        ]
        indexes = [models.Index(fields=["program", "zendesk_user_id"], name="zendesk_user_map_zendesk_id")]

    def __str__(self):
        return f"{self.user} → {self.zendesk_user_id or 'unmatched'}"


class ZendeskWebhookReceipt(models.Model):
    """A webhook delivery already taken in: the same signature again (a replay inside the five-minute window)
    changes nothing. Rows older than the window are pruned, since the timestamp check refuses those anyway."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "signature"], name="zendesk_receipt_unique")
        ]
        indexes = [models.Index(fields=["program", "received_at"], name="zendesk_receipt_age")]

    def __str__(self):
        return f"{self.event_type or 'webhook'} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class ZendeskSentComment(models.Model):
    """A comment Flexdesk itself posted in Zendesk: the webhook it causes comes back and is an echo."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    comment_id = models.PositiveBigIntegerField()
    outbox_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "comment_id"], name="zendesk_sent_comment_unique")
        ]

    def __str__(self):
        return f"Comment {self.comment_id} on #{self.ticket_id}"


class WebhookEndpoint(TimeStampedModel):
    """A URL of another system that receives the program's ticket events as signed JSON (channels.webhooks).

    The signing secret is generated by Flexdesk, shown once (at creation and at each rotation) and stored
    encrypted with the vault's keys."""

    class Event(models.TextChoices):
        ROUTED = "ticket.routed", "ticket.routed: routed, assigned or reassigned"
        REPLIED = "ticket.replied", "ticket.replied: a public reply to the customer"
        NOTED = "ticket.noted", "ticket.noted: an internal note"
        ESCALATED = "ticket.escalated", "ticket.escalated: handed to the in-house team"
        STATUS_CHANGED = "ticket.status_changed", "ticket.status_changed: pending, solved or reopened"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500, help_text="Where Flexdesk POSTs the events (https).")
    description = models.CharField(max_length=200, blank=True, help_text="What receives them, for your team.")
    event_types = models.JSONField(default=list, help_text="The events this endpoint receives.")
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "pk"]
        indexes = [models.Index(fields=["program", "is_active"], name="webhook_endpoint_active")]

    def __str__(self):
        return f"{self.program}: {self.url}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from channels.errors import ChannelError
        from channels.webhooks.targets import webhook_target_check

        chosen = self.event_types if isinstance(self.event_types, list) else None
        if not chosen or not set(chosen) <= set(self.Event.values):
            raise ValidationError({"event_types": "Pick at least one of the listed events."})
        try:
            webhook_target_check(self.url)
        except ChannelError as exc:
            raise ValidationError({"url": exc.message}) from exc

    @property
    def signing_secret(self) -> str:
        return _open(self.secret_encrypted)

    @signing_secret.setter
    def signing_secret(self, value: str) -> None:
        self.secret_encrypted = _seal(value)

    def subscribed_events(self) -> list[str]:
        """The subscribed event types, in the order of Event."""
        return [value for value in self.Event.values if value in (self.event_types or [])]


# --- the shared mailbox (channels.mailbox) ---------------------------------------------------------------


class MailboxConnection(TimeStampedModel):
    """A program whose helpdesk is a shared mailbox: its support address, how Flexdesk reads it (IMAP) and how it
    sends the replies (its own SMTP server, or the site's EMAIL_URL). Passwords are sealed like the vault's."""

    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS"
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", "None (a test server on this machine only)"

    class SendVia(models.TextChoices):
        SITE = "site", "Flexdesk's mail server (EMAIL_URL)"
        OWN = "own", "This mailbox's own SMTP server"

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="mailbox_connection")
    support_address = models.EmailField(
        unique=True,
        help_text="Where customers write, e.g. support@acme.com. Replies come from it, and customers' "
        "answers go to support+<ticket token>@… (plus-addressing).",
    )
    display_name = models.CharField(
        max_length=100, blank=True, help_text="Shown as “Nora via <this name>”; blank: the program's name."
    )
    imap_host = models.CharField(
        max_length=255, blank=True, help_text="imap.gmail.com, outlook.office365.com, …"
    )
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(max_length=255, blank=True)
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(max_length=255, default="INBOX", help_text="The folder Flexdesk reads.")
    send_via = models.CharField(max_length=10, choices=SendVia.choices, default=SendVia.SITE)
    smtp_host = models.CharField(max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default=Security.STARTTLS)
    smtp_user = models.CharField(max_length=255, blank=True)
    smtp_password_encrypted = models.TextField(blank=True, editable=False)
    # Where the poller is: the folder's UIDVALIDITY and the last UID taken in (a new UIDVALIDITY starts over;
    # Message-IDs keep that from making tickets twice).
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_error = models.TextField(blank=True, editable=False)
    tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    test_result = models.TextField(blank=True, editable=False)

    def __str__(self):
        return f"Mailbox of {self.program}: {self.support_address}"

    @property
    def imap_password(self) -> str:
        return _open(self.imap_password_encrypted)

    @imap_password.setter
    def imap_password(self, value: str) -> None:
        self.imap_password_encrypted = _seal(value)

    @property
    def smtp_password(self) -> str:
        return _open(self.smtp_password_encrypted)

    @smtp_password.setter
    def smtp_password(self, value: str) -> None:
        self.smtp_password_encrypted = _seal(value)

    @property
    def can_poll(self) -> bool:
        return bool(self.imap_host and self.imap_user and self.imap_password_encrypted)

    @property
    def sends_own(self) -> bool:
        return self.send_via == self.SendVia.OWN and bool(self.smtp_host)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.program.name

    def address_for(self, token: str) -> str:
        """support+<token>@domain: the Reply-To of one ticket's e-mails."""
        local, _, domain = self.support_address.partition("@")
        return f"{local}+{token}@{domain}"


class MailThread(models.Model):
    """A ticket's e-mail conversation: the unguessable token of its reply address (support+<token>@…)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="mail_thread")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Mail thread of #{self.ticket_id}"


class MailMessageRef(models.Model):
    """Every Message-ID of a ticket's conversation, the customer's and ours: In-Reply-To and References of an
    answer find the ticket, and a bounce finds the reply it returns (outbox_message_id)."""

    class Direction(models.TextChoices):
        IN = "in", "From the customer"
        OUT = "out", "Our reply"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=255)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    ticket_message = models.ForeignKey(
        "queues.TicketMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outbox_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "message_id"], name="mail_message_ref_unique")
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="mail_message_ref_ticket")]

    def __str__(self):
        return f"{self.message_id} ({self.direction}) on #{self.ticket_id}"


def inbound_raw_upload_to(instance, filename):
    import secrets

    return f"mail/raw/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}.eml"


class InboundEmail(models.Model):
    """One message that reached a program's mailbox (IMAP, the provider's webhook or the drop folder) and what
    became of it. The raw message is kept; the same Message-ID again is stored once."""

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        WEBHOOK = "webhook", "Provider webhook"
        DROP = "drop", "Drop folder"

    class Outcome(models.TextChoices):
        TICKET = "ticket", "New ticket"
        REPLY = "reply", "Added to its ticket"
        BOUNCE = "bounce", "Bounce of one of our replies"
        IGNORED = "ignored", "Ignored (auto-reply, bounce, mailing list or loop)"
        REJECTED = "rejected", "Rejected"

    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_emails"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    message_id = models.CharField(
        max_length=255, help_text="Its Message-ID (a digest of the raw message if none)."
    )
    from_address = models.CharField(max_length=255, blank=True)
    from_name = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    recipients = models.TextField(blank=True, help_text="To, Cc and delivery addresses, one a line.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True, help_text="Why it was ignored or rejected.")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket_message = models.ForeignKey(
        "queues.TicketMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    html_body = models.TextField(
        blank=True, help_text="The original HTML part, kept (never rendered as HTML)."
    )
    raw = models.FileField(upload_to=inbound_raw_upload_to, max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    mailbox_uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "message_id"],
                condition=models.Q(program__isnull=False),
                name="inbound_email_unique_message_id",
            )
        ]
        indexes = [models.Index(fields=["program", "outcome", "received_at"], name="inbound_email_outcome")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.subject or self.message_id}"
