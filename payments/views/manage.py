"""Manager pages: approvals, periods, runs, payouts, exchange rates, adjustments, requests."""

import datetime

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from core.errors import DomainError
from core.forms import add_error_to_form
from core.money import format_money
from core.scoping import not_found_in_scope
from core.throttle import client_address
from payments import exports, selectors, services
from payments.forms import (
    AdjustmentForm,
    DeclineForm,
    ExchangeRateForm,
    ExchangeRateImportForm,
    FailForm,
    MarkPaidForm,
    OffCyclePayoutForm,
    RunStartForm,
    SendBackForm,
)
from payments.mixins import PaymentsManagerMixin
from payments.models import Payout, PayoutRequest, PayPeriod

__all__ = [
    "AdjustmentListView",
    "ApprovalsView",
    "EntryReviewView",
    "ExchangeRateListView",
    "ExchangeRateImportView",
    "PaymentsHomeView",
    "PayoutActionView",
    "PayoutBulkView",
    "PayoutDetailView",
    "PayoutExportView",
    "OffCyclePayoutView",
    "PayoutListView",
    "PayoutStatementView",
    "PeriodListView",
    "RequestDecideView",
    "RequestListView",
    "RunDetailView",
    "RunListView",
    "RunProgressView",
    "RunStartView",
    "WeekApproveView",
]


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


class PaymentsHomeView(PaymentsManagerMixin, TemplateView):
    template_name = "payments/manage/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = selectors.payments_overview(user=self.request.user)
        context["late_entries"] = selectors.unapproved_in_closed_periods(user=self.request.user)
        return context


# Approvals ------------------------------------------------------------------------------------------------


class ApprovalsView(PaymentsManagerMixin, TemplateView):
    template_name = "payments/manage/approvals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = self.selected_program()
        context.update(
            program=program,
            programs=selectors.managed_programs(user=self.request.user),
            groups=selectors.approval_groups(user=self.request.user, program=program),
            send_back_form=SendBackForm(),
        )
        return context


