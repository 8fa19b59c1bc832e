"""One application: its page, resume, score override, messages, trial tasks, interviews, hiring."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import SupportManagerRequiredMixin
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from recruiting import forms, selectors, services
from recruiting.calendar import time_in_zone
from recruiting.models import Application, Interview, MessageTemplate, TrialTask
from recruiting.placeholders import PLACEHOLDERS
from recruiting.rate_insight import application_rate_insight
from recruiting.services.interviews import interview_questions_for
from recruiting.services.trials import grading_criteria
from recruiting.views.common import _ok


class ScopedApplicationMixin(SupportManagerRequiredMixin):
    @cached_property
    def application(self) -> Application:
        application = selectors.application_get(user=self.request.user, pk=self.kwargs["pk"])
        if application is None:
            raise not_found_in_scope(
                self.request, Application, pk=self.kwargs["pk"], message="No such application."
            )
        return application

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["application"] = self.application
        context["posting"] = self.application.posting
        context["program"] = self.application.posting.program
        return context


class ApplicationDetailView(ScopedApplicationMixin, TemplateView):
    template_name = "recruiting/application_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.application
        context["timeline"] = selectors.application_timeline(application=application)
        context["move_form"] = forms.MoveForm()
        context["score_form"] = forms.ScoreOverrideForm(
            initial={"score": application.score_override, "note": application.score_override_note}
        )
        context["reply_form"] = forms.ReplyForm()
        context["template_kinds"] = MessageTemplate.Kind.choices
        context["trials"] = list(application.trial_tasks.all())
        context["interviews"] = list(application.interviews.all())
        context["components"] = [
            (
                "Speed of response",
                application.score_speed,
                application.posting.weight_speed,
                f"{application.response_hours} h after the posting opened",
            ),
            (
                "Effort",
                application.score_effort,
                application.posting.weight_effort,
                "specific, detailed answers",
            ),
            (
                "Skills match",
                application.score_skills,
                application.posting.weight_skills,
                "posting skills and languages",
            ),
            (
                "Credibility",
                application.score_credibility,
                application.posting.weight_credibility,
                "profile link, resume, past success",
            ),
        ]
        context["site_url"] = self.request.build_absolute_uri("/").rstrip("/")
        context["hire_contract"] = selectors.application_contract_get(application=application)
        context["rate_insight"] = application_rate_insight(application=application)
        return context


class ResumeView(ScopedApplicationMixin, View):
    """The resume, only for the program's managers, always as a download (never rendered inline)."""

    def get(self, request, pk):
        application = self.application
        if not application.resume:
            raise Http404("No resume.")
        try:
            handle = application.resume.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404("The resume file is missing.")
        extension = ".docx" if application.resume.name.endswith(".docx") else ".pdf"
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"resume-{slugify(application.full_name) or application.pk}{extension}",
            content_type=application.resume_content_type or "application/octet-stream",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ScoreOverrideView(ScopedApplicationMixin, View):
    def post(self, request, pk):
        form = forms.ScoreOverrideForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The score must be a number from 0 to 100.")
        else:
            try:
                services.application_score_override(
                    application=self.application,
                    score=form.cleaned_data["score"],
                    note=form.cleaned_data["note"],
                    overridden_by=request.user,
                )
                _ok(request, "Score saved.")
            except DomainError as error:
                messages.error(request, error.message)
        return redirect("recruiting:application_detail", pk=pk)


class ReplyLogView(ScopedApplicationMixin, View):
    def post(self, request, pk):
        form = forms.ReplyForm(request.POST)
        if form.is_valid():
            services.message_log_reply(
                application=self.application, body=form.cleaned_data["body"], logged_by=request.user
            )
            _ok(request, "Reply added to the timeline. No nudge will be sent.")
        else:
            messages.error(request, "Paste the candidate's reply.")
        return redirect("recruiting:application_detail", pk=pk)


class ApplicationFormView(ScopedApplicationMixin, FormView):
    """A form about one application; on success go back to it."""

    template_name = "recruiting/application_form.html"
    title = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": self.title}

    def done(self, text):
        _ok(self.request, text)
        return redirect("recruiting:application_detail", pk=self.application.pk)


