"""QA scorecard arithmetic. The programs app owns the scorecard definition, so the score rule lives here:
reviews score tickets with it and recruiting grades trial tasks with it."""

from decimal import ROUND_HALF_UP, Decimal

from core.errors import DomainError
from programs.models import QAScorecard

HUNDRED = Decimal("100")


class ScoreError(DomainError):
    pass


def scorecard_score(*, scorecard: QAScorecard, ratings: dict[int, int], criteria=None) -> Decimal:
    """Overall score 0–100, to two decimals: Σ(weight × rating / scale_max) / Σ weight × 100.

    `ratings` maps criterion id → rating in 0..scale_max, one for every criterion.
    A critical criterion rated 0 (a fail) makes the whole score 0.
    Pass `criteria` (the scorecard's criteria, already fetched) to avoid a query.
    """
    criteria = list(criteria if criteria is not None else scorecard.criteria.all())
    if not criteria:
        raise ScoreError("This scorecard has no criteria yet.")
    missing = [c.name for c in criteria if c.pk not in ratings]
    if missing:
        raise ScoreError(f"Rate every criterion: {', '.join(missing)}.", field="ratings")
    scale = scorecard.scale_max
    total_weight = Decimal(0)
    weighted = Decimal(0)
    for criterion in criteria:
        rating = ratings[criterion.pk]
        if not isinstance(rating, int) or isinstance(rating, bool) or not 0 <= rating <= scale:
            raise ScoreError(f"“{criterion.name}” must be rated from 0 to {scale}.", field="ratings")
        if criterion.is_critical and rating == 0:
            return Decimal("0.00")
        total_weight += criterion.weight
        weighted += Decimal(criterion.weight) * Decimal(rating) / Decimal(scale)
    return (weighted / total_weight * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
