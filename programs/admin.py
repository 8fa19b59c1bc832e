from django.contrib import admin

from programs import models


class TicketTypeInline(admin.TabularInline):
    model = models.TicketType
    extra = 0
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["required_skills"]


class EscalationRuleInline(admin.TabularInline):
    model = models.EscalationRule
    extra = 0


class SuccessMetricInline(admin.TabularInline):
    model = models.SuccessMetric
    extra = 0


class OnboardingStepInline(admin.TabularInline):
    model = models.OnboardingStep
    extra = 0


class StakeholderInline(admin.TabularInline):
    model = models.Stakeholder
    extra = 0


class ProgramToolInline(admin.TabularInline):
    model = models.ProgramTool
    extra = 0


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "goal_type", "time_zone", "currency", "created_at"]
    list_filter = ["status", "goal_type", "currency"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["managers"]
    inlines = [TicketTypeInline, EscalationRuleInline, SuccessMetricInline, OnboardingStepInline,
               ProgramToolInline, StakeholderInline]


@admin.register(models.TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "tier", "freelancers_allowed"]
    list_filter = ["tier", "freelancers_allowed", "program"]
    search_fields = ["name", "program__name"]
    autocomplete_fields = ["program"]


@admin.register(models.EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["program", "ticket_type", "keyword", "note"]
    list_filter = ["program"]
    search_fields = ["keyword", "note"]
    autocomplete_fields = ["program"]


class _OnePerProgramAdmin(admin.ModelAdmin):
    list_display = ["program"]
    search_fields = ["program__name"]
    autocomplete_fields = ["program"]


for model in [models.ProgramSchedule, models.CandidateProfile, models.SupportPlan, models.BehindTheScenes,
              models.Budget]:
    admin.site.register(model, _OnePerProgramAdmin)


class QACriterionInline(admin.TabularInline):
    model = models.QACriterion
    extra = 0


@admin.register(models.QAScorecard)
class QAScorecardAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "scale_max", "passing_score"]
    search_fields = ["name", "program__name"]
    autocomplete_fields = ["program"]
    inlines = [QACriterionInline]


@admin.register(models.QACriterion)
class QACriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "scorecard", "weight", "is_critical"]
    list_filter = ["is_critical"]
    search_fields = ["name"]


@admin.register(models.SourcingPlatform)
class SourcingPlatformAdmin(admin.ModelAdmin):
    list_display = ["program", "kind", "name", "pre_screens", "handles_invoicing", "fee_percent"]
    list_filter = ["kind"]
    search_fields = ["name", "program__name"]


@admin.register(models.ProgramTool)
class ProgramToolAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "access_level"]
    search_fields = ["name", "program__name"]
    list_filter = ["program"]


@admin.register(models.TrainingMaterial)
class TrainingMaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "url"]
    search_fields = ["title"]
    list_filter = ["program"]


@admin.register(models.SuccessMetric)
class SuccessMetricAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "kind", "direction", "target"]
    list_filter = ["kind", "program"]


@admin.register(models.OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "kind", "required", "needs_manager_confirmation", "position"]
    list_filter = ["kind", "required", "program"]
    search_fields = ["title"]


@admin.register(models.Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "program", "receives_nps"]
    search_fields = ["name", "email"]
    list_filter = ["program"]


@admin.register(models.Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "kind", "published_at", "author"]
    list_filter = ["kind", "program"]
    search_fields = ["title", "body"]
    raw_id_fields = ["author"]
