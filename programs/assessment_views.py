"""/manage/programs/assessments/: “Is it time to outsource?” for support managers (agents: 403).

An assessment is its owner's: another manager's answers 404. Writes go through programs.assessment_services.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import ListView, TemplateView, View

from accounts.mixins import SupportManagerRequiredMixin
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs import assessment_services as assessments
from programs.assessment import score_chart
from programs.assessment_forms import AssessmentForm, AssessmentProgramForm, AssessmentTaskForm
from programs.models import AssessmentTask, OutsourcingAssessment


def detail_url(assessment: OutsourcingAssessment) -> str:
    return reverse("programs:assessment_detail", kwargs={"pk": assessment.pk})


class AssessmentListView(SupportManagerRequiredMixin, ListView):
    template_name = "programs/assessment/list.html"
    context_object_name = "assessments"

    def get_queryset(self):
        return assessments.assessment_list(user=self.request.user)


class AssessmentMixin(SupportManagerRequiredMixin):
    """The assessment named by the URL's pk, the user's own (anyone else's: 404, after the role check)."""

    request: HttpRequest
    kwargs: dict[str, Any]

    @cached_property
    def assessment(self) -> OutsourcingAssessment:
        assessment = assessments.assessment_get(user=self.request.user, pk=self.kwargs["pk"])
        if assessment is None:
            raise not_found_in_scope(
                self.request, OutsourcingAssessment, pk=self.kwargs["pk"], message="No such assessment."
            )
        return assessment

    def refusal(self, request):
        refusal = super().refusal(request)
        if refusal is None:
            self.assessment  # noqa: B018 — an unknown assessment is a 404 before any work
        return refusal


class AssessmentFormView(SupportManagerRequiredMixin, TemplateView):
    """New assessment (no pk) or edit one (pk)."""

    template_name = "programs/assessment/form.html"

    def get_assessment(self) -> OutsourcingAssessment | None:
        if "pk" not in self.kwargs:
            return None
        assessment = assessments.assessment_get(user=self.request.user, pk=self.kwargs["pk"])
        if assessment is None:
            raise not_found_in_scope(
                self.request, OutsourcingAssessment, pk=self.kwargs["pk"], message="No such assessment."
            )
        return assessment

    def get(self, request, *args, **kwargs):
        assessment = self.get_assessment()
        return self.render_to_response(
            self.get_context_data(form=AssessmentForm(instance=assessment), assessment=assessment)
        )

    def post(self, request, *args, **kwargs):
        assessment = self.get_assessment()
        form = AssessmentForm(request.POST, instance=assessment)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                if assessment is None:
                    assessment = assessments.assessment_create(owner=request.user, data=data)
                else:
                    assessment = assessments.assessment_update(
                        assessment=assessment, actor=request.user, data=data
                    )
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, "Assessment saved. Log your week's tasks next.")
                return redirect(detail_url(assessment))
        return self.render_to_response(self.get_context_data(form=form, assessment=assessment))


class AssessmentDetailView(AssessmentMixin, TemplateView):
    template_name = "programs/assessment/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ranking = assessments.assessment_ranking(assessment=self.assessment)
        bars, zero, height = score_chart(ranking)
        context.update(
            assessment=self.assessment,
            ranking=ranking,
            bars=bars,
            chart_zero=zero,
            chart_height=height,
            task_form=kwargs.get("task_form") or AssessmentTaskForm(),
            program_form=kwargs.get("program_form")
            or AssessmentProgramForm(initial={"name": f"Outsourced: {self.assessment.name}"[:120]}),
        )
        return context


class AssessmentTaskFormView(AssessmentMixin, TemplateView):
    """Add a task (POST to tasks/new/) or edit one (tasks/<task_pk>/edit/)."""

    template_name = "programs/assessment/task_form.html"

    def get_task(self) -> AssessmentTask | None:
        if "task_pk" not in self.kwargs:
            return None
        task = assessments.assessment_task_get(assessment=self.assessment, pk=self.kwargs["task_pk"])
        if task is None:
            raise not_found_in_scope(
                self.request, AssessmentTask, pk=self.kwargs["task_pk"], message="No such task."
            )
        return task

    def get(self, request, *args, **kwargs):
        task = self.get_task()
        return self.render_to_response(
            self.get_context_data(
                assessment=self.assessment, task=task, form=AssessmentTaskForm(instance=task)
            )
        )

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        form = AssessmentTaskForm(request.POST, instance=task)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                assessments.assessment_task_save(
                    assessment=self.assessment, actor=request.user, data=data, task=task
                )
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, f"“{data['task']}” saved.")
                return redirect(detail_url(self.assessment))
        return self.render_to_response(
            self.get_context_data(assessment=self.assessment, task=task, form=form)
        )


class AssessmentTaskDeleteView(AssessmentMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = assessments.assessment_task_get(assessment=self.assessment, pk=self.kwargs["task_pk"])
        if task is None:
            raise not_found_in_scope(
                request, AssessmentTask, pk=self.kwargs["task_pk"], message="No such task."
            )
        assessments.assessment_task_delete(assessment=self.assessment, actor=request.user, task=task)
        messages.success(request, f"“{task.task}” removed.")
        return redirect(detail_url(self.assessment))


class AssessmentChooseView(AssessmentMixin, View):
    """POST the ids of the tasks to outsource (checkboxes of the ranking table)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ids = {int(value) for value in request.POST.getlist("chosen") if value.isdigit()}
        count = assessments.assessment_tasks_choose(
            assessment=self.assessment, actor=request.user, task_ids=ids
        )
        messages.success(request, f"{count} task(s) chosen to outsource.")
        return redirect(detail_url(self.assessment))


class AssessmentProgramCreateView(AssessmentMixin, View):
    """POST: turn the chosen tasks into a draft program and open its worksheet."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AssessmentProgramForm(request.POST)
        if form.is_valid():
            try:
                program = assessments.assessment_program_create(
                    assessment=self.assessment, actor=request.user, name=form.cleaned_data["name"]
                )
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(
                    request,
                    f"“{program.name}” is created as a draft from your chosen tasks. "
                    "Check its worksheet next.",
                )
                return redirect(reverse("programs:worksheet", kwargs={"program_slug": program.slug}))
        detail = AssessmentDetailView()
        detail.setup(request, *args, **kwargs)
        detail.__dict__["assessment"] = self.assessment
        return detail.render_to_response(detail.get_context_data(program_form=form), status=400)
