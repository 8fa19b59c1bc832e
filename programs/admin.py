from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from programs import models

# The worksheet is edited by the program's managers in /manage/ (through services); admins read it here.


class TicketTypeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.TicketType
    extra = 0
    fields = ["name", "slug", "tier", "freelancers_allowed", "position"]


class EscalationRuleInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.EscalationRule
    extra = 0


class SuccessMetricInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.SuccessMetric
    extra = 0


class OnboardingStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.OnboardingStep
    extra = 0


class StakeholderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.Stakeholder
    extra = 0


class ProgramToolInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.ProgramTool
    extra = 0


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    """Admins assign managers here; the worksheet itself is read-only (managers edit it in /manage/programs/)."""

    list_display = ["name", "slug", "status", "goal_type", "time_zone", "currency", "created_at"]
    list_filter = ["status", "goal_type", "currency"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["managers"]
    readonly_fields = [
        "name",
        "slug",
        "status",
        "time_zone",
        "currency",
        "goal_type",
        "outcome",
        "channels",
        "created_at",
        "updated_at",
    ]
    inlines = [
        TicketTypeInline,
        EscalationRuleInline,
        SuccessMetricInline,
        OnboardingStepInline,
        ProgramToolInline,
        StakeholderInline,
    ]

    def has_add_permission(self, request):
        return False  # programs are created in /manage/programs/new/ so the creator becomes a manager

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.TicketType)
class TicketTypeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "program", "tier", "freelancers_allowed"]
    list_filter = ["tier", "freelancers_allowed", "program"]
    search_fields = ["name", "program__name"]
    autocomplete_fields = ["program"]


@admin.register(models.EscalationRule)
class EscalationRuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["program", "ticket_type", "keyword", "note"]
    list_filter = ["program"]
    search_fields = ["keyword", "note"]
    autocomplete_fields = ["program"]


class _OnePerProgramAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "program"]
    list_filter = ["program"]
    search_fields = ["program__name"]
    autocomplete_fields = ["program"]


for model in [
    models.ProgramSchedule,
    models.CandidateProfile,
    models.SupportPlan,
    models.BehindTheScenes,
    models.Budget,
]:
    admin.site.register(model, _OnePerProgramAdmin)


class QACriterionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.QACriterion
    extra = 0


@admin.register(models.QAScorecard)
class QAScorecardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "program", "scale_max", "passing_score"]
    search_fields = ["name", "program__name"]
    autocomplete_fields = ["program"]
    inlines = [QACriterionInline]


@admin.register(models.QACriterion)
class QACriterionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "scorecard", "weight", "is_critical"]
    list_filter = ["is_critical"]
    search_fields = ["name"]


@admin.register(models.SourcingPlatform)
class SourcingPlatformAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["program", "kind", "name", "pre_screens", "handles_invoicing", "fee_percent"]
    list_filter = ["kind"]
    search_fields = ["name", "program__name"]


@admin.register(models.ProgramTool)
class ProgramToolAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "program", "access_level"]
    search_fields = ["name", "program__name"]
    list_filter = ["program"]


@admin.register(models.TrainingMaterial)
class TrainingMaterialAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "program", "url"]
    search_fields = ["title"]
    list_filter = ["program"]


@admin.register(models.SuccessMetric)
class SuccessMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "program", "kind", "direction", "target"]
    list_filter = ["kind", "program"]


class QuizQuestionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = models.QuizQuestion
    fields = ["position", "prompt", "choices", "correct_index"]
    extra = 0


@admin.register(models.OnboardingStep)
class OnboardingStepAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "program",
        "kind",
        "required",
        "needs_manager_confirmation",
        "article",
        "pass_mark_percent",
        "position",
    ]
    list_filter = ["kind", "required", "program"]
    search_fields = ["title"]
    list_select_related = ["program", "article"]
    inlines = [QuizQuestionInline]


@admin.register(models.QuizQuestion)
class QuizQuestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written on the program's quiz page (/manage/programs/<slug>/onboarding/<id>/quiz/), read here."""

    list_display = ["__str__", "step", "position", "correct_index"]
    list_filter = ["step__program"]
    search_fields = ["prompt", "step__title"]
    list_select_related = ["step"]


@admin.register(models.KnowledgeArticle)
class KnowledgeArticleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written on the program's Knowledge pages, whose services render and sanitise the Markdown; read here."""

    list_display = ["title", "program", "kind", "published", "position", "updated_at", "updated_by"]
    list_filter = ["kind", "published", "program"]
    search_fields = ["title", "body_markdown"]
    raw_id_fields = ["updated_by"]
    list_select_related = ["program", "updated_by"]


@admin.register(models.Stakeholder)
class StakeholderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "email", "program", "receives_nps"]
    search_fields = ["name", "email"]
    list_filter = ["program"]


@admin.register(models.Announcement)
class AnnouncementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "program", "kind", "published_at", "author"]
    list_filter = ["kind", "program"]
    search_fields = ["title", "body"]
    raw_id_fields = ["author"]


class AssessmentTaskInline(admin.TabularInline):
    model = models.AssessmentTask
    extra = 0
    fields = [
        "task",
        "minutes_each",
        "times_per_week",
        "skill_needed",
        "enjoys",
        "high_value",
        "would_stop",
        "chosen",
    ]


@admin.register(models.OutsourcingAssessment)
class OutsourcingAssessmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "yearly_value",
        "yearly_working_hours",
        "freelancer_hourly_cost",
        "currency",
        "program",
        "created_at",
    ]
    list_select_related = ["owner", "program"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner", "program"]
    inlines = [AssessmentTaskInline]


@admin.register(models.AssessmentTask)
class AssessmentTaskAdmin(admin.ModelAdmin):
    list_display = [
        "task",
        "assessment",
        "minutes_each",
        "times_per_week",
        "high_value",
        "would_stop",
        "chosen",
    ]
    list_select_related = ["assessment"]
    search_fields = ["task", "assessment__name"]
    raw_id_fields = ["assessment"]
