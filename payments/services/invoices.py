"""Contractor invoices: one per paid payout, from the freelancer to the company, numbered per freelancer.

Numbers run 1, 2, 3… per freelancer without gaps: the freelancer's row is locked while the next number is taken
(two payouts of one freelancer paid at once wait on each other), and the unique constraint on (freelancer,
sequence) is the last word. An invoice is issued inside the transaction that marks its payout paid, so a payout
that is not paid after all (rolled back) leaves no number used.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from core.locks import lock_one, lock_rows
from core.money import round_money
from core.pdf import html_to_pdf
from core.uploads import PDF, UploadRefused, upload_check
from payments.errors import PaymentsError
from payments.models import BillingCompany, Invoice, Payout, PayoutDetails, PayoutLine
from programs.models import Program

MAX_INVOICE_UPLOAD_BYTES = 5 * 1024 * 1024


def invoice_number(*, legal_name: str, year: int, sequence: int) -> str:
    """ "ANA-2026-0007": three letters of the freelancer's name, the year of issue, their sequence number."""
    letters = re.sub(
        r"[^A-Z]",
        "",
        unicodedata.normalize("NFKD", legal_name or "").encode("ascii", "ignore").decode().upper(),
    )
    return f"{(letters[:3] or 'INV').ljust(3, 'X')}-{year}-{sequence:04d}"


def invoices_issue(*, payouts) -> list[Invoice]:
    """Issue the invoice of each paid payout that has none yet (idempotent). Call inside the paying transaction.

    A fixed number of queries for the batch, whatever its size, plus one insert and one audit line per invoice.
    """
    payouts = [p for p in payouts if p.status == Payout.Status.PAID]
    if not payouts:
        return []
    with transaction.atomic():
        # Every freelancer concerned, locked in one go and in key order (core.locks): numbers are taken in turn.
        freelancers = {
            f.pk: f for f in lock_rows(Freelancer.objects.filter(pk__in={p.freelancer_id for p in payouts}))
        }
        issued = set(Invoice.objects.filter(payout__in=payouts).values_list("payout_id", flat=True))
        payouts = sorted((p for p in payouts if p.pk not in issued), key=lambda p: p.pk)
        if not payouts:
            return []
        last = dict(
            Invoice.objects.filter(freelancer_id__in=freelancers)
            .order_by()
            .values("freelancer_id")
            .annotate(last=Max("sequence"))
            .values_list("freelancer_id", "last")
        )
        details = {d.freelancer_id: d for d in PayoutDetails.objects.filter(freelancer_id__in=freelancers)}
        companies = {
            c.program_id: c
            for c in BillingCompany.objects.filter(program_id__in={p.program_id for p in payouts})
        }
        program_names = dict(
            Program.objects.filter(pk__in={p.program_id for p in payouts}).values_list("pk", "name")
        )
        totals = dict(
            PayoutLine.objects.filter(payout__in=payouts)
            .order_by()
            .values("payout_id")
            .annotate(total=Sum("amount"))
            .values_list("payout_id", "total")
        )
        invoices = []
        for payout in payouts:
            sequence = last.get(payout.freelancer_id, 0) + 1
            last[payout.freelancer_id] = sequence
            invoices.append(
                _issue(
                    payout=payout,
                    freelancer=freelancers[payout.freelancer_id],
                    sequence=sequence,
                    details=details.get(payout.freelancer_id),
                    company=companies.get(payout.program_id),
                    program_name=program_names[payout.program_id],
                    total=totals.get(payout.pk) or Decimal("0.00"),
                )
            )
        return invoices


