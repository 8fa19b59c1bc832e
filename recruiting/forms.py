import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.html import escape

from accounts.models import TIME_ZONE_CHOICES, Language, Skill
from accounts.selectors import skill_choices
from contracts.forms import RANGE_CONFIRMATION_GROUPS, range_confirmation_fields
from core.forms import ConfirmationFieldsMixin
from core.money import CURRENCIES
from programs.models import SourcingPlatform
from recruiting.errors import RecruitingError
from recruiting.models import Application, Interview, Posting
from recruiting.uploads import MAX_RESUME_BYTES, check_resume

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATING_CHOICES = [(1, "1 — poor"), (2, "2 — weak"), (3, "3 — fine"), (4, "4 — good"), (5, "5 — excellent")]


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def split_paragraphs(text: str) -> list[str]:
    """Items separated by a blank line (so one item may span several lines)."""
    return [
        block.strip() for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if block.strip()
    ]


class LinesField(forms.CharField):
    """A list of texts edited in a textarea, one per line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return split_lines(super().to_python(value))


class PostingForm(forms.ModelForm):
    screening_questions = LinesField(
        required=False, help_text="One question per line. Every question is required on the application form."
    )

    class Meta:
        model = Posting
        fields = [
            "title",
            "summary",
            "value_proposition",
            "requirements",
            "screening_questions",
            "platforms",
            "skills",
            "languages",
            "pay_min",
            "pay_max",
            "pay_currency",
            "hours_per_week",
            "time_zones",
            "nudge_after_days",
            "weight_speed",
            "weight_effort",
            "weight_skills",
            "weight_credibility",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "value_proposition": forms.Textarea(attrs={"rows": 3}),
            "requirements": forms.Textarea(attrs={"rows": 3}),
            "platforms": forms.CheckboxSelectMultiple,
            "skills": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
        }
        labels = {
            "weight_speed": "Weight: speed of response",
            "weight_effort": "Weight: effort",
            "weight_skills": "Weight: skills match",
            "weight_credibility": "Weight: credibility",
            "nudge_after_days": "Nudge after (days)",
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platforms"].queryset = SourcingPlatform.objects.filter(program=program)
        self.fields["skills"].queryset = skill_choices(
            program_ids=[program.pk], keep=self.instance.skills.values("pk") if self.instance.pk else ()
        )
        self.fields["platforms"].required = False
        self.fields[
            "value_proposition"
        ].help_text = "What the freelancer gets: pay, repeat work, a long-term role, feedback."

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        relations = {
            "skill_ids": [s.pk for s in data.pop("skills")],
            "language_ids": [lang.pk for lang in data.pop("languages")],
            "platform_ids": [p.pk for p in data.pop("platforms")],
        }
        return {**data, **relations}


class ApplyForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254)
    country = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        label="Country (2-letter code)",
        help_text="ISO code, e.g. PH, PL, US, BR.",
        error_messages={"invalid": "Enter your country's 2-letter code, e.g. PH or PL."},
    )
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Languages you can support customers in.",
    )
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Experience with",
    )
    rate_asked = forms.DecimalField(
        label="Hourly rate you ask",
        min_value=0.01,
        max_digits=10,
        decimal_places=2,
        error_messages={"min_value": "The hourly rate must be above zero."},
    )
    rate_currency = forms.ChoiceField(choices=CURRENCIES, initial="USD", label="Currency")
    years_experience = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        label="Years of customer-support experience",
        help_text="Optional.",
    )
    profile_url = forms.URLField(
        required=False,
        max_length=300,
        assume_scheme="https",
        label="Profile or portfolio link",
        help_text="e.g. your Upwork or LinkedIn profile.",
    )
    resume = forms.FileField(required=False, help_text="Optional. PDF or Word (.docx), at most 5 MB.")
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, posting: Posting, **kwargs):
        super().__init__(*args, **kwargs)
        self.posting = posting
        skills = [s for s in posting.skills.all() if not s.is_retired]
        self.fields["skills"].queryset = Skill.objects.filter(pk__in=[s.pk for s in skills])
        if not skills:
            del self.fields["skills"]
        self.fields["rate_currency"].initial = posting.pay_currency
        self.answer_names = []
        for index, question in enumerate(posting.screening_questions):
            name = f"answer_{index}"
            self.fields[name] = forms.CharField(
                label=question,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=5000,
                error_messages={"required": "Please answer this question."},
            )
            self.answer_names.append(name)
        self.order_fields(
            [
                "full_name",
                "email",
                "country",
                "time_zone",
                "languages",
                "skills",
                "rate_asked",
                "rate_currency",
                "years_experience",
                "profile_url",
                *self.answer_names,
                "resume",
            ]
        )

    def clean_resume(self):
        resume = self.cleaned_data.get("resume")
        if resume:
            if resume.size > MAX_RESUME_BYTES:
                raise forms.ValidationError("The resume must be at most 5 MB.")
            try:
                check_resume(resume)
            except RecruitingError as error:
                raise forms.ValidationError(error.message)
        return resume

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("Please leave this empty.")
        return ""

    def answers(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.answer_names]


class MoveForm(forms.Form):
    stage = forms.ChoiceField(choices=Application.Stage.choices)
    note = forms.CharField(required=False, max_length=300)


class ListFilterForm(forms.Form):
    SORT_CHOICES = [
        ("score", "Score (best first)"),
        ("-last_move", "Last move (newest)"),
        ("last_move", "Waiting longest"),
        ("-applied", "Applied (newest)"),
        ("applied", "Applied (oldest)"),
        ("name", "Name"),
        ("rate", "Rate asked"),
    ]
    stage = forms.ChoiceField(choices=[("", "All stages"), *Application.Stage.choices], required=False)
    min_score = forms.DecimalField(required=False, min_value=0, max_value=100, label="Score at least")
    idle_days = forms.IntegerField(required=False, min_value=1, max_value=365, label="No move for (days)")
    q = forms.CharField(required=False, max_length=100, label="Name or e-mail")
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)


class ScoreOverrideForm(forms.Form):
    score = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="Leave empty to go back to the computed score.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why you override (required with a score).",
    )


class TrialTaskForm(forms.Form):
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    support_questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text="The customer messages to answer. Separate them with a blank line.",
    )
    is_paid = forms.BooleanField(required=False, initial=True, label="Paid trial task")
    amount = forms.DecimalField(required=False, min_value=0.01, max_digits=10, decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES, initial="USD")
    deadline = forms.DateTimeField(widget=DATETIME_WIDGET, help_text="In your time zone.")
    send_message = forms.BooleanField(
        required=False, initial=True, label="E-mail the follow-up message (intro video + trial link)"
    )

    def clean(self):
        data = super().clean()
        if data.get("is_paid") and not data.get("amount"):
            self.add_error("amount", "Say how much the paid trial task pays.")
        return data


class TrialSubmitForm(forms.Form):
    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.names = []
        for index, question in enumerate(questions):
            name = f"answer_{index}"
            self.fields[name] = forms.CharField(
                label=f"Question {index + 1}",
                help_text=question,
                widget=forms.Textarea(attrs={"rows": 5}),
                max_length=10000,
                error_messages={"required": "Please answer this question."},
            )
            self.names.append(name)

    def answers(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.names]


class TrialGradeForm(forms.Form):
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, criteria: list[tuple[str, str, str]], scale_max: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = []
        for key, name, help_text in criteria:
            self.fields[f"rating_{key}"] = forms.TypedChoiceField(
                # crispy renders help text unescaped; criteria descriptions are user text.
                label=name,
                help_text=escape(help_text),
                coerce=int,
                choices=[("", "—")] + [(i, str(i)) for i in range(scale_max + 1)],
            )
            self.keys.append(key)
        self.order_fields([f"rating_{k}" for k in self.keys] + ["notes"])

    def ratings(self) -> dict:
        return {key: self.cleaned_data[f"rating_{key}"] for key in self.keys}


OUTSIDE_HOURS_GROUPS: dict[str, tuple[str, ...]] = {"outside_waking_hours": ("confirm_outside_hours",)}


def _confirm_outside_hours_field():
    return forms.BooleanField(
        required=False, label="Keep this time although it is outside 08:00–21:00 for one of you"
    )


class InterviewScheduleForm(ConfirmationFieldsMixin, forms.Form):
    confirmation_groups = OUTSIDE_HOURS_GROUPS

    scheduled_at = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        label="Date and time",
        help_text="In your time zone; the candidate gets an e-mail with a calendar invitation in theirs.",
    )
    confirm_outside_hours = _confirm_outside_hours_field()
    duration_minutes = forms.IntegerField(min_value=5, max_value=240, initial=30)
    meeting_link = forms.URLField(required=False, max_length=300, assume_scheme="https", label="Video link")
    interviewer = forms.ModelChoiceField(queryset=None, required=False)
    questions = LinesField(help_text="One per line; from the program's candidate profile.")

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interviewer"].queryset = program.managers.all()


class InterviewRescheduleForm(ConfirmationFieldsMixin, forms.Form):
    confirmation_groups = OUTSIDE_HOURS_GROUPS

    scheduled_at = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        label="New date and time",
        help_text="In your time zone; the candidate's calendar event moves.",
    )
    confirm_outside_hours = _confirm_outside_hours_field()


class InterviewSlotsOfferForm(ConfirmationFieldsMixin, forms.Form):
    """2–5 times the candidate may choose from (the service checks the count, the past and the hours)."""

    confirmation_groups = OUTSIDE_HOURS_GROUPS
    SLOT_FIELDS = [f"slot_{i}" for i in range(1, 6)]

    slot_1 = forms.DateTimeField(widget=DATETIME_WIDGET, label="Time 1", help_text="In your time zone.")
    slot_2 = forms.DateTimeField(widget=DATETIME_WIDGET, label="Time 2")
    slot_3 = forms.DateTimeField(widget=DATETIME_WIDGET, label="Time 3 (optional)", required=False)
    slot_4 = forms.DateTimeField(widget=DATETIME_WIDGET, label="Time 4 (optional)", required=False)
    slot_5 = forms.DateTimeField(widget=DATETIME_WIDGET, label="Time 5 (optional)", required=False)
    confirm_outside_hours = _confirm_outside_hours_field()
    duration_minutes = forms.IntegerField(min_value=5, max_value=240, initial=30)
    meeting_link = forms.URLField(required=False, max_length=300, assume_scheme="https", label="Video link")
    interviewer: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, required=False)
    questions = LinesField(help_text="One per line; from the program's candidate profile.")

    def __init__(self, *args, program, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviewer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = program.managers.all()

    def slot_times(self) -> list[datetime.datetime]:
        return [self.cleaned_data[name] for name in self.SLOT_FIELDS if self.cleaned_data.get(name)]


class InterviewPickForm(forms.Form):
    slot = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label="Choose a time",
        error_messages={"required": "Choose one of the times."},
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["slot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class InterviewRecordForm(forms.Form):
    recommendation = forms.ChoiceField(choices=[("", "—"), *Interview.Recommendation.choices])
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.count = len(questions)
        order = []
        for index, question in enumerate(questions):
            self.fields[f"rating_{index}"] = forms.TypedChoiceField(
                label=question, coerce=int, choices=[("", "—"), *RATING_CHOICES]
            )
            self.fields[f"notes_{index}"] = forms.CharField(
                required=False, max_length=2000, label="Notes", widget=forms.Textarea(attrs={"rows": 1})
            )
            order += [f"rating_{index}", f"notes_{index}"]
        self.order_fields([*order, "notes", "recommendation"])

    def ratings(self) -> list[int]:
        return [self.cleaned_data[f"rating_{i}"] for i in range(self.count)]

    def question_notes(self) -> list[str]:
        return [self.cleaned_data.get(f"notes_{i}", "") for i in range(self.count)]


class MessageForm(forms.Form):
    kind = forms.CharField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), max_length=20000)


class ReplyForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=20000, label="Candidate's reply"
    )


class HireForm(ConfirmationFieldsMixin, forms.Form):
    confirmation_groups = RANGE_CONFIRMATION_GROUPS

    hourly_rate = forms.DecimalField(min_value=0.01, max_digits=10, decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES)
    start_date = forms.DateField(widget=DATE_WIDGET)
    end_date = forms.DateField(
        widget=DATE_WIDGET, required=False, help_text="Empty for an open-ended contract."
    )
    hours_per_week = forms.DecimalField(
        min_value=0.25, max_value=80, max_digits=5, decimal_places=2, initial=20
    )
    confirm_out_of_range, out_of_range_reason = range_confirmation_fields()
    close_posting = forms.ChoiceField(
        choices=[("", "—"), ("yes", "yes"), ("no", "no")], required=False, widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date is before the start date.")
        return data


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), max_length=20000)


class ReferralForm(forms.Form):
    """A freelancer refers a candidate (portal): the candidate gets an e-mail with the freelancer's link."""

    full_name = forms.CharField(max_length=150, label="Their name")
    email = forms.EmailField(max_length=254, label="Their e-mail")
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="A note for them (optional)",
        help_text="Included in the invitation e-mail.",
    )


class ReferralBonusForm(forms.Form):
    """The program's referral bonus (manage)."""

    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label="Bonus")
    currency = forms.ChoiceField(choices=CURRENCIES, initial="USD")
    after_hours = forms.DecimalField(
        min_value=Decimal("0.25"),
        max_digits=7,
        decimal_places=2,
        label="Paid after the referred freelancer has worked (hours)",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Pay referral bonuses in this program")
