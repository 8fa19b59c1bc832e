from django.contrib import admin

from contracts.models import (
    Contract,
    ContractDocument,
    ContractEndReminder,
    ContractRating,
    CredentialRequestLink,
    CredentialReveal,
    DocumentTemplate,
    FreelancerInvitation,
    OffboardingItem,
    OnboardingProgress,
    ProgramStanding,
    QuizAttempt,
    RateChange,
    RateFloor,
    ToolAccessGrant,
    VaultCredential,
)
from core.admin import ReadOnlyAdminMixin


class RateHistoryReadOnly:
    """Rates change through rate changes on the contract pages (pay range, paid periods and floors are checked
    there); the history is never edited, so admin shows it read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RateChangeInline(RateHistoryReadOnly, admin.TabularInline):
    model = RateChange
    extra = 0
    raw_id_fields = ["approved_by"]


class ContractDocumentInline(admin.TabularInline):
    model = ContractDocument
    extra = 0
    can_delete = False
    fields = ["kind", "version", "sha256", "signed_at", "signer_typed_name", "signer_ip", "superseded_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["freelancer", "program", "status", "start_date", "end_date", "hourly_rate", "currency"]
    list_filter = ["status", "program", "currency"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email", "program__name"]
    autocomplete_fields = ["freelancer", "program"]
    raw_id_fields = ["created_by"]
    list_select_related = ["freelancer", "program"]
    readonly_fields = ["sent_at", "signed_at", "activated_at"]
    inlines = [ContractDocumentInline, RateChangeInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Once made, the rate changes through the contract pages (draft edit, rate changes), which check it.
            fields += ["hourly_rate", "currency", "out_of_range_reason", "below_floor_override_reason"]
        return fields


@admin.register(RateChange)
class RateChangeAdmin(RateHistoryReadOnly, admin.ModelAdmin):
    list_display = ["contract", "effective_date", "hourly_rate", "reason", "approved_by"]
    list_filter = ["reason"]
    search_fields = ["contract__freelancer__legal_name"]
    raw_id_fields = ["contract", "approved_by"]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "program", "updated_at"]
    list_filter = ["kind", "program"]
    search_fields = ["title", "program__name"]
    raw_id_fields = ["updated_by"]


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the signed text and its signature are evidence and never change."""

    list_display = ["contract", "kind", "version", "signed_at", "signer_typed_name", "superseded_at"]
    list_filter = ["kind"]
    search_fields = ["contract__freelancer__legal_name", "sha256", "signer_typed_name"]
    list_select_related = ["contract__freelancer", "contract__program"]
    raw_id_fields = ["contract", "signed_by"]


@admin.register(RateFloor)
class RateFloorAdmin(admin.ModelAdmin):
    list_display = ["program", "label", "countries", "minimum_hourly_rate", "currency"]
    list_filter = ["program", "currency"]
    search_fields = ["label", "program__name"]


