"""Manager side: /manage/contracts/…"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import SupportManagerRequiredMixin
from contracts import selectors, services
from contracts.forms import (
    PLACEHOLDER_HELP,
    ContractCreateForm,
    ContractEndForm,
    ContractFilterForm,
    ContractRatingForm,
    ContractTermsForm,
    DocumentTemplateForm,
    RateChangeForm,
    RateFloorForm,
    ToolChoiceForm,
)
from contracts.models import Contract, DocumentKind, DocumentTemplate, ToolAccessGrant
from contracts.services.lifecycle import program_today
from contracts.views.common import document_download_response, find_document
from core.audit import audit_for
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.selectors import program_get, program_list


class ContractListView(SupportManagerRequiredMixin, ListView):
    template_name = "contracts/manage/contract_list.html"
    context_object_name = "contracts"
    paginate_by = 50

    @cached_property
    def filter_form(self):
        return ContractFilterForm(self.request.GET or None, programs=program_list(user=self.request.user))

    def get_queryset(self):
        form = self.filter_form
        program = status = None
        if form.is_bound and form.is_valid():
            program, status = form.cleaned_data["program"], form.cleaned_data["status"]
        return selectors.contract_list_for_manager(user=self.request.user, program=program, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class ContractCreateView(SupportManagerRequiredMixin, FormView):
    template_name = "contracts/manage/contract_form.html"
    form_class = ContractCreateForm

    def get_form_kwargs(self):
        # Only freelancers connected to this manager's programs are offered, and a posted id outside them is
        # refused by the field: another program's people (e-mail, country, time zone) stay out of sight.
        return {
            **super().get_form_kwargs(),
            "programs": program_list(user=self.request.user),
            "freelancers": selectors.freelancer_list_for_manager(user=self.request.user),
        }

    def get_initial(self):
        initial = {"start_date": timezone.localdate(), "currency": "USD", "nda_required": True}
        slug = self.request.GET.get("program")
        program = program_get(user=self.request.user, slug=slug) if slug else None
        if program is not None:
            initial.update(program=program, currency=program.currency)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            contract = services.contract_create_draft(
                program=data["program"],
                freelancer=data["freelancer"],
                created_by=self.request.user,
                hourly_rate=data["hourly_rate"],
                currency=data["currency"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                hours_per_week=data["hours_per_week"],
                weekly_hour_cap=data["weekly_hour_cap"],
                role=data["role"],
                performance_expectations=data["performance_expectations"],
                nda_required=data["nda_required"],
                override_reason=data["override_reason"],
                confirm_out_of_range=data["confirm_out_of_range"],
                out_of_range_reason=data["out_of_range_reason"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Draft contract created. Check it, then send it for signature.")
        return redirect("contracts:contract_detail", pk=contract.pk)


class ManagerContractMixin(SupportManagerRequiredMixin):
    """The contract named by the URL, from the programs this manager manages (else 404)."""

    @cached_property
    def contract(self) -> Contract:
        contract = selectors.contract_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if contract is None:
            raise not_found_in_scope(
                self.request, Contract, pk=self.kwargs["pk"], message="No such contract."
            )
        return contract

    def back(self):
        return redirect("contracts:contract_detail", pk=self.contract.pk)


class ContractDetailView(ManagerContractMixin, TemplateView):
    template_name = "contracts/manage/contract_detail.html"

    def get_context_data(self, **kwargs):
        contract = self.contract
        context = super().get_context_data(**kwargs)
        granted_tool_ids = {
            g.tool_id for g in contract.access_grants.all() if g.status != ToolAccessGrant.Status.REVOKED
        }
        context.update(
            contract=contract,
            documents=contract.current_documents,
            all_documents=list(contract.documents.all()),
            rate_history=selectors.rate_history_for(contract=contract),
            onboarding=selectors.onboarding_progress_for(contract=contract),
            grants=list(contract.access_grants.all()),
            requestable_tools=[t for t in contract.program.tools.all() if t.pk not in granted_tool_ids],
            offboarding=list(contract.offboarding_items.all()),
            reminders=list(contract.end_reminders.all()),
            audit=audit_for(contract, limit=30),
            today=program_today(contract.program),
            rating=selectors.rating_for(contract=contract),
        )
        return context


class ContractEditView(ManagerContractMixin, FormView):
    template_name = "contracts/manage/contract_form.html"
    form_class = ContractTermsForm

    def get(self, request, *args, **kwargs):
        if self.contract.status != Contract.Status.DRAFT:
            messages.error(
                request, "Only a draft can be edited. Withdraw a sent contract first; a signed one is final."
            )
            return self.back()
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        c = self.contract
        return {
            "role": c.role,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "hourly_rate": c.hourly_rate,
            "currency": c.currency,
            "hours_per_week": c.hours_per_week,
            "weekly_hour_cap": c.weekly_hour_cap,
            "performance_expectations": c.performance_expectations,
            "nda_required": c.nda_required,
            "override_reason": c.below_floor_override_reason,
            "confirm_out_of_range": bool(c.out_of_range_reason),
            "out_of_range_reason": c.out_of_range_reason,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "contract": self.contract}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        confirmation = {
            name: data.pop(name)
            for name in ("override_reason", "confirm_out_of_range", "out_of_range_reason")
        }
        try:
            services.contract_update_draft(
                contract=self.contract, actor=self.request.user, **confirmation, **data
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Contract saved.")
        return self.back()


class ContractActionView(ManagerContractMixin, View):
    """POST-only buttons on the detail page: send, withdraw, activate."""

    actions = {
        "send": (services.contract_send, "Sent. The freelancer can read and sign it in the portal."),
        "withdraw": (services.contract_withdraw, "Withdrawn to draft. Edit it and send it again."),
        "activate": (
            services.contract_activate,
            "Active. The freelancer is queue-ready once onboarding is done.",
        ),
    }

    def post(self, request, *args, **kwargs):
        service, success = self.actions[kwargs["action"]]
        try:
            service(contract=self.contract, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success)
        return self.back()


class RateChangeView(ManagerContractMixin, FormView):
    template_name = "contracts/manage/rate_change_form.html"
    form_class = RateChangeForm

    def get_initial(self):
        return {"effective_date": program_today(self.contract.program)}

    def get_context_data(self, **kwargs):
        contract = self.contract
        return {
            **super().get_context_data(**kwargs),
            "contract": contract,
            "rate_history": selectors.rate_history_for(contract=contract),
            "floor": selectors.rate_floor_for(program=contract.program, country=contract.freelancer.country),
            "pay_range": selectors.pay_range_for(program=contract.program),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            change = services.rate_change_create(
                contract=self.contract,
                effective_date=data["effective_date"],
                hourly_rate=data["hourly_rate"],
                reason=data["reason"],
                approved_by=self.request.user,
                note=data["note"],
                override_reason=data["override_reason"],
                confirm_out_of_range=data["confirm_out_of_range"],
                out_of_range_reason=data["out_of_range_reason"],
                confirm_paid_period=data["confirm_paid_period"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        if change.paid_period_confirmed:
            messages.success(
                self.request,
                "Rate change recorded. The difference for the days already paid goes "
                "into the next payout as a correction adjustment.",
            )
        else:
            messages.success(self.request, "Rate change recorded.")
        return self.back()


class ContractEndView(ManagerContractMixin, FormView):
    template_name = "contracts/manage/contract_end_form.html"
    form_class = ContractEndForm

    def get_initial(self):
        return {"ended_on": program_today(self.contract.program)}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "contract": self.contract}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["how"] == ContractEndForm.How.END:
                services.contract_end(
                    contract=self.contract,
                    ended_on=data["ended_on"],
                    actor=self.request.user,
                    reason=data["reason"],
                )
            else:
                services.contract_terminate(
                    contract=self.contract,
                    reason=data["reason"],
                    ended_on=data["ended_on"],
                    actor=self.request.user,
                )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Contract closed. Work through the offboarding checklist below.")
        return self.back()


class ContractRatingView(ManagerContractMixin, FormView):
    """The rating at the end: 1–5 stars and a testimonial for a finished contract's freelancer."""

    template_name = "contracts/manage/contract_rating_form.html"
    form_class = ContractRatingForm

    def get(self, request, *args, **kwargs):
        if not self.contract.is_finished:
            messages.error(request, "A rating can be left once the contract has ended.")
            return self.back()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.contract.is_finished:
            messages.error(request, "A rating can be left once the contract has ended.")
            return self.back()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        rating = selectors.rating_for(contract=self.contract)
        return {"stars": str(rating.stars), "testimonial": rating.testimonial} if rating else {}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "contract": self.contract,
            "rating": selectors.rating_for(contract=self.contract),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.contract_rating_save(
                contract=self.contract,
                actor=self.request.user,
                stars=data["stars"],
                testimonial=data["testimonial"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Rating saved. The freelancer sees it in the portal and can download it."
        )
        return self.back()


class DocumentView(ManagerContractMixin, TemplateView):
    template_name = "contracts/document.html"

    def get(self, request, *args, **kwargs):
        document = find_document(request, self.contract, kwargs["doc_pk"])
        if "download" in request.GET:
            return document_download_response(
                document,
                as_text=request.GET.get("download") == "txt",
                as_pdf=request.GET.get("download") == "pdf",
            )
        return self.render_to_response(
            {
                "document": document,
                "contract": self.contract,
                "back_url": reverse("contracts:contract_detail", args=[self.contract.pk]),
            }
        )


class OnboardingConfirmView(ManagerContractMixin, View):
    def post(self, request, *args, **kwargs):
        contract = self.contract
        step = next((s for s in contract.program.onboarding_steps.all() if s.pk == kwargs["step_pk"]), None)
        if step is None:
            raise not_found_in_scope(
                request, "programs.OnboardingStep", pk=kwargs["step_pk"], message="No such step."
            )
        try:
            services.onboarding_step_confirm(contract=contract, step=step, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        if request.htmx:
            fresh = selectors.contract_get_for_manager(user=request.user, pk=contract.pk)
            return render(
                request,
                "contracts/manage/_onboarding.html",
                {"contract": fresh, "onboarding": selectors.onboarding_progress_for(contract=fresh)},
            )
        return self.back()


class AccessRequestView(ManagerContractMixin, View):
    def post(self, request, *args, **kwargs):
        form = ToolChoiceForm(request.POST, tools=self.contract.program.tools.all())
        if not form.is_valid():
            messages.error(request, "Choose one of the program's tools.")
            return self.back()
        try:
            grant = services.access_grant_request(
                contract=self.contract, tool=form.cleaned_data["tool"], actor=request.user
            )
            if request.POST.get("grant_now"):
                services.access_grant_grant(grant=grant, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        return self.back()


class AccessUpdateView(ManagerContractMixin, View):
    def post(self, request, *args, **kwargs):
        grant = next((g for g in self.contract.access_grants.all() if g.pk == kwargs["grant_pk"]), None)
        if grant is None:
            raise not_found_in_scope(
                request, ToolAccessGrant, pk=kwargs["grant_pk"], message="No such grant."
            )
        try:
            if kwargs["action"] == "grant":
                services.access_grant_grant(grant=grant, actor=request.user)
                messages.success(request, f"{grant.tool.name} access granted.")
            else:
                services.access_grant_revoke(
                    grant=grant, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(
                    request,
                    f"{grant.tool.name} access revoked; the freelancer can no longer reveal its credentials.",
                )
        except DomainError as error:
            messages.error(request, error.message)
        return self.back()


class OffboardingDoneView(ManagerContractMixin, View):
    def post(self, request, *args, **kwargs):
        item = next((i for i in self.contract.offboarding_items.all() if i.pk == kwargs["item_pk"]), None)
        if item is None:
            raise not_found_in_scope(
                request, "contracts.OffboardingItem", pk=kwargs["item_pk"], message="No such item."
            )
        services.offboarding_item_complete(item=item, actor=request.user)
        return self.back()


# ---------------------------------------------------------------- templates and rate floors


class TemplateListView(SupportManagerRequiredMixin, TemplateView):
    template_name = "contracts/manage/template_list.html"

    def get_context_data(self, **kwargs):
        found = selectors.document_template_list_for_manager(user=self.request.user)
        rows = [
            {
                "program": program,
                "scope": program.slug if program else "default",
                "templates": [(kind, label, kinds.get(kind)) for kind, label in DocumentKind.choices],
            }
            for program, kinds in found.items()
        ]
        rows.sort(key=lambda r: (r["program"] is not None, r["program"].name if r["program"] else ""))
        return {**super().get_context_data(**kwargs), "rows": rows}


class TemplateEditView(SupportManagerRequiredMixin, FormView):
    template_name = "contracts/manage/template_form.html"
    form_class = DocumentTemplateForm

    @cached_property
    def program(self):
        if self.kwargs["scope"] == "default":
            if not self.request.user.is_superuser:
                raise Http404("Only an administrator edits the default templates.")
            return None
        program = program_get(user=self.request.user, slug=self.kwargs["scope"])
        if program is None:
            raise not_found_in_scope(
                self.request, "programs.Program", slug=self.kwargs["scope"], message="No such program."
            )
        return program

    @cached_property
    def kind(self):
        if self.kwargs["kind"] not in DocumentKind.values:
            raise Http404("No such document kind.")
        return self.kwargs["kind"]

    def refusal(self, request):
        refusal = super().refusal(request)
        if refusal is None:
            self.program, self.kind  # noqa: B018 — 404 before any work (and after the role check)
        return refusal

    def get_initial(self):
        from contracts.services.lifecycle import DEFAULT_BODIES, DEFAULT_TITLES

        if self.program is None:
            template = DocumentTemplate.objects.filter(program__isnull=True, kind=self.kind).first()
        else:
            template = selectors.document_template_for(program=self.program, kind=self.kind)
        if template is not None:
            return {"title": template.title, "body": template.body}
        return {"title": DEFAULT_TITLES[self.kind], "body": DEFAULT_BODIES[self.kind]}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "program": self.program,
            "kind_label": DocumentKind(self.kind).label,
            "placeholders": PLACEHOLDER_HELP,
        }

    def form_valid(self, form):
        try:
            services.document_template_save(
                program=self.program,
                kind=self.kind,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                actor=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Template saved. Contracts sent from now on use it; signed documents keep their text.",
        )
        return redirect("contracts:template_list")


class RateFloorListView(SupportManagerRequiredMixin, FormView):
    template_name = "contracts/manage/rate_floor_list.html"
    form_class = RateFloorForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "programs": program_list(user=self.request.user)}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "floors": selectors.rate_floor_list_for_manager(user=self.request.user),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.rate_floor_create(
                program=data["program"],
                label=data["label"],
                countries=data["countries"],
                minimum_hourly_rate=data["minimum_hourly_rate"],
                currency=data["currency"],
                actor=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Rate floor added.")
        return redirect("contracts:rate_floor_list")


class RateFloorDeleteView(SupportManagerRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        floor = selectors.rate_floor_list_for_manager(user=request.user).filter(pk=kwargs["pk"]).first()
        if floor is None:
            raise not_found_in_scope(
                request, "contracts.RateFloor", pk=kwargs["pk"], message="No such rate floor."
            )
        services.rate_floor_delete(floor=floor, actor=request.user)
        messages.success(request, "Rate floor removed.")
        return redirect("contracts:rate_floor_list")
