from core.errors import DomainError


class ReviewError(DomainError):
    """A reviews rule said no."""


class SurveyLinkExpired(ReviewError):
    """A survey link that was real and unused, but is past its expiry: the page says so clearly."""


class SurveyLinkUsed(ReviewError):
    """A survey link that was real and already answered: the page thanks and says so (410), and changes nothing."""

    def __init__(self, message: str, *, answered_at=None):
        super().__init__(message, code="used")
        self.answered_at = answered_at
