from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import CreateView, ListView, TemplateView, UpdateView, View

from accounts.mixins import AgentAccess, ManageAccessMixin, SupportManagerRequiredMixin
from accounts.selectors import skill_choices
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs import forms, selectors, services
from programs.knowledge import article_choices
from programs.mixins import ProgramAccessMixin
from programs.models import (
    Announcement,
    BehindTheScenes,
    Budget,
    CandidateProfile,
    Channel,
    Program,
    ProgramSchedule,
    QAScorecard,
    SupportPlan,
)
from programs.worksheet import (
    SECTION_TITLES,
    activation_problems,
    section_of,
    worksheet_plans,
    worksheet_sections,
)


def worksheet_url(program: Program, anchor: str = "") -> str:
    url = reverse("programs:worksheet", kwargs={"program_slug": program.slug})
    return f"{url}#{anchor}" if anchor else url


class ProgramListView(ManageAccessMixin, ListView):
    agent_access = AgentAccess.READ
    template_name = "programs/program_list.html"
    context_object_name = "programs"

    def get_queryset(self):
        return selectors.program_list_overview(user=self.request.user)


class ProgramCreateView(SupportManagerRequiredMixin, CreateView):
    template_name = "programs/program_form.html"
    form_class = forms.ProgramCreateForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            program = services.program_create(
                created_by=self.request.user,
                name=data["name"],
                slug=data["slug"],
                time_zone=data["time_zone"],
                currency=data["currency"],
                goal_type=data["goal_type"],
                outcome=data["outcome"],
                with_default_onboarding=data["with_default_onboarding"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{program.name}” is created as a draft. Fill in its worksheet next.")
        return redirect(worksheet_url(program))


STATUS_ACTIONS = [Program.Status.ACTIVE, Program.Status.PAUSED, Program.Status.CLOSED]


class WorksheetView(ProgramAccessMixin, TemplateView):
    """The whole worksheet, read-only and printable, with completeness, status and the derived plans."""

    agent_access = AgentAccess.NONE  # the worksheet is the support managers' (DESIGN.md, Roles in /manage/)

    template_name = "programs/worksheet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        program = selectors.program_worksheet_get(user=self.request.user, slug=self.program.slug)
        sections = worksheet_sections(program)
        schedule = section_of(program, "schedule")
        context.update(
            program=program,
            sections=sections,
            sections_by_key={section.key.replace("-", "_"): section for section in sections},
            done_count=sum(1 for s in sections if s.number and s.done),
            today=services.program_today(program),
            plans=worksheet_plans(program, today=services.program_today(program)),
            schedule=schedule,
            profile=section_of(program, "candidate_profile"),
            support_plan=section_of(program, "support_plan"),
            scorecard=section_of(program, "scorecard"),
            behind=section_of(program, "behind_the_scenes"),
            budget=section_of(program, "budget"),
            channel_labels=[label for value, label in Channel.choices if value in (program.channels or [])],
            activation_problems=activation_problems(
                has_ticket_types=bool(program.ticket_types.all()),
                has_schedule=schedule is not None,
                has_metrics=bool(program.success_metrics.all()),
            ),
            next_statuses=[
                s for s in STATUS_ACTIONS if s in Program.TRANSITIONS[Program.Status(program.status)]
            ],
        )
        return context


class ProgramStatusView(ProgramAccessMixin, View):
    agent_access = AgentAccess.NONE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        status = request.POST.get("status", "")
        try:
            program = services.program_status_change(program=self.program, actor=request.user, status=status)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{program.name}” is now {program.get_status_display().lower()}.")
        return redirect(worksheet_url(self.program))


# --- section edit pages ----------------------------------------------------------------------------------


class SectionEditView(ProgramAccessMixin, TemplateView):
    """One worksheet section: an optional main form plus formsets of rows, saved by one service call."""

    agent_access = AgentAccess.NONE

    template_name = "programs/section_form.html"
    section = ""
    intro = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.other_forms = {}

    def build(self, data=None):
        """Return (main form or None, {name: (label, formset)}). May set self.other_forms {title: form}."""
        raise NotImplementedError

    def save(self, form, formsets) -> None:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        form, formsets = self.build()
        return self.render_to_response(self.get_context_data(form=form, formsets=formsets))

    def post(self, request, *args, **kwargs):
        form, formsets = self.build(request.POST)
        page_errors: list[str] = []
        checks = [form is None or form.is_valid()]
        checks += [other.is_valid() for other in self.other_forms.values()]
        checks += [formset.is_valid() for _label, formset in formsets.values()]
        valid = all(checks)
        if valid:
            try:
                with transaction.atomic():
                    self.save(form, {name: fs for name, (_label, fs) in formsets.items()})
            except (DomainError, ValidationError) as error:
                if form is not None and (isinstance(error, DomainError) or hasattr(error, "error_dict")):
                    add_error_to_form(form, error)
                else:
                    page_errors.extend(getattr(error, "messages", None) or [str(error)])
            else:
                messages.success(request, f"{SECTION_TITLES[self.section]} saved.")
                return redirect(worksheet_url(self.program, self.section))
        return self.render_to_response(
            self.get_context_data(form=form, formsets=formsets, page_errors=page_errors), status=200
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            section=self.section,
            section_title=SECTION_TITLES[self.section],
            intro=self.intro,
            row_helper=forms.RowsHelper(),
            other_forms=self.other_forms.items(),
        )
        return context

    def formset(self, formset_class, data, instance, prefix, **kwargs):
        return formset_class(data, instance=instance, prefix=prefix, **kwargs)


def formset_rows(formset) -> list[dict]:
    """The formset's changes as rows for a service: new and changed rows, and deletions. Unchanged rows stay."""
    rows = []
    fk_name = getattr(getattr(formset, "fk", None), "name", None)
    for form in formset.forms:
        pk = form.instance.pk
        deleted = formset.can_delete and formset._should_delete_form(form)
        if deleted:
            if pk:
                rows.append({"id": pk, "delete": True})
            continue
        if not form.has_changed():
            continue
        row = {
            name: value for name, value in form.cleaned_data.items() if name not in ("id", "DELETE", fk_name)
        }
        row["id"] = pk
        rows.append(row)
    return rows


class OutcomeEditView(SectionEditView):
    section = "outcome"
    intro = "What the program is for, and the basics every other section uses (time zone, currency)."

    def build(self, data=None):
        return forms.OutcomeForm(data, instance=Program.objects.get(pk=self.program.pk)), {}

    def save(self, form, formsets):
        services.program_outcome_update(program=self.program, actor=self.request.user, data=form.cleaned_data)


class ScopeEditView(SectionEditView):
    section = "scope"
    intro = (
        "Ticket types in scope, each with a tier and whether freelancers may take it; the channels they "
        "support; and what always goes to the in-house team (by ticket type or by a keyword in the ticket)."
    )

    def build(self, data=None):
        form = forms.ScopeForm(data, initial={"channels": self.program.channels})
        ticket_types = self.formset(
            forms.TicketTypeFormSet,
            data,
            self.program,
            "types",
            queryset=selectors.ticket_type_rows(program=self.program),
        )
        rules = self.formset(forms.EscalationRuleFormSet, data, self.program, "rules")
        self._share_choices(ticket_types, rules)
        return form, {
            "ticket_types": ("Ticket types", ticket_types),
            "escalation_rules": ("Always escalated to the in-house team", rules),
        }

    def _share_choices(self, ticket_types, rules) -> None:
        """Read each select's options once for the page, not once per row (34 queries with eight ticket types).

        Each row's required skills offer what skill_choices() offers for it: the program's and the shared skills
        that are not retired, plus the ones the row already has (prefetched). Every rule's ticket type offers the
        program's types. The fields keep their querysets, which still validate what is posted."""
        offered = list(skill_choices(program_ids=[self.program.pk]))
        for row in ticket_types.forms:
            field = row.fields["required_skills"]
            kept = list(row.instance.required_skills.all()) if row.instance.pk else []
            skills = sorted(
                {skill.pk: skill for skill in [*offered, *kept]}.values(), key=lambda s: (s.name, s.pk)
            )
            field.choices = [(skill.pk, field.label_from_instance(skill)) for skill in skills]
        types = list(ticket_types.get_queryset())  # the rows' own ticket types, read once already
        for row in rules.forms:
            field = row.fields["ticket_type"]
            empty = [("", field.empty_label)] if field.empty_label is not None else []
            field.choices = empty + [
                (ticket_type.pk, field.label_from_instance(ticket_type)) for ticket_type in types
            ]

    def save(self, form, formsets):
        services.program_scope_update(
            program=self.program,
            actor=self.request.user,
            channels=form.cleaned_data["channels"],
            ticket_types=formset_rows(formsets["ticket_types"]),
            escalation_rules=formset_rows(formsets["escalation_rules"]),
        )


class ScheduleEditView(SectionEditView):
    section = "schedule"
    intro = (
        "When help is needed, and the volume the team must handle. Flexdesk works back from the queue-ready "
        "date to a dated timeline and sizes the team from the volume."
    )

    def build(self, data=None):
        instance = section_of(self.program, "schedule") or ProgramSchedule(program=self.program)
        return forms.ScheduleForm(data, instance=instance), {}

    def save(self, form, formsets):
        services.program_schedule_update(
            program=self.program, actor=self.request.user, data=form.cleaned_data
        )


class CandidatesEditView(SectionEditView):
    section = "candidates"
    intro = "Who you want, how candidates will be evaluated, the contract terms, and where to find them."

    def build(self, data=None):
        instance = section_of(self.program, "candidate_profile") or CandidateProfile(
            program=self.program, pay_currency=self.program.currency
        )
        return forms.CandidateProfileForm(data, instance=instance), {
            "platforms": (
                "Where freelancers will be found",
                self.formset(forms.PlatformFormSet, data, self.program, "platforms"),
            ),
        }

    def save(self, form, formsets):
        services.program_candidates_update(
            program=self.program,
            actor=self.request.user,
            data=form.cleaned_data,
            platforms=formset_rows(formsets["platforms"]),
        )


class SupportEditView(SectionEditView):
    section = "support"
    intro = (
        "Who reviews tickets and how often, the QA scorecard they use, how the team talks to freelancers, "
        "recognition, and when evaluations, rate changes and terminations happen."
    )

    def build(self, data=None):
        plan = section_of(self.program, "support_plan") or SupportPlan(program=self.program)
        card = section_of(self.program, "scorecard") or QAScorecard(program=self.program)
        self.other_forms = {"QA scorecard": forms.ScorecardForm(data, instance=card, prefix="scorecard")}
        return forms.SupportPlanForm(data, instance=plan, program=self.program), {
            "criteria": (
                "QA scorecard criteria (weights; a critical criterion rated 0 fails the review)",
                self.formset(forms.CriterionFormSet, data, card, "criteria"),
            ),
        }

    def save(self, form, formsets):
        services.program_support_update(
            program=self.program,
            actor=self.request.user,
            data=form.cleaned_data,
            scorecard=self.other_forms["QA scorecard"].cleaned_data,
            criteria=formset_rows(formsets["criteria"]),
        )


class BehindTheScenesEditView(SectionEditView):
    section = "behind-the-scenes"
    intro = "Security, the queue, the escalation process, how working hours are set, tools and training."

    def build(self, data=None):
        instance = section_of(self.program, "behind_the_scenes") or BehindTheScenes(program=self.program)
        return forms.BehindTheScenesForm(data, instance=instance), {
            "tools": (
                "Tools and the access each needs",
                self.formset(forms.ToolFormSet, data, self.program, "tools"),
            ),
            "materials": (
                "Training materials",
                self.formset(forms.MaterialFormSet, data, self.program, "materials"),
            ),
        }

    def save(self, form, formsets):
        services.program_behind_the_scenes_update(
            program=self.program,
            actor=self.request.user,
            data=form.cleaned_data,
            tools=formset_rows(formsets["tools"]),
            materials=formset_rows(formsets["materials"]),
        )


class SuccessEditView(SectionEditView):
    section = "success"
    intro = (
        "What success looks like: each metric has a target and a direction. The dashboard feeds the actuals."
    )

    def build(self, data=None):
        return None, {
            "metrics": ("Success metrics", self.formset(forms.MetricFormSet, data, self.program, "metrics"))
        }

    def save(self, form, formsets):
        services.program_success_metrics_update(
            program=self.program, actor=self.request.user, metrics=formset_rows(formsets["metrics"])
        )


class BudgetEditView(SectionEditView):
    section = "budget"
    intro = (
        "Amounts are in the program's currency. The owner's hourly value is yearly profit ÷ yearly hours "
        "worked; the freelancer cost is headcount × hours × 52/12 × rate, plus the platform fee."
    )

    def build(self, data=None):
        instance = section_of(self.program, "budget") or Budget(program=self.program)
        return forms.BudgetForm(data, instance=instance), {}

    def save(self, form, formsets):
        services.program_budget_update(program=self.program, actor=self.request.user, data=form.cleaned_data)


class OnboardingEditView(SectionEditView):
    section = "onboarding"
    intro = (
        "The checklist each new freelancer works through. Required steps must be done (and confirmed by a "
        "manager where marked) before the freelancer is queue-ready."
    )

    def build(self, data=None):
        # Each row's article is one of this program's Knowledge articles, read once for the page.
        steps = self.formset(
            forms.OnboardingStepFormSet,
            data,
            self.program,
            "steps",
            form_kwargs={"program": self.program, "articles": article_choices(program=self.program)},
        )
        return None, {"steps": ("Onboarding steps", steps)}

    def save(self, form, formsets):
        services.program_onboarding_steps_update(
            program=self.program, actor=self.request.user, steps=formset_rows(formsets["steps"])
        )


class StakeholdersEditView(SectionEditView):
    section = "stakeholders"
    intro = "Customer contacts who receive the weekly NPS survey about the program."

    def build(self, data=None):
        return None, {
            "stakeholders": (
                "Stakeholders",
                self.formset(forms.StakeholderFormSet, data, self.program, "stakeholders"),
            )
        }

    def save(self, form, formsets):
        services.program_stakeholders_update(
            program=self.program, actor=self.request.user, stakeholders=formset_rows(formsets["stakeholders"])
        )


SECTION_VIEWS = {
    view.section: view.as_view()
    for view in [
        OutcomeEditView,
        ScopeEditView,
        ScheduleEditView,
        CandidatesEditView,
        SupportEditView,
        BehindTheScenesEditView,
        SuccessEditView,
        BudgetEditView,
        OnboardingEditView,
        StakeholdersEditView,
    ]
}


def section_edit(request, program_slug: str, section: str):
    view = SECTION_VIEWS.get(section)
    if view is None:
        raise Http404("No such worksheet section.")
    return view(request, program_slug=program_slug, section=section)


section_edit.view_class = SectionEditView  # type: ignore[attr-defined]  # whose access rule {% may %} reads


# --- announcements ---------------------------------------------------------------------------------------


class AnnouncementListView(ProgramAccessMixin, ListView):
    agent_access = AgentAccess.READ
    template_name = "programs/announcement_list.html"
    context_object_name = "announcements"
    paginate_by = 25

    def get_queryset(self):
        return selectors.announcement_list(program=self.program)


class AnnouncementObjectMixin(ProgramAccessMixin):
    agent_access = AgentAccess.NONE  # writing announcements to freelancers is for support managers

    def get_object(self, queryset=None) -> Announcement:
        announcement = selectors.announcement_get(program=self.program, pk=self.kwargs["pk"])
        if announcement is None:
            raise not_found_in_scope(
                self.request, Announcement, pk=self.kwargs["pk"], message="No such announcement."
            )
        return announcement

    def announcements_url(self):
        return reverse("programs:announcement_list", kwargs={"program_slug": self.program.slug})


class AnnouncementCreateView(AnnouncementObjectMixin, CreateView):
    template_name = "programs/announcement_form.html"
    form_class = forms.AnnouncementForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.announcement_create(
                program=self.program,
                author=self.request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                publish=data["publish"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Announcement published." if data["publish"] else "Draft saved.")
        return redirect(self.announcements_url())


class AnnouncementUpdateView(AnnouncementObjectMixin, UpdateView):
    template_name = "programs/announcement_form.html"
    form_class = forms.AnnouncementForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        del form.fields["publish"]
        return form

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.announcement_update(
                announcement=self.get_object(),
                actor=self.request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
            )
        except (DomainError, ValidationError) as error:
            add_error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Announcement saved.")
        return redirect(self.announcements_url())


class AnnouncementActionView(AnnouncementObjectMixin, View):
    """POST publish / withdraw / delete."""

    http_method_names = ["post"]
    actions = {
        "publish": (services.announcement_publish, "Announcement published."),
        "withdraw": (services.announcement_withdraw, "Announcement withdrawn; it is a draft again."),
        "delete": (services.announcement_delete, "Announcement deleted."),
    }

    def post(self, request, *args, **kwargs):
        action = self.actions.get(kwargs["action"])
        if action is None:
            raise Http404("No such action.")
        service, done = action
        try:
            service(announcement=self.get_object(), actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
        return redirect(self.announcements_url())


class ProgramTeamView(ProgramAccessMixin, TemplateView):
    """The program's in-house team: support managers and agents. Managers add and take off members."""

    agent_access = AgentAccess.READ

    template_name = "programs/team.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team"] = selectors.program_team(program=self.program)
        context["form"] = form or forms.TeamMemberForm()
        return context

    def post(self, request, *args, **kwargs):
        if kwargs.get("action") == "remove":
            member = self.program.managers.filter(pk=kwargs.get("user_id")).first()
            if member is None:
                raise Http404("Not on this program's team.")
            try:
                services.program_member_remove(program=self.program, user=member, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{member} is off the {self.program.name} team.")
            return redirect("programs:inhouse_team", program_slug=self.program.slug)
        form = forms.TeamMemberForm(request.POST)
        if form.is_valid():
            try:
                user, invited = services.program_member_add(
                    program=self.program, actor=request.user, **form.cleaned_data
                )
            except (DomainError, ValidationError) as exc:
                add_error_to_form(form, exc)
            else:
                how = (
                    "They got an invitation to set a password." if invited else "They got an e-mail about it."
                )
                messages.success(request, f"{user} is on the {self.program.name} team. {how}")
                return redirect("programs:inhouse_team", program_slug=self.program.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DeliveryListView(ProgramAccessMixin, TemplateView):
    """What the program sent, is sending, or could not send: e-mails (and, with a channel, helpdesk calls).

    A failed message has Retry (send it again now) and Cancel (give up, so the ones after it in the same
    ticket's order can go)."""

    agent_access = AgentAccess.NONE
    template_name = "programs/deliveries.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        from core.models import OutboxMessage
        from core.outbox import outbox_counts, outbox_list

        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "failed")
        if status not in OutboxMessage.Status.values:
            status = "failed"
        context["status"] = status
        context["counts"] = outbox_counts(program_id=self.program.pk)
        context["statuses"] = OutboxMessage.Status.choices
        context["rows"] = list(outbox_list(program_id=self.program.pk, status=status)[: self.page_size])
        return context

    def post(self, request, *args, **kwargs):
        from core.models import OutboxMessage
        from core.outbox import outbox_cancel, outbox_retry

        action = {"retry": outbox_retry, "cancel": outbox_cancel}.get(kwargs.get("action", ""))
        if action is None:
            raise Http404("No such action.")
        try:
            message = action(message_id=kwargs["pk"], actor=request.user, program_ids=[self.program.pk])
        except OutboxMessage.DoesNotExist:
            raise Http404("No such message.") from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            message.refresh_from_db()
            if kwargs["action"] == "cancel":
                messages.success(request, "Cancelled: it will not be sent.")
            elif message.status == OutboxMessage.Status.SENT:
                messages.success(request, "Sent.")
            else:
                messages.warning(
                    request,
                    f"Tried again; it is {message.get_status_display().lower()}"
                    f"{': ' + message.last_error if message.last_error else ''}.",
                )
        return redirect(
            reverse("programs:deliveries", kwargs={"program_slug": self.program.slug}) + "?status=failed"
        )
