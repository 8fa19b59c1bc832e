from core.errors import DomainError


class ContractError(DomainError):
    """A contracts rule said no."""


class RateBelowFloor(ContractError):
    """The rate is below the program's floor for the freelancer's region and no override reason was given."""


class RateOutOfRange(ContractError):
    """The rate is outside the program's pay range (or above its ceiling) and was not confirmed with a reason."""


class RateChangeInPaidPeriod(ContractError):
    """The rate change takes effect in days already paid out and the manager did not confirm the correction."""


class SignatureNameMismatch(ContractError):
    """The typed name differs from the legal name on the profile.

    `needs_confirmation` is True when the names are close (a typo, a missing middle name):
    the freelancer may confirm and sign; otherwise the signature is refused.
    """

    def __init__(self, message: str, *, needs_confirmation: bool, **kwargs):
        super().__init__(message, **kwargs)
        self.needs_confirmation = needs_confirmation


class VaultError(ContractError):
    pass
