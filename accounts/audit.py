"""The words for the audit verbs accounts records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS: dict[str, str | tuple[str, str]] = {
    "api_token.issued": "API token issued",
    "api_token.replaced": "API token replaced",
    "api_token.revoked": "API token revoked",
    "freelancer.capacity_changed": "Capacity changed",
    "freelancer.legal_name_changed": "Legal name changed",
    "freelancer.legal_name_declined": "Legal name change declined",
    "freelancer.legal_name_requested": "Legal name change requested",
    "freelancer.promoted": "Promoted to a higher tier",
    "freelancer.tier_lowered": "Moved to a lower tier",
    "freelancer.channels_changed": ("Channels changed", "channels"),
    "two_factor.disabled": "Two-factor sign-in turned off",
    "two_factor.enabled": "Two-factor sign-in turned on",
    "two_factor.recovery_codes_regenerated": "New two-factor recovery codes made",
    "user.invited": "Invited",
}
audit_verbs_register(AUDIT_VERBS)
