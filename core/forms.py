from django import forms
from django.core.exceptions import ValidationError

from core.errors import DomainError


def add_error_to_form(form, error: Exception) -> None:
    """Show a DomainError or model ValidationError on the form, on its field when the form has it."""
    if isinstance(error, DomainError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        if isinstance(form, ConfirmationFieldsMixin):
            form.show_confirmation_for(error)
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        raise error


class ConfirmationFieldsMixin:
    """Form fields for "confirm, and say why" that stay hidden until a rule asks for them.

    `confirmation_groups` maps a DomainError code to the fields that answer it, e.g.
    {"rate_out_of_range": ("confirm_out_of_range", "out_of_range_reason")}. A group shows when the
    submitted data or the initial values already fill one of its fields, or when add_error_to_form
    shows an error with one of its codes; until then its fields are hidden inputs.
    """

    confirmation_groups: dict[str, tuple[str, ...]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._confirmation_widgets = {}
        for names in set(self.confirmation_groups.values()):
            if not any(self._confirmation_filled(name) for name in names):
                for name in names:
                    field = self.fields[name]
                    self._confirmation_widgets[name] = field.widget
                    field.widget = forms.HiddenInput()

    def _confirmation_filled(self, name: str) -> bool:
        if self.is_bound:
            value = self.data.get(self.add_prefix(name))
        else:
            value = self.get_initial_for_field(self.fields[name], name)
        return value not in (None, "", False, "false", "False", "0", "off")

    def show_confirmation_for(self, error: DomainError) -> None:
        for name in self.confirmation_groups.get(error.code or "", ()):
            if name in self._confirmation_widgets:
                self.fields[name].widget = self._confirmation_widgets.pop(name)


# --- secrets -----------------------------------------------------------------------------------------------------


class SecretInput(forms.PasswordInput):
    """A password box that never renders a value: not the stored secret, not what was just typed."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


class SecretTextarea(forms.Textarea):
    """A text area for a multi-line secret (recovery codes, notes): it never renders a value either."""

    def format_value(self, value):
        return None


class SecretBoundField(forms.BoundField):
    """The stored value stays on the server: a blank submission means "keep it", the help says set / not set."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        if self.field.keeps_stored_value:
            state = "Set; leave blank to keep the current value." if self.initial else "Not set."
            self.help_text = f"{state} {self.help_text}".strip()

    @property
    def data(self):
        data = super().data
        if self.field.keeps_stored_value and data in self.field.empty_values:
            return self.initial  # what the form was built with (a ModelForm: the instance's value)
        return data


class SecretField(forms.CharField):
    """Every form field that takes a secret (signing secrets, passwords, API tokens, vault notes).

    Nothing secret is ever written back into the page. For a form that edits a stored secret (its initial,
    or a ModelForm's instance, holds it), a blank field keeps the stored value and the help text says whether
    one is set. `keeps_stored_value=False` for write-only forms where blank means "none" (a new credential).
    """

    def __init__(self, *, multiline=False, keeps_stored_value=True, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", SecretTextarea(attrs={"rows": 3}) if multiline else SecretInput())
        self.keeps_stored_value = keeps_stored_value
        super().__init__(**kwargs)

    def get_bound_field(self, form, field_name):
        return SecretBoundField(form, self, field_name)
