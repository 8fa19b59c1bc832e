"""Work already paid at a contract's rate, for rate changes that reach back into it.

A rate change whose effective date falls in days already paid out would leave the statement and
the rate history saying different things. Payouts belong to payments, above contracts; so contracts
asks and payments answers (registered in payments.apps.ready), as for contracts.hours:

- `paid_periods_from(contract, date_from)`: the pay periods with work of this contract already priced
  (in a payout, or by a late-approval correction) on or after `date_from`, each with what that work
  comes to under the rate history as it stands;
- `paid_periods_correct(contract, change, before, actor)`: after the change is saved, price the same
  work again and book the difference as correction adjustments for the next payout.

With no provider registered nothing is ever paid, and rate changes are never refused for it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class PaidPeriod:
    period_id: int
    start_date: datetime.date
    end_date: datetime.date
    payout_status: str  # e.g. "paid", "approved", "draft": how far the payout of the period went
    hours: Decimal  # priced hours of this contract on or after the effective date
    amount: Decimal  # what all the priced hours of this contract in the period come to, at the rates then in force

    @property
    def label(self) -> str:
        return f"{self.start_date:%d %b} – {self.end_date:%d %b %Y}"


@dataclass(frozen=True)
class Correction:
    period: PaidPeriod
    amount: Decimal
    adjustment_id: int


class PaidWorkProvider(Protocol):
    def paid_periods_from(self, *, contract, date_from: datetime.date) -> list[PaidPeriod]: ...

    def paid_periods_correct(
        self, *, contract, change, before: list[PaidPeriod], actor
    ) -> list[Correction]: ...


_provider: PaidWorkProvider | None = None


def register_paid_work_provider(provider: PaidWorkProvider) -> None:
    global _provider
    _provider = provider


def paid_periods_from(*, contract, date_from: datetime.date) -> list[PaidPeriod]:
    """Call inside the transaction that holds the contract's row lock (the provider locks the periods)."""
    if _provider is None:
        return []
    return _provider.paid_periods_from(contract=contract, date_from=date_from)


def paid_periods_correct(*, contract, change, before: list[PaidPeriod], actor) -> list[Correction]:
    if _provider is None or not before:
        return []
    return _provider.paid_periods_correct(contract=contract, change=change, before=before, actor=actor)
