"""Interviews that reach the candidate: offer times, reschedule, cancel, and the candidate's private pick page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView

from accounts.mixins import SupportManagerRequiredMixin
from core.errors import DomainError
from core.errorviews import link_dead_end
from core.forms import add_error_to_form
from core.links import LinkState
from core.scoping import not_found_in_scope
from recruiting import calendar, forms, selectors, services
from recruiting.models import InterviewSlotOffer
from recruiting.services.interview_slots import slot_offer_get_by_token, slot_offer_link_state
from recruiting.views.applications import ApplicationFormView, InterviewFormView, ScopedInterviewMixin
from recruiting.views.common import _ok


class InterviewSlotsOfferView(InterviewFormView):
    """Offer 2–5 times; the candidate picks one through a private link."""

    form_class = forms.InterviewSlotsOfferForm
    title = "Offer interview times"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.interview_slots_offer(
                application=self.application,
                offered_by=self.request.user,
                slots=form.slot_times(),
                duration_minutes=data["duration_minutes"],
                meeting_link=data["meeting_link"],
                interviewer=data["interviewer"],
                questions=data["questions"],
                confirm_outside_hours=data["confirm_outside_hours"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        return self.done(
            f"{len(form.slot_times())} times offered: {self.application.email} received a private link "
            "to choose one."
        )


class InterviewRescheduleView(ScopedInterviewMixin, ApplicationFormView):
    form_class = forms.InterviewRescheduleForm
    title = "Reschedule the interview"

    def get_initial(self):
        return {"scheduled_at": timezone.localtime(self.interview.scheduled_at)}

    def form_valid(self, form):
        try:
            interview = services.interview_reschedule(
                interview=self.interview,
                rescheduled_by=self.request.user,
                scheduled_at=form.cleaned_data["scheduled_at"],
                confirm_outside_hours=form.cleaned_data["confirm_outside_hours"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        when = calendar.time_in_zone(interview.scheduled_at, self.application.zone)
        return self.done(f"Interview moved to {when} for the candidate; their calendar event is updated.")


class InterviewCancelView(ScopedInterviewMixin, View):
    def post(self, request, pk):
        try:
            services.interview_cancel(interview=self.interview, cancelled_by=request.user)
            _ok(request, "Interview cancelled; the candidate's calendar event is removed.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("recruiting:application_detail", pk=self.application.pk)


class InterviewSlotsWithdrawView(SupportManagerRequiredMixin, View):
    def post(self, request, pk):
        offer = selectors.slot_offer_get_scoped(user=request.user, pk=pk)
        if offer is None:
            raise not_found_in_scope(request, InterviewSlotOffer, pk=pk, message="No such offer.")
        try:
            services.interview_slots_withdraw(offer=offer, withdrawn_by=request.user)
            _ok(request, "Times withdrawn; the candidate's link no longer works.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("recruiting:application_detail", pk=offer.application_id)


PICK_NEXT_STEP = "Reply to the e-mail the link came in, and the hiring team will find a time with you."


def pick_dead_end(request, *, offer: InterviewSlotOffer | None, state: LinkState):
    detail = ""
    if state == LinkState.USED and offer is not None and offer.interview is not None:
        when = calendar.time_in_zone(offer.interview.scheduled_at, offer.application.zone)
        detail = f"You already chose {when}; the calendar invitation is in your inbox."
    elif state == LinkState.EXPIRED:
        detail = "The times offered have passed."
    return link_dead_end(request, state=state, what="interview link", detail=detail, next_step=PICK_NEXT_STEP)


class InterviewPickView(FormView):
    """The candidate's private page (no login): the times offered, in their own zone; one pick."""

    template_name = "recruiting/interview_pick.html"
    form_class = forms.InterviewPickForm

    offer: InterviewSlotOffer

    def dispatch(self, request, *args, **kwargs):
        found = slot_offer_get_by_token(token=kwargs["token"])
        state = LinkState.UNKNOWN if found is None else slot_offer_link_state(offer=found)
        if found is None or state != LinkState.OPEN:
            return pick_dead_end(request, offer=found, state=state)
        self.offer = found
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def slots(self):
        now = timezone.now()
        return [slot for slot in self.offer.slots.all() if slot.starts_at > now]

    def get_form_kwargs(self):
        zone = self.offer.application.zone
        choices = [(slot.pk, calendar.time_in_zone(slot.starts_at, zone)) for slot in self.slots]
        return {**super().get_form_kwargs(), "choices": choices}

    def get_context_data(self, **kwargs):
        application = self.offer.application
        return {
            **super().get_context_data(**kwargs),
            "offer": self.offer,
            "posting": application.posting,
            "application": application,
        }

    def form_valid(self, form):
        try:
            interview = services.interview_slot_pick(offer=self.offer, slot_id=form.cleaned_data["slot"])
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        application = self.offer.application
        return render(
            self.request,
            "recruiting/interview_picked.html",
            {
                "posting": application.posting,
                "interview": interview,
                "when": calendar.time_in_zone(interview.scheduled_at, application.zone),
            },
        )
