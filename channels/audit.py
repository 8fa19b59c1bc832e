"""The words for the audit verbs channels records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS = {
    "channels.zendesk_saved": "Zendesk connection saved",
    "channels.zendesk_tested": "Zendesk connection tested",
    "channels.zendesk_people_refreshed": "Zendesk people refreshed",
    "channels.mailbox_saved": "Shared mailbox saved",
    "channels.mailbox_tested": "Shared mailbox tested",
    "channels.webhook_created": "Outbound webhook added",
    "channels.webhook_secret_rotated": "Webhook signing secret rotated",
    "channels.webhook_activated": "Outbound webhook turned on",
    "channels.webhook_deactivated": "Outbound webhook turned off",
    "channels.webhook_deleted": "Outbound webhook deleted",
}
audit_verbs_register(AUDIT_VERBS)
