"""Payout files that a bank or payment platform accepts as they are: Wise batch, PayPal Payouts, generic CSV.

Each file is built from the structured payout details (PayoutDetails) of approved payouts. Which payouts go into
which file is one rule (`export_plan`); a payout that cannot go into the file is *left out and listed with why*
(held after a change of details, no or incomplete details, nothing to pay, another method or currency), never
written half-filled. The files carry the decrypted bank accounts out of Flexdesk, so every export writes one audit
line (who, when, which file, which payouts) before the first byte is sent.

The columns follow the platforms' own documentation (checked 2 Dec 2026):

* Wise batch payments, "Send to bank accounts" and "Send by email" templates — wise.com/help/articles/2663302
  ("How do I fill in my batch template?": name, recipientEmail, receiverType, sourceCurrency, targetCurrency,
  amount — numerical characters only —, amountCurrency: source or target), wise.com/help/articles/2663296 (the
  three templates; one file may pay several currencies; up to 1,000 transfers a file) and
  transferwise.com/help/article/2721161 (the header row must not be modified; a transfer to an e-mail address
  says EMAIL in a column called "type"). The bank columns (IBAN, BIC, accountNumber) are those of Wise's IBAN
  and SWIFT templates; Wise varies them per target currency, so compare with a template downloaded from the
  account before the first upload.
* PayPal Payouts Web — developer.paypal.com/payouts/use-payouts/send-money/use-web-ui: no header row; per line
  recipient identifier (PayPal e-mail), payment amount (5.45), currency (ISO 4217, one currency per file),
  customer ID (optional, at most 30 characters, no spaces), note to recipient (optional, at most 400 characters),
  recipient wallet (PAYPAL); at most 5,000 lines a file.
* The generic CSV is Flexdesk's own: GENERIC_HEADER below, one row per payout, every method's fields.

Amounts are the payout amount in the payout currency, a Decimal rounded half-up to cents and written with a
point and no thousands separator ("1234.50"); never a float.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import timezone

from core.audit import audit_record
from core.money import round_money
from core.spreadsheets import looks_like_formula, spreadsheet_text
from payments.errors import PaymentsError
from payments.models import Payout, PayoutDetails, payout_hold_reason

WISE = "wise"
PAYPAL = "paypal"
GENERIC = "csv"
FORMAT_NAMES = {WISE: "Wise batch CSV", PAYPAL: "PayPal Payouts CSV", GENERIC: "CSV"}

WISE_HEADER = [
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
    "type",
    "IBAN",
    "BIC",
    "accountNumber",
]
WISE_MAX_ROWS = 1000
# PayPal Payouts Web reads every line as a payment: the file has no header row. The column order, for readers:
PAYPAL_COLUMNS = [
    "recipient identifier",
    "payment amount",
    "currency",
    "customer ID",
    "note to recipient",
    "recipient wallet",
]
PAYPAL_MAX_ROWS = 5000
PAYPAL_CUSTOMER_ID_MAX = 30
PAYPAL_NOTE_MAX = 400
GENERIC_HEADER = [
    "name",
    "method",
    "account_holder_name",
    "iban",
    "account_number",
    "bic",
    "bank_country",
    "email",
    "payoneer_id",
    "amount",
    "currency",
    "reference",
]

# Which methods each file can pay.
FORMAT_METHODS = {
    WISE: {PayoutDetails.Method.WISE, PayoutDetails.Method.BANK_TRANSFER},
    PAYPAL: {PayoutDetails.Method.PAYPAL},
    GENERIC: set(PayoutDetails.Method),
}


@dataclasses.dataclass(frozen=True)
class LeftOut:
    payout: Payout
    reason: str


@dataclasses.dataclass
class ExportPlan:
    """What one file holds: the payouts written (with the details they are paid to) and those left out, with why."""

    export_format: str
    currency: str = ""
    rows: list[tuple[Payout, PayoutDetails]] = dataclasses.field(default_factory=list)
    left_out: list[LeftOut] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class PayoutExport:
    plan: ExportPlan
    filename: str
    lines: Iterator[str]


def amount_text(amount: Decimal) -> str:
    """1234.5 → "1234.50": cents, half-up, a point, no separators (what Wise and PayPal read)."""
    return format(round_money(amount), "f")


def details_problem(*, details: PayoutDetails | None) -> str:
    """Why these payout details cannot pay anyone ("" when they are complete for their method)."""
    if details is None or not details.method:
        if details is not None and details.legacy_note:
            return (
                "Only an old free-text payout method is on file; the freelancer must enter their payout "
                "details in the portal."
            )
        return "No payout details on file: the freelancer must enter them in the portal."
    method = details.method
    if method == PayoutDetails.Method.BANK_TRANSFER:
        if not details.account_holder_name:
            return "Incomplete bank details: the name on the account is missing."
        if not details.iban and not (details.account_number and details.bic):
            return "Incomplete bank details: an IBAN, or an account number with SWIFT/BIC, is missing."
    elif method == PayoutDetails.Method.WISE and not details.wise_email:
        return "Incomplete details: the Wise e-mail address is missing."
    elif method == PayoutDetails.Method.PAYPAL and not details.paypal_email:
        return "Incomplete details: the PayPal e-mail address is missing."
    elif method == PayoutDetails.Method.PAYONEER and not details.payoneer_id:
        return "Incomplete details: the Payoneer ID is missing."
    return ""


def payout_export_problem(*, payout: Payout, details: PayoutDetails | None) -> str:
    """Why `payout` cannot go into any payout file ("" when it can)."""
    if payout.status != Payout.Status.APPROVED:
        return f"Not approved ({payout.get_status_display().lower()}): only approved payouts are exported."
    hold = payout_hold_reason(payout=payout, details=details)
    if hold:
        return hold
    problem = details_problem(details=details)
    if problem:
        return problem
    if payout.payout_amount <= 0:
        return f"Nothing to pay: the payout amount is {amount_text(payout.payout_amount)} {payout.payout_currency}."
    return ""


def _platform_text_problem(details: PayoutDetails, payout: Payout) -> str:
    # Wise and PayPal read these files as they are, so a cell cannot be defused with a leading quote (it would
    # become part of the name); a value that a spreadsheet would run as a formula is fixed at the source instead.
    for value in (_recipient_name(payout, details), details.wise_email, details.paypal_email):
        if looks_like_formula(value):
            return (
                f"The name or e-mail on file starts with “{value[0]}”, which a spreadsheet runs as a formula: "
                "correct the payout details first."
            )
    return ""


def export_plan(*, payouts: Iterable[Payout], export_format: str, currency: str = "") -> ExportPlan:
    """The one rule of what goes into a file. Select freelancer__payout_details with the payouts.

    PayPal takes one currency per file: `currency` picks it (when blank and the PayPal payouts share one
    currency, that one); PayPal payouts in another currency are left out with a pointer to their own file.
    """
    if export_format not in FORMAT_NAMES:
        raise PaymentsError(f"Unknown payout file format “{export_format}”.")
    plan = ExportPlan(
        export_format=export_format, currency=(currency or "").upper() if export_format == PAYPAL else ""
    )
    candidates: list[tuple[Payout, PayoutDetails]] = []
    for payout in payouts:
        details = getattr(payout.freelancer, "payout_details", None)
        problem = payout_export_problem(payout=payout, details=details)
        if problem:
            plan.left_out.append(LeftOut(payout, problem))
            continue
        assert details is not None  # no problem means complete details
        if details.method not in FORMAT_METHODS[export_format]:
            plan.left_out.append(
                LeftOut(
                    payout,
                    f"Paid by {details.get_method_display()}: not in the {FORMAT_NAMES[export_format]}.",
                )
            )
            continue
        if export_format != GENERIC:
            problem = _platform_text_problem(details, payout)
            if problem:
                plan.left_out.append(LeftOut(payout, problem))
                continue
        candidates.append((payout, details))
    if export_format == PAYPAL and not plan.currency:
        currencies = {payout.payout_currency for payout, _details in candidates}
        plan.currency = currencies.pop() if len(currencies) == 1 else ""
        if currencies:
            raise PaymentsError(
                "PayPal takes one currency per file: choose the currency of the file.", field="currency"
            )
    for payout, details in candidates:
        if export_format == PAYPAL and payout.payout_currency != plan.currency:
            plan.left_out.append(
                LeftOut(
                    payout,
                    f"In {payout.payout_currency}: PayPal takes one currency per "
                    f"file, export the {payout.payout_currency} file for it.",
                )
            )
        else:
            plan.rows.append((payout, details))
    return plan


# The three files ------------------------------------------------------------------------------------------


class _Line:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    for row in rows:
        yield writer.writerow(row)


def _recipient_name(payout: Payout, details: PayoutDetails) -> str:
    return details.account_holder_name or payout.freelancer.legal_name


def wise_batch_csv(*, plan: ExportPlan) -> Iterator[str]:
    """Wise batch file: the header row, then one transfer per payout, a fixed amount to the recipient."""

    def rows() -> Iterator[list[str]]:
        yield WISE_HEADER
        for payout, details in plan.rows:
            by_email = details.method == PayoutDetails.Method.WISE
            yield [
                _recipient_name(payout, details),
                details.wise_email if by_email else "",
                payout.reference,
                "PERSON",
                "target",  # a fixed target payment: the freelancer gets exactly the payout amount
                amount_text(payout.payout_amount),
                payout.program.currency,
                payout.payout_currency,
                "EMAIL" if by_email else "",
                details.iban,
                details.bic,
                details.account_number,
            ]

    return _csv_lines(rows())


def paypal_payouts_csv(*, plan: ExportPlan) -> Iterator[str]:
    """PayPal Payouts Web file: no header, one payment per line, all in plan.currency."""

    def rows() -> Iterator[list[str]]:
        for payout, details in plan.rows:
            period = payout.period
            note = (
                f"Flexdesk payout {payout.reference}: {payout.program.name}, "
                f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}"
            )
            yield [
                details.paypal_email,
                amount_text(payout.payout_amount),
                payout.payout_currency,
                # The payout reference identifies the payment in PayPal's reports (no spaces, under 30 characters).
                payout.reference.replace(" ", "")[:PAYPAL_CUSTOMER_ID_MAX],
                note[:PAYPAL_NOTE_MAX],
                "PAYPAL",
            ]

    return _csv_lines(rows())


def generic_csv(*, plan: ExportPlan) -> Iterator[str]:
    """Flexdesk's generic file (GENERIC_HEADER): every method's fields, for a bank's own import or a person."""

    def rows() -> Iterator[list[str]]:
        yield GENERIC_HEADER
        for payout, details in plan.rows:
            yield [
                spreadsheet_text(value)
                for value in (
                    payout.freelancer.legal_name,
                    details.method,
                    details.account_holder_name,
                    details.iban,
                    details.account_number,
                    details.bic,
                    details.bank_country,
                    details.wise_email or details.paypal_email,
                    details.payoneer_id,
                )
            ] + [
                amount_text(payout.payout_amount),
                payout.payout_currency,
                spreadsheet_text(payout.reference),
            ]

    return _csv_lines(rows())


