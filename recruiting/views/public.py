"""Public pages: the application form and the private trial-task link (no login)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from core.errors import DomainError
from core.errorviews import link_dead_end
from core.forms import add_error_to_form
from core.links import LinkState
from core.throttle import client_fingerprint, throttled
from recruiting import forms, selectors, services
from recruiting.models import Posting, TrialTask
from recruiting.trial_pay import trial_payout_details_path


class ApplyView(FormView):
    """The public application form. No login; a closed posting says so."""

    template_name = "recruiting/apply.html"
    form_class = forms.ApplyForm

    @cached_property
    def posting(self) -> Posting:
        posting = selectors.posting_public_get(slug=self.kwargs["slug"])
        if posting is None:
            raise Http404("No such posting.")
        return posting

    def dispatch(self, request, *args, **kwargs):
        if not self.posting.is_open:
            return render(request, "recruiting/apply_closed.html", {"posting": self.posting})
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Every POST counts, valid or not: a burst from one address gets a friendly 429 and stores nothing.
        wait = throttled(request, group="recruiting.apply", rate=settings.RECRUITING_APPLY_RATE)
        if wait is not None:
            response = render(
                request,
                "recruiting/apply_throttled.html",
                {"posting": self.posting, "wait_minutes": max(1, -(-wait // 60))},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "posting": self.posting}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "posting": self.posting}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.application_submit(
                client_fingerprint=client_fingerprint(
                    self.request, purpose="recruiting.application-received"
                ),
                posting=self.posting,
                full_name=data["full_name"],
                email=data["email"],
                country=data["country"],
                time_zone=data["time_zone"],
                language_ids=[lang.pk for lang in data["languages"]],
                skill_ids=[s.pk for s in data.get("skills") or []],
                rate_asked=data["rate_asked"],
                rate_currency=data["rate_currency"],
                years_experience=data.get("years_experience"),
                profile_url=data["profile_url"],
                answers=form.answers(),
                resume=data.get("resume"),
                # The form posts to its own address, so a tracking or referral link's query string is still here.
                src=self.request.GET.get("src", ""),
                referral_token=self.request.GET.get("ref", ""),
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        return redirect("recruiting:apply_thanks", slug=self.posting.slug)


class ApplyThanksView(TemplateView):
    template_name = "recruiting/apply_thanks.html"

    def get_context_data(self, **kwargs):
        posting = selectors.posting_public_get(slug=self.kwargs["slug"])
        if posting is None:
            raise Http404("No such posting.")
        return {**super().get_context_data(**kwargs), "posting": posting}


TRIAL_NEXT_STEP = (
    "If you think this is a mistake, reply to the e-mail the link came in and the hiring team will help."
)


def trial_dead_end(request, *, trial: TrialTask | None, state: LinkState):
    """The branded page for a trial link that leads nowhere: unknown (404), submitted, expired or withdrawn (410)."""
    detail = ""
    if state == LinkState.USED and trial is not None:
        on = ""
        if trial.submitted_at:
            local = timezone.localtime(trial.submitted_at, trial.application.zone)
            on = f" on {formats.date_format(local, 'DATE_FORMAT')}"
        detail = f"Your answers were already submitted{on}; the hiring team will get back to you."
        if payout_path := trial_payout_details_path(trial):
            payout_page = request.build_absolute_uri(payout_path)
            detail += f" This was a paid trial task: enter your payout details at {payout_page} to be paid."
    elif state == LinkState.EXPIRED:
        detail = "The deadline for this trial task has passed."
    return link_dead_end(
        request, state=state, what="trial task link", detail=detail, next_step=TRIAL_NEXT_STEP
    )


class TrialPublicView(FormView):
    """The candidate's private trial-task page. A link that no longer works gets the branded dead-end page:
    unknown 404; already submitted, expired or withdrawn 410."""

    template_name = "recruiting/trial_public.html"
    form_class = forms.TrialSubmitForm

    trial: TrialTask

    def dispatch(self, request, *args, **kwargs):
        found = selectors.trial_task_get_by_token(token=kwargs["token"])
        state = LinkState.UNKNOWN if found is None else selectors.trial_task_link_state(trial=found)
        if found is None or state != LinkState.OPEN:
            return trial_dead_end(request, trial=found, state=state)
        self.trial = found
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.trial.support_questions}

    def get_context_data(self, **kwargs):
        trial = self.trial
        return {
            **super().get_context_data(**kwargs),
            "trial": trial,
            "posting": trial.application.posting,
            "deadline_local": timezone.localtime(trial.deadline, trial.application.zone),
        }

    def form_valid(self, form):
        try:
            trial = services.trial_task_submit(trial_task=self.trial, answers=form.answers())
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        return render(
            self.request,
            "recruiting/trial_done.html",
            {"trial": trial, "just_submitted": True, "payout_path": trial_payout_details_path(trial)},
        )