@admin.register(OnboardingProgress)
class OnboardingProgressAdmin(admin.ModelAdmin):
    list_display = ["contract", "step", "opened_at", "done_at", "confirmed_at", "confirmed_by"]
    list_filter = ["step__program"]
    search_fields = ["contract__freelancer__legal_name", "step__title"]
    raw_id_fields = ["contract", "step", "done_by", "confirmed_by"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each try at a quiz onboarding step, graded by contracts.services.onboarding_quiz_submit; read here."""

    list_display = [
        "contract",
        "step",
        "correct_count",
        "question_count",
        "score_percent",
        "passed",
        "submitted_at",
    ]
    list_filter = ["passed", "step__program"]
    search_fields = ["contract__freelancer__legal_name", "step__title"]
    raw_id_fields = ["contract", "step", "submitted_by"]
    list_select_related = ["contract__freelancer", "step"]


@admin.register(ToolAccessGrant)
class ToolAccessGrantAdmin(admin.ModelAdmin):
    list_display = ["contract", "tool", "status", "requested_at", "granted_at", "revoked_at"]
    list_filter = ["status", "tool__program"]
    search_fields = ["contract__freelancer__legal_name", "tool__name"]
    raw_id_fields = ["contract", "tool", "requested_by", "granted_by", "revoked_by"]
    list_select_related = ["contract__freelancer", "tool"]


@admin.register(OffboardingItem)
class OffboardingItemAdmin(admin.ModelAdmin):
    list_display = ["contract", "kind", "title", "done_at", "done_by"]
    list_filter = ["kind"]
    search_fields = ["contract__freelancer__legal_name", "title"]
    raw_id_fields = ["contract", "grant", "done_by"]


@admin.register(ContractEndReminder)
class ContractEndReminderAdmin(admin.ModelAdmin):
    list_display = ["contract", "days_before", "sent_at"]
    search_fields = ["contract__freelancer__legal_name"]
    list_filter = ["days_before"]
    raw_id_fields = ["contract"]


@admin.register(VaultCredential)
class VaultCredentialAdmin(admin.ModelAdmin):
    """Metadata only: the ciphertext is neither listed nor editable, and nothing here decrypts."""

    list_display = ["program", "tool", "label", "source", "submitted_by", "created_at", "rotated_at"]
    list_filter = ["program", "source"]
    search_fields = ["label", "tool__name", "program__name"]
    fields = [
        "program",
        "tool",
        "label",
        "source",
        "submitted_by",
        "submitted_by_name",
        "created_at",
        "updated_at",
        "rotated_at",
    ]
    readonly_fields = fields
    list_select_related = ["program", "tool", "submitted_by"]

    def has_add_permission(self, request):
        return False  # secrets go in through the vault pages, which encrypt them


@admin.register(CredentialReveal)
class CredentialRevealAdmin(admin.ModelAdmin):
    list_display = ["revealed_at", "freelancer", "credential", "ip_address"]
    list_filter = ["credential__program"]
    search_fields = ["freelancer__legal_name", "credential__label"]
    raw_id_fields = ["credential", "freelancer", "user", "grant"]
    list_select_related = ["freelancer", "credential__tool"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CredentialRequestLink)
class CredentialRequestLinkAdmin(admin.ModelAdmin):
    list_display = ["program", "tool", "label", "recipient_email", "expires_at", "used_at", "created_by"]
    list_filter = ["program"]
    search_fields = ["label", "recipient_email", "tool__name"]
    exclude = ["token_hash"]
    readonly_fields = ["used_at", "credential"]
    raw_id_fields = ["program", "tool", "created_by"]

    def has_add_permission(self, request):
        return False  # links are made in the vault page, which shows the token once


@admin.register(FreelancerInvitation)
class FreelancerInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent from the manager's invitations page (which e-mails the one-time link),
    and accepting one is the invitee's act; the token's hash is never shown."""

    list_display = ["email", "program", "status", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["status", "program"]
    search_fields = ["email", "name", "program__name", "freelancer__legal_name"]
    list_select_related = ["program", "invited_by"]
    fields = [
        "program",
        "email",
        "name",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "freelancer",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgramStanding)
class ProgramStandingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tier and channels change on the freelancer's page (audited, and routing follows at once)."""

    list_display = ["freelancer", "program", "tier", "channels", "updated_at"]
    list_filter = ["tier", "program"]
    search_fields = ["freelancer__legal_name", "freelancer__user__email"]


@admin.register(ContractRating)
class ContractRatingAdmin(admin.ModelAdmin):
    list_display = ["contract", "stars", "rated_by", "created_at"]
    list_filter = ["stars"]
    search_fields = ["contract__freelancer__legal_name", "contract__program__name", "testimonial"]
    list_select_related = ["contract__freelancer", "contract__program", "rated_by"]
    raw_id_fields = ["contract", "rated_by"]
