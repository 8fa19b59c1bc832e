from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Freelancer, User


class EmailAuthenticationForm(AuthenticationForm):
    """Same behaviour as Django's form; the one error never says whether the email exists."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    error_messages = {
        "invalid_login": "That email and password do not match. Check both and try again.",
        "inactive": "That email and password do not match. Check both and try again.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "time_zone"]


class FreelancerProfileForm(forms.ModelForm):
    class Meta:
        model = Freelancer
        fields = ["legal_name", "time_zone", "country", "payout_currency", "payout_method", "languages", "skills"]
        widgets = {"languages": forms.CheckboxSelectMultiple, "skills": forms.CheckboxSelectMultiple}

    def __init__(self, *args, legal_name_lock: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if legal_name_lock:  # a disabled field keeps its saved value whatever is posted
            self.fields["legal_name"].disabled = True
            self.fields["legal_name"].help_text = legal_name_lock