class MessageSendView(ApplicationFormView):
    form_class = forms.MessageForm
    template_name = "recruiting/message_form.html"
    title = "Send a message"

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        if kind in MessageTemplate.Kind.values:
            subject, body = services.message_preview(
                application=self.application, kind=kind, sender=self.request.user
            )
            return {"kind": kind, "subject": subject, "body": body}
        return {}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "kinds": MessageTemplate.Kind.choices,
            "placeholders": PLACEHOLDERS,
        }

    def form_valid(self, form):
        kind = form.cleaned_data["kind"] if form.cleaned_data["kind"] in MessageTemplate.Kind.values else ""
        try:
            services.message_send(
                application=self.application,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                sent_by=self.request.user,
                kind=kind,
            )
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        return self.done(f"Message sent to {self.application.email}.")


class TrialTaskCreateView(ApplicationFormView):
    form_class = forms.TrialTaskForm
    title = "Send a trial task"

    def get_initial(self):
        program = self.application.posting.program
        profile = getattr(program, "candidate_profile", None)
        assignment = getattr(profile, "writing_assignment", "") or ""
        local_deadline = timezone.localtime() + datetime.timedelta(days=3)
        return {
            "instructions": "Answer each customer message below as you would in our help desk: friendly, accurate "
            "and complete. Use your own words; there is no need to look anything up.",
            "support_questions": assignment,
            "amount": Decimal("25.00"),
            "currency": self.application.posting.pay_currency,
            "deadline": local_deadline.replace(hour=18, minute=0, second=0, microsecond=0),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            trial = services.trial_task_send(
                application=self.application,
                sent_by=self.request.user,
                instructions=data["instructions"],
                support_questions=forms.split_paragraphs(data["support_questions"]),
                is_paid=data["is_paid"],
                amount=data["amount"],
                currency=data["currency"],
                deadline=data["deadline"],
                send_message=data["send_message"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        link = self.request.build_absolute_uri(reverse("recruiting:trial_public", args=[trial.token]))
        return self.done(f"Trial task sent. Private link: {link}")


class ScopedTrialMixin(SupportManagerRequiredMixin):
    @cached_property
    def trial(self) -> TrialTask:
        trial = selectors.trial_task_get_scoped(user=self.request.user, pk=self.kwargs["pk"])
        if trial is None:
            raise not_found_in_scope(
                self.request, TrialTask, pk=self.kwargs["pk"], message="No such trial task."
            )
        return trial

    @cached_property
    def application(self):
        return self.trial.application


class TrialTaskGradeView(ScopedTrialMixin, FormView):
    template_name = "recruiting/trial_grade.html"
    form_class = forms.TrialGradeForm

    @cached_property
    def grading(self):
        scorecard, criteria = grading_criteria(program=self.application.posting.program)
        if scorecard is not None:
            return scorecard, [(str(c.pk), c.name, c.description) for c in criteria], scorecard.scale_max
        from recruiting.scoring import RUBRIC, RUBRIC_SCALE_MAX

        return None, RUBRIC, RUBRIC_SCALE_MAX

    def get_form_kwargs(self):
        _scorecard, criteria, scale_max = self.grading
        return {**super().get_form_kwargs(), "criteria": criteria, "scale_max": scale_max}

    def get_initial(self):
        initial = {f"rating_{k}": v for k, v in (self.trial.ratings or {}).items()}
        initial["notes"] = self.trial.grading_notes
        return initial

    def get_context_data(self, **kwargs):
        scorecard, _criteria, scale_max = self.grading
        return {
            **super().get_context_data(**kwargs),
            "trial": self.trial,
            "application": self.application,
            "scorecard": scorecard,
            "scale_max": scale_max,
        }

    def form_valid(self, form):
        try:
            trial = services.trial_task_grade(
                trial_task=self.trial,
                graded_by=self.request.user,
                ratings=form.ratings(),
                notes=form.cleaned_data["notes"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, f"Trial graded: {trial.score} / 100.")
        return redirect("recruiting:application_detail", pk=self.application.pk)


class TrialTaskCancelView(ScopedTrialMixin, View):
    def post(self, request, pk):
        try:
            services.trial_task_cancel(trial_task=self.trial, cancelled_by=request.user)
            _ok(request, "Trial task cancelled; its link no longer works.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("recruiting:application_detail", pk=self.application.pk)


class InterviewFormView(ApplicationFormView):
    """The interview forms (schedule, offer times): the program's interviewers, its questions, me as interviewer."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "program": self.application.posting.program}

    def get_initial(self):
        return {
            "questions": interview_questions_for(program=self.application.posting.program),
            "interviewer": self.request.user.pk,
        }


class InterviewCreateView(InterviewFormView):
    form_class = forms.InterviewScheduleForm
    title = "Schedule an interview"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            interview = services.interview_schedule(
                application=self.application,
                scheduled_by=self.request.user,
                scheduled_at=data["scheduled_at"],
                duration_minutes=data["duration_minutes"],
                meeting_link=data["meeting_link"],
                interviewer=data["interviewer"],
                questions=data["questions"],
                confirm_outside_hours=data["confirm_outside_hours"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        when = time_in_zone(interview.scheduled_at, self.application.zone)
        return self.done(
            f"Interview scheduled — {when} for the candidate, who gets an invitation with a calendar event."
        )


class ScopedInterviewMixin(SupportManagerRequiredMixin):
    request: HttpRequest
    kwargs: dict[str, Any]

    @cached_property
    def interview(self) -> Interview:
        interview = selectors.interview_get_scoped(user=self.request.user, pk=self.kwargs["pk"])
        if interview is None:
            raise not_found_in_scope(
                self.request, Interview, pk=self.kwargs["pk"], message="No such interview."
            )
        return interview

    @cached_property
    def application(self):
        return self.interview.application


class InterviewRecordView(ScopedInterviewMixin, FormView):
    template_name = "recruiting/interview_record.html"
    form_class = forms.InterviewRecordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.interview.questions}

    def get_initial(self):
        initial = {"notes": self.interview.notes, "recommendation": self.interview.recommendation}
        for index, row in enumerate(self.interview.ratings):
            initial[f"rating_{index}"] = row.get("rating")
            initial[f"notes_{index}"] = row.get("notes", "")
        return initial

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "interview": self.interview,
            "application": self.interview.application,
        }

    def form_valid(self, form):
        try:
            services.interview_record(
                interview=self.interview,
                recorded_by=self.request.user,
                ratings=form.ratings(),
                question_notes=form.question_notes(),
                notes=form.cleaned_data["notes"],
                recommendation=form.cleaned_data["recommendation"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Interview scorecard saved.")
        return redirect("recruiting:application_detail", pk=self.interview.application_id)


class HireView(ApplicationFormView):
    """Hire from an offer. When this hire reaches the planned headcount, ask whether to close the posting."""

    form_class = forms.HireForm
    template_name = "recruiting/hire_form.html"
    title = "Hire"

    def get_initial(self):
        profile = getattr(self.application.posting.program, "candidate_profile", None)
        return {
            "hourly_rate": self.application.rate_asked,
            "currency": self.application.rate_currency,
            "start_date": timezone.localdate() + datetime.timedelta(days=7),
            "hours_per_week": self.application.posting.hours_per_week or Decimal("20"),
            "end_date": None if profile is None or profile.open_ended else profile.contract_end_date,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current, planned = selectors.posting_headcount(posting=self.application.posting)
        context.update(
            headcount=current,
            planned=planned,
            rate_insight=application_rate_insight(application=self.application),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        posting = self.application.posting
        current, planned = selectors.posting_headcount(posting=posting)
        reaches = planned is not None and current + 1 >= planned and posting.is_open
        if reaches and not data["close_posting"]:
            # The confirm step: same data, plus the question.
            return self.render_to_response(
                self.get_context_data(form=form, confirm_close=True, after_hire=current + 1)
            )
        try:
            result = services.application_hire(
                application=self.application,
                hired_by=self.request.user,
                hourly_rate=data["hourly_rate"],
                currency=data["currency"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                hours_per_week=data["hours_per_week"],
                close_posting=data["close_posting"] == "yes",
                confirm_out_of_range=data["confirm_out_of_range"],
                out_of_range_reason=data["out_of_range_reason"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        # The confirmation links to the draft contract it made: the manager's next step is to check and send it.
        text = format_html(
            '{} is hired. <a href="{}" class="alert-link">Open the draft contract</a> to check it and send it for '
            "signature{}{}",
            result.freelancer,
            reverse("contracts:contract_detail", kwargs={"pk": result.contract.pk}),
            " — an invitation e-mail is on its way." if result.freelancer_created else ".",
            " The posting is closed." if result.posting_closed else "",
        )
        return self.done(text)