WRITERS = {WISE: wise_batch_csv, PAYPAL: paypal_payouts_csv, GENERIC: generic_csv}
MAX_ROWS = {WISE: WISE_MAX_ROWS, PAYPAL: PAYPAL_MAX_ROWS}


# Exporting ------------------------------------------------------------------------------------------------


def payouts_export(
    *,
    payouts: Iterable[Payout],
    export_format: str,
    exported_by,
    currency: str = "",
    ip_address: str | None = None,
    name: str = "payouts",
    now: datetime.datetime | None = None,
) -> PayoutExport:
    """Build one payout file and record that it left: who, when, which file, which payouts (and which were
    left out, with why). A file with no payout to pay, or more than the platform takes, is refused (PaymentsError)
    and nothing is recorded."""
    plan = export_plan(payouts=payouts, export_format=export_format, currency=currency)
    label = FORMAT_NAMES[export_format] + (f" ({plan.currency})" if plan.currency else "")
    if not plan.rows:
        raise PaymentsError(f"No approved payout can go into the {label}: see the list of payouts left out.")
    limit = MAX_ROWS.get(export_format)
    if limit and len(plan.rows) > limit:
        raise PaymentsError(
            f"The {label} takes at most {limit:,} payments and these are {len(plan.rows):,}: "
            "export one program or period at a time."
        )
    audit_record(
        actor=exported_by,
        verb="payouts.exported",
        ip_address=ip_address,
        file=label,
        format=export_format,
        currency=plan.currency,
        count=len(plan.rows),
        references=[payout.reference for payout, _ in plan.rows],
        left_out=[{"reference": item.payout.reference, "reason": item.reason} for item in plan.left_out],
    )
    when = timezone.localtime(now or timezone.now(), datetime.UTC)
    suffix = f"-{plan.currency.lower()}" if export_format == PAYPAL else ""
    filename = f"{name}-{export_format}{suffix}-{when:%Y%m%d-%H%M}.csv"
    return PayoutExport(plan=plan, filename=filename, lines=WRITERS[export_format](plan=plan))


def export_overview(*, payouts: Iterable[Payout]) -> dict:
    """For the payouts and run pages: how many approved payouts each file would hold, the PayPal currencies,
    and the approved payouts that no file can hold, with why (listed, never exported)."""
    payouts = list(payouts)
    generic = export_plan(payouts=payouts, export_format=GENERIC)
    paypal = []
    for currency in sorted({payout.payout_currency for payout in payouts}):
        count = len(export_plan(payouts=payouts, export_format=PAYPAL, currency=currency).rows)
        if count:
            paypal.append((currency, count))
    return {
        "approved": len(payouts),
        "wise": len(export_plan(payouts=payouts, export_format=WISE).rows),
        "generic": len(generic.rows),
        "paypal": paypal,
        "left_out": generic.left_out,
    }
