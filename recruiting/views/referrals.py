"""Referrals. Freelancer side, /portal/referrals/…: refer candidates to open postings and follow them ("My referrals").
Manager side: the program's referral bonus and the referrals to its postings."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from accounts.mixins import AgentAccess, FreelancerRequiredMixin
from accounts.models import Freelancer
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs.mixins import ProgramAccessMixin
from recruiting import forms, selectors, services
from recruiting.models import Posting, Referral
from recruiting.referrals import referral_link

NOT_APPLIED_YET = "Invited, not applied yet"


def _referrer(view: Any) -> Freelancer:
    """The logged-in freelancer (FreelancerRequiredMixin.dispatch has made sure there is one)."""
    freelancer = view.freelancer
    assert freelancer is not None
    return freelancer


def referral_stage(referral: Referral) -> str:
    return referral.application.get_stage_display() if referral.application else NOT_APPLIED_YET


class PortalReferralListView(FreelancerRequiredMixin, TemplateView):
    """'My referrals', and each open posting of the freelancer's programs with their personal link."""

    template_name = "recruiting/portal/referrals.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        freelancer = _referrer(self)
        referrals = list(selectors.referrals_for_freelancer(freelancer=freelancer))
        postings = list(selectors.referral_postings_for_freelancer(freelancer=freelancer))
        return {
            **super().get_context_data(**kwargs),
            "referrals": [(referral, referral_stage(referral)) for referral in referrals],
            "postings": [
                (
                    posting,
                    referral_link(
                        posting_slug=posting.slug, posting_id=posting.pk, freelancer_id=freelancer.pk
                    ),
                    getattr(posting.program, "referral_bonus", None),
                )
                for posting in postings
            ],
        }


class PortalReferralDetailView(FreelancerRequiredMixin, TemplateView):
    template_name = "recruiting/portal/referral_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        referral = selectors.referral_get_for_freelancer(freelancer=self.freelancer, pk=self.kwargs["pk"])
        if referral is None:
            raise not_found_in_scope(
                self.request, Referral, pk=self.kwargs["pk"], message="No such referral."
            )
        return {**super().get_context_data(**kwargs), "referral": referral, "stage": referral_stage(referral)}


class PortalReferralCreateView(FreelancerRequiredMixin, FormView):
    """The referral form for one open posting of the freelancer's programs."""

    template_name = "recruiting/portal/referral_form.html"
    form_class = forms.ReferralForm

    @cached_property
    def posting(self) -> Posting:
        posting = selectors.referral_posting_get_for_freelancer(
            freelancer=self.freelancer, pk=self.kwargs["pk"]
        )
        if posting is None:
            raise not_found_in_scope(self.request, Posting, pk=self.kwargs["pk"], message="No such posting.")
        return posting

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        posting = self.posting
        return {
            **super().get_context_data(**kwargs),
            "posting": posting,
            "link": referral_link(
                posting_slug=posting.slug, posting_id=posting.pk, freelancer_id=_referrer(self).pk
            ),
        }

    def form_valid(self, form: forms.ReferralForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            referral = services.referral_invite(
                posting=self.posting,
                referrer=_referrer(self),
                full_name=data["full_name"],
                email=data["email"],
                note=data["note"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Thank you! We e-mailed {referral.full_name} your link to “{self.posting.title}”."
        )
        return redirect("recruiting:portal_referrals")


class ReferralBonusView(ProgramAccessMixin, FormView):
    """/manage/: the program's referral bonus, and the referrals made to its postings."""

    agent_access = AgentAccess.NONE  # recruiting is for support managers
    template_name = "recruiting/referral_bonus.html"
    form_class = forms.ReferralBonusForm

    def get_initial(self) -> dict[str, Any]:
        bonus = selectors.referral_bonus_get(program=self.program)
        if bonus is None:
            return {"currency": self.program.currency, "is_active": True}
        return {
            "amount": bonus.amount,
            "currency": bonus.currency,
            "after_hours": bonus.after_hours,
            "is_active": bonus.is_active,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        referrals = list(selectors.referrals_of_program(program=self.program))
        return {
            **super().get_context_data(**kwargs),
            "referrals": [(referral, referral_stage(referral)) for referral in referrals],
        }

    def form_valid(self, form: forms.ReferralBonusForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.referral_bonus_save(
                program=self.program,
                amount=data["amount"],
                currency=data["currency"],
                after_hours=data["after_hours"],
                is_active=data["is_active"],
                saved_by=self.request.user,
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Referral bonus saved.")
        return redirect("recruiting:referral_bonus", program_slug=self.program.slug)
