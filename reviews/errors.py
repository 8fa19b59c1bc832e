from core.errors import DomainError


class ReviewError(DomainError):
    """A reviews rule said no."""


class SurveyLinkExpired(ReviewError):
    """A survey link that was real and unused, but is past its expiry: the page says so clearly."""
