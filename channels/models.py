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

SUBDOMAIN = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,62}$", "Only the subdomain: lower-case letters, digits and dashes "
                                                        "(acme for acme.zendesk.com).")


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
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=["zendesk", "email", "api"]),
                                              name="program_channel_kind_valid")]

    def __str__(self):
        return f"{self.program}: {self.get_kind_display()}"


def _seal(value: str) -> str:
    return encrypt_secret({"value": value}) if value else ""


def _open(ciphertext: str) -> str:
    return decrypt_secret(ciphertext).get("value", "") if ciphertext else ""


class ZendeskConnection(TimeStampedModel):
    """One program's Zendesk account: how Flexdesk calls its API and checks its webhooks."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="zendesk_connection")
    subdomain = models.CharField(max_length=63, blank=True, validators=[SUBDOMAIN],
                                 help_text="acme for https://acme.zendesk.com.")
    base_url = models.URLField(blank=True, help_text="Leave blank for https://<subdomain>.zendesk.com; set it for a "
                                                     "sandbox or a test server.")
    api_email = models.EmailField(blank=True, help_text="The Zendesk user whose API token Flexdesk uses.")
    api_token_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    in_house_group_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The Zendesk group of the in-house team: escalations move tickets there.")
    routing_tag = models.CharField(max_length=50, default="flexdesk",
                                   help_text="Added to a Zendesk ticket when Flexdesk assigns it to a freelancer.")
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
        constraints = [models.UniqueConstraint(fields=["program", "signature"], name="zendesk_receipt_unique")]
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
        constraints = [models.UniqueConstraint(fields=["program", "comment_id"], name="zendesk_sent_comment_unique")]

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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

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
