"""The words for the audit verbs reviews records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS: dict[str, str | tuple[str, str]] = {
    "reviews.settings_updated": "Quality settings saved",
    "reviews.job_run_now": "Scheduled job run by hand",
    "review.assigned": "Review assigned",
    "review.reassigned": "Review reassigned",
    "review.assignment_cancelled": "Review assignment cancelled",
    "review.sampled": "Tickets sampled for review",
    "review.submitted": "Review submitted",
    "review.calibration_scored": "Calibration review scored",
    "review.disputed": "Review disputed",
    "review.dispute_resolved": "Dispute resolved",
    "calibration.created": "Calibration session created",
    "calibration.closed": "Calibration session closed",
    "csat.answered": "CSAT survey answered",
    "nps.sent": "NPS survey sent",
    "nps.answered": "NPS survey answered",
    "stakeholder_page.welcome_sent": "Welcome e-mailed to stakeholders",
    "stakeholder_page.link_sent": ("Stakeholder page link sent", "stakeholder"),
    "stakeholder_page.link_revoked": ("Stakeholder page link revoked", "stakeholder"),
    "evaluation.recorded": "Evaluation recorded",
    "recognition.thank_you": "Thank-you sent",
    "silence.check_in": "Silence check-in sent",
    "feedback.submitted": "Feedback submitted",
    "feedback.done": "Feedback marked done",
    "feedback.reopened": "Feedback reopened",
    "announcement.emailed": "Announcement e-mailed",
}
audit_verbs_register(AUDIT_VERBS)
