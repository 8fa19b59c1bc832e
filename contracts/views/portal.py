"""Freelancer side: /portal/contracts/…"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest
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
from programs.knowledge import quiz_question_list
from programs.models import OnboardingStep


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
            raise not_found_in_scope(
                self.request, Contract, pk=self.kwargs["pk"], message="No such contract."
            )
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
            sign_form=sign_form
            or SignForm(
                initial={
                    "contract_sha256": hashes.get(DocumentKind.CONTRACT, ""),
                    "nda_sha256": hashes.get(DocumentKind.NDA, ""),
                }
            ),
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
            raise not_found_in_scope(
                request, Contract, pk=contract.pk, message="No rating for this contract yet."
            )
        return rating_download_response(
            rating=rating, contract=contract, as_text=request.GET.get("format") == "txt"
        )


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
                    contract=contract,
                    freelancer=self.freelancer,
                    typed_name=data["typed_name"],
                    consent=data["consent"],
                    ip_address=client_address(request, default=None),
                    user_agent=user_agent(request),
                    confirm_name_mismatch=data["confirm_name_mismatch"],
                    document_hashes=form.document_hashes(),
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
            return document_download_response(
                document,
                as_text=request.GET.get("download") == "txt",
                as_pdf=request.GET.get("download") == "pdf",
            )
        return self.render_to_response(
            {
                "document": document,
                "contract": self.contract,
                "back_url": reverse("contracts:portal_contract_detail", args=[self.contract.pk]),
            }
        )


class PortalOnboardingStepMixin(PortalContractMixin):
    request: HttpRequest
    kwargs: dict[str, Any]

    @cached_property
    def step(self) -> OnboardingStep:
        step = next(
            (s for s in self.contract.program.onboarding_steps.all() if s.pk == self.kwargs["step_pk"]), None
        )
        if step is None:
            raise not_found_in_scope(
                self.request, "programs.OnboardingStep", pk=self.kwargs["step_pk"], message="No such step."
            )
        return step

    def checklist(self):
        return redirect(
            reverse("contracts:portal_contract_detail", kwargs={"pk": self.contract.pk}) + "#onboarding"
        )


class PortalOnboardingView(PortalOnboardingStepMixin, View):
    def post(self, request, *args, **kwargs):
        contract = self.contract
        step = self.step
        try:
            if request.POST.get("undo"):
                services.onboarding_step_undo(contract=contract, step=step, user=request.user)
            else:
                services.onboarding_step_complete(contract=contract, step=step, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        if request.htmx:
            fresh = selectors.contract_get_for_freelancer(freelancer=self.freelancer, pk=contract.pk)
            return render(
                request,
                "contracts/portal/_onboarding.html",
                {
                    "contract": fresh,
                    "onboarding": selectors.onboarding_progress_for(contract=fresh),
                    "onboarding_open": True,
                },
            )
        return self.back()


class PortalOnboardingReadView(PortalOnboardingStepMixin, TemplateView):
    """A read step's article, opened from the checklist: the opening is recorded (the step can then be ticked).

    The article a manager linked as required reading is shown even while it is a draft in Knowledge."""

    template_name = "contracts/portal/onboarding_read.html"

    def get(self, request, *args, **kwargs):
        step = self.step
        if step.article is None:
            raise not_found_in_scope(
                request, "programs.OnboardingStep", pk=step.pk, message="This step has no article."
            )
        try:
            progress = services.onboarding_article_open(contract=self.contract, step=step, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return self.checklist()
        return self.render_to_response(
            {"contract": self.contract, "step": step, "article": step.article, "progress": progress}
        )


def _quiz_answers(data, questions) -> dict[int, int]:
    """{question id: chosen index} from the posted radio buttons ("q<id>"); anything unreadable is unanswered."""
    answers = {}
    for question in questions:
        raw = data.get(f"q{question.pk}", "")
        if raw.isdigit() and int(raw) < len(question.choices):
            answers[question.pk] = int(raw)
    return answers


class PortalOnboardingQuizView(PortalOnboardingStepMixin, TemplateView):
    """A quiz step: the questions, graded on the server; a pass ticks the step, a fail says the score and the pass
    mark and may be tried again."""

    template_name = "contracts/portal/onboarding_quiz.html"

    def quiz_step(self) -> OnboardingStep:
        if self.step.kind != OnboardingStep.Kind.QUIZ:
            raise not_found_in_scope(
                self.request, "programs.OnboardingStep", pk=self.step.pk, message="No quiz here."
            )
        return self.step

    def get_context_data(self, answers=None, **kwargs):
        step = self.quiz_step()
        context = super().get_context_data(**kwargs)
        progress = next((p for p in self.contract.onboarding_progress.all() if p.step_id == step.pk), None)
        questions = list(quiz_question_list(step=step))
        context.update(
            contract=self.contract,
            step=step,
            questions=questions,
            rows=[(question, (answers or {}).get(question.pk)) for question in questions],
            attempts=selectors.quiz_attempt_list(contract=self.contract, step=step),
            passed=bool(progress and progress.done_at),
            onboarding_open=self.contract.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE),
        )
        return context

    def post(self, request, *args, **kwargs):
        step = self.quiz_step()
        questions = list(quiz_question_list(step=step))
        answers = _quiz_answers(request.POST, questions)
        try:
            attempt = services.onboarding_quiz_submit(
                contract=self.contract, step=step, user=request.user, answers=answers
            )
        except DomainError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(answers=answers), status=400)
        score = f"{attempt.score_percent} % ({attempt.correct_count} of {attempt.question_count} right)"
        if attempt.passed:
            messages.success(request, f"Passed with {score}. “{step.title}” is done.")
            return self.checklist()
        messages.warning(
            request,
            f"Not passed: you scored {score}; the pass mark is {attempt.pass_mark_percent} %. "
            "Read the materials again and retry.",
        )
        return redirect("contracts:portal_onboarding_quiz", pk=self.contract.pk, step_pk=step.pk)


class PortalRevealView(FreelancerRequiredMixin, View):
    """Reveal a credential (POST only, each reveal recorded). No active grant → 404, and the refusal recorded.

    The answer is never stored by a browser or proxy: core.middleware.PrivateNoStoreMiddleware."""

    def post(self, request, *args, **kwargs):
        found = selectors.credential_get_for_reveal(
            freelancer=self.freelancer, contract_pk=kwargs["pk"], pk=kwargs["credential_pk"]
        )
        if found is None:
            services.credential_reveal_refused(
                freelancer=self.freelancer,
                credential_id=kwargs["credential_pk"],
                ip_address=client_address(request, default=None),
                reason="not_found",
            )
            raise Http404("No such credential.")
        credential, _grant = found
        if not two_factor_verified(request.user):
            services.credential_reveal_refused(
                freelancer=self.freelancer,
                credential_id=credential.pk,
                ip_address=client_address(request, default=None),
                reason="two_factor",
            )
            # 200 for htmx, which swaps only successful answers into the page; 403 for a plain form post.
            return render(
                request,
                "contracts/portal/_reveal_needs_two_factor.html",
                {
                    "setup_url": reverse("accounts:two_factor_setup")
                    + "?next="
                    + reverse("contracts:portal_contract_detail", kwargs={"pk": kwargs["pk"]}),
                },
                status=200 if getattr(request, "htmx", False) else 403,
            )
        try:
            secret = services.credential_reveal_fields(
                credential=credential,
                freelancer=self.freelancer,
                ip_address=client_address(request, default=None),
            )
        except DomainError:  # the refusal is recorded by the service
            raise Http404("No such credential.")
        return render(request, "contracts/portal/_secret.html", {"credential": credential, "secret": secret})
