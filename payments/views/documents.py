"""Statements and invoices as PDF files, for the freelancer (their own) and the manager (their programs').

Another freelancer's payout or invoice answers 404 (core.scoping); a page of the other role answers 403 (mixins).
"""

from typing import cast

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Freelancer
from core.errors import DomainError
from core.forms import add_error_to_form
from core.pdf import PDF_CONTENT_TYPE, pdf_response
from core.scoping import not_found_in_scope
from payments import selectors, services
from payments.forms import InvoiceDetailsForm, InvoiceUploadForm
from payments.mixins import PaymentsManagerMixin, PortalMixin
from payments.models import Invoice, Payout

__all__ = [
    "PayoutInvoicePdfView",
    "PayoutStatementPdfView",
    "PortalInvoiceDetailsView",
    "PortalInvoicePdfView",
    "PortalInvoiceUploadView",
    "PortalStatementPdfView",
]


def statement_pdf_response(payout: Payout) -> HttpResponse:
    return pdf_response(
        lambda: services.statement_pdf(payout=payout), filename=f"statement-{payout.reference}.pdf"
    )


def invoice_response(invoice: Invoice) -> HttpResponseBase:
    """The invoice that counts: the freelancer's own upload when there is one, else the one Flexdesk made."""
    if invoice.uploaded_by_freelancer and invoice.uploaded_file:
        response = FileResponse(
            invoice.uploaded_file.open("rb"),
            as_attachment=True,
            filename=invoice.filename,
            content_type=PDF_CONTENT_TYPE,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
    return pdf_response(lambda: services.invoice_pdf(invoice=invoice), filename=invoice.filename)


# Freelancer portal -----------------------------------------------------------------------------------------


class PortalView(PortalMixin, View):
    @property
    def profile(self) -> Freelancer:
        """The logged-in freelancer (FreelancerRequiredMixin.dispatch answered 403 before a view without one)."""
        return cast(Freelancer, self.freelancer)


class PortalStatementPdfView(PortalView):
    def get(self, request, pk):
        payout = selectors.payout_get_for_freelancer(freelancer=self.profile, pk=pk)
        if payout is None:
            raise not_found_in_scope(request, "payments.Payout", pk=pk, message="No such statement.")
        return statement_pdf_response(payout)


class PortalInvoiceView(PortalView):
    def get_invoice(self) -> Invoice:
        invoice = selectors.invoice_get_for_freelancer(freelancer=self.profile, payout_pk=self.kwargs["pk"])
        if invoice is None:
            raise not_found_in_scope(
                self.request, "payments.Invoice", payout_id=self.kwargs["pk"], message="No such invoice."
            )
        return invoice


class PortalInvoicePdfView(PortalInvoiceView):
    def get(self, request, pk):
        return invoice_response(self.get_invoice())


class PortalInvoiceUploadView(PortalInvoiceView):
    def post(self, request, pk):
        invoice = self.get_invoice()
        form = InvoiceUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose the PDF of your invoice.")
            return redirect("payments:portal_statement", pk=pk)
        try:
            services.invoice_upload(
                invoice=invoice,
                freelancer=self.profile,
                upload=form.cleaned_data["file"],
                number=form.cleaned_data["number"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Your invoice is saved: it replaces {invoice.number} for this payout.")
        return redirect("payments:portal_statement", pk=pk)


class PortalInvoiceDetailsView(PortalView, TemplateView):
    """The address and tax ID the freelancer's invoices carry (copied into each invoice when it is issued)."""

    template_name = "payments/portal/invoice_details.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        details = selectors.payout_details_for(freelancer=self.profile)
        context["form"] = kwargs.get("form") or InvoiceDetailsForm(
            initial={"billing_address": details.billing_address, "tax_id": details.tax_id}
        )
        return context

    def post(self, request):
        form = InvoiceDetailsForm(request.POST)
        if form.is_valid():
            try:
                services.invoice_details_update(
                    freelancer=self.profile, changed_by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Saved: your next invoices carry this address and tax ID.")
                return redirect("payments:portal_payouts")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# Managers ----------------------------------------------------------------------------------------------------


class PayoutStatementPdfView(PaymentsManagerMixin, View):
    def get(self, request, pk):
        payout = selectors.payout_get_for_manager(user=request.user, pk=pk)
        if payout is None:
            raise not_found_in_scope(request, Payout, pk=pk, message="No such payout.")
        return statement_pdf_response(payout)


class PayoutInvoicePdfView(PaymentsManagerMixin, View):
    def get(self, request, pk):
        invoice = selectors.invoice_get_for_manager(user=request.user, payout_pk=pk)
        if invoice is None:
            raise not_found_in_scope(request, Invoice, payout_id=pk, message="No such invoice.")
        return invoice_response(invoice)
