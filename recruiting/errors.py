from core.errors import DomainError


class RecruitingError(DomainError):
    pass


class DuplicateApplication(RecruitingError):
    pass


class PostingClosed(RecruitingError):
    pass


class DuplicateReferral(RecruitingError):
    """The address already applied or was referred: it counts once, for the first referrer."""
