"""/manage/programs/<slug>/skills/: the program's own skills, for its support managers (see programs/skills.py)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs import skills
from programs.mixins import ProgramAccessMixin


class SkillNameForm(forms.Form):
    name = forms.CharField(
        max_length=skills.NAME_MAX_LENGTH,
        label="Skill",
        error_messages={"required": "Give the skill a name."},
    )


class ProgramSkillsView(ProgramAccessMixin, TemplateView):
    """The skills the program's ticket types, postings and freelancers use; a new one is added here (POST)."""

    agent_access = AgentAccess.NONE
    template_name = "programs/skills.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(skills.program_skill_list(program=self.program))
        context.update(
            own=[s for s in rows if s.program_id is not None],
            shared=[s for s in rows if s.program_id is None],
            form=form or SkillNameForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SkillNameForm(request.POST)
        if form.is_valid():
            try:
                skill = skills.program_skill_create(
                    program=self.program, name=form.cleaned_data["name"], actor=request.user
                )
            except DomainError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, f"“{skill.name}” is a skill of {self.program.name} now.")
                return redirect("programs:skills", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProgramSkillActionView(ProgramSkillsView):
    """Rename, retire or restore one of the program's own skills (POST). A refusal shows the page again (400)."""

    http_method_names = ["post"]
    actions = ("rename", "retire", "restore")

    def post(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in self.actions:
            raise Http404("No such action.")
        skill = skills.program_skill_get(program=self.program, pk=kwargs["pk"])
        if skill is None:
            raise not_found_in_scope(
                request, "accounts.Skill", pk=kwargs["pk"], message="No such skill in this program."
            )
        name = skill.name
        try:
            if action == "rename":
                renamed = skills.program_skill_rename(
                    program=self.program, skill=skill, name=request.POST.get("name", ""), actor=request.user
                )
                message = f"“{name}” is now called “{renamed.name}”."
            elif action == "retire":
                skills.program_skill_retire(program=self.program, skill=skill, actor=request.user)
                message = f"“{name}” is retired: no longer offered for new choices; whoever has it keeps it."
            else:
                skills.program_skill_restore(program=self.program, skill=skill, actor=request.user)
                message = f"“{name}” is offered again."
        except DomainError as exc:
            messages.error(request, f"{name}: {exc.message}")
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, message)
        return redirect("programs:skills", program_slug=self.program.slug)
