"""Every write in payments goes through these functions (HackSoft style: <entity>_<action>, keyword-only)."""

from payments.services.adjustments import adjustment_create, contract_currency
from payments.services.invoices import (
    invoice_details_update,
    invoice_pdf,
    invoice_upload,
    invoices_issue,
    statement_pdf,
)
from payments.services.off_cycle import freelancer_is_leaving, payout_off_cycle_create
from payments.services.payout_details import (
    payout_details_confirm,
    payout_details_rotate,
    payout_details_update,
    payouts_hold_reasons,
)
from payments.services.payouts import (
    payout_mark_failed,
    payout_retry,
    payout_statement_send,
    payout_unapprove,
    payouts_approve,
    payouts_mark_paid,
)
from payments.services.periods import (
    pay_period_close,
    pay_period_for,
    pay_period_last_ended,
    pay_schedule_get,
    program_today,
)
from payments.services.rates import exchange_rate_on, exchange_rate_set, exchange_rates_import_csv
from payments.services.requests import (
    payout_request_approve,
    payout_request_cancel,
    payout_request_create,
    payout_request_decline,
    payout_request_mark_paid,
)
from payments.services.runs import payout_run_execute, payout_run_start, payout_runs_due
from payments.services.time_entries import (
    time_entries_approve_week,
    time_entries_submit,
    time_entry_approve,
    time_entry_create,
    time_entry_delete,
    time_entry_send_back,
    time_entry_update,
    timer_discard,
    timer_start,
    timer_stop,
    weekly_hours,
)
from payments.services.trial_payouts import (
    trial_payout_details_save,
    trial_payout_mark_paid,
    trial_payout_statement_send,
    trial_payouts_sync,
)

__all__ = [
    "adjustment_create",
    "invoice_details_update",
    "invoice_pdf",
    "invoice_upload",
    "invoices_issue",
    "statement_pdf",
    "contract_currency",
    "freelancer_is_leaving",
    "payout_off_cycle_create",
    "exchange_rate_on",
    "exchange_rate_set",
    "exchange_rates_import_csv",
    "pay_period_close",
    "pay_period_for",
    "pay_period_last_ended",
    "pay_schedule_get",
    "payout_details_confirm",
    "payout_details_rotate",
    "payout_details_update",
    "payout_mark_failed",
    "payout_request_approve",
    "payout_request_cancel",
    "payout_request_create",
    "payout_request_decline",
    "payout_request_mark_paid",
    "payout_retry",
    "payout_run_execute",
    "payout_run_start",
    "payout_runs_due",
    "payout_statement_send",
    "payout_unapprove",
    "payouts_approve",
    "payouts_hold_reasons",
    "payouts_mark_paid",
    "program_today",
    "time_entries_approve_week",
    "time_entries_submit",
    "time_entry_approve",
    "time_entry_create",
    "time_entry_delete",
    "time_entry_send_back",
    "time_entry_update",
    "timer_discard",
    "timer_start",
    "timer_stop",
    "trial_payout_details_save",
    "trial_payout_mark_paid",
    "trial_payout_statement_send",
    "trial_payouts_sync",
    "weekly_hours",
]
