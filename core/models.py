from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who did what to which object, when: the trace important actions leave.

    Apps with a timeline of their own (ticket events, stage moves) keep that too;
    this log is the one place an admin can read every important action.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=80, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.verb} {self.target_repr}"


class OutboxMessage(models.Model):
    """One message that leaves Flexdesk: an e-mail, a call to a helpdesk's API, an outbound webhook.

    Written in the same transaction as the change that causes it, sent after commit by a retried task
    (core.outbox). `kind` names the sender an app registered for it; `payload` is everything that sender
    needs, so a retry never depends on rows that may have changed since. Core keeps no foreign key to a
    domain app: `program_id` scopes the lists managers see, `subject` points at the row it is about (a
    reply, a survey) so that row's page can show its delivery state.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    kind = models.CharField(max_length=60, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    summary = models.CharField(max_length=250, blank=True, help_text="What this is, in words, for lists.")
    payload = models.JSONField(default=dict, blank=True)
    program_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    ordering_key = models.CharField(
        max_length=80, blank=True, help_text="Messages with the same key go out one at a time, oldest first."
    )
    dedupe_key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="A second message with the same key is not written (idempotent enqueue).",
    )
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(
        default=dict, blank=True, help_text="What the other side answered (ids, status)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["ordering_key", "id"], name="outbox_order"),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_subject"),
            models.Index(fields=["program_id", "status", "-created_at"], name="outbox_program_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display_name()} #{self.pk} ({self.status})"

    def get_kind_display_name(self) -> str:
        from core.outbox import kind_label

        return kind_label(self.kind)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.SENDING)
