"""The dashboard reads other apps' data. It stores what it sent (the weekly summaries) and the rollups the
program dashboard sums in SQL (daily facts, durations, hours, a snapshot of the open tickets and shifts; docs/adr/0022, 0028)."""

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
    """Additive facts of one program and one whole day in the program's time zone, written by
    dashboard.services.dashboard_rollups_refresh from the dashboard's own live queries (docs/adr/0022, 0028).

    A row counts for a day only when it was refreshed after that day ended (refreshed_at >= the next local
    midnight); any other day is read live, so a missing or early row never gives a wrong number. The NPS is not
    here: it is a handful of weekly answers and stays live.

    arrivals: tickets created per local hour (24 counts; the fall-back day's repeated hour counts in one);
    escalation_reasons: {reason value: escalations by freelancers}; backlog: the tickets open at the day's end
    (open now and created by then, or solved after it: a count of today's state, so it is rewritten with the
    others); qa_reviews / qa_score_sum: QA reviews
    submitted that day (calibration ones never count) and the sum of their scores. The day's first-response and
    resolution times are in DurationBucket / DurationCount, its counted hours in WorkRollup; detail_digest
    fingerprints those rows, so a refresh rewrites them only for the days whose numbers changed.
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
    backlog = models.PositiveIntegerField(
        default=0,
        help_text="Tickets open at the end of the day, as the live query counts them at the refresh.",
    )
    qa_reviews = models.PositiveIntegerField(default=0)
    qa_score_sum = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    detail_digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the day's duration and work rows as last written."
    )
    refreshed_at = models.DateTimeField(help_text="When the facts were read (before the queries ran).")

    class Meta:
        ordering = ["program", "day"]
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="daily_rollup_once_per_program_day"),
        ]

    def __str__(self):
        return f"{self.program} · {self.day:%d %b %Y}"


class Duration(models.IntegerChoices):
    FIRST_RESPONSE = 1, "First response"
    RESOLUTION = 2, "Resolution"


class DurationBucket(models.Model):
    """How many of a day's first responses (or solves) took a time in one bucket of seconds (see
    dashboard.selectors.medians.bucket_of: 16 buckets per doubling). Summed over a period's days in SQL, the
    buckets say which one holds the middle value; DurationCount then gives the exact values inside it."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    measure = models.PositiveSmallIntegerField(choices=Duration.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "day", "measure", "bucket"],
                include=["count"],
                name="duration_bucket_once_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} · {self.day:%d %b %Y} · bucket {self.bucket}: {self.count}"


class DurationCount(models.Model):
    """The exact histogram: how many of a day's first responses (or solves) took exactly `seconds`, with the
    bucket of that value, so the values of one bucket over a period are one index range."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    measure = models.PositiveSmallIntegerField(choices=Duration.choices)
    bucket = models.PositiveSmallIntegerField()
    seconds = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "day", "measure", "seconds"], name="duration_count_once_per_value"
            ),
        ]
        indexes = [
            models.Index(
                fields=["program", "measure", "bucket", "day"],
                include=["seconds", "count"],
                name="duration_count_bucket_days",
            ),
        ]

    def __str__(self):
        return f"{self.get_measure_display()} · {self.day:%d %b %Y} · {self.seconds} s: {self.count}"


class WorkRollup(models.Model):
    """Counted hours (submitted or approved time entries) of one day, summed per contract, pay period,
    correction and rate range, with the rate and currency: payments.earnings.PricedDay, kept so that the
    dashboard sums a period's hours in SQL and prices the sums with payments' one pay rule (WorkedDays.
    from_priced). Ids of other apps' rows are plain numbers: this is a copy to read, rewritten by the refresh."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    freelancer_id = models.BigIntegerField()
    contract_id = models.BigIntegerField()
    period_id = models.BigIntegerField()
    correction_id = models.BigIntegerField(null=True)
    rate_since = models.DateField(null=True, help_text="When the rate took effect; empty: the starting rate.")
    rate = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    hours = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["program", "day"], name="work_rollup_program_day")]

    def __str__(self):
        return f"{self.day:%d %b %Y} · contract {self.contract_id}: {self.hours} h"


