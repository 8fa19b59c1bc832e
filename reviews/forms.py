from django import forms

from contracts.forms import (
    PAID_PERIOD_CONFIRMATION_GROUPS,
    RANGE_CONFIRMATION_GROUPS,
    paid_period_confirmation_field,
    range_confirmation_fields,
)
from core.forms import ConfirmationFieldsMixin
from payments.forms import LIMIT_CONFIRMATION_GROUPS, over_limit_confirmation_fields
from reviews.models import CsatSurvey, Dispute, Evaluation, Feedback, ReviewSettings


class ScorecardForm(forms.Form):
    """One rating (0..scale_max) and comment per criterion, plus an overall comment. Built from the scorecard."""

    comment = forms.CharField(
        label="Overall comment (the freelancer sees it)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criteria, scale_max: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        choices = [("", "—")] + [(str(n), str(n)) for n in range(scale_max + 1)]
        for criterion in criteria:
            label = (
                f"{criterion.name} (weight {criterion.weight}{', critical' if criterion.is_critical else ''})"
            )
            # A ChoiceField would refuse an out-of-scale value before the service could explain it: keep it a
            # plain field and let the service (one rule) give the error on this field.
            self.fields[f"rating_{criterion.pk}"] = forms.CharField(
                label=label,
                widget=forms.Select(choices=choices),
                help_text=criterion.description,
                required=False,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"Comment on {criterion.name.lower()}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
        self.order_fields(
            [name for c in criteria for name in (f"rating_{c.pk}", f"comment_{c.pk}")] + ["comment"]
        )

    def rows(self):
        """(criterion, rating field, comment field) for the template."""
        return [(c, self[f"rating_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def ratings(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"rating_{c.pk}") for c in self.criteria}

    def comments(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"comment_{c.pk}", "") for c in self.criteria}


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label="What do you disagree with?", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=Dispute.Outcome.choices, widget=forms.RadioSelect)
    new_score = forms.DecimalField(
        label="New score (0–100)",
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text="Leave empty to keep the score.",
    )
    resolution_note = forms.CharField(
        label="Decision (the freelancer reads it)", widget=forms.Textarea(attrs={"rows": 3})
    )


class PickTicketForm(forms.Form):
    ticket = forms.IntegerField(label="Ticket number", min_value=1)


class CalibrationForm(forms.Form):
    title = forms.CharField(max_length=150, required=False)
    ticket = forms.IntegerField(label="Ticket number", min_value=1)
    reviewers = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, reviewer_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewer_choices


class SettingsForm(forms.ModelForm):
    """The CSAT source is only offered for a Zendesk program (`zendesk_channel`): others always use Flexdesk's."""

    class Meta:
        model = ReviewSettings
        fields = [
            "sample_mode",
            "sample_size",
            "new_freelancer_weeks",
            "new_freelancer_multiplier",
            "csat_enabled",
            "csat_source",
            "csat_window_days",
            "csat_link_days",
            "nps_enabled",
            "nps_link_days",
            "silence_login_days",
            "silence_unanswered_hours",
        ]
        widgets = {"csat_source": forms.RadioSelect}
        labels = {
            "csat_enabled": "Send CSAT surveys",
            "csat_window_days": "CSAT at most once per requester in (days)",
            "csat_link_days": "CSAT link valid for (days)",
            "nps_enabled": "Send the weekly NPS survey",
            "nps_link_days": "NPS link valid for (days)",
        }

    def __init__(self, *args, zendesk_channel: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not zendesk_channel:
            del self.fields["csat_source"]


class EvaluationForm(ConfirmationFieldsMixin, forms.Form):
    # A bonus above the adjustment limit, a new rate outside the pay range or taking effect in paid days:
    # the owning app's rule refuses it, and these fields appear to confirm it with a reason.
    confirmation_groups = {
        **LIMIT_CONFIRMATION_GROUPS,
        **RANGE_CONFIRMATION_GROUPS,
        **PAID_PERIOD_CONFIRMATION_GROUPS,
    }

    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(choices=Evaluation.Outcome.choices, widget=forms.RadioSelect)
    summary = forms.CharField(
        label="Summary (the freelancer reads it)", widget=forms.Textarea(attrs={"rows": 4})
    )
    private_notes = forms.CharField(
        label="Private notes (managers only)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    bonus_amount = forms.DecimalField(
        label="Recognition bonus (optional)", required=False, max_digits=12, decimal_places=2, min_value=0
    )
    confirm_over_limit, over_limit_reason = over_limit_confirmation_fields()
    new_hourly_rate = forms.DecimalField(
        label="New hourly rate", required=False, max_digits=12, decimal_places=2
    )
    rate_effective_date = forms.DateField(
        label="New rate effective from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rate_override_reason = forms.CharField(
        label="Below-floor reason (only if the rate is under the floor)", required=False
    )
    confirm_out_of_range, out_of_range_reason = range_confirmation_fields()
    confirm_paid_period = paid_period_confirmation_field()
    plan_goals = forms.CharField(label="Plan goals", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    plan_review_date = forms.DateField(
        label="Plan review date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label="Contract ends on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_reason = forms.CharField(
        label="Reason the contract ends", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ThankYouForm(forms.Form):
    freelancer = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class FeedbackForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        choices=[c for c in Feedback.Kind.choices if c[0] != Feedback.Kind.PULSE], label="What is it about?"
    )
    body = forms.CharField(label="Tell us", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class PulseForm(forms.Form):
    program = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.TypedChoiceField(
        label="How did this week go?",
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label="What got in your way? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class CsatForm(forms.Form):
    rating = forms.ChoiceField(
        choices=CsatSurvey.Rating.choices,
        widget=forms.RadioSelect,
        label="How would you rate the support you received?",
    )
    comment = forms.CharField(
        label="Anything you would like to add? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class NpsForm(forms.Form):
    # A CharField so an out-of-range value reaches the service's one rule and its clear message.
    score = forms.CharField(label="How likely are you to recommend us to a friend or colleague? (0–10)")
    comment = forms.CharField(
        label="What is the main reason for your score? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
