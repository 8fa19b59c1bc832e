from django.contrib import admin

from reviews.models import (
    AnnouncementDelivery,
    CalibrationSession,
    CriterionScore,
    CsatSurvey,
    Dispute,
    Evaluation,
    Feedback,
    NpsInvitation,
    NpsRound,
    Review,
    ReviewAssignment,
    ReviewSettings,
    SilenceCheckIn,
    StakeholderPageLink,
    ThankYouNote,
)


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "sample_mode",
        "sample_size",
        "new_freelancer_weeks",
        "csat_enabled",
        "csat_window_days",
        "nps_enabled",
    ]
    list_filter = ["sample_mode", "csat_enabled", "nps_enabled"]
    search_fields = ["program__name"]
    raw_id_fields = ["program"]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "program", "freelancer", "reviewer", "source", "status", "week_start"]
    list_filter = ["status", "source", "program"]
    search_fields = ["ticket__subject", "freelancer__legal_name", "reviewer__email"]
    raw_id_fields = ["ticket", "freelancer", "reviewer", "program", "created_by"]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0
    raw_id_fields = ["criterion"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "program",
        "freelancer",
        "reviewer",
        "score",
        "original_score",
        "critical_fail",
        "calibration_session",
        "submitted_at",
    ]
    list_filter = ["program", "critical_fail", "passed"]
    search_fields = ["ticket__subject", "freelancer__legal_name", "reviewer__email"]
    raw_id_fields = ["ticket", "freelancer", "reviewer", "assignment", "calibration_session", "program"]
    inlines = [CriterionScoreInline]
    date_hierarchy = "submitted_at"


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["review", "status", "outcome", "score_before", "score_after", "resolved_by", "created_at"]
    list_filter = ["status", "outcome"]
    search_fields = ["review__freelancer__legal_name", "comment"]
    raw_id_fields = ["review", "resolved_by"]


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "ticket", "status", "created_by", "created_at"]
    list_filter = ["status", "program"]
    search_fields = ["title"]
    raw_id_fields = ["ticket", "program", "created_by"]
    filter_horizontal = ["reviewers"]


@admin.register(CsatSurvey)
class CsatSurveyAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "program",
        "freelancer",
        "requester_email",
        "status",
        "rating",
        "source",
        "sent_at",
        "answered_at",
    ]
    list_filter = ["status", "rating", "source", "program"]
    search_fields = ["requester_email", "ticket__subject"]
    raw_id_fields = ["ticket", "program", "freelancer"]
    readonly_fields = ["token_hash", "zendesk_rating_id"]


class NpsInvitationInline(admin.TabularInline):
    model = NpsInvitation
    extra = 0
    fields = ["email", "name", "score", "comment", "answered_at", "expires_at"]
    readonly_fields = fields


@admin.register(NpsRound)
class NpsRoundAdmin(admin.ModelAdmin):
    list_display = ["program", "week_start", "sent_at"]
    list_filter = ["program"]
    search_fields = ["program__name"]
    inlines = [NpsInvitationInline]


@admin.register(NpsInvitation)
class NpsInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "round", "score", "answered_at", "expires_at"]
    list_filter = ["round__program"]
    search_fields = ["email", "name"]
    raw_id_fields = ["round", "stakeholder"]
    readonly_fields = ["token_hash"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = [
        "freelancer",
        "program",
        "period_start",
        "period_end",
        "outcome",
        "created_by",
        "created_at",
    ]
    list_filter = ["outcome", "program"]
    search_fields = ["freelancer__legal_name", "summary"]
    raw_id_fields = ["freelancer", "program", "contract", "created_by"]


@admin.register(ThankYouNote)
class ThankYouNoteAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "sent_by", "period_label", "created_at"]
    list_filter = ["program"]
    search_fields = ["freelancer__legal_name", "message"]
    raw_id_fields = ["freelancer", "program", "sent_by"]


@admin.register(SilenceCheckIn)
class SilenceCheckInAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "day", "reasons", "manager_notified_at"]
    list_filter = ["program", "day"]
    search_fields = ["freelancer__legal_name"]
    raw_id_fields = ["freelancer", "program"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "kind", "rating", "status", "created_at"]
    list_filter = ["kind", "status", "program"]
    search_fields = ["freelancer__legal_name", "body"]
    raw_id_fields = ["freelancer", "program", "done_by"]


@admin.register(AnnouncementDelivery)
class AnnouncementDeliveryAdmin(admin.ModelAdmin):
    list_display = ["announcement", "sent_at", "recipients"]
    search_fields = ["announcement__title"]
    raw_id_fields = ["announcement"]


@admin.register(StakeholderPageLink)
class StakeholderPageLinkAdmin(admin.ModelAdmin):
    """A stakeholder's link to the program's page (only its hash is kept, never shown): revoked in /manage/."""

    list_display = ["program", "stakeholder", "created_at", "last_opened_at", "revoked_at"]
    list_filter = ["program"]
    search_fields = ["program__name", "stakeholder__name", "stakeholder__email"]
    list_select_related = ["program", "stakeholder"]
    raw_id_fields = ["program", "stakeholder", "created_by", "revoked_by"]
    exclude = ["token_hash"]
