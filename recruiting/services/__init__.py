"""Recruiting's writes. Split by topic; import from here."""

from recruiting.services.applications import (
    application_move,
    application_score_override,
    application_scores_recompute,
    application_submit,
)
from recruiting.services.hiring import HireResult, application_hire
from recruiting.services.interview_slots import (
    interview_slot_pick,
    interview_slots_offer,
    interview_slots_withdraw,
)
from recruiting.services.interviews import (
    interview_cancel,
    interview_record,
    interview_reminders_send,
    interview_reschedule,
    interview_schedule,
)
from recruiting.services.messages import (
    message_log_reply,
    message_preview,
    message_send,
    message_template_save,
    nudges_send,
)
from recruiting.services.postings import posting_close, posting_create, posting_open, posting_update
from recruiting.services.privacy import applications_anonymise
from recruiting.services.referrals import referral_bonus_save, referral_invite
from recruiting.services.trials import trial_task_cancel, trial_task_grade, trial_task_send, trial_task_submit

__all__ = [
    "HireResult",
    "application_hire",
    "application_move",
    "application_score_override",
    "application_scores_recompute",
    "application_submit",
    "applications_anonymise",
    "interview_cancel",
    "interview_record",
    "interview_reminders_send",
    "interview_reschedule",
    "interview_schedule",
    "interview_slot_pick",
    "interview_slots_offer",
    "interview_slots_withdraw",
    "message_log_reply",
    "message_preview",
    "message_send",
    "message_template_save",
    "nudges_send",
    "posting_close",
    "posting_create",
    "posting_open",
    "posting_update",
    "referral_bonus_save",
    "referral_invite",
    "trial_task_cancel",
    "trial_task_grade",
    "trial_task_send",
    "trial_task_submit",
]
