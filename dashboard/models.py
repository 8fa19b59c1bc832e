"""The dashboard reads other apps' data. It stores what it sent (the weekly summaries) and daily rollups of the
additive facts the program dashboard sums (see dashboard/rollups.py)."""

from django.db import models

from core.models import TimeStampedModel


class WeeklySummary(TimeStampedModel):
    """The read-only summary of one program's week (Monday to Sunday, program time zone) e-mailed to its
    managers. One row per program and week, so the Monday job sends it once however often it runs.

    `data` is a snapshot (numbers as text) so the shared page shows what was sent, not today's numbers.
    Only the SHA-256 of the share link's token is stored.
    """

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="weekly_summaries")
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


class DailyRollup(models.Model):
    """Additive facts of one program and one whole day in the program's time zone, computed by
    dashboard.rollups.dashboard_rollups_refresh with the dashboard's own aggregate queries.

    A row counts for a day only when it was refreshed after that day ended (refreshed_at >= the next local
    midnight); any other day is read live, so a missing or early row never gives a wrong number. The
    backlog, QA and NPS are not here: the backlog is not a sum of days, QA and NPS are cheap; they stay live.

    arrivals: tickets created per local hour (24 counts; the fall-back day's repeated hour counts in one);
    escalation_reasons: {reason value: escalations by freelancers}; pay: {currency: [hours, pay]} as exact
    decimal strings (pay not rounded: the dashboard rounds totals, as the live query does);
    first_response_seconds / resolution_seconds: exact histograms {seconds: tickets} of the day's first responses
    and solves, from which the medians of any run of days are computed exactly (PERCENTILE_CONT's interpolation).
    """

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="daily_rollups")
    day = models.DateField(help_text="A day in the program's time zone.")
    tickets_in = models.PositiveIntegerField(default=0)
    arrivals = models.JSONField(default=list, blank=True)
    solved = models.PositiveIntegerField(default=0)
    solved_by_freelancers = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)
    responses_met = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    escalation_reasons = models.JSONField(default=dict, blank=True)
    csat_answers = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    pay = models.JSONField(default=dict, blank=True)
    first_response_seconds = models.JSONField(
        default=dict, blank=True, help_text="{seconds: tickets} of first responses that day."
    )
    resolution_seconds = models.JSONField(
        default=dict, blank=True, help_text="{seconds: tickets} of solves that day."
    )
    refreshed_at = models.DateTimeField(help_text="When the facts were read (before the queries ran).")

    class Meta:
        ordering = ["program", "day"]
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="daily_rollup_once_per_program_day"),
        ]

    def __str__(self):
        return f"{self.program} · {self.day:%d %b %Y}"
