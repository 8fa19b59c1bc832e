from django.core.exceptions import ValidationError

from core.errors import DomainError


def add_error_to_form(form, error: Exception) -> None:
    """Show a DomainError or model ValidationError on the form, on its field when the form has it."""
    if isinstance(error, DomainError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        raise error
