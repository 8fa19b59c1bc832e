"""The words for the audit verbs recruiting records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register
from recruiting.models import PostingEvent

AUDIT_VERBS = {
    "application.submitted": "Application submitted",
    "application.moved": "Application moved to another stage",
    "application.score_overridden": "Score overridden",
    "application.message_sent": "Message sent",
    "application.reply_logged": "Reply logged",
    "application.hired": "Hired",
    "application.anonymised": "Application anonymised",
    "interview.scheduled": "Interview scheduled",
    "interview.recorded": "Interview recorded",
    "interview.rescheduled": "Interview rescheduled",
    "interview.cancelled": "Interview cancelled",
    "interview.slots_offered": "Interview times offered",
    "interview.slot_picked": "Interview time chosen by the candidate",
    "interview.slots_withdrawn": "Interview times withdrawn",
    "message_template.saved": "Message template saved",
    "posting.created": "Posting created",
    "posting.updated": "Posting edited",
    "posting.closed": "Posting closed",
    # posting_open records "posting.<kind>" for these two kinds.
    f"posting.{PostingEvent.Kind.OPENED}": "Posting opened",
    f"posting.{PostingEvent.Kind.REPOSTED}": "Posting reposted",
    "referral.invited": "Candidate referred (invitation sent)",
    "referral.applied": "Referred candidate applied",
    "referral_bonus.saved": "Referral bonus set",
    "trial_task.sent": "Trial task sent",
    "trial_task.submitted": "Trial task submitted",
    "trial_task.graded": "Trial task graded",
    "trial_task.cancelled": "Trial task cancelled",
}
audit_verbs_register(AUDIT_VERBS)