class EntryReviewView(PaymentsManagerMixin, View):
    """POST approve / send back one entry; htmx gets the row back, a plain form a redirect."""

    def post(self, request, pk, action):
        entry = selectors.time_entries_for_manager(user=request.user).filter(pk=pk).first()
        if entry is None:
            raise not_found_in_scope(request, "payments.TimeEntry", pk=pk, message="No such entry.")
        error = None
        try:
            if action == "approve":
                entry = services.time_entry_approve(entry=entry, approved_by=request.user)
            elif action == "send-back":
                entry = services.time_entry_send_back(
                    entry=entry, sent_back_by=request.user, comment=request.POST.get("comment", "")
                )
            else:
                raise Http404("No such action.")
        except DomainError as exc:
            error = exc.message
        if request.htmx:
            entry.refresh_from_db()
            return render(
                request,
                "payments/manage/_entry_row.html",
                {"entry": entry, "error": error, "send_back_form": SendBackForm()},
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Entry approved." if action == "approve" else "Entry sent back.")
        return redirect(reverse("payments:approvals") + _program_query(entry.program.slug))


def _program_query(slug):
    return "?" + urlencode({"program": slug}) if slug else ""


class WeekApproveView(PaymentsManagerMixin, View):
    def post(self, request):
        program = self.selected_program()
        week = _parse_date(request.POST.get("week"))
        freelancer = (
            selectors.freelancers_in_programs(user=request.user)
            .filter(pk=request.POST.get("freelancer") or 0)
            .first()
            if (request.POST.get("freelancer") or "").isdigit()
            else None
        )
        if program is None or week is None or freelancer is None:
            raise Http404("No such week.")
        try:
            approved, skipped = services.time_entries_approve_week(
                program=program,
                freelancer=freelancer,
                week_start=week,
                approved_by=request.user,
                include_over_cap=request.POST.get("include_over_cap") == "1",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            text = f"Approved {approved} entries of {freelancer} for the week of {week:%d %b}."
            if skipped:
                text += f" {skipped} entries above the weekly cap were left for you to look at one by one."
            messages.success(request, text)
        return redirect(reverse("payments:approvals") + _program_query(request.GET.get("program", "")))


# Periods and runs -----------------------------------------------------------------------------------------


class PeriodListView(PaymentsManagerMixin, ListView):
    template_name = "payments/manage/periods.html"
    context_object_name = "periods"
    paginate_by = 30

    def get_queryset(self):
        return selectors.pay_period_list(user=self.request.user, program=self.selected_program())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = selectors.managed_programs(user=self.request.user)
        context["program"] = self.selected_program()
        context["today"] = timezone.now().date()
        return context


class RunStartView(PaymentsManagerMixin, View):
    """Start (or resume) the run of a period that has ended."""

    def post(self, request):
        period = (
            PayPeriod.objects.filter(
                program__in=selectors.managed_programs(user=request.user), pk=request.POST.get("period") or 0
            )
            .select_related("program")
            .first()
            if (request.POST.get("period") or "").isdigit()
            else None
        )
        if period is None:
            raise not_found_in_scope(
                request, PayPeriod, pk=request.POST.get("period") or 0, message="No such period."
            )
        try:
            run = services.payout_run_start(program=period.program, period=period, triggered_by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("payments:periods")
        _run_started_message(request, run)
        return redirect("payments:run_detail", pk=run.pk)


def _run_started_message(request, run) -> None:
    """Started, resumed or already done: a second press says that nothing changed."""
    if getattr(run, "created_now", True):
        messages.success(request, f"Payout run for {run.period} started.")
    elif run.status == run.Status.COMPLETED:
        messages.info(request, f"The payout run for {run.period} had already completed: nothing was changed.")
    else:
        messages.info(
            request,
            f"The payout run for {run.period} was already started; it goes on from where it "
            "stopped (nothing else was changed).",
        )


class RunListView(PaymentsManagerMixin, ListView):
    """The runs; POST starts (or resumes) the run of an ended period picked by a day in it."""

    template_name = "payments/manage/runs.html"
    context_object_name = "runs"
    paginate_by = 30

    def get_queryset(self):
        return selectors.payout_run_list(user=self.request.user)

    def _run_form(self, data=None):
        return RunStartForm(data, programs=selectors.managed_programs(user=self.request.user))

    def _off_cycle_form(self, data=None):
        return OffCyclePayoutForm(
            data,
            programs=selectors.managed_programs(user=self.request.user),
            freelancers=selectors.freelancers_in_programs(user=self.request.user),
            leaving=selectors.leaving_freelancers(user=self.request.user),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run_form"] = kwargs.get("run_form") or self._run_form()
        context["off_cycle_form"] = kwargs.get("off_cycle_form") or self._off_cycle_form()
        return context

    def _posted_in_scope_or_404(self, request):
        """A program or freelancer id outside this manager's programs is not found (404), not a form error."""
        checks = (
            ("program", selectors.managed_programs(user=request.user), "programs.Program"),
            ("freelancer", selectors.freelancers_in_programs(user=request.user), "accounts.Freelancer"),
        )
        for name, scope, model in checks:
            value = request.POST.get(name) or ""
            if name in request.POST and value.isdigit() and not scope.filter(pk=value).exists():
                raise not_found_in_scope(request, model, pk=value, message="Not found.")

    def post(self, request):
        self._posted_in_scope_or_404(request)
        form = self._run_form(request.POST)
        if form.is_valid():
            try:
                run = services.payout_run_start(
                    program=form.cleaned_data["program"],
                    day=form.cleaned_data["day"],
                    triggered_by=request.user,
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                _run_started_message(request, run)
                return redirect("payments:run_detail", pk=run.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(run_form=form), status=400)


class OffCyclePayoutView(RunListView):
    """POST: pay a leaving freelancer's approved time of the current period now (once)."""

    def post(self, request):
        self._posted_in_scope_or_404(request)
        form = self._off_cycle_form(request.POST)
        if form.is_valid():
            try:
                payout, created = services.payout_off_cycle_create(
                    program=form.cleaned_data["program"],
                    freelancer=form.cleaned_data["freelancer"],
                    created_by=request.user,
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                if created:
                    text = (
                        f"Off-cycle payout {payout.reference} made for {payout.freelancer.legal_name}: "
                        f"{payout.hours} h, {format_money(payout.total, payout.currency)}. Approve it to pay it; "
                        "the period's regular run will not pay this again."
                    )
                    if payout.unapproved_entries:
                        text += (
                            f" {payout.unapproved_entries} entries are not approved yet: approved later, they "
                            "are paid by a correction in the next run."
                        )
                    messages.success(request, text)
                else:
                    messages.info(
                        request,
                        f"{payout.freelancer.legal_name} already has the payout {payout.reference} "
                        "for this period: nothing was changed.",
                    )
                return redirect("payments:payout_detail", pk=payout.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(off_cycle_form=form), status=400)


class RunDetailView(PaymentsManagerMixin, DetailView):
    template_name = "payments/manage/run_detail.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        run = selectors.payout_run_get(user=self.request.user, pk=self.kwargs["pk"])
        if run is None:
            raise not_found_in_scope(
                self.request, "payments.PayoutRun", pk=self.kwargs["pk"], message="No such run."
            )
        return run

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.template_name == RunDetailView.template_name:  # not for the polled progress panel
            context.update(_export_context(self.request, run_id=self.object.pk))
            context["trial_payouts"] = selectors.trial_payout_list_for_run(
                user=self.request.user, run=self.object
            )
        return context


def _export_context(request, *, program=None, period_id=None, run_id=None) -> dict:
    """The payout files of the page's selection: what each would hold, and the approved payouts left out (why)."""
    approved = selectors.payout_list(
        user=request.user, program=program, period_id=period_id, run_id=run_id, status=Payout.Status.APPROVED
    )
    query = {
        key: value
        for key, value in (
            ("program", program.slug if program else ""),
            ("period", period_id),
            ("run", run_id),
        )
        if value
    }
    return {"exports": exports.export_overview(payouts=approved), "export_query": urlencode(query)}


class RunProgressView(RunDetailView):
    """The htmx-polled progress panel; stops polling once the run is no longer active."""

    template_name = "payments/manage/_run_progress.html"


# Payouts --------------------------------------------------------------------------------------------------


class PayoutListView(PaymentsManagerMixin, ListView):
    template_name = "payments/manage/payouts.html"
    context_object_name = "payouts"
    paginate_by = 100

    def get_queryset(self):
        self.program = self.selected_program()
        status = self.request.GET.get("status") or ""
        self.status = status if status in Payout.Status.values else ""
        period = self.request.GET.get("period") or ""
        self.period_id = int(period) if period.isdigit() else None
        run = self.request.GET.get("run") or ""
        self.run_id = int(run) if run.isdigit() else None
        return selectors.payout_list(
            user=self.request.user,
            program=self.program,
            period_id=self.period_id,
            status=self.status,
            run_id=self.run_id,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payouts = self.object_list
        period = None
        if self.period_id:
            period = (
                PayPeriod.objects.filter(
                    pk=self.period_id, program__in=selectors.managed_programs(user=self.request.user)
                )
                .select_related("program")
                .first()
            )
        context.update(
            totals=selectors.payout_totals(payouts),
            programs=selectors.managed_programs(user=self.request.user),
            program=self.program,
            status=self.status,
            statuses=Payout.Status.choices,
            period=period,
            mark_paid_form=MarkPaidForm(initial={"paid_on": timezone.now().date()}),
            query=self.request.GET.urlencode(),
            **_export_context(
                self.request,
                program=self.program,
                period_id=period.pk if period else None,
                run_id=self.run_id,
            ),
        )
        return context


class PayoutBulkView(PaymentsManagerMixin, View):
    """Approve or mark paid the selected payouts (all or none)."""

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("payout") if i.isdigit()]
        payouts = list(selectors.payout_list(user=request.user).filter(pk__in=ids))
        back = reverse("payments:payouts") + (
            "?" + request.POST.get("query", "") if request.POST.get("query") else ""
        )
        if not payouts:
            messages.error(request, "Select at least one payout.")
            return redirect(back)
        action = request.POST.get("action")
        try:
            if action == "approve":
                count = services.payouts_approve(payouts=payouts, approved_by=request.user)
                messages.success(request, f"Approved {count} payouts.")
            elif action == "mark_paid":
                form = MarkPaidForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "Enter the payment date and reference to mark payouts paid.")
                    return redirect(back)
                count = services.payouts_mark_paid(
                    payouts=payouts,
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["reference"],
                    marked_by=request.user,
                )
                messages.success(request, f"Marked {count} payouts paid; statements are on their way.")
            else:
                messages.error(request, "Unknown action.")
        except DomainError as exc:
            messages.error(request, f"Nothing was changed: {exc.message}")
        return redirect(back)


class PayoutExportView(PaymentsManagerMixin, View):
    """The payout file (Wise batch, PayPal Payouts or the generic CSV) of the approved payouts of the selection:
    ?program, ?period, ?run and, for PayPal, ?currency. Streamed; the export is audited before it starts."""

    def get(self, request, export_format=exports.GENERIC):
        if export_format not in exports.FORMAT_NAMES:
            raise Http404("No such payout file.")
        program = self.selected_program()
        period_id, run_id = _scoped_period_and_run(request)
        payouts = selectors.payout_list(
            user=request.user,
            program=program,
            period_id=period_id,
            run_id=run_id,
            status=Payout.Status.APPROVED,
        )
        name = "payouts-" + (program.slug if program else "all") + (f"-run{run_id}" if run_id else "")
        try:
            export = exports.payouts_export(
                payouts=payouts,
                export_format=export_format,
                exported_by=request.user,
                name=name,
                currency=request.GET.get("currency", ""),
                ip_address=client_address(request, default=None),
            )
        except DomainError as exc:
            messages.error(request, f"Nothing was exported: {exc.message}")
            if run_id:
                return redirect("payments:run_detail", pk=run_id)
            return redirect(
                reverse("payments:payouts") + ("?" + request.GET.urlencode() if request.GET else "")
            )
        response = StreamingHttpResponse(export.lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


def _scoped_period_and_run(request) -> tuple[int | None, int | None]:
    """?period and ?run of an export: ids in the manager's programs, 404 for anything else."""
    period = request.GET.get("period") or ""
    run = request.GET.get("run") or ""
    period_id = int(period) if period.isdigit() else None
    run_id = int(run) if run.isdigit() else None
    managed = selectors.managed_programs(user=request.user)
    if period_id and not PayPeriod.objects.filter(pk=period_id, program__in=managed).exists():
        raise not_found_in_scope(request, PayPeriod, pk=period_id, message="No such period.")
    if run_id and selectors.payout_run_get(user=request.user, pk=run_id) is None:
        raise not_found_in_scope(request, "payments.PayoutRun", pk=run_id, message="No such run.")
    return period_id, run_id


class PayoutDetailView(PaymentsManagerMixin, DetailView):
    template_name = "payments/manage/payout_detail.html"
    context_object_name = "payout"

    def get_object(self, queryset=None):
        payout = selectors.payout_get_for_manager(user=self.request.user, pk=self.kwargs["pk"])
        if payout is None:
            raise not_found_in_scope(self.request, Payout, pk=self.kwargs["pk"], message="No such payout.")
        return payout

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            lines=list(self.object.lines.all()),
            mark_paid_form=kwargs.get("mark_paid_form")
            or MarkPaidForm(initial={"paid_on": timezone.now().date()}),
            fail_form=kwargs.get("fail_form") or FailForm(),
        )
        return context


class PayoutStatementView(PayoutDetailView):
    template_name = "payments/statement.html"


class PayoutActionView(PaymentsManagerMixin, View):
    def post(self, request, pk, action):
        payout = selectors.payout_get_for_manager(user=request.user, pk=pk)
        if payout is None:
            raise not_found_in_scope(request, Payout, pk=pk, message="No such payout.")
        try:
            if action == "approve":
                services.payouts_approve(payouts=[payout], approved_by=request.user)
                messages.success(request, "Payout approved.")
            elif action == "unapprove":
                services.payout_unapprove(payout=payout, by=request.user)
                messages.success(request, "Payout back to draft.")
            elif action == "mark-paid":
                form = MarkPaidForm(request.POST)
                if not form.is_valid():
                    raise DomainError("Enter the payment date and reference.")
                services.payouts_mark_paid(
                    payouts=[payout],
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["reference"],
                    marked_by=request.user,
                )
                messages.success(request, "Payout marked paid; the statement is e-mailed to the freelancer.")
            elif action == "fail":
                services.payout_mark_failed(
                    payout=payout, reason=request.POST.get("reason", ""), marked_by=request.user
                )
                messages.warning(request, "Payout marked failed.")
            elif action == "retry":
                services.payout_retry(payout=payout, retried_by=request.user)
                messages.success(request, "Payout is approved again and will be in the next export.")
            elif action == "confirm-details":
                services.payout_details_confirm(payout=payout, confirmed_by=request.user)
                messages.success(request, "Payout details confirmed: this payout can be paid and exported.")
            else:
                raise Http404("No such action.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("payments:payout_detail", pk=payout.pk)


# Exchange rates -------------------------------------------------------------------------------------------


class ExchangeRateListView(PaymentsManagerMixin, ListView):
    template_name = "payments/manage/exchange_rates.html"
    context_object_name = "rates"
    paginate_by = 50

    def get_queryset(self):
        return selectors.exchange_rate_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or ExchangeRateForm(initial={"on_date": timezone.now().date()})
        context["import_form"] = kwargs.get("import_form") or ExchangeRateImportForm()
        return context

    def post(self, request):
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                rate = services.exchange_rate_set(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Saved: {rate}.")
                return redirect("payments:exchange_rates")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExchangeRateImportView(ExchangeRateListView):
    def post(self, request):
        form = ExchangeRateImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                count = services.exchange_rates_import_csv(
                    data=form.cleaned_data["file"].read(), actor=request.user
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"Imported {count} exchange rates.")
                return redirect("payments:exchange_rates")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(import_form=form), status=400)


# Adjustments ----------------------------------------------------------------------------------------------


class AdjustmentListView(PaymentsManagerMixin, ListView):
    template_name = "payments/manage/adjustments.html"
    context_object_name = "adjustments"
    paginate_by = 50

    def get_queryset(self):
        return selectors.adjustment_list(user=self.request.user)

    def _form(self, data=None):
        return AdjustmentForm(
            data,
            programs=selectors.managed_programs(user=self.request.user),
            freelancers=selectors.freelancers_in_programs(user=self.request.user),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or self._form()
        return context

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                currency = services.contract_currency(freelancer=data["freelancer"], program=data["program"])
                services.adjustment_create(
                    freelancer=data["freelancer"],
                    program=data["program"],
                    kind=data["kind"],
                    amount=data["amount"],
                    currency=currency,
                    reason=data["reason"],
                    created_by=request.user,
                    confirm_over_limit=data["confirm_over_limit"],
                    over_limit_reason=data["over_limit_reason"],
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Adjustment added; the next payout run of the program includes it.")
                return redirect("payments:adjustments")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


# Payout requests ------------------------------------------------------------------------------------------


class RequestListView(PaymentsManagerMixin, ListView):
    template_name = "payments/manage/requests.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status") or ""
        return selectors.payout_request_list(
            user=self.request.user, status=status if status in PayoutRequest.Status.values else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            decline_form=DeclineForm(),
            mark_paid_form=MarkPaidForm(initial={"paid_on": timezone.now().date()}),
            statuses=PayoutRequest.Status.choices,
            status=self.request.GET.get("status") or "",
        )
        return context


class RequestDecideView(PaymentsManagerMixin, View):
    def post(self, request, pk, action):
        payout_request = selectors.payout_request_list(user=request.user).filter(pk=pk).first()
        if payout_request is None:
            raise not_found_in_scope(request, PayoutRequest, pk=pk, message="No such request.")
        try:
            if action == "approve":
                services.payout_request_approve(request=payout_request, decided_by=request.user)
                messages.success(request, "Request approved; the next payout deducts the advance.")
            elif action == "decline":
                services.payout_request_decline(
                    request=payout_request, decided_by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "Request declined.")
            elif action == "mark-paid":
                form = MarkPaidForm(request.POST)
                if not form.is_valid():
                    raise DomainError("Enter the payment date and reference.")
                services.payout_request_mark_paid(
                    request=payout_request,
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data["reference"],
                    marked_by=request.user,
                )
                messages.success(request, "Early payment marked paid.")
            else:
                raise Http404("No such action.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("payments:requests")