def _issue(
    *,
    payout: Payout,
    freelancer: Freelancer,
    sequence: int,
    details: PayoutDetails | None,
    company: BillingCompany | None,
    program_name: str,
    total: Decimal,
) -> Invoice:
    issued_on = payout.paid_on or timezone.now().date()
    invoice = Invoice(
        payout=payout,
        freelancer=freelancer,
        sequence=sequence,
        number=invoice_number(legal_name=freelancer.legal_name, year=issued_on.year, sequence=sequence),
        issued_on=issued_on,
        currency=payout.currency,
        total=round_money(total),
        freelancer_legal_name=freelancer.legal_name,
        freelancer_country=freelancer.country,
        freelancer_address=details.billing_address if details else "",
        freelancer_tax_id=details.tax_id if details else "",
        # Without billing details the company is the program's name: the invoice is still issued, never blocked.
        company_legal_name=company.legal_name if company else program_name,
        company_address=company.address if company else "",
        company_tax_id=company.tax_id if company else "",
        company_email=company.email if company else "",
    )
    invoice.full_clean(exclude=["payout", "freelancer"])
    invoice.save()
    audit_record(
        verb="invoice.issued",
        target=invoice,
        number=invoice.number,
        payout=payout.reference,
        total=str(invoice.total),
        currency=invoice.currency,
    )
    return invoice


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The generated PDF of an invoice (from its issued fields and its payout's lines)."""
    payout = invoice.payout
    html = render_to_string(
        "payments/invoice_file.html",
        {
            "invoice": invoice,
            "payout": payout,
            "lines": list(payout.lines.all()),
        },
    )
    return html_to_pdf(html)


def statement_pdf(*, payout: Payout) -> bytes:
    """The statement as a PDF: the same body as the printable page, through WeasyPrint."""
    html = render_to_string(
        "payments/statement_file.html", {"payout": payout, "lines": list(payout.lines.all())}
    )
    return html_to_pdf(html)


@transaction.atomic
def invoice_upload(*, invoice: Invoice, freelancer: Freelancer, upload, number: str = "") -> Invoice:
    """The freelancer's own invoice replaces the generated one. Only a PDF, judged by its content (core.uploads):
    a picture or a program renamed .pdf is refused and nothing changes."""
    if invoice.freelancer_id != freelancer.pk:
        raise PaymentsError("No such invoice.")
    if upload is None:
        raise PaymentsError("Choose the PDF of your invoice.", field="file")
    try:
        content_type: str | None = upload_check(upload, max_bytes=MAX_INVOICE_UPLOAD_BYTES)
    except UploadRefused as exc:
        if exc.code != "type":
            raise PaymentsError(f"This file is not accepted: {exc.message}.", field="file", code=exc.code)
        content_type = None
    if content_type != PDF:
        raise PaymentsError(
            "Upload your invoice as a PDF: this file is not one, judged by its content.",
            field="file",
            code="type",
        )
    invoice = lock_one(Invoice.objects.filter(pk=invoice.pk))
    previous = invoice.uploaded_file.name if invoice.uploaded_file else ""
    invoice.uploaded_file.save(f"{invoice.number}.pdf", upload, save=False)
    invoice.uploaded_by_freelancer = True
    invoice.uploaded_number = (number or "").strip()[:60]
    invoice.uploaded_at = timezone.now()
    invoice.save(
        update_fields=[
            "uploaded_file",
            "uploaded_by_freelancer",
            "uploaded_number",
            "uploaded_at",
            "updated_at",
        ]
    )
    if previous:
        storage = invoice.uploaded_file.storage
        transaction.on_commit(lambda: storage.delete(previous))
    audit_record(
        actor=freelancer.user,
        verb="invoice.uploaded",
        target=invoice,
        number=invoice.number,
        their_number=invoice.uploaded_number,
    )
    return invoice


@transaction.atomic
def invoice_details_update(
    *, freelancer: Freelancer, billing_address: str, tax_id: str, changed_by
) -> PayoutDetails:
    """The address and tax ID printed on the freelancer's next invoices. Not a change of where the money goes:
    no hold, no alert e-mail (payout_details_update is that)."""
    details = (lock_rows(PayoutDetails.objects.filter(freelancer=freelancer)) or [None])[0]
    if details is None:
        details = PayoutDetails(freelancer=freelancer)
    details.billing_address = (billing_address or "").strip()
    details.tax_id = (tax_id or "").strip()
    details.full_clean()
    details.save()
    audit_record(actor=changed_by, verb="invoice_details.changed", target=details)
    return details
