from decimal import Decimal

from django import forms
from django.contrib.auth import password_validation
from django.db import models

from accounts.models import TIME_ZONE_CHOICES, User
from contracts.documents import PLACEHOLDERS
from contracts.models import Contract, DocumentKind, RateChange
from contracts.services.rates import PAID_PERIOD_CODE, RATE_CONFIRMATION_CODES
from core.forms import ConfirmationFieldsMixin, SecretField
from core.money import CURRENCIES

DATE = forms.DateInput(attrs={"type": "date"})


RANGE_CONFIRMATION = ("confirm_out_of_range", "out_of_range_reason")
# For ConfirmationFieldsMixin.confirmation_groups of every form that sets a rate (here, recruiting, reviews).
RANGE_CONFIRMATION_GROUPS = dict.fromkeys(RATE_CONFIRMATION_CODES, RANGE_CONFIRMATION)
PAID_PERIOD_CONFIRMATION_GROUPS = {PAID_PERIOD_CODE: ("confirm_paid_period",)}


def range_confirmation_fields():
    """The (confirm_out_of_range, out_of_range_reason) pair: fresh field instances for a form class body."""
    return (
        forms.BooleanField(
            required=False, label="Use this rate although it is outside the program's pay range"
        ),
        forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            label="Why this rate",
            help_text="Recorded with the rate and in the audit log.",
        ),
    )


def paid_period_confirmation_field():
    return forms.BooleanField(
        required=False,
        label="Pay the difference for the days already paid as a correction in the next payout",
    )


class ContractTermsForm(ConfirmationFieldsMixin, forms.Form):
    """The terms of a draft contract (creation and editing)."""

    confirmation_groups = RANGE_CONFIRMATION_GROUPS

    role = forms.CharField(max_length=120, initial="Tier-1 support agent")
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(
        widget=DATE, required=False, help_text="Leave empty for an open-ended contract."
    )
    hourly_rate = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.ChoiceField(choices=CURRENCIES)
    hours_per_week = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=80, initial=Decimal("20")
    )
    weekly_hour_cap = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=80,
        initial=Decimal("25"),
        help_text="Routing stops assigning at this many hours; time above is flagged.",
    )
    performance_expectations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="e.g. QA score ≥ 85, first response within 1 hour. Empty: the standard expectations.",
    )
    nda_required = forms.BooleanField(required=False, initial=True, label="The freelancer signs the NDA too")
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Below-floor override reason",
        help_text="Only when the rate is below the program's rate floor for the freelancer's region.",
    )
    confirm_out_of_range, out_of_range_reason = range_confirmation_fields()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        hours, cap = data.get("hours_per_week"), data.get("weekly_hour_cap")
        if hours and cap and cap < hours:
            self.add_error("weekly_hour_cap", "The weekly cap is below the expected hours per week.")
        return data


class ContractCreateForm(ContractTermsForm):
    program = forms.ModelChoiceField(queryset=None)
    freelancer = forms.ModelChoiceField(
        queryset=None,
        help_text="Freelancers hired through your programs' postings, contracted or invited there. "
        "Someone new? Invite them by e-mail first.",
    )

    field_order = ["program", "freelancer"]

    def __init__(self, *args, programs, freelancers, **kwargs):
        """`freelancers`: contracts.selectors.freelancer_list_for_manager; a posted id outside it is refused."""
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["freelancer"].queryset = freelancers
        self.fields["freelancer"].error_messages["invalid_choice"] = (
            "Choose one of the freelancers connected to your programs."
        )


class FreelancerInvitationForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    email = forms.EmailField(help_text="We e-mail them a link to accept; it works once, for 14 days.")
    name = forms.CharField(max_length=200, required=False, help_text="Optional: prefills their sign-up.")

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class InvitationSignupForm(forms.Form):
    """A new person accepting an invitation: their freelancer profile's basics and a password."""

    legal_name = forms.CharField(
        max_length=200,
        label="Your full legal name",
        help_text="As you will sign contracts.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    country = forms.CharField(
        max_length=2, min_length=2, help_text="Two-letter country code, e.g. PH, PL, US."
    )
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if not country.isalpha():
            raise forms.ValidationError("Enter a two-letter country code.")
        return country

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, user=User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RateChangeForm(ConfirmationFieldsMixin, forms.Form):
    confirmation_groups = {**RANGE_CONFIRMATION_GROUPS, **PAID_PERIOD_CONFIRMATION_GROUPS}

    effective_date = forms.DateField(widget=DATE)
    hourly_rate = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.ChoiceField(choices=RateChange.Reason.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Below-floor override reason",
    )
    confirm_out_of_range, out_of_range_reason = range_confirmation_fields()
    confirm_paid_period = paid_period_confirmation_field()


