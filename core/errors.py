class DomainError(Exception):
    """A business rule said no. Views show it as a message or form error; the API answers 400.

    `field` names the form/API field the error belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        return {self.field or "non_field_errors": [self.message]}


class TransitionNotAllowed(DomainError):
    """A state machine refused a move."""


def check_transition(transitions: dict, current, target, *, label: str = "status") -> None:
    """Raise TransitionNotAllowed unless `target` is an allowed move from `current`.

    `transitions` maps each state to the states it may move to; every state machine
    in the project declares its moves once in such a dict.
    """
    if target not in transitions.get(current, ()):
        raise TransitionNotAllowed(
            f"A {label} cannot move from “{_label(current)}” to “{_label(target)}”.", code="transition"
        )


def _label(value) -> str:
    return getattr(value, "label", None) or str(value).replace("_", " ")
