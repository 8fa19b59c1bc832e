from decimal import Decimal

from django import forms

from core.forms import ConfirmationFieldsMixin
from core.money import CURRENCIES
from payments.models import Activity, Adjustment, PayoutAccount, PayoutDetails, mask
from payments.services.adjustments import OVER_LIMIT_CODES

HOURS_ATTRS = {"step": "0.25", "min": "0.25", "max": "24"}


class DateInput(forms.DateInput):
    input_type = "date"


class TimeEntryForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs=HOURS_ATTRS),
        help_text="Quarter hours: 0.25, 0.5, 0.75…",
    )
    activity = forms.ChoiceField(choices=Activity.choices)
    estimated_hours = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**HOURS_ATTRS, "min": "0"}),
        help_text="Planned non-ticket task? The hours you expected it to take.",
    )
    tickets = forms.ModelMultipleChoiceField(
        queryset=None, required=False, help_text="Optional: the tickets you worked on."
    )
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
    program = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": "Program"}),
    )
    activity = forms.ChoiceField(
        choices=Activity.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": "Activity"}),
    )
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class SendBackForm(forms.Form):
    comment = forms.CharField(
        max_length=1000, widget=forms.TextInput(attrs={"placeholder": "What needs fixing?"})
    )


class ExchangeRateForm(forms.Form):
    on_date = forms.DateField(widget=DateInput, label="Date")
    base_currency = forms.ChoiceField(choices=CURRENCIES, label="From (1 unit of)")
    quote_currency = forms.ChoiceField(choices=CURRENCIES, label="To", initial="EUR")
    rate = forms.DecimalField(
        max_digits=18, decimal_places=8, widget=forms.NumberInput(attrs={"step": "any"})
    )


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(help_text="CSV lines: date,base,quote,rate — e.g. 2026-03-02,USD,EUR,0.92")


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(widget=DateInput, label="Paid on")
    reference = forms.CharField(
        max_length=120,
        label="Payment reference",
        help_text="The bank's or platform's batch or transfer reference.",
    )


class FailForm(forms.Form):
    reason = forms.CharField(max_length=1000, label="Why did it fail?")


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=1000)


LIMIT_CONFIRMATION = ("confirm_over_limit", "over_limit_reason")
# For ConfirmationFieldsMixin.confirmation_groups of every form that adds an adjustment (here, reviews' bonus).
LIMIT_CONFIRMATION_GROUPS = dict.fromkeys(OVER_LIMIT_CODES, LIMIT_CONFIRMATION)


def over_limit_confirmation_fields():
    """The (confirm_over_limit, over_limit_reason) pair: fresh field instances for a form class body."""
    return (
        forms.BooleanField(
            required=False, label="Add it although it is above the program's adjustment limit"
        ),
        forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            label="Why this amount",
            help_text="Recorded with the adjustment; its payout is flagged for a look before approval.",
        ),
    )


class AdjustmentForm(ConfirmationFieldsMixin, forms.Form):
    confirmation_groups = LIMIT_CONFIRMATION_GROUPS

    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    freelancer = forms.ModelChoiceField(queryset=None)
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in Adjustment.Kind.choices if k != Adjustment.Kind.ADVANCE]
    )
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="In the contract currency. Deductions: enter the amount to take off.",
    )
    reason = forms.CharField(max_length=300, help_text="Printed on the freelancer's statement.")
    confirm_over_limit, over_limit_reason = over_limit_confirmation_fields()

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


class PayoutDetailsForm(forms.Form):
    """The freelancer's payout details. The account number is never sent back to the browser: left blank, the one on
    file is kept; the rules (IBAN/BIC checks, which fields each method needs) are PayoutDetails.clean()."""

    method = forms.ChoiceField(
        choices=PayoutDetails.Method.choices, widget=forms.RadioSelect, label="Pay me by"
    )
    account_holder_name = forms.CharField(
        required=False,
        max_length=200,
        label="Account holder's name",
        help_text="Bank transfer and Wise: the name on the account.",
    )
    iban = forms.CharField(
        required=False,
        max_length=42,
        label="IBAN",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_number = forms.CharField(
        required=False,
        max_length=40,
        label="Account number",
        help_text="Only where your bank has no IBAN; then the SWIFT/BIC is needed.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        required=False, max_length=14, label="SWIFT/BIC", help_text="8 or 11 characters, e.g. DEUTDEFF."
    )
    bank_country = forms.CharField(
        required=False,
        max_length=2,
        label="Bank country",
        help_text="Two letters, e.g. PL; read from the IBAN or BIC when left blank.",
    )
    wise_email = forms.EmailField(required=False, label="Wise e-mail")
    paypal_email = forms.EmailField(required=False, label="PayPal e-mail")
    payoneer_id = forms.CharField(required=False, max_length=64, label="Payoneer ID")

    def __init__(self, *args, details: PayoutAccount, **kwargs):
        self.details = details
        if not args or args[0] is None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(details, name)
                    for name in self.base_fields
                    if name not in ("iban", "account_number")
                },
            )
        super().__init__(*args, **kwargs)
        for name in ("iban", "account_number"):
            if getattr(details, name):
                self.fields[name].widget.attrs["placeholder"] = (
                    f"{mask(getattr(details, name))} — blank keeps it"
                )

    def clean(self):
        data = super().clean() or {}
        if (
            data.get("method") == PayoutDetails.Method.BANK_TRANSFER
            and not data.get("iban")
            and not data.get("account_number")
        ):
            data["iban"], data["account_number"] = self.details.iban, self.details.account_number
        return data


class RunStartForm(forms.Form):
    """Start (or resume) the payout run of an ended pay period, picked by any day in it."""

    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    day = forms.DateField(
        widget=DateInput,
        label="A day in the period",
        help_text="Any day of a pay period that has ended; the run covers that whole period.",
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class OffCyclePayoutForm(forms.Form):
    """Pay a leaving freelancer's approved time of the current period now.

    Any freelancer of the manager's programs is accepted, so that one who is not leaving gets the service's reason
    rather than "not a valid choice"; the list offers the leaving ones."""

    program = forms.ModelChoiceField(queryset=None, empty_label=None)
    freelancer = forms.ModelChoiceField(
        queryset=None, help_text="Freelancers whose contract has ended or has an end date."
    )

    def __init__(self, *args, programs, freelancers, leaving, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["freelancer"].queryset = freelancers
        self.fields["freelancer"].widget.choices = [("", "---------")] + [(f.pk, str(f)) for f in leaving]


class InvoiceUploadForm(forms.Form):
    """The freelancer's own invoice instead of the generated one; services.invoice_upload checks it is a PDF."""

    file = forms.FileField(
        label="Your invoice (PDF)", help_text="A PDF, at most 5 MB. It replaces ours for this payout."
    )
    number = forms.CharField(
        required=False,
        max_length=60,
        label="Its invoice number",
        help_text="The number on your invoice, if it has its own.",
    )


class InvoiceDetailsForm(forms.Form):
    billing_address = forms.CharField(
        required=False,
        max_length=500,
        label="Address on your invoices",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tax_id = forms.CharField(
        required=False, max_length=40, label="Tax ID", help_text="Your tax or VAT number, if you have one."
    )
