"""The words for the audit verbs contracts records (core.audit shows them instead of the codes; a contract's
history on its manager page is made of these)."""

from core.audit import audit_verbs_register

AUDIT_VERBS = {
    "contract.drafted": "Contract drafted",
    "contract.edited": "Contract edited",
    "contract.sent": "Contract sent for signature",
    "contract.withdrawn": "Contract withdrawn",
    "contract.document_signed": "Document signed",
    "contract.signed": "Contract signed",
    "contract.activated": "Contract activated",
    "contract.ended": "Contract ended",
    "contract.terminated": ("Contract terminated", "reason"),
    "contract.rated": ("Freelancer rated", "stars"),
    "contract.rating_changed": ("Rating changed", "stars"),
    "contract.end_reminder_sent": "End-of-contract reminder sent",
    "contract.rate_changed": "Rate changed",
    "contract.offboarding_started": "Offboarding started",
    "contract.offboarding_item_done": ("Offboarding item done", "item"),
    "onboarding.step_done": ("Onboarding step done", "step"),
    "onboarding.step_undone": ("Onboarding step reopened", "step"),
    "onboarding.step_confirmed": ("Onboarding step confirmed", "step"),
    "onboarding.quiz_passed": ("Onboarding quiz passed", "step"),
    "tool_access.requested": ("Tool access requested", "tool"),
    "tool_access.granted": ("Tool access granted", "tool"),
    "tool_access.revoked": ("Tool access revoked", "tool"),
    "rate_floor.created": "Rate floor added",
    "rate_floor.deleted": "Rate floor removed",
    "document_template.saved": "Document template saved",
    "freelancer_invitation.sent": "Invitation sent",
    "freelancer_invitation.revoked": "Invitation revoked",
    "freelancer_invitation.accepted": "Invitation accepted",
    "vault.credential_stored": ("Credential stored", "tool"),
    "vault.credential_replaced": "Credential replaced",
    "vault.credential_deleted": "Credential deleted",
    "vault.credential_revealed": "Credential revealed",
    "vault.reveal_refused": "Credential reveal refused",
    "vault.link_created": "Credential link created",
    "vault.link_used": "Credential link used",
    "vault.rotated": "Vault key rotated",
}
audit_verbs_register(AUDIT_VERBS)
