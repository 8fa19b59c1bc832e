from core.errors import DomainError


class RecruitingError(DomainError):
    pass


class DuplicateApplication(RecruitingError):
    pass


class PostingClosed(RecruitingError):
    pass
