"""Freelancer side: /portal/contracts/…"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from accounts.mixins import FreelancerRequiredMixin
from contracts import selectors, services
from contracts.errors import SignatureNameMismatch
from contracts.forms import SignForm
from contracts.models import Contract, DocumentKind
from contracts.views.common import client_ip, document_download_response, find_document, user_agent
from core.errors import DomainError
from core.forms import add_error_to_form


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
            raise Http404("No such contract.")
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
        )
        return context


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
                    consent=data["consent"], ip_address=client_ip(request), user_agent=user_agent(request),
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
        document = find_document(self.contract, kwargs["doc_pk"])
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
            raise Http404("No such step.")
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


@method_decorator(never_cache, name="dispatch")
class PortalRevealView(FreelancerRequiredMixin, View):
    """Reveal a credential (POST only, each reveal recorded). No active grant → 404."""

    def post(self, request, *args, **kwargs):
        found = selectors.credential_get_for_reveal(freelancer=self.freelancer, contract_pk=kwargs["pk"],
                                                    pk=kwargs["credential_pk"])
        if found is None:
            raise Http404("No such credential.")
        credential, _grant = found
        try:
            secret = services.credential_reveal_fields(credential=credential, freelancer=self.freelancer,
                                                       ip_address=client_ip(request))
        except DomainError:
            raise Http404("No such credential.")
        response = render(request, "contracts/portal/_secret.html", {"credential": credential, "secret": secret})
        response["Cache-Control"] = "no-store"
        return response
