"""The candidate's payout details for a paid trial task, behind the trial's private link (no account)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from payments import selectors, services
from payments.forms import MarkPaidForm, PayoutDetailsForm
from payments.mixins import PaymentsManagerMixin
from payments.models import TrialPayout
from payments.services.trial_payouts import trial_payout_may_collect_details
from recruiting.models import TrialTask
from recruiting.selectors import trial_task_get_by_token

__all__ = ["TrialPayoutDetailsView", "TrialPayoutPaidView"]


class TrialPayoutDetailsView(TemplateView):
    """A paid trial's candidate says how to pay them. Nothing they entered is ever shown back but its masked
    summary; an unknown token, an unpaid or not yet submitted trial answers 404."""

    template_name = "payments/trial_payout_details.html"
    trial: TrialTask

    def dispatch(self, request, *args, **kwargs):
        trial = trial_task_get_by_token(token=kwargs["token"])
        if trial is None or not trial_payout_may_collect_details(trial_task=trial):
            raise Http404("No such paid trial task.")
        self.trial = trial
        response = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on_file = selectors.trial_payout_get_by_token(token=self.trial.token)
        context.update(
            trial=self.trial,
            posting=self.trial.application.posting,
            on_file=on_file,
            form=kwargs.get("form") or PayoutDetailsForm(details=TrialPayout()),
        )
        return context

    def post(self, request, token):
        on_file = selectors.trial_payout_get_by_token(token=self.trial.token)
        if on_file is not None and on_file.status == TrialPayout.Status.PAID:
            raise Http404("Already paid.")
        form = PayoutDetailsForm(request.POST, details=TrialPayout())
        if form.is_valid():
            try:
                services.trial_payout_details_save(trial_task=self.trial, **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(
                    request, "Payout details saved. We will pay you once your trial task is reviewed."
                )
                return redirect("payments:trial_payout_details", token=self.trial.token)
        shown = request.POST.copy()  # the errors stay; the account numbers typed are not sent back
        for name in ("iban", "account_number"):
            shown[name] = ""
        form.data = shown
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TrialPayoutPaidView(PaymentsManagerMixin, View):
    """A manager records that a trial payout of a run went out; the candidate is e-mailed the statement."""

    def post(self, request, pk):
        payout = selectors.trial_payout_get_for_manager(user=request.user, pk=pk)
        if payout is None:
            raise not_found_in_scope(request, TrialPayout, pk=pk, message="No such trial payout.")
        form = MarkPaidForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError("Enter the payment date and reference.")
            services.trial_payout_mark_paid(
                trial_payout=payout,
                paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"],
                marked_by=request.user,
            )
            messages.success(request, "Trial payout marked paid; the statement is e-mailed to the candidate.")
        except DomainError as exc:
            messages.error(request, exc.message)
        if payout.run_id:
            return redirect("payments:run_detail", pk=payout.run_id)
        return redirect("payments:runs")
