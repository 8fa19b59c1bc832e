from django.contrib import admin

from contracts.models import Contract, RateChange


class RateChangeInline(admin.TabularInline):
    model = RateChange
    extra = 0
    raw_id_fields = ["approved_by"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "status", "start_date", "end_date", "hourly_rate", "currency"]
    list_filter = ["status", "program", "currency"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email", "program__name"]
    autocomplete_fields = ["freelancer", "program"]
    raw_id_fields = ["created_by"]
    list_select_related = ["freelancer", "program"]
    inlines = [RateChangeInline]


@admin.register(RateChange)
class RateChangeAdmin(admin.ModelAdmin):
    list_display = ["contract", "effective_date", "hourly_rate", "reason", "approved_by"]
    list_filter = ["reason"]
    search_fields = ["contract__freelancer__legal_name"]
    raw_id_fields = ["contract", "approved_by"]
