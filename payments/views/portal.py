"""Freelancer portal: the weekly timesheet (with timer), balance, statements, history and payout requests."""

import datetime
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, TemplateView

from accounts.models import Freelancer
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from core.throttle import client_address
from payments import selectors, services
from payments.balances import freelancer_balances
from payments.forms import (
    InvoiceUploadForm,
    PayoutDetailsForm,
    PayoutRequestForm,
    TimeEntryForm,
    TimerStartForm,
)
from payments.mixins import PortalMixin
from payments.models import PAYOUT_DETAILS_HOLD
from payments.services.time_entries import freelancer_today

__all__ = [
    "EntryDeleteView",
    "EntryEditView",
    "PortalPayoutDetailsView",
    "PortalPayoutsView",
    "PortalStatementView",
    "RequestCancelView",
    "TimerView",
    "TimesheetView",
    "WeekSubmitView",
]


def _tickets_for(freelancer):
    try:
        from queues.models import Ticket
    except ImportError:
        return None
    # Tickets the freelancer holds or touched in the last three weeks: enough to pick from, never the archive.
    since = timezone.now() - datetime.timedelta(days=21)
    return Ticket.objects.filter(assignee=freelancer, updated_at__gte=since).order_by("-id")


def _week_url(day):
    return reverse("payments:timesheet") + f"?week={day:%Y-%m-%d}"


