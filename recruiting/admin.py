from django.contrib import admin

from recruiting.models import (
    Application,
    Interview,
    InterviewSlot,
    InterviewSlotOffer,
    Message,
    MessageTemplate,
    Posting,
    PostingEvent,
    Referral,
    ReferralBonus,
    StageChange,
    TrialTask,
)


class PostingEventInline(admin.TabularInline):
    model = PostingEvent
    extra = 0
    raw_id_fields = ["actor"]


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "status", "opened_at", "closed_at", "nudge_after_days"]
    list_filter = ["status", "program"]
    search_fields = ["title", "slug", "program__name"]
    autocomplete_fields = ["program"]
    raw_id_fields = ["created_by"]
    filter_horizontal = ["skills", "languages", "platforms"]
    list_select_related = ["program"]
    inlines = [PostingEventInline]


@admin.register(PostingEvent)
class PostingEventAdmin(admin.ModelAdmin):
    list_display = ["posting", "kind", "at", "actor"]
    list_filter = ["kind"]
    search_fields = ["posting__title"]
    raw_id_fields = ["posting", "actor"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    raw_id_fields = ["changed_by"]
    readonly_fields = ["from_stage", "to_stage", "changed_by", "changed_at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "email",
        "posting",
        "stage",
        "final_score",
        "trial_score",
        "stage_changed_at",
        "anonymised_at",
    ]
    list_filter = ["stage", "posting__program", "rate_currency"]
    search_fields = ["full_name", "email", "posting__title"]
    raw_id_fields = ["posting", "freelancer", "score_overridden_by"]
    filter_horizontal = ["skills", "languages"]
    list_select_related = ["posting"]
    readonly_fields = ["stage", "stage_changed_at"]  # stage moves go through the pipeline, which records them
    inlines = [StageChangeInline]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["application", "from_stage", "to_stage", "changed_by", "changed_at"]
    list_filter = ["to_stage"]
    search_fields = ["application__full_name"]
    raw_id_fields = ["application", "changed_by"]


@admin.register(TrialTask)
class TrialTaskAdmin(admin.ModelAdmin):
    list_display = [
        "application",
        "status",
        "is_paid",
        "amount",
        "currency",
        "deadline",
        "submitted_at",
        "score",
    ]
    list_filter = ["status", "is_paid", "currency"]
    search_fields = ["application__full_name", "application__email"]
    raw_id_fields = ["application", "sent_by", "graded_by"]
    exclude = ["token"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["application", "scheduled_at", "interviewer", "recommendation", "average_rating"]
    list_filter = ["recommendation"]
    search_fields = ["application__full_name"]
    raw_id_fields = ["application", "interviewer"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["program", "kind", "subject"]
    list_filter = ["kind", "program"]
    search_fields = ["subject", "body", "program__name"]
    autocomplete_fields = ["program"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["application", "direction", "kind", "subject", "created_at", "sent_at"]
    list_filter = ["direction", "kind"]
    search_fields = ["subject", "application__full_name", "to_email"]
    raw_id_fields = ["application", "sent_by"]


@admin.register(ReferralBonus)
class ReferralBonusAdmin(admin.ModelAdmin):
    list_display = ["program", "amount", "currency", "after_hours", "is_active"]
    autocomplete_fields = ["program"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["full_name", "posting", "referrer", "created_at", "invited_at"]
    search_fields = ["full_name", "email", "posting__title"]
    raw_id_fields = ["posting", "referrer", "application"]


class InterviewSlotInline(admin.TabularInline):
    model = InterviewSlot
    extra = 0


@admin.register(InterviewSlotOffer)
class InterviewSlotOfferAdmin(admin.ModelAdmin):
    """The times offered to a candidate by link (only the link's hash is kept, never shown)."""

    list_display = ["application", "status", "duration_minutes", "interviewer", "expires_at", "picked_at"]
    list_filter = ["status"]
    search_fields = ["application__email", "application__full_name"]
    list_select_related = ["application", "interviewer"]
    raw_id_fields = ["application", "interviewer", "offered_by", "interview"]
    exclude = ["token_hash"]
    inlines = [InterviewSlotInline]
