from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string

from accounts.models import Freelancer, User
from accounts.selectors import skill_choices_for_freelancer


class EmailAuthenticationForm(AuthenticationForm):
    """Same behaviour as Django's form; the one error never says whether the email exists."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That email and password do not match. Check both and try again.",
        "inactive": "That email and password do not match. Check both and try again.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the link is built on SITE_URL like every other link, and the mail goes
    through the outbox (retried; the request never waits for the mail server)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from core.outbox import email_enqueue

        context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_enqueue(to=[to_email], subject=subject, body=body, about=context.get("user"), sensitive=True)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "time_zone"]


class FreelancerProfileForm(forms.ModelForm):
    class Meta:
        model = Freelancer
        fields = ["legal_name", "time_zone", "country", "payout_currency", "languages", "skills"]
        widgets = {"languages": forms.CheckboxSelectMultiple, "skills": forms.CheckboxSelectMultiple}

    def __init__(self, *args, legal_name_lock: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = skill_choices_for_freelancer(freelancer=self.instance)
        if legal_name_lock:  # a disabled field keeps its saved value whatever is posted
            self.fields["legal_name"].disabled = True
            self.fields["legal_name"].help_text = legal_name_lock


class LegalNameChangeForm(forms.Form):
    requested_legal_name = forms.CharField(
        label="Your new full legal name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reason = forms.CharField(
        label="Why it changes",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example marriage, a legal name change, or a spelling correction.",
    )


class TwoFactorCodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "spellcheck": "false",
            }
        ),
    )
