"""Every write in contracts goes through these functions (views, admin, tasks and other apps call them).

Split by topic; import them from here: `from contracts.services import contract_sign`.
"""

from contracts.services.access import (
    access_grant_grant,
    access_grant_request,
    access_grant_revoke,
    offboarding_checklist_create,
    offboarding_item_complete,
)
from contracts.services.invitations import (
    freelancer_invitation_accept,
    freelancer_invitation_accept_new_account,
    freelancer_invitation_revoke,
    freelancer_invitation_send,
)
from contracts.services.lifecycle import (
    contract_activate,
    contract_create_draft,
    contract_documents_issue,
    contract_end,
    contract_expiry_process,
    contract_send,
    contract_sign,
    contract_terminate,
    contract_update_draft,
    contract_withdraw,
    names_match,
)
from contracts.services.onboarding import (
    onboarding_article_open,
    onboarding_quiz_submit,
    onboarding_step_complete,
    onboarding_step_confirm,
    onboarding_step_undo,
)
from contracts.services.rates import (
    document_template_save,
    rate_change_create,
    rate_floor_check,
    rate_floor_create,
    rate_floor_delete,
    rate_range_check,
    rate_range_problem,
)
from contracts.services.ratings import contract_rating_save
from contracts.services.standing import (
    freelancer_channels_set,
    freelancer_standing_update,
    freelancer_tier_set,
)
from contracts.services.vault import (
    credential_delete,
    credential_link_create,
    credential_replace,
    credential_reveal,
    credential_reveal_fields,
    credential_reveal_refused,
    credential_store,
    credential_submit_via_link,
    vault_rotate,
)

__all__ = [
    "freelancer_channels_set",
    "freelancer_standing_update",
    "freelancer_tier_set",
    "access_grant_grant",
    "access_grant_request",
    "access_grant_revoke",
    "contract_activate",
    "contract_create_draft",
    "contract_documents_issue",
    "contract_end",
    "contract_rating_save",
    "contract_expiry_process",
    "contract_send",
    "contract_sign",
    "contract_terminate",
    "contract_update_draft",
    "contract_withdraw",
    "credential_delete",
    "credential_link_create",
    "credential_replace",
    "credential_reveal",
    "credential_reveal_fields",
    "credential_reveal_refused",
    "credential_store",
    "credential_submit_via_link",
    "document_template_save",
    "freelancer_invitation_accept",
    "freelancer_invitation_accept_new_account",
    "freelancer_invitation_revoke",
    "freelancer_invitation_send",
    "names_match",
    "offboarding_checklist_create",
    "offboarding_item_complete",
    "onboarding_article_open",
    "onboarding_quiz_submit",
    "onboarding_step_complete",
    "onboarding_step_confirm",
    "onboarding_step_undo",
    "rate_change_create",
    "rate_floor_check",
    "rate_floor_create",
    "rate_floor_delete",
    "rate_range_check",
    "rate_range_problem",
    "vault_rotate",
]
