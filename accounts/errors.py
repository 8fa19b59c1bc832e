from core.errors import DomainError


class AccountError(DomainError):
    pass
