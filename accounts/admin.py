from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Freelancer, Language, LegalNameChangeRequest, Skill, User
from core.admin import ReadOnlyAdminMixin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "time_zone", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone", "role"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "role", "password1", "password2"]})
    ]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Freelancer)
class FreelancerAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "user", "country", "time_zone", "status", "payout_currency"]
    list_filter = ["status", "payout_currency", "country"]
    search_fields = ["legal_name", "user__email", "user__display_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills", "languages"]
    list_select_related = ["user"]


@admin.register(LegalNameChangeRequest)
class LegalNameChangeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a request is decided on the freelancer's page in /manage/, which renames them and records it."""

    list_display = [
        "freelancer",
        "previous_legal_name",
        "requested_legal_name",
        "status",
        "created_at",
        "decided_by",
    ]
    list_filter = ["status"]
    search_fields = ["freelancer__legal_name", "previous_legal_name", "requested_legal_name"]
    list_select_related = ["freelancer", "decided_by"]
    date_hierarchy = "created_at"
