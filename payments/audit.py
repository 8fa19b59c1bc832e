"""The words for the audit verbs payments records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS: dict[str, str | tuple[str, str]] = {
    "adjustment.created": "Adjustment added",
    "exchange_rate.set": "Exchange rate set",
    "exchange_rate.imported": "Exchange rates imported",
    "invoice.issued": ("Invoice issued", "number"),
    "invoice.uploaded": ("Own invoice uploaded", "number"),
    "invoice_details.changed": "Invoice address and tax ID changed",
    "pay_period.closed": "Pay period closed",
    "pay_period.paid": "Pay period paid",
    "payout.approved": "Payout approved",
    "payout.unapproved": "Payout approval withdrawn",
    "payout.paid": "Payout marked paid",
    "payout.failed": "Payout failed",
    "payout.retried": "Payout retried",
    "payout.details_confirmed": "Payout details confirmed",
    "payout.off_cycle_created": "Off-cycle payout created",
    # The decrypted bank accounts leave Flexdesk in the file: the line says which file (payments.exports).
    "payouts.exported": ("Payouts exported", "file"),
    "payout_details.changed": "Payout details changed",
    "payout_details.rotated": "Payout details key rotated",
    "payout_request.created": "Payout requested",
    "payout_request.approved": "Payout request approved",
    "payout_request.declined": "Payout request declined",
    "payout_request.paid": "Payout request paid",
    "payout_run.started": "Payout run started",
    "payout_run.resumed": "Payout run resumed",
    "payout_run.finished": "Payout run finished",
    "time_entry.approved": "Time approved",
    "time_entry.week_approved": "Week of time approved",
    "time_entry.late_approval": "Late time approved",
    "time_entry.sent_back": "Time sent back",
    "trial_payout.details_saved": "Candidate's payout details for a paid trial saved",
    "trial_payout.included": "Paid trial included in a payout run",
    "trial_payout.paid": "Paid trial marked paid",
}
audit_verbs_register(AUDIT_VERBS)