class TimesheetView(PortalMixin, TemplateView):
    template_name = "payments/portal/timesheet.html"

    def week_start(self):
        try:
            day = datetime.date.fromisoformat(
                self.request.GET.get("week") or self.request.POST.get("week") or ""
            )
        except ValueError:
            day = freelancer_today(freelancer=self.freelancer)
        return day - datetime.timedelta(days=day.weekday())

    def form(self, data=None):
        programs = selectors.freelancer_programs_for_time(freelancer=self.freelancer)
        today = freelancer_today(freelancer=self.freelancer)
        week_start = self.week_start()
        initial_day = today if week_start <= today <= week_start + datetime.timedelta(days=6) else week_start
        return TimeEntryForm(
            data,
            programs=programs,
            tickets=_tickets_for(self.freelancer),
            initial={"date": initial_day, "hours": "1.00"},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        week_start = self.week_start()
        context.update(
            sheet=selectors.timesheet(freelancer=self.freelancer, week_start=week_start),
            form=kwargs.get("form") or self.form(),
            timer=selectors.running_timer_for(freelancer=self.freelancer),
            timer_form=TimerStartForm(
                programs=selectors.freelancer_programs_for_time(freelancer=self.freelancer)
            ),
            today=freelancer_today(freelancer=self.freelancer),
        )
        return context

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.time_entry_create(
                    freelancer=self.freelancer,
                    program=data["program"],
                    date=data["date"],
                    hours=data["hours"],
                    activity=data["activity"],
                    note=data["note"],
                    estimated_hours=data["estimated_hours"],
                    tickets=data.get("tickets") or (),
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                text = f"Logged {entry.hours} h on {entry.date:%a %d %b} (draft — submit the week when done)."
                if entry.over_cap:
                    text += " This week is above your contract's weekly cap: your manager will look at it."
                messages.success(request, text)
                return redirect(_week_url(entry.date))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EntryEditView(PortalMixin, TemplateView):
    template_name = "payments/portal/entry_edit.html"

    def get_entry(self):
        entry = (
            selectors.time_entry_for_freelancer(freelancer=self.freelancer)
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if entry is None:
            raise not_found_in_scope(
                self.request, "payments.TimeEntry", pk=self.kwargs["pk"], message="No such entry."
            )
        return entry

    def form(self, entry, data=None):
        form = TimeEntryForm(
            data,
            programs=selectors.freelancer_programs_for_time(freelancer=self.freelancer),
            tickets=_tickets_for(self.freelancer),
            initial={
                "program": entry.program_id,
                "date": entry.date,
                "hours": entry.hours,
                "activity": entry.activity,
                "estimated_hours": entry.estimated_hours,
                "note": entry.note,
                "tickets": list(entry.tickets.all()),
            },
        )
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = kwargs.get("entry") or self.get_entry()
        context["entry"] = entry
        context["form"] = kwargs.get("form") or self.form(entry)
        return context

    def post(self, request, pk):
        entry = self.get_entry()
        form = self.form(entry, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.time_entry_update(
                    entry=entry,
                    freelancer=self.freelancer,
                    program=data["program"],
                    date=data["date"],
                    hours=data["hours"],
                    activity=data["activity"],
                    note=data["note"],
                    estimated_hours=data["estimated_hours"],
                    tickets=data.get("tickets") if "tickets" in form.fields else None,
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Entry saved.")
                return redirect(_week_url(entry.date))
        return self.render_to_response(self.get_context_data(entry=entry, form=form), status=400)


class EntryDeleteView(PortalMixin, View):
    def post(self, request, pk):
        entry = selectors.time_entry_for_freelancer(freelancer=self.freelancer).filter(pk=pk).first()
        if entry is None:
            raise not_found_in_scope(request, "payments.TimeEntry", pk=pk, message="No such entry.")
        try:
            services.time_entry_delete(entry=entry, freelancer=self.freelancer)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Entry deleted.")
        return redirect(_week_url(entry.date))


class WeekSubmitView(PortalMixin, View):
    def post(self, request):
        try:
            week = datetime.date.fromisoformat(request.POST.get("week") or "")
        except ValueError:
            raise Http404("No such week.")
        count = services.time_entries_submit(freelancer=self.freelancer, week_start=week)
        if count:
            messages.success(request, f"Submitted {count} entries for approval.")
        else:
            messages.info(request, "Nothing to submit this week.")
        return redirect(_week_url(week))


class TimerView(PortalMixin, View):
    def post(self, request, action):
        try:
            if action == "start":
                form = TimerStartForm(
                    request.POST, programs=selectors.freelancer_programs_for_time(freelancer=self.freelancer)
                )
                if not form.is_valid():
                    raise DomainError("Pick a program and an activity to start the timer.")
                services.timer_start(freelancer=self.freelancer, **form.cleaned_data)
                messages.success(request, "Timer started.")
            elif action == "stop":
                entry = services.timer_stop(freelancer=self.freelancer)
                messages.success(request, f"Timer stopped: {entry.hours} h logged as a draft.")
                return redirect(_week_url(entry.date))
            elif action == "discard":
                services.timer_discard(freelancer=self.freelancer)
                messages.info(request, "Timer discarded.")
            else:
                raise Http404("No such action.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("payments:timesheet")


class PortalPayoutsView(PortalMixin, TemplateView):
    template_name = "payments/portal/payouts.html"

    def request_form(self, data=None):
        return PayoutRequestForm(
            data, programs=selectors.freelancer_programs_for_time(freelancer=self.freelancer)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            balances=freelancer_balances(freelancer_id=self.freelancer.pk),
            payouts=selectors.payouts_with_invoices_for_freelancer(
                freelancer=cast(Freelancer, self.freelancer)
            )[:60],
            requests=selectors.payout_requests_for_freelancer(freelancer=self.freelancer)[:30],
            request_form=kwargs.get("request_form") or self.request_form(),
            payout_details=selectors.payout_details_for(freelancer=self.freelancer),
        )
        return context

    def post(self, request):
        form = self.request_form(request.POST)
        if form.is_valid():
            try:
                services.payout_request_create(freelancer=self.freelancer, **form.cleaned_data)
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, "Request sent to your manager.")
                return redirect("payments:portal_payouts")
        return self.render_to_response(self.get_context_data(request_form=form), status=400)


class PortalStatementView(PortalMixin, DetailView):
    template_name = "payments/statement.html"
    context_object_name = "payout"

    def get_object(self, queryset=None):
        payout = selectors.payout_get_for_freelancer(freelancer=self.freelancer, pk=self.kwargs["pk"])
        if payout is None:
            raise not_found_in_scope(
                self.request, "payments.Payout", pk=self.kwargs["pk"], message="No such statement."
            )
        return payout

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = list(self.object.lines.all())
        context["portal"] = True
        context["invoice_upload_form"] = InvoiceUploadForm()
        return context


class RequestCancelView(PortalMixin, View):
    def post(self, request, pk):
        payout_request = (
            selectors.payout_requests_for_freelancer(freelancer=self.freelancer).filter(pk=pk).first()
        )
        if payout_request is None:
            raise not_found_in_scope(request, "payments.PayoutRequest", pk=pk, message="No such request.")
        try:
            services.payout_request_cancel(request=payout_request, freelancer=self.freelancer)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Request cancelled.")
        return redirect("payments:portal_payouts")


class PortalPayoutDetailsView(PortalMixin, TemplateView):
    """Where the freelancer says how to pay them; every change is e-mailed to them and holds payouts a while."""

    template_name = "payments/portal/payout_details.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        details = kwargs.get("details") or selectors.payout_details_for(freelancer=self.freelancer)
        context.update(
            details=details,
            form=kwargs.get("form") or PayoutDetailsForm(details=details),
            hold_days=PAYOUT_DETAILS_HOLD.days,
        )
        return context

    def post(self, request):
        details = selectors.payout_details_for(freelancer=self.freelancer)
        form = PayoutDetailsForm(request.POST, details=details)
        if form.is_valid():
            try:
                saved = services.payout_details_update(
                    freelancer=self.freelancer,
                    changed_by=request.user,
                    ip_address=client_address(request, default=None),
                    **form.cleaned_data,
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                if saved.changed_at and saved.changed_at != details.changed_at:
                    messages.success(request, "Payout details saved. We e-mailed you about the change.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("payments:portal_payout_details")
        return self.render_to_response(self.get_context_data(details=details, form=form), status=400)
