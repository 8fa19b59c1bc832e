"""Freelancer side: /portal/contracts/…"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import FreelancerRequiredMixin
from accounts.two_factor import two_factor_verified
from contracts import selectors, services
from contracts.errors import SignatureNameMismatch
from contracts.forms import SignForm
from contracts.models import Contract, DocumentKind
from contracts.views.common import (
    document_download_response,
    find_document,
    rating_download_response,
    user_agent,
)
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from core.throttle import client_address


class PortalContractListView(FreelancerRequiredMixin, ListView):
    template_name = "contracts/portal/contract_list.html"
    context_object_name = "contracts"

    def get_queryset(self):
        return selectors.contract_list_for_freelancer(freelancer=self.freelancer)


class PortalContractMixin(FreelancerRequiredMixin):
    @cached_property
    def contract(self) -> Contract:
        contract = selectors.contract_get_for_freelancer(freelancer=self.freelancer, pk=self.kwargs["pk"])
        if contract is None:
            raise not_found_in_scope(self.request, Contract, pk=self.kwargs["pk"], message="No such contract.")
        return contract

    def back(self):
        return redirect("contracts:portal_contract_detail", pk=self.contract.pk)


class PortalContractDetailView(PortalContractMixin, TemplateView):
    template_name = "contracts/portal/contract_detail.html"

    def get_context_data(self, sign_form=None, **kwargs):
        contract = self.contract
        documents = contract.current_documents
        context = super().get_context_data(**kwargs)
        hashes = {d.kind: d.sha256 for d in documents}
        context.update(
            contract=contract,
            documents=documents,
            rate_history=selectors.rate_history_for(contract=contract),
            onboarding=selectors.onboarding_progress_for(contract=contract),
            grants=list(contract.access_grants.all()),
            credentials=list(selectors.credentials_for_contract(contract=contract)),
            sign_form=sign_form or SignForm(initial={
                "contract_sha256": hashes.get(DocumentKind.CONTRACT, ""), "nda_sha256": hashes.get(DocumentKind.NDA, ""),
            }),
            needs_signature=contract.status == Contract.Status.SENT,
            onboarding_open=contract.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE),
            rating=selectors.rating_for(contract=contract),
        )
        return context


class PortalRatingDownloadView(PortalContractMixin, View):
    """The manager's rating and testimonial as a file for the freelancer's portfolio: a printable HTML page,
    or plain text with ?format=txt. Another freelancer's contract, or one without a rating, is a 404."""

    def get(self, request, *args, **kwargs):
        contract = self.contract
        rating = selectors.rating_for(contract=contract)
        if rating is None:
            raise not_found_in_scope(request, Contract, pk=contract.pk, message="No rating for this contract yet.")
        return rating_download_response(rating=rating, contract=contract, as_text=request.GET.get("format") == "txt")


class PortalSignView(PortalContractMixin, View):
    def post(self, request, *args, **kwargs):
        contract = self.contract
        form = SignForm(request.POST)
        name_needs_confirmation = False
        if form.is_valid():
            data = form.cleaned_data
            already_signed = contract.status != Contract.Status.SENT
            try:
                services.contract_sign(
                    contract=contract, freelancer=self.freelancer, typed_name=data["typed_name"],
                    consent=data["consent"], ip_address=client_address(request, default=None), user_agent=user_agent(request),
                    confirm_name_mismatch=data["confirm_name_mismatch"], document_hashes=form.document_hashes(),
                )
            except SignatureNameMismatch as error:
                add_error_to_form(form, error)
                name_needs_confirmation = error.needs_confirmation
            except DomainError as error:
                add_error_to_form(form, error)
            else:
                if already_signed:
                    messages.info(request, "You already signed this version; nothing changed.")
                else:
                    messages.success(request, "Signed. Thank you! Your onboarding checklist is below.")
                return self.back()
        view = PortalContractDetailView(request=request, kwargs=self.kwargs, args=args)
        view.freelancer = self.freelancer
        view.contract = contract
        context = view.get_context_data(sign_form=form)
        context["name_needs_confirmation"] = name_needs_confirmation
        return render(request, PortalContractDetailView.template_name, context, status=400)


class PortalDocumentView(PortalContractMixin, TemplateView):
    template_name = "contracts/document.html"

    def get(self, request, *args, **kwargs):
        document = find_document(request, self.contract, kwargs["doc_pk"])
        if "download" in request.GET:
            return document_download_response(document, as_text=request.GET.get("download") == "txt")
        return self.render_to_response({
            "document": document, "contract": self.contract,
            "back_url": reverse("contracts:portal_contract_detail", args=[self.contract.pk]),
        })


class PortalOnboardingView(PortalContractMixin, View):
    def post(self, request, *args, **kwargs):
        contract = self.contract
        step = next((s for s in contract.program.onboarding_steps.all() if s.pk == kwargs["step_pk"]), None)
        if step is None:
            raise not_found_in_scope(request, "programs.OnboardingStep", pk=kwargs["step_pk"], message="No such step.")
        try:
            if request.POST.get("undo"):
                services.onboarding_step_undo(contract=contract, step=step, user=request.user)
            else:
                services.onboarding_step_complete(contract=contract, step=step, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        if request.htmx:
            fresh = selectors.contract_get_for_freelancer(freelancer=self.freelancer, pk=contract.pk)
            return render(request, "contracts/portal/_onboarding.html",
                          {"contract": fresh, "onboarding": selectors.onboarding_progress_for(contract=fresh),
                           "onboarding_open": True})
        return self.back()


class PortalRevealView(FreelancerRequiredMixin, View):
    """Reveal a credential (POST only, each reveal recorded). No active grant → 404, and the refusal recorded.

    The answer is never stored by a browser or proxy: core.middleware.PrivateNoStoreMiddleware."""

    def post(self, request, *args, **kwargs):
        found = selectors.credential_get_for_reveal(freelancer=self.freelancer, contract_pk=kwargs["pk"],
                                                    pk=kwargs["credential_pk"])
        if found is None:
            services.credential_reveal_refused(freelancer=self.freelancer, credential_id=kwargs["credential_pk"],
                                               ip_address=client_address(request, default=None), reason="not_found")
            raise Http404("No such credential.")
        credential, _grant = found
        if not two_factor_verified(request.user):
            services.credential_reveal_refused(freelancer=self.freelancer, credential_id=credential.pk,
                                               ip_address=client_address(request, default=None), reason="two_factor")
            # 200 for htmx, which swaps only successful answers into the page; 403 for a plain form post.
            return render(request, "contracts/portal/_reveal_needs_two_factor.html", {
                "setup_url": reverse("accounts:two_factor_setup") + "?next="
                + reverse("contracts:portal_contract_detail", kwargs={"pk": kwargs["pk"]}),
            }, status=200 if getattr(request, "htmx", False) else 403)
        try:
            secret = services.credential_reveal_fields(credential=credential, freelancer=self.freelancer,
                                                       ip_address=client_address(request, default=None))
        except DomainError:  # the refusal is recorded by the service
            raise Http404("No such credential.")
        return render(request, "contracts/portal/_secret.html", {"credential": credential, "secret": secret})
