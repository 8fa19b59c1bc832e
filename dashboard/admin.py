from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from dashboard.models import (
    DailyRollup,
    DurationBucket,
    DurationCount,
    FreelancerDay,
    FreelancerResponseCells,
    FreelancerResponseCount,
    ProgramSnapshot,
    WeeklySummary,
    WorkRollup,
)


@admin.register(WeeklySummary)
class WeeklySummaryAdmin(admin.ModelAdmin):
    list_display = ["program", "week_start", "sent_at", "created_at"]
    list_filter = ["program", "week_start"]
    search_fields = ["program__name", "program__slug"]
    raw_id_fields = ["program"]
    readonly_fields = ["token_hash", "data", "recipients", "sent_at", "created_at", "updated_at"]
    date_hierarchy = "week_start"


@admin.register(DailyRollup)
class DailyRollupAdmin(admin.ModelAdmin):
    list_display = ["program", "day", "tickets_in", "solved", "responses", "csat_answers", "refreshed_at"]
    list_filter = ["program", "day"]
    search_fields = ["program__name", "program__slug"]
    raw_id_fields = ["program"]
    readonly_fields = [f.name for f in DailyRollup._meta.fields if f.name != "id"]
    date_hierarchy = "day"


# The rollups' detail rows: written with their day's DailyRollup row by the refresh job (same transaction, same
# digest), so they are read here, never edited (docs/adr/0022, 0028).
class RollupDetailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_filter = ["program"]
    list_select_related = ["program"]
    date_hierarchy = "day"


@admin.register(DurationBucket)
class DurationBucketAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "measure", "bucket", "count"]


@admin.register(DurationCount)
class DurationCountAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "measure", "bucket", "seconds", "count"]


@admin.register(WorkRollup)
class WorkRollupAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "freelancer_id", "contract_id", "rate", "currency", "hours"]


@admin.register(FreelancerDay)
class FreelancerDayAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "freelancer_id", "solved", "escalated", "responses", "responses_met"]


@admin.register(FreelancerResponseCells)
class FreelancerResponseCellsAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "freelancer_id", "level", "cell"]


@admin.register(FreelancerResponseCount)
class FreelancerResponseCountAdmin(RollupDetailAdmin):
    list_display = ["program", "day", "freelancer_id", "pair", "seconds", "count"]


@admin.register(ProgramSnapshot)
class ProgramSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["program", "monday", "refreshed_at"]
    list_select_related = ["program"]
