from decimal import Decimal

import pytest

from programs.scoring import ScoreError, scorecard_score
from tests.programs.factories import QACriterionFactory, QAScorecardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    """Tone (weight 2), Accuracy (3), Escalated correctly (3, critical) on a 0–4 scale."""
    scorecard = QAScorecardFactory(scale_max=4)
    tone = QACriterionFactory(scorecard=scorecard, name="Tone", weight=2, position=1)
    accuracy = QACriterionFactory(scorecard=scorecard, name="Accuracy", weight=3, position=2)
    escalated = QACriterionFactory(
        scorecard=scorecard, name="Escalated correctly", weight=3, is_critical=True, position=3
    )
    return scorecard, tone, accuracy, escalated


def test_score_is_the_weighted_share_of_the_maximum(card):
    scorecard, tone, accuracy, escalated = card
    # (2×4/4 + 3×3/4 + 3×2/4) / 8 × 100 = (2 + 2.25 + 1.5) / 8 × 100 = 71.875 → 71.88
    ratings = {tone.pk: 4, accuracy.pk: 3, escalated.pk: 2}
    assert scorecard_score(scorecard=scorecard, ratings=ratings) == Decimal("71.88")


def test_all_top_ratings_score_100(card):
    scorecard, *criteria = card
    assert scorecard_score(scorecard=scorecard, ratings={c.pk: 4 for c in criteria}) == Decimal("100.00")


def test_critical_criterion_rated_zero_fails_the_whole_review(card):
    scorecard, tone, accuracy, escalated = card
    ratings = {tone.pk: 4, accuracy.pk: 4, escalated.pk: 0}
    assert scorecard_score(scorecard=scorecard, ratings=ratings) == Decimal("0.00")


def test_non_critical_zero_only_lowers_the_score(card):
    scorecard, tone, accuracy, escalated = card
    # (0 + 3 + 3) / 8 × 100 = 75.00
    assert scorecard_score(
        scorecard=scorecard, ratings={tone.pk: 0, accuracy.pk: 4, escalated.pk: 4}
    ) == Decimal("75.00")


@pytest.mark.parametrize("bad", [5, -1, True, "3", 2.5])
def test_ratings_outside_the_scale_are_refused(card, bad):
    scorecard, tone, accuracy, escalated = card
    with pytest.raises(ScoreError, match="from 0 to 4"):
        scorecard_score(scorecard=scorecard, ratings={tone.pk: bad, accuracy.pk: 4, escalated.pk: 4})


def test_every_criterion_must_be_rated(card):
    scorecard, tone, accuracy, _escalated = card
    with pytest.raises(ScoreError, match="Escalated correctly"):
        scorecard_score(scorecard=scorecard, ratings={tone.pk: 4, accuracy.pk: 4})


def test_scorecard_without_criteria_cannot_score():
    with pytest.raises(ScoreError):
        scorecard_score(scorecard=QAScorecardFactory(), ratings={})


def test_prefetched_criteria_are_used_without_a_query(card, django_assert_num_queries):
    scorecard, *criteria = card
    with django_assert_num_queries(0):
        assert (
            scorecard_score(scorecard=scorecard, ratings={c.pk: 4 for c in criteria}, criteria=criteria)
            == 100
        )
