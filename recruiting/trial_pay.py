"""Where a candidate of a paid trial task enters how to be paid: a question recruiting asks a higher app.

Paying trial tasks is payments' business (payments.TrialPayout, docs/adr/0026), and payments sits above
recruiting (DESIGN.md), so recruiting may not name its views. payments registers the page at start-up
(payments.apps.ready), as it registers the weekly-hours provider for routing (docs/adr/0002).
"""

from collections.abc import Callable
from typing import Any

_payout_details_path: list[Callable[[Any], str]] = []


def register_trial_payout_details_path(func: Callable[[Any], str]) -> None:
    """func(trial_task) -> the site path of the page where its candidate enters payout details."""
    if func not in _payout_details_path:
        _payout_details_path.append(func)


def trial_payout_details_path(trial: Any) -> str:
    """The path of the candidate's payout-details page for a paid trial ("" when no app pays trials)."""
    if not getattr(trial, "is_paid", False) or not _payout_details_path:
        return ""
    return _payout_details_path[0](trial)