class ContractEndForm(forms.Form):
    class How(models.TextChoices):
        END = "end", "End as agreed (end date reached or mutual agreement)"
        TERMINATE = "terminate", "Terminate early"

    how = forms.ChoiceField(choices=How.choices, widget=forms.RadioSelect, initial=How.TERMINATE, label="")
    ended_on = forms.DateField(widget=DATE, label="Last day")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required for a termination; the freelancer sees it.",
    )

    def clean(self):
        data = super().clean()
        if data.get("how") == self.How.TERMINATE and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the termination.")
        return data


class ContractRatingForm(forms.Form):
    STARS = [
        ("5", "5 — outstanding"),
        ("4", "4 — very good"),
        ("3", "3 — good"),
        ("2", "2 — fair"),
        ("1", "1 — poor"),
    ]

    stars = forms.ChoiceField(choices=STARS, widget=forms.RadioSelect, label="Rating")
    testimonial = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=2000,
        help_text="A few sentences the freelancer can show in their portfolio. They see it in the portal.",
    )


class SignForm(forms.Form):
    typed_name = forms.CharField(
        max_length=200, label="Your full legal name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    consent = forms.BooleanField(
        required=False,
        label="I have read the documents above and agree to sign them electronically; my typed name is my signature.",
    )
    confirm_name_mismatch = forms.BooleanField(required=False, widget=forms.HiddenInput)
    contract_sha256 = forms.CharField(widget=forms.HiddenInput, required=False)
    nda_sha256 = forms.CharField(widget=forms.HiddenInput, required=False)

    def document_hashes(self) -> dict:
        hashes = {DocumentKind.CONTRACT: self.cleaned_data.get("contract_sha256") or ""}
        if self.cleaned_data.get("nda_sha256"):
            hashes[DocumentKind.NDA] = self.cleaned_data["nda_sha256"]
        return hashes


class DocumentTemplateForm(forms.Form):
    title = forms.CharField(max_length=150)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace"}),
        help_text="Use {{ placeholder }} for the values listed beside. Nothing else is interpreted.",
    )


class RateFloorForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None)
    label = forms.CharField(max_length=100, help_text="e.g. 'US and Western Europe'.")
    countries = forms.CharField(
        required=False,
        help_text="Two-letter country codes separated by commas. Empty: every other country.",
    )
    minimum_hourly_rate = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.ChoiceField(choices=CURRENCIES)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def clean_countries(self):
        return [
            c.strip().upper()
            for c in self.cleaned_data["countries"].replace(";", ",").split(",")
            if c.strip()
        ]


class ToolChoiceForm(forms.Form):
    tool = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, tools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools


class CredentialForm(forms.Form):
    tool = forms.ModelChoiceField(queryset=None, help_text="The program's tool these credentials open.")
    label = forms.CharField(
        max_length=120, help_text="A name freelancers see, e.g. 'Shared agent login'. Not secret."
    )
    username = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    # Write-only: a stored credential is replaced as a whole, and nothing typed is shown back on an error.
    password = SecretField(max_length=500, keeps_stored_value=False)
    notes = SecretField(
        multiline=True,
        keeps_stored_value=False,
        help_text="Secret too: recovery codes, 2FA instructions. Encrypted like the password.",
    )

    def __init__(self, *args, tools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools
        self.fields["tool"].label_from_instance = lambda tool: f"{tool.program.name} — {tool.name}"


class CredentialLinkForm(forms.Form):
    tool = forms.ModelChoiceField(queryset=None)
    label = forms.CharField(max_length=120, help_text="What you are asking for, e.g. 'Zendesk agent login'.")
    recipient_name = forms.CharField(max_length=150, required=False)
    recipient_email = forms.EmailField(
        required=False, help_text="We e-mail the link when you give an address."
    )
    valid_days = forms.IntegerField(min_value=1, max_value=30, initial=7, label="Valid for (days)")

    def __init__(self, *args, tools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools
        self.fields["tool"].label_from_instance = lambda tool: f"{tool.program.name} — {tool.name}"


class CredentialSubmitForm(forms.Form):
    submitted_by_name = forms.CharField(max_length=150, label="Your name")
    username = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = SecretField(max_length=500, keeps_stored_value=False)
    notes = SecretField(
        multiline=True,
        keeps_stored_value=False,
        help_text="Anything else the team needs (2FA, recovery codes).",
    )


class StakeholderContactForm(forms.Form):
    """One customer contact, collected on the vault's one-time link page (all fields blank: row skipped)."""

    name = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False, label="E-mail")
    role = forms.CharField(max_length=120, required=False, help_text="e.g. Head of Support")

    def clean(self) -> dict:
        data = super().clean() or {}
        if (data.get("name") or data.get("role")) and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Give this person's e-mail address, or leave the whole row empty.")
        if data.get("email") and not (data.get("name") or "").strip():
            self.add_error("name", "Give this person's name.")
        return data


StakeholderContactFormSet = forms.formset_factory(
    StakeholderContactForm, extra=3, max_num=10, validate_max=True
)


class ContractFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label="All programs",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Contract.Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


PLACEHOLDER_HELP = sorted(PLACEHOLDERS.items())