class ProgramSnapshot(models.Model):
    """What the program dashboard shows "now" and would otherwise count over every active ticket and every
    freelancer's shifts: the open tickets by queue and status, and the freelancers on shift in each hour of this
    week and the next (168 counts each, Monday 00:00 first, program time zone). One row per program, rewritten by
    dashboard.services.dashboard_snapshot_refresh with the rollup job (every five minutes); the page says when
    (docs/adr/0028). Without a row, or for another week, the page counts live."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="+")
    monday = models.DateField(help_text="The Monday of the week of `coverage` (program time zone).")
    coverage = models.JSONField(default=list, help_text="Freelancers on shift per hour of that week.")
    next_coverage = models.JSONField(default=list, help_text="The same for the week after.")
    open_tickets = models.JSONField(default=dict, help_text="{queue: {status: active tickets}}.")
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.program} · {self.refreshed_at:%d %b %Y %H:%M}"


# --- Per-freelancer rollups of the team table (docs/adr/0028, addendum of 2026-12-04 "team table") ----------------
# A finished day's numbers per freelancer, written with the program's DailyRollup row (same transaction, same
# digest), so a day whose DailyRollup row is complete has them. The first-response median stays exact: the times
# are kept as a three-level histogram over dashboard.selectors.medians.bucket_of (a level-1 row per freelancer and
# day counts them per group of 32 buckets, a level-2 row per group splits that group into 16 pairs of buckets, and
# FreelancerResponseCount holds the exact seconds of each pair), so the median is found in three reads of at
# most one row per freelancer and day each, plus the exact values of one pair per freelancer.

CELLS = [f"c{k}" for k in range(16)]  # the count columns of FreelancerResponseCells
# FreelancerDay's summed columns: what the team table adds up over a period (dashboard.selectors.team)
FREELANCER_DAY_FACTS = (
    "solved",
    "escalated",
    "responses",
    "responses_met",
    "csat_answers",
    "csat_satisfied",
    "qa_reviews",
    "qa_score_sum",
)


class FreelancerDay(models.Model):
    """One freelancer's additive team-table facts of one program and local day: tickets solved while assigned,
    escalations, first responses and those within the SLA, CSAT answers (of tickets solved that day) and the
    satisfied ones, QA reviews submitted (calibration never) and their score sum. Only days with any."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    freelancer_id = models.BigIntegerField()
    solved = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)
    responses_met = models.PositiveIntegerField(default=0)
    csat_answers = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    qa_reviews = models.PositiveIntegerField(default=0)
    qa_score_sum = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [  # read index-only: a period's rows summed per freelancer
            models.UniqueConstraint(
                fields=["program", "day", "freelancer_id"],
                include=list(FREELANCER_DAY_FACTS),
                name="freelancer_day_once_per_day",
            ),
        ]

    def __str__(self):
        return f"{self.day:%d %b %Y} · freelancer {self.freelancer_id}"


class FreelancerResponseCells(models.Model):
    """Counts of one freelancer's first-response times of one day in 16 cells. Level 1 (cell 0): cell k counts
    the times whose bucket (medians.bucket_of) // 32 is k. Level 2 (cell = that k): cell j counts those of group
    k whose bucket % 32 // 2 is j, i.e. the pair of buckets k * 16 + j."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    freelancer_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField()
    cell = models.PositiveSmallIntegerField()
    c0 = models.PositiveIntegerField(default=0)
    c1 = models.PositiveIntegerField(default=0)
    c2 = models.PositiveIntegerField(default=0)
    c3 = models.PositiveIntegerField(default=0)
    c4 = models.PositiveIntegerField(default=0)
    c5 = models.PositiveIntegerField(default=0)
    c6 = models.PositiveIntegerField(default=0)
    c7 = models.PositiveIntegerField(default=0)
    c8 = models.PositiveIntegerField(default=0)
    c9 = models.PositiveIntegerField(default=0)
    c10 = models.PositiveIntegerField(default=0)
    c11 = models.PositiveIntegerField(default=0)
    c12 = models.PositiveIntegerField(default=0)
    c13 = models.PositiveIntegerField(default=0)
    c14 = models.PositiveIntegerField(default=0)
    c15 = models.PositiveIntegerField(default=0)

    class Meta:
        # Both read index-only: level 1 by day (every freelancer), level 2 by freelancer and cell.
        constraints = [
            models.UniqueConstraint(
                fields=["program", "level", "freelancer_id", "cell", "day"],
                include=CELLS,
                name="freelancer_cells_once_per_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["program", "level", "day"],
                include=["freelancer_id", "cell", *CELLS],
                name="freelancer_cells_level_day",
            )
        ]

    def __str__(self):
        return f"{self.day:%d %b %Y} · freelancer {self.freelancer_id} · level {self.level} cell {self.cell}"


class FreelancerResponseCount(models.Model):
    """The exact histogram: how many of one freelancer's first responses of one day took exactly `seconds`, with
    the pair of buckets (medians.bucket_of // 2) of that value, so one pair over a period is one index range."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    freelancer_id = models.BigIntegerField()
    pair = models.PositiveSmallIntegerField()
    seconds = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["program", "freelancer_id", "pair", "day"],
                include=["seconds", "count"],
                name="freelancer_count_pair_days",
            ),
            models.Index(fields=["program", "day"], name="freelancer_count_day"),
        ]

    def __str__(self):
        return f"{self.day:%d %b %Y} · freelancer {self.freelancer_id} · {self.seconds} s: {self.count}"
