"""Thin views over recruiting's services and selectors.

Manager pages are scoped through the selectors (anything outside the user's programs is a 404);
the public pages (/apply/<slug>/ and /trial/<token>/) need no login.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import ManagerRequiredMixin
from core.errors import DomainError
from core.forms import add_error_to_form
from programs.mixins import ProgramManagerRequiredMixin
from programs.selectors import program_list
from recruiting import forms, selectors, services
from recruiting.models import Application, MessageTemplate, Posting, TrialTask
from recruiting.placeholders import PLACEHOLDERS
from recruiting.services.interviews import interview_questions_for
from recruiting.services.trials import grading_criteria


def _ok(request, text):
    messages.success(request, text)


# ---------------------------------------------------------------- postings

class PostingListView(ManagerRequiredMixin, ListView):
    template_name = "recruiting/posting_list.html"
    context_object_name = "postings"

    def get_queryset(self):
        return selectors.posting_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = program_list(user=self.request.user).order_by("name")
        context["pipeline"] = Application.PIPELINE
        return context


class PostingFormMixin:
    template_name = "recruiting/posting_form.html"
    form_class = forms.PostingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "program": self.program}


class PostingCreateView(ProgramManagerRequiredMixin, PostingFormMixin, FormView):
    def get_initial(self):
        return selectors.posting_initial_from_profile(program=self.program)

    def form_valid(self, form):
        try:
            posting = services.posting_create(program=self.program, created_by=self.request.user,
                                              open_now="open" in self.request.POST, **form.service_kwargs())
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Posting created." + (" It is open for applications." if posting.is_open else ""))
        return redirect("recruiting:posting_detail", pk=posting.pk)


class ScopedPostingMixin(ManagerRequiredMixin):
    @cached_property
    def posting(self) -> Posting:
        posting = selectors.posting_get(user=self.request.user, pk=self.kwargs["pk"])
        if posting is None:
            raise Http404("No such posting.")
        return posting

    @property
    def program(self):
        return self.posting.program

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["posting"] = self.posting
        context["program"] = self.posting.program
        return context


class PostingUpdateView(ScopedPostingMixin, PostingFormMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.posting}

    def form_valid(self, form):
        kwargs = form.service_kwargs()
        # The form edited the instance in place while validating; the service reloads and saves.
        try:
            services.posting_update(posting=self.posting, updated_by=self.request.user, **kwargs)
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Posting saved. Scores follow the new weights and skills.")
        return redirect("recruiting:posting_detail", pk=self.posting.pk)


class PostingDetailView(ScopedPostingMixin, TemplateView):
    template_name = "recruiting/posting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posting = self.posting
        context["public_url"] = self.request.build_absolute_uri(reverse("recruiting:apply", args=[posting.slug]))
        context["headcount"], context["planned"] = selectors.posting_headcount(posting=posting)
        counts = selectors.posting_list(user=self.request.user).get(pk=posting.pk)
        context["stage_counts"] = [(label, getattr(counts, f"count_{stage}")) for stage, label in
                                   Application.Stage.choices]
        context["count_total"] = counts.count_total
        return context


class PostingStatusView(ScopedPostingMixin, View):
    def post(self, request, pk):
        action = request.POST.get("action")
        try:
            if action == "open":
                was_closed = self.posting.status == Posting.Status.CLOSED
                services.posting_open(posting=self.posting, opened_by=request.user)
                _ok(request, "Posting reposted; earlier applications are kept." if was_closed else "Posting opened.")
            elif action == "close":
                services.posting_close(posting=self.posting, closed_by=request.user)
                _ok(request, "Posting closed. The public page now says so.")
            else:
                messages.error(request, "Unknown action.")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("recruiting:posting_detail", pk=pk)


# ---------------------------------------------------------------- board and list

class BoardView(ScopedPostingMixin, TemplateView):
    template_name = "recruiting/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = selectors.application_board(user=self.request.user, posting=self.posting)
        return context


class ApplicationMoveView(ManagerRequiredMixin, View):
    """POST a stage move. From the board (htmx) the answer is the board again, with an error if refused."""

    def post(self, request, pk):
        application = selectors.application_scope(user=request.user).filter(pk=pk).select_related(
            "posting").first()
        if application is None:
            raise Http404("No such application.")
        form = forms.MoveForm(request.POST)
        error = None
        if form.is_valid():
            try:
                services.application_move(application=application, to_stage=form.cleaned_data["stage"],
                                          moved_by=request.user, note=form.cleaned_data["note"])
            except DomainError as exc:
                error = exc.message
        else:
            error = "Choose a stage from the list."
        if request.htmx:
            columns = selectors.application_board(user=request.user, posting=application.posting)
            return render(request, "recruiting/_board.html",
                          {"columns": columns, "posting": application.posting, "board_error": error,
                           "moved_id": application.pk})
        if error:
            messages.error(request, error)
        else:
            _ok(request, f"Moved to {Application.Stage(form.cleaned_data['stage']).label}.")
        return redirect("recruiting:application_detail", pk=pk)


class ApplicationListView(ScopedPostingMixin, ListView):
    template_name = "recruiting/application_list.html"
    context_object_name = "applications"
    paginate_by = 50

    @cached_property
    def filter_form(self):
        return forms.ListFilterForm(self.request.GET or None)

    def get_queryset(self):
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.application_list(
            user=self.request.user, posting=self.posting, stage=filters.get("stage") or None,
            min_score=filters.get("min_score"), idle_days=filters.get("idle_days"), search=filters.get("q") or "",
            sort=filters.get("sort") or "score",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


# ---------------------------------------------------------------- one application

class ScopedApplicationMixin(ManagerRequiredMixin):
    @cached_property
    def application(self) -> Application:
        application = selectors.application_get(user=self.request.user, pk=self.kwargs["pk"])
        if application is None:
            raise Http404("No such application.")
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
            initial={"score": application.score_override, "note": application.score_override_note})
        context["reply_form"] = forms.ReplyForm()
        context["template_kinds"] = MessageTemplate.Kind.choices
        context["trials"] = list(application.trial_tasks.all())
        context["interviews"] = list(application.interviews.all())
        context["components"] = [
            ("Speed of response", application.score_speed, application.posting.weight_speed,
             f"{application.response_hours} h after the posting opened"),
            ("Effort", application.score_effort, application.posting.weight_effort, "specific, detailed answers"),
            ("Skills match", application.score_skills, application.posting.weight_skills,
             "posting skills and languages"),
            ("Credibility", application.score_credibility, application.posting.weight_credibility,
             "profile link, resume, past success"),
        ]
        context["site_url"] = self.request.build_absolute_uri("/").rstrip("/")
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
        response = FileResponse(handle, as_attachment=True,
                                filename=f"resume-{slugify(application.full_name) or application.pk}{extension}",
                                content_type=application.resume_content_type or "application/octet-stream")
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
                    application=self.application, score=form.cleaned_data["score"], note=form.cleaned_data["note"],
                    overridden_by=request.user)
                _ok(request, "Score saved.")
            except DomainError as error:
                messages.error(request, error.message)
        return redirect("recruiting:application_detail", pk=pk)


class ReplyLogView(ScopedApplicationMixin, View):
    def post(self, request, pk):
        form = forms.ReplyForm(request.POST)
        if form.is_valid():
            services.message_log_reply(application=self.application, body=form.cleaned_data["body"],
                                       logged_by=request.user)
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
            subject, body = services.message_preview(application=self.application, kind=kind,
                                                     sender=self.request.user)
            return {"kind": kind, "subject": subject, "body": body}
        return {}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kinds": MessageTemplate.Kind.choices,
                "placeholders": PLACEHOLDERS}

    def form_valid(self, form):
        kind = form.cleaned_data["kind"] if form.cleaned_data["kind"] in MessageTemplate.Kind.values else ""
        try:
            services.message_send(application=self.application, subject=form.cleaned_data["subject"],
                                  body=form.cleaned_data["body"], sent_by=self.request.user, kind=kind)
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
            "amount": Decimal("25.00"), "currency": self.application.posting.pay_currency,
            "deadline": local_deadline.replace(hour=18, minute=0, second=0, microsecond=0),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            trial = services.trial_task_send(
                application=self.application, sent_by=self.request.user, instructions=data["instructions"],
                support_questions=forms.split_paragraphs(data["support_questions"]), is_paid=data["is_paid"],
                amount=data["amount"], currency=data["currency"], deadline=data["deadline"],
                send_message=data["send_message"],
            )
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        link = self.request.build_absolute_uri(reverse("recruiting:trial_public", args=[trial.token]))
        return self.done(f"Trial task sent. Private link: {link}")


class ScopedTrialMixin(ManagerRequiredMixin):
    @cached_property
    def trial(self) -> TrialTask:
        trial = selectors.trial_task_get_scoped(user=self.request.user, pk=self.kwargs["pk"])
        if trial is None:
            raise Http404("No such trial task.")
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
        return {**super().get_context_data(**kwargs), "trial": self.trial, "application": self.application,
                "scorecard": scorecard, "scale_max": scale_max}

    def form_valid(self, form):
        try:
            trial = services.trial_task_grade(trial_task=self.trial, graded_by=self.request.user,
                                              ratings=form.ratings(), notes=form.cleaned_data["notes"])
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


class InterviewCreateView(ApplicationFormView):
    form_class = forms.InterviewScheduleForm
    title = "Schedule an interview"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "program": self.application.posting.program}

    def get_initial(self):
        return {"questions": interview_questions_for(program=self.application.posting.program),
                "interviewer": self.request.user.pk}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            interview = services.interview_schedule(
                application=self.application, scheduled_by=self.request.user, scheduled_at=data["scheduled_at"],
                duration_minutes=data["duration_minutes"], meeting_link=data["meeting_link"],
                interviewer=data["interviewer"], questions=data["questions"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        candidate_time = timezone.localtime(interview.scheduled_at, self.application.zone)
        return self.done(f"Interview scheduled — {candidate_time:%a %d %b %H:%M} for the candidate "
                         f"({self.application.time_zone}).")


class InterviewRecordView(ManagerRequiredMixin, FormView):
    template_name = "recruiting/interview_record.html"
    form_class = forms.InterviewRecordForm

    @cached_property
    def interview(self):
        interview = selectors.interview_get_scoped(user=self.request.user, pk=self.kwargs["pk"])
        if interview is None:
            raise Http404("No such interview.")
        return interview

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.interview.questions}

    def get_initial(self):
        initial = {"notes": self.interview.notes, "recommendation": self.interview.recommendation}
        for index, row in enumerate(self.interview.ratings):
            initial[f"rating_{index}"] = row.get("rating")
            initial[f"notes_{index}"] = row.get("notes", "")
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "interview": self.interview,
                "application": self.interview.application}

    def form_valid(self, form):
        try:
            services.interview_record(
                interview=self.interview, recorded_by=self.request.user, ratings=form.ratings(),
                question_notes=form.question_notes(), notes=form.cleaned_data["notes"],
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
            "hourly_rate": self.application.rate_asked, "currency": self.application.rate_currency,
            "start_date": timezone.localdate() + datetime.timedelta(days=7),
            "hours_per_week": self.application.posting.hours_per_week or Decimal("20"),
            "end_date": None if profile is None or profile.open_ended else profile.contract_end_date,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current, planned = selectors.posting_headcount(posting=self.application.posting)
        context.update(headcount=current, planned=planned)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        posting = self.application.posting
        current, planned = selectors.posting_headcount(posting=posting)
        reaches = planned is not None and current + 1 >= planned and posting.is_open
        if reaches and not data["close_posting"]:
            # The confirm step: same data, plus the question.
            return self.render_to_response(self.get_context_data(form=form, confirm_close=True,
                                                                 after_hire=current + 1))
        try:
            result = services.application_hire(
                application=self.application, hired_by=self.request.user, hourly_rate=data["hourly_rate"],
                currency=data["currency"], start_date=data["start_date"], end_date=data["end_date"],
                hours_per_week=data["hours_per_week"], close_posting=data["close_posting"] == "yes",
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        text = (f"{result.freelancer} is hired. A draft contract is ready"
                + (" and an invitation e-mail is on its way." if result.freelancer_created else ".")
                + (" The posting is closed." if result.posting_closed else ""))
        return self.done(text)


# ---------------------------------------------------------------- message templates

class MessageTemplateListView(ProgramManagerRequiredMixin, TemplateView):
    template_name = "recruiting/template_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "templates": selectors.message_template_list(program=self.program), "placeholders": PLACEHOLDERS}


class MessageTemplateEditView(ProgramManagerRequiredMixin, FormView):
    template_name = "recruiting/template_form.html"
    form_class = forms.MessageTemplateForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in MessageTemplate.Kind.values:
            raise Http404("No such template.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        from recruiting.services.messages import template_for

        subject, body = template_for(program=self.program, kind=self.kwargs["kind"])
        return {"subject": subject, "body": body}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kind_label": MessageTemplate.Kind(self.kwargs["kind"]).label,
                "placeholders": PLACEHOLDERS}

    def form_valid(self, form):
        try:
            services.message_template_save(program=self.program, kind=self.kwargs["kind"],
                                           subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
                                           saved_by=self.request.user)
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        _ok(self.request, "Template saved.")
        return redirect("recruiting:template_list", program_slug=self.program.slug)


# ---------------------------------------------------------------- public pages

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

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "posting": self.posting}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "posting": self.posting}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.application_submit(
                posting=self.posting, full_name=data["full_name"], email=data["email"], country=data["country"],
                time_zone=data["time_zone"], language_ids=[lang.pk for lang in data["languages"]],
                skill_ids=[s.pk for s in data.get("skills") or []], rate_asked=data["rate_asked"],
                rate_currency=data["rate_currency"], profile_url=data["profile_url"], answers=form.answers(),
                resume=data.get("resume"),
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


class TrialPublicView(FormView):
    """The candidate's private trial-task page: unknown, cancelled or expired links are a 404."""

    template_name = "recruiting/trial_public.html"
    form_class = forms.TrialSubmitForm

    @cached_property
    def trial(self) -> TrialTask:
        trial = selectors.trial_task_get_by_token(token=self.kwargs["token"])
        if trial is None:
            raise Http404("This link is not valid.")
        return trial

    def dispatch(self, request, *args, **kwargs):
        if self.trial.status != TrialTask.Status.SENT:
            return render(request, "recruiting/trial_done.html", {"trial": self.trial})
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.trial.support_questions}

    def get_context_data(self, **kwargs):
        trial = self.trial
        return {**super().get_context_data(**kwargs), "trial": trial, "posting": trial.application.posting,
                "deadline_local": timezone.localtime(trial.deadline, trial.application.zone)}

    def form_valid(self, form):
        try:
            trial = services.trial_task_submit(trial_task=self.trial, answers=form.answers())
        except DomainError as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        return render(self.request, "recruiting/trial_done.html", {"trial": trial, "just_submitted": True})

