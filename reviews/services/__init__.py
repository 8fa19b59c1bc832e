"""Every write in reviews goes through these functions (views, admin, tasks, commands and the demo call them).

Split by topic; import them from here: `from reviews.services import review_submit`.
"""

from reviews.services.engagement import (
    announcement_send,
    announcements_send,
    feedback_mark,
    feedback_pulse_submit,
    feedback_submit,
    silence_check,
)
from reviews.services.evaluations import evaluation_create, thank_you_send
from reviews.services.qa import (
    calibration_session_close,
    calibration_session_create,
    dispute_resolve,
    review_assignment_cancel,
    review_assignment_create,
    review_assignment_reassign,
    review_dispute,
    review_sampling_run,
    review_settings_update,
    review_submit,
    reviewers_for_program,
    sample_size_for,
)
from reviews.services.run_now import RunNowResult, reviews_job_run_now
from reviews.services.stakeholders import (
    stakeholder_page_link_revoke,
    stakeholder_page_link_send,
    stakeholder_welcome_send,
)
from reviews.services.surveys import (
    SurveyNotFound,
    csat_answer,
    csat_survey_for_ticket,
    csat_survey_open,
    csat_sweep,
    csat_zendesk_pull,
    csat_zendesk_pull_all,
    csat_zendesk_rating_apply,
    nps_answer,
    nps_invitation_open,
    nps_round_send,
    nps_send_weekly,
    token_digest,
)

__all__ = [
    "RunNowResult",
    "SurveyNotFound",
    "announcement_send",
    "announcements_send",
    "calibration_session_close",
    "calibration_session_create",
    "csat_answer",
    "csat_survey_for_ticket",
    "csat_survey_open",
    "csat_sweep",
    "csat_zendesk_pull",
    "csat_zendesk_pull_all",
    "csat_zendesk_rating_apply",
    "dispute_resolve",
    "evaluation_create",
    "feedback_mark",
    "feedback_pulse_submit",
    "feedback_submit",
    "nps_answer",
    "nps_invitation_open",
    "nps_round_send",
    "nps_send_weekly",
    "review_assignment_cancel",
    "review_assignment_create",
    "review_assignment_reassign",
    "review_dispute",
    "review_sampling_run",
    "review_settings_update",
    "review_submit",
    "reviewers_for_program",
    "reviews_job_run_now",
    "sample_size_for",
    "silence_check",
    "stakeholder_page_link_revoke",
    "stakeholder_page_link_send",
    "stakeholder_welcome_send",
    "thank_you_send",
    "token_digest",
]
