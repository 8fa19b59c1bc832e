from core.errors import DomainError


class PaymentsError(DomainError):
    """A payments rule said no (bad hours, closed period, missing exchange rate…)."""


class MissingExchangeRate(PaymentsError):
    pass
