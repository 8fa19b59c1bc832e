from django.contrib import admin, messages

from core.errors import DomainError
from payments import services
from payments.models import (
    Adjustment,
    ExchangeRate,
    Payout,
    PayoutLine,
    PayoutRequest,
    PayoutRun,
    PayPeriod,
    PaySchedule,
    RunningTimer,
    TimeEntry,
)


@admin.register(PaySchedule)
class PayScheduleAdmin(admin.ModelAdmin):
    list_display = ["program", "anchor_date", "run_after_days"]
    search_fields = ["program__name"]
    list_filter = ["run_after_days"]
    autocomplete_fields = ["program"]


@admin.register(PayPeriod)
class PayPeriodAdmin(admin.ModelAdmin):
    list_display = ["program", "start_date", "end_date", "status", "closed_at", "paid_at"]
    list_filter = ["status", "program"]
    search_fields = ["program__name"]
    date_hierarchy = "start_date"
    raw_id_fields = ["program"]
    readonly_fields = ["closed_at", "paid_at"]


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "freelancer", "program", "hours", "activity", "status", "over_cap"]
    list_filter = ["status", "activity", "over_cap", "program"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email", "note"]
    date_hierarchy = "date"
    raw_id_fields = ["freelancer", "program", "contract", "period", "reviewed_by", "correction", "tickets"]
    list_select_related = ["freelancer", "program"]


@admin.register(RunningTimer)
class RunningTimerAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "activity", "started_at"]
    list_filter = ["activity"]
    search_fields = ["freelancer__legal_name"]
    raw_id_fields = ["freelancer", "program"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Exchange rates are maintained here (or imported from CSV on the Payments pages)."""

    list_display = ["on_date", "base_currency", "quote_currency", "rate", "source"]
    list_filter = ["base_currency", "quote_currency", "source"]
    search_fields = ["base_currency", "quote_currency"]
    date_hierarchy = "on_date"


class PayoutLineInline(admin.TabularInline):
    model = PayoutLine
    extra = 0
    raw_id_fields = ["adjustment"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PayoutRun)
class PayoutRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "program", "period", "status", "done_count", "total_count", "created_count", "error_count",
                    "started_at", "finished_at"]
    list_filter = ["status", "program"]
    search_fields = ["program__name"]
    raw_id_fields = ["program", "period", "triggered_by"]
    readonly_fields = ["errors", "started_at", "finished_at", "heartbeat_at", "attempts"]
    actions = ["resume"]

    @admin.action(description="Resume the selected runs")
    def resume(self, request, queryset):
        for run in queryset.select_related("program", "period"):
            try:
                services.payout_run_start(program=run.program, period=run.period, triggered_by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{run}: {exc.message}", messages.ERROR)


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["reference", "freelancer", "program", "period", "status", "total", "currency", "payout_amount",
                    "payout_currency", "paid_on"]
    list_filter = ["status", "program", "currency", "payout_currency"]
    search_fields = ["reference", "freelancer__legal_name", "freelancer__user__email", "payment_reference"]
    raw_id_fields = ["run", "program", "freelancer", "period", "approved_by"]
    list_select_related = ["freelancer", "program", "period"]
    inlines = [PayoutLineInline]

    def has_change_permission(self, request, obj=None):
        # Money moves through the lifecycle on the Payments pages (services), not by editing rows.
        return False


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "freelancer", "program", "kind", "amount", "currency", "payout"]
    list_filter = ["kind", "currency", "program"]
    search_fields = ["freelancer__legal_name", "reason", "source_key"]
    raw_id_fields = ["freelancer", "program", "period", "created_by", "payout"]
    list_select_related = ["freelancer", "program", "payout"]


@admin.register(PayoutRequest)
class PayoutRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "freelancer", "program", "amount", "currency", "status", "decided_by"]
    list_filter = ["status", "program"]
    search_fields = ["freelancer__legal_name", "note", "decision_reason"]
    raw_id_fields = ["freelancer", "program", "decided_by", "advance"]
    list_select_related = ["freelancer", "program"]
