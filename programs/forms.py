from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from accounts.selectors import skill_choices
from programs.models import (
    Announcement,
    BehindTheScenes,
    Budget,
    CandidateProfile,
    Channel,
    EscalationRule,
    KnowledgeArticle,
    OnboardingStep,
    Program,
    ProgramSchedule,
    ProgramTool,
    QACriterion,
    QAScorecard,
    SourcingPlatform,
    Stakeholder,
    SuccessMetric,
    SupportPlan,
    TicketType,
    TrainingMaterial,
)
from programs.services import RESERVED_SLUGS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _small(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class RowsHelper(FormHelper):
    """Crispy helper that renders a formset as an editable table inside the page's one <form>."""

    template = "bootstrap5/table_inline_formset.html"
    form_tag = False
    disable_csrf = True


class RowForm(forms.ModelForm):
    """One row of a section's table: labels are the column headers, so no help text under each cell.

    The table's cells have no <label>: each control is named by its column and row for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        row_label = f" (row {int(row) + 1})" if row.isdigit() else ""
        for name, field in self.fields.items():
            field.help_text = ""
            label = field.label or name.replace("_", " ").capitalize()
            label = "Position" if label == "#" else label
            field.widget.attrs.setdefault("aria-label", f"{label}{row_label}")


class RowFormSet(forms.BaseInlineFormSet):
    """A section's table of rows; the "Delete" box each row gets here is named by its row too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and index is not None:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", f"Delete (row {index + 1})")


class SectionForm(forms.ModelForm):
    """A section's main form: rendered inside the page's <form> by crispy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


# --- programs -------------------------------------------------------------------------------------------


class ProgramCreateForm(forms.ModelForm):
    with_default_onboarding = forms.BooleanField(
        required=False,
        initial=True,
        label="Start with the standard onboarding checklist",
        help_text="Read materials, sign NDA, tool access, shadow 10 tickets, pass a quiz. You can edit it later.",
    )

    class Meta:
        model = Program
        fields = ["name", "slug", "time_zone", "currency", "goal_type", "outcome"]
        labels = {"slug": "Short name (in links)", "goal_type": "Goal"}
        help_texts = {"slug": "Letters, digits and hyphens. Leave empty to make one from the name."}
        widgets = {"outcome": _small(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = slugify(cleaned["name"])[:60]
            if not cleaned["slug"]:
                self.add_error("slug", "Choose a short name made of letters and digits.")
        if cleaned.get("slug") in RESERVED_SLUGS:
            self.add_error("slug", f"“{cleaned['slug']}” is reserved; choose another short name.")
        return cleaned


class OutcomeForm(SectionForm):
    class Meta:
        model = Program
        fields = ["name", "goal_type", "outcome", "time_zone", "currency"]
        labels = {"goal_type": "Goal", "outcome": "What the program is for"}
        widgets = {"outcome": _small(4)}


# --- 2. scope --------------------------------------------------------------------------------------------


class ScopeForm(forms.Form):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Channels freelancers support",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class TicketTypeForm(RowForm):
    class Meta:
        model = TicketType
        fields = ["name", "slug", "tier", "freelancers_allowed", "required_skills", "position"]
        labels = {"freelancers_allowed": "Freelancers may take it", "position": "#"}
        widgets = {
            "required_skills": forms.SelectMultiple(attrs={"size": 3}),
            "position": forms.NumberInput(attrs={"class": "w-6rem"}),
        }

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = ""
        # The program's own skills and the shared ones (the formset passes the program: a new row's instance
        # gets it only after __init__).
        self.fields["required_skills"].queryset = skill_choices(
            program_ids=[program.pk] if program is not None else [self.instance.program_id],
            keep=self.instance.required_skills.values("pk") if self.instance.pk else (),
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = slugify(cleaned["name"])[:60]
            self.instance.slug = cleaned["slug"]
        return cleaned


class EscalationRuleForm(RowForm):
    class Meta:
        model = EscalationRule
        fields = ["ticket_type", "keyword", "note"]
        labels = {"ticket_type": "Ticket type", "keyword": "Keyword in the ticket"}


class _TicketTypeFormSetBase(RowFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "program": self.instance}


TicketTypeFormSet = forms.inlineformset_factory(
    Program, TicketType, form=TicketTypeForm, formset=_TicketTypeFormSetBase, extra=2, can_delete=True
)
_EscalationRuleFormSetBase = forms.inlineformset_factory(
    Program, EscalationRule, form=EscalationRuleForm, formset=RowFormSet, extra=2, can_delete=True
)


class EscalationRuleFormSet(_EscalationRuleFormSetBase):
    """Ticket-type choices are the program's own types only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket_types = TicketType.objects.filter(program=self.instance)
        for form in [*self.forms, self.empty_form]:
            form.fields["ticket_type"].queryset = ticket_types

    @property
    def empty_form(self):
        form = super().empty_form
        form.fields["ticket_type"].queryset = TicketType.objects.filter(program=self.instance)
        return form


# --- 3. schedule -----------------------------------------------------------------------------------------


class RampField(forms.CharField):
    """'50, 75, 100' ⇄ [50, 75, 100]."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        try:
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError("Give whole percentages separated by commas, e.g. 50, 75, 100.")


class ScheduleForm(SectionForm):
    ramp_percents = RampField(
        required=False,
        label="Ramp (% productivity per week)",
        help_text="e.g. 50, 75, 100: half productive in week 1, three-quarters in week 2, full from week 3.",
    )

    class Meta:
        model = ProgramSchedule
        fields = [
            "term",
            "engagement_months",
            "hours_per_week",
            "freelancers_needed",
            "start_date",
            "end_date",
            "queue_ready_date",
            "training_days",
            "posting_days",
            "trial_days",
            "interview_days",
            "offer_days",
            "tickets_per_week",
            "average_handle_minutes",
            "target_occupancy_percent",
            "training_yield_percent",
            "ramp_percents",
        ]
        labels = {
            "engagement_months": "Engagement length (months)",
            "freelancers_needed": "Number of freelancers",
            "hours_per_week": "Hours per week per freelancer",
            "tickets_per_week": "Expected tickets per week",
            "average_handle_minutes": "Average handle time (minutes)",
            "target_occupancy_percent": "Target occupancy (%)",
            "training_yield_percent": "Training yield (%)",
        }
        widgets = {"start_date": DATE, "end_date": DATE, "queue_ready_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            HTML('<h2 class="h6 text-muted">The team</h2>'),
            Row(
                *(
                    Column(f, css_class="col-md-3")
                    for f in ["term", "engagement_months", "hours_per_week", "freelancers_needed"]
                )
            ),
            HTML('<h2 class="h6 text-muted mt-2">Dates</h2>'),
            Row(
                *(
                    Column(f, css_class="col-md-3")
                    for f in ["start_date", "end_date", "queue_ready_date", "training_days"]
                )
            ),
            HTML(
                '<h2 class="h6 text-muted mt-2">Recruiting phases (days), worked back from queue-ready</h2>'
            ),
            Row(
                *(
                    Column(f, css_class="col-md-3")
                    for f in ["posting_days", "trial_days", "interview_days", "offer_days"]
                )
            ),
            HTML(
                '<h2 class="h6 text-muted mt-2">Capacity: volume, handle time, occupancy, yield and ramp</h2>'
            ),
            Row(
                *(
                    Column(f, css_class="col-md-4")
                    for f in ["tickets_per_week", "average_handle_minutes", "target_occupancy_percent"]
                )
            ),
            Row(
                Column("training_yield_percent", css_class="col-md-4"),
                Column("ramp_percents", css_class="col-md-8"),
            ),
        )


# --- 4. who you want -------------------------------------------------------------------------------------


class LinesField(forms.CharField):
    """One item per line ⇄ a list of strings."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class CandidateProfileForm(SectionForm):
    interview_questions = LinesField(required=False, help_text="One question per line.")

    class Meta:
        model = CandidateProfile
        fields = [
            "mindset",
            "skills",
            "languages",
            "pay_min",
            "pay_max",
            "pay_currency",
            "rate_ceiling",
            "time_zones",
            "working_hours",
            "hours_per_week",
            "resume_review",
            "interview_questions",
            "writing_assignment",
            "open_ended",
            "contract_end_date",
            "nda_required",
            "performance_expectations",
        ]
        labels = {
            "pay_min": "Pay from (per hour)",
            "pay_max": "Pay up to (per hour)",
            "pay_currency": "Pay currency",
            "rate_ceiling": "Rate ceiling (per hour)",
            "resume_review": "Review résumés",
            "open_ended": "Open-ended contract",
            "nda_required": "NDA required",
        }
        widgets = {
            "skills": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "mindset": _small(3),
            "writing_assignment": _small(4),
            "performance_expectations": _small(3),
            "contract_end_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = skill_choices(
            program_ids=[self.instance.program_id],
            keep=self.instance.skills.values("pk") if self.instance.pk else (),
        )


class SourcingPlatformForm(RowForm):
    class Meta:
        model = SourcingPlatform
        fields = ["kind", "name", "pre_screens", "handles_invoicing", "fee_percent"]
        labels = {"kind": "Platform", "fee_percent": "Fee %"}


PlatformFormSet = forms.inlineformset_factory(
    Program, SourcingPlatform, form=SourcingPlatformForm, formset=RowFormSet, extra=1, can_delete=True
)


# --- 5. support ------------------------------------------------------------------------------------------


class SupportPlanForm(SectionForm):
    class Meta:
        model = SupportPlan
        fields = [
            "reviewers",
            "review_frequency",
            "communication",
            "recognition",
            "evaluation_cadence_days",
            "rate_adjustment_policy",
            "termination_policy",
        ]
        labels = {
            "evaluation_cadence_days": "Evaluate every (days)",
            "rate_adjustment_policy": "When rates are adjusted",
            "termination_policy": "When contracts are ended",
        }
        widgets = {
            "reviewers": forms.CheckboxSelectMultiple,
            "communication": _small(3),
            "recognition": _small(2),
            "rate_adjustment_policy": _small(2),
            "termination_policy": _small(2),
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = program.managers.all()
        self.fields["reviewers"].help_text = "Reviewers are chosen among the program's managers."


class ScorecardForm(SectionForm):
    class Meta:
        model = QAScorecard
        fields = ["name", "scale_max", "passing_score"]
        labels = {
            "name": "Scorecard name",
            "scale_max": "Ratings from 0 to",
            "passing_score": "Passing score (0–100)",
        }


class QACriterionForm(RowForm):
    class Meta:
        model = QACriterion
        fields = ["name", "description", "weight", "is_critical", "position"]
        labels = {"is_critical": "Critical", "position": "#"}
        widgets = {
            "description": forms.TextInput(),
            "position": forms.NumberInput(attrs={"class": "w-6rem"}),
            "weight": forms.NumberInput(attrs={"class": "w-6rem"}),
        }


CriterionFormSet = forms.inlineformset_factory(
    QAScorecard, QACriterion, form=QACriterionForm, formset=RowFormSet, extra=2, can_delete=True
)


# --- 6. behind the scenes --------------------------------------------------------------------------------


class BehindTheScenesForm(SectionForm):
    class Meta:
        model = BehindTheScenes
        fields = ["security_measures", "has_queue", "escalation_process", "working_hours"]
        labels = {
            "has_queue": "There is a ticket queue",
            "escalation_process": "Escalation process",
            "working_hours": "How working hours are set",
        }
        widgets = {"security_measures": _small(3), "escalation_process": _small(4)}


class ToolForm(RowForm):
    url = forms.URLField(required=False, assume_scheme="https", label="Link")

    class Meta:
        model = ProgramTool
        fields = ["name", "access_level", "url"]


class TrainingMaterialForm(RowForm):
    url = forms.URLField(required=False, assume_scheme="https", label="Link")

    class Meta:
        model = TrainingMaterial
        fields = ["title", "url", "description", "position"]
        widgets = {"description": forms.TextInput(), "position": forms.NumberInput(attrs={"class": "w-6rem"})}
        labels = {"position": "#"}


ToolFormSet = forms.inlineformset_factory(
    Program, ProgramTool, form=ToolForm, formset=RowFormSet, extra=2, can_delete=True
)
MaterialFormSet = forms.inlineformset_factory(
    Program, TrainingMaterial, form=TrainingMaterialForm, formset=RowFormSet, extra=2, can_delete=True
)


# --- 7. success, budget, onboarding, stakeholders --------------------------------------------------------


class SuccessMetricForm(RowForm):
    class Meta:
        model = SuccessMetric
        fields = ["kind", "label", "direction", "target", "position"]
        labels = {"position": "#"}
        widgets = {"position": forms.NumberInput(attrs={"class": "w-6rem"})}


MetricFormSet = forms.inlineformset_factory(
    Program, SuccessMetric, form=SuccessMetricForm, formset=RowFormSet, extra=2, can_delete=True
)


class BudgetForm(SectionForm):
    class Meta:
        model = Budget
        fields = [
            "planned_hourly_rate",
            "platform_fee_percent",
            "inhouse_monthly_cost",
            "monthly_budget",
            "yearly_profit",
            "yearly_hours_worked",
        ]
        labels = {
            "planned_hourly_rate": "Planned freelancer rate (per hour)",
            "platform_fee_percent": "Platform fee %",
            "inhouse_monthly_cost": "In-house cost replaced (per month)",
            "monthly_budget": "Monthly budget (optional)",
        }


class OnboardingStepForm(RowForm):
    """One checklist row. Its "article to read" offers the program's Knowledge articles only (`program`), read
    once for the page (`articles`); without a program it offers none, so no row ever lists another program's."""

    def __init__(self, *args, program: Program | None = None, articles: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["article"])  # the model's foreign key makes it one
        field.queryset = (
            KnowledgeArticle.objects.filter(program=program)
            if program is not None
            else KnowledgeArticle.objects.none()
        )  # validates what is posted
        if articles is not None:
            field.choices = [("", field.empty_label or "—")] + [(a.pk, a.title) for a in articles]

    class Meta:
        model = OnboardingStep
        # A quiz step's pass mark and questions are set on its quiz page (programs/knowledge_views.py).
        fields = [
            "title",
            "kind",
            "description",
            "required",
            "needs_manager_confirmation",
            "article",
            "position",
        ]
        labels = {
            "needs_manager_confirmation": "Manager confirms",
            "position": "#",
            "article": "Article to read",
        }
        widgets = {"description": forms.TextInput(), "position": forms.NumberInput(attrs={"class": "w-6rem"})}


OnboardingStepFormSet = forms.inlineformset_factory(
    Program, OnboardingStep, form=OnboardingStepForm, formset=RowFormSet, extra=2, can_delete=True
)


class StakeholderForm(RowForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "email", "role", "receives_nps"]
        labels = {"receives_nps": "Gets the weekly NPS survey"}

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


StakeholderFormSet = forms.inlineformset_factory(
    Program, Stakeholder, form=StakeholderForm, formset=RowFormSet, extra=2, can_delete=True
)


# --- announcements ---------------------------------------------------------------------------------------


class AnnouncementForm(forms.ModelForm):
    publish = forms.BooleanField(required=False, label="Publish now", help_text="Freelancers see it at once.")

    class Meta:
        model = Announcement
        fields = ["kind", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class TeamMemberForm(forms.Form):
    email = forms.EmailField()
    display_name = forms.CharField(
        max_length=150,
        required=False,
        label="Name",
        help_text="For someone new to Flexdesk: they get an invitation to set a password.",
    )
    role = forms.ChoiceField(
        choices=[("agent", "In-house agent"), ("manager", "Support manager")],
        initial="agent",
        help_text="Agents work the queues; managers also plan, hire, contract and pay.",
    )
