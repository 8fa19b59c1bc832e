"""The dashboard reads other apps' data; the only thing it stores is what it sent: the weekly summaries."""

from django.db import models

from core.models import TimeStampedModel
from programs.models import Program


class WeeklySummary(TimeStampedModel):
    """The read-only summary of one program's week (Monday to Sunday, program time zone) e-mailed to its
    managers. One row per program and week, so the Monday job sends it once however often it runs.

    `data` is a snapshot (numbers as text) so the shared page shows what was sent, not today's numbers.
    Only the SHA-256 of the share link's token is stored.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="weekly_summaries")
    week_start = models.DateField(help_text="The Monday of the week summarised.")
    data = models.JSONField(default=dict, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    recipients = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "program__name"]
        verbose_name_plural = "weekly summaries"
        constraints = [
            models.UniqueConstraint(fields=["program", "week_start"], name="weekly_summary_once_per_week"),
        ]

    def __str__(self):
        return f"{self.program} · week of {self.week_start:%d %b %Y}"
