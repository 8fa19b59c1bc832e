"""The words for the audit verbs dashboard records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS = {
    "dashboard.weekly_summary_sent": "Weekly summary e-mailed",
}
audit_verbs_register(AUDIT_VERBS)
