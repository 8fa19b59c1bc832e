from django.contrib import admin, messages

from core.admin import ReadOnlyAdminMixin
from core.errors import DomainError
from payments import services
from payments.models import (
    Adjustment,
    BillingCompany,
    ExchangeRate,
    Invoice,
    Payout,
    PayoutDetails,
    PayoutLine,
    PayoutRequest,
    PayoutRun,
    PayPeriod,
    PaySchedule,
    RunningTimer,
    TimeEntry,
    TrialPayout,
    mask,
    mask_email,
)


@admin.register(PaySchedule)
class PayScheduleAdmin(admin.ModelAdmin):
    list_display = ["program", "anchor_date", "run_after_days"]
    search_fields = ["program__name"]
    list_filter = ["run_after_days"]
    autocomplete_fields = ["program"]


# Money that is fixed stays fixed here too: a closed or paid period, an approved entry or one in a closed
# period, and adjustments are read-only in admin (no change, no delete, so no bulk delete either). Their
# states move only through the services on the Payments pages, which keep statements and history in step.


@admin.register(PayPeriod)
class PayPeriodAdmin(admin.ModelAdmin):
    list_display = ["program", "start_date", "end_date", "status", "closed_at", "paid_at"]
    list_filter = ["status", "program"]
    search_fields = ["program__name"]
    date_hierarchy = "start_date"
    raw_id_fields = ["program"]
    # Periods close through the payout run and are settled when their payouts are paid; never by hand.
    readonly_fields = ["status", "closed_at", "paid_at"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != PayPeriod.Status.OPEN:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != PayPeriod.Status.OPEN:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "freelancer", "program", "hours", "activity", "status", "over_cap"]
    list_filter = ["status", "activity", "over_cap", "program"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email", "note"]
    date_hierarchy = "date"
    raw_id_fields = ["freelancer", "program", "contract", "period", "reviewed_by", "correction", "tickets"]
    list_select_related = ["freelancer", "program", "period"]
    # Freelancers log time in the portal and managers approve it; where an entry sits is not an admin's call.
    readonly_fields = [
        "freelancer",
        "program",
        "contract",
        "period",
        "status",
        "over_cap",
        "submitted_at",
        "reviewed_at",
        "reviewed_by",
        "review_comment",
        "correction",
    ]

    @staticmethod
    def is_fixed(entry: TimeEntry) -> bool:
        """Approved (paid or about to be) or in a period that is no longer open."""
        return entry.status == TimeEntry.Status.APPROVED or entry.period.status != PayPeriod.Status.OPEN

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.is_fixed(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_fixed(obj):
            return False
        return super().has_delete_permission(request, obj)


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
    list_display = [
        "pk",
        "program",
        "period",
        "status",
        "done_count",
        "total_count",
        "created_count",
        "error_count",
        "started_at",
        "finished_at",
    ]
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
    list_display = [
        "reference",
        "freelancer",
        "program",
        "period",
        "status",
        "total",
        "currency",
        "payout_amount",
        "payout_currency",
        "paid_on",
    ]
    list_filter = ["status", "program", "currency", "payout_currency"]
    search_fields = ["reference", "freelancer__legal_name", "freelancer__user__email", "payment_reference"]
    raw_id_fields = ["run", "program", "freelancer", "period", "approved_by"]
    list_select_related = ["freelancer", "program", "period"]
    inlines = [PayoutLineInline]

    def has_change_permission(self, request, obj=None):
        # Money moves through the lifecycle on the Payments pages (services), not by editing rows.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a payout would free its adjustments and hours to be paid a second time.
        return False


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: adjustments are added on the Payments pages (where the program's limit applies) and a
    mistake is undone by a counter-adjustment, which leaves a trace; an edited or deleted row would not,
    and could unpay a late-approved entry or an early payment."""

    list_display = ["created_at", "freelancer", "program", "kind", "amount", "currency", "payout"]
    list_filter = ["kind", "currency", "program"]
    search_fields = ["freelancer__legal_name", "reason", "source_key"]
    raw_id_fields = ["freelancer", "program", "period", "created_by", "payout"]
    list_select_related = ["freelancer", "program", "payout"]


@admin.register(PayoutRequest)
class PayoutRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "freelancer", "program", "amount", "currency", "status", "decided_by"]
    list_filter = ["status", "program"]
    search_fields = ["freelancer__legal_name", "note", "decision_reason"]
    raw_id_fields = ["freelancer", "program", "decided_by", "advance"]
    list_select_related = ["freelancer", "program"]
    # Requested in the portal, decided and marked paid on the Payments pages (the balance check lives there).


@admin.register(PayoutDetails)
class PayoutDetailsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only and masked: the bank account is decrypted for the payout export only, never onto a page.

    The encrypted fields are not in `fields` (a read-only admin page would print them in full); masked
    displays stand in for them. The freelancer changes their details in the portal (payout_details_update,
    which starts the payout hold and leaves a trace), so there is no add, change or delete here.
    """

    list_display = ["freelancer", "method", "summary", "changed_at"]
    list_filter = ["method"]
    # Never the encrypted columns: a lookup on them cannot match and would only cost a decryption per row.
    search_fields = ["freelancer__legal_name", "freelancer__user__email"]
    list_select_related = ["freelancer__user"]
    fields = [
        "freelancer",
        "method",
        "summary",
        "account_holder_name",
        "masked_iban",
        "masked_account_number",
        "bic",
        "bank_country",
        "masked_wise_email",
        "masked_paypal_email",
        "masked_payoneer_id",
        "legacy_note",
        "billing_address",
        "tax_id",
        "changed_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="IBAN")
    def masked_iban(self, details: PayoutDetails) -> str:
        return mask(details.iban)

    @admin.display(description="account number")
    def masked_account_number(self, details: PayoutDetails) -> str:
        return mask(details.account_number)

    @admin.display(description="Wise e-mail")
    def masked_wise_email(self, details: PayoutDetails) -> str:
        return mask_email(details.wise_email)

    @admin.display(description="PayPal e-mail")
    def masked_paypal_email(self, details: PayoutDetails) -> str:
        return mask_email(details.paypal_email)

    @admin.display(description="Payoneer ID")
    def masked_payoneer_id(self, details: PayoutDetails) -> str:
        return mask(details.payoneer_id)


@admin.register(BillingCompany)
class BillingCompanyAdmin(admin.ModelAdmin):
    """The company a program's freelancers invoice. Editable: each invoice copies it when it is issued."""

    list_display = ["program", "legal_name", "tax_id", "email"]
    search_fields = ["legal_name", "program__name"]
    autocomplete_fields = ["program"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued invoices are money that was fixed: read here, downloaded from the payout page."""

    list_display = [
        "number",
        "freelancer_legal_name",
        "company_legal_name",
        "issued_on",
        "total",
        "currency",
        "uploaded_by_freelancer",
    ]
    list_filter = ["uploaded_by_freelancer", "currency"]
    search_fields = ["number", "freelancer_legal_name", "company_legal_name", "payout__reference"]
    list_select_related = ["payout"]
    date_hierarchy = "issued_on"
    fields = readonly_fields = (
        "number",
        "sequence",
        "payout",
        "freelancer",
        "issued_on",
        "currency",
        "total",
        "freelancer_legal_name",
        "freelancer_address",
        "freelancer_tax_id",
        "freelancer_country",
        "company_legal_name",
        "company_address",
        "company_tax_id",
        "company_email",
        "uploaded_by_freelancer",
        "uploaded_number",
        "uploaded_at",
        "created_at",
    )


TRIAL_PAYOUT_FIELDS = (
    "reference",
    "trial_task",
    "program",
    "description",
    "amount",
    "currency",
    "status",
    "run",
    "method",
    "summary",
    "details_entered_at",
    "paid_on",
    "payment_reference",
    "paid_to",
    "statement_sent_at",
    "created_at",
    "updated_at",
)


@admin.register(TrialPayout)
class TrialPayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only and masked, like PayoutDetails: the candidate enters the details on the trial page and a
    manager marks the payout paid on its run's page (payments.services.trial_payouts)."""

    list_display = ["reference", "description", "amount", "currency", "status", "run", "paid_on"]
    list_filter = ["status", "method"]
    search_fields = ["reference", "trial_task__application__full_name"]
    list_select_related = ["run"]
    fields = TRIAL_PAYOUT_FIELDS
    readonly_fields = TRIAL_PAYOUT_FIELDS
