from django.contrib import admin

from dashboard.models import DailyRollup, WeeklySummary


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
