from core.errors import DomainError


class QueueError(DomainError):
    """A queue rule said no (escalating a solved ticket, a reply to a closed one, …)."""


class IntakeError(DomainError):
    """A ticket could not be taken in (unknown ticket type, bad field)."""


class WebhookSignatureError(Exception):
    """The webhook's signature is missing or wrong: answer 401 and store nothing."""
