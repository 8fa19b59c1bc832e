from decimal import Decimal

from django import forms

from core.money import CURRENCIES
from payments.models import Activity, Adjustment

HOURS_ATTRS = {"step": "0.25", "min": "0.25", "max": "24"}


class DateInput(forms.DateInput):
    input_type = "date"


class TimeEntryForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(max_digits=5, decimal_places=2, widget=forms.NumberInput(attrs=HOURS_ATTRS),
                               help_text="Quarter hours: 0.25, 0.5, 0.75…")
    activity = forms.ChoiceField(choices=Activity.choices)
    estimated_hours = forms.DecimalField(
        required=False, max_digits=5, decimal_places=2, widget=forms.NumberInput(attrs={**HOURS_ATTRS, "min": "0"}),
        help_text="Planned non-ticket task? The hours you expected it to take.",
    )
    tickets = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                             help_text="Optional: the tickets you worked on.")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, programs, tickets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        if tickets is None:
            del self.fields["tickets"]
        else:
            self.fields["tickets"].queryset = tickets
            self.fields["tickets"].widget.attrs["size"] = 4


class TimerStartForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None,
                                     widget=forms.Select(attrs={"class": "form-select form-select-sm",
                                                                "aria-label": "Program"}))
    activity = forms.ChoiceField(choices=Activity.choices,
                                 widget=forms.Select(attrs={"class": "form-select form-select-sm",
                                                            "aria-label": "Activity"}))
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class SendBackForm(forms.Form):
    comment = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "What needs fixing?"}))


class ExchangeRateForm(forms.Form):
    on_date = forms.DateField(widget=DateInput, label="Date")
    base_currency = forms.ChoiceField(choices=CURRENCIES, label="From (1 unit of)")
    quote_currency = forms.ChoiceField(choices=CURRENCIES, label="To", initial="EUR")
    rate = forms.DecimalField(max_digits=18, decimal_places=8, widget=forms.NumberInput(attrs={"step": "any"}))


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(help_text="CSV lines: date,base,quote,rate — e.g. 2026-03-02,USD,EUR,0.92")


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(widget=DateInput, label="Paid on")
    reference = forms.CharField(max_length=120, label="Payment reference",
                                help_text="The bank's or platform's batch or transfer reference.")


class FailForm(forms.Form):
    reason = forms.CharField(max_length=1000, label="Why did it fail?")


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=1000)


class AdjustmentForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    freelancer = forms.ModelChoiceField(queryset=None)
    kind = forms.ChoiceField(choices=[(k, label) for k, label in Adjustment.Kind.choices if k != Adjustment.Kind.ADVANCE])
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                help_text="In the contract currency. Deductions: enter the amount to take off.")
    reason = forms.CharField(max_length=300, help_text="Printed on the freelancer's statement.")

    def __init__(self, *args, programs, freelancers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["freelancer"].queryset = freelancers


class PayoutRequestForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    amount = forms.DecimalField(max_digits=12, decimal_places=2)
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
