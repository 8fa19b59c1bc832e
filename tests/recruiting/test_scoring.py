import datetime
from decimal import Decimal

import pytest

from recruiting import scoring
from recruiting.errors import RecruitingError


def test_speed_is_full_within_a_day_and_falls_linearly_to_zero_at_a_week():
    assert scoring.speed_score(hours=Decimal("0")) == Decimal("100.00")
    assert scoring.speed_score(hours=Decimal("24")) == Decimal("100.00")
    # 96 h: 100 − 72 × 100 / 144 = 50
    assert scoring.speed_score(hours=Decimal("96")) == Decimal("50.00")
    # 25 h: 100 − 100/144 = 99.3055… → 99.31 (half-up)
    assert scoring.speed_score(hours=Decimal("25")) == Decimal("99.31")
    assert scoring.speed_score(hours=Decimal("168")) == Decimal("0.00")
    assert scoring.speed_score(hours=Decimal("500")) == Decimal("0.00")


def test_response_hours_are_measured_from_the_posting_opening():
    opened = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    applied = opened + datetime.timedelta(hours=30, minutes=30)
    assert scoring.response_hours(opened_at=opened, applied_at=applied) == Decimal("30.50")


def test_effort_counts_distinct_words_capped_at_forty_per_answer():
    forty_words = " ".join(f"word{i}" for i in range(40))
    ten_words = " ".join(f"w{i}" for i in range(10))
    # (40/40 + 10/40) / 2 × 100 = 62.5
    assert scoring.effort_score(answers=[forty_words, ten_words]) == Decimal("62.50")
    # repeating a word does not count as effort
    assert scoring.effort_score(answers=["yes yes yes yes"]) == Decimal("2.50")
    assert scoring.effort_score(answers=[forty_words + " more words beyond the cap"]) == Decimal("100.00")


def test_skills_match_is_the_share_of_wanted_skills_and_languages():
    # wanted: skills {1,2,3}, languages {10}; has skills {1,3,9}, languages {10,11} → 3 of 4
    assert scoring.skills_match_score(
        wanted_skill_ids=[1, 2, 3], wanted_language_ids=[10], skill_ids=[1, 3, 9], language_ids=[10, 11]
    ) == Decimal("75.00")
    # 1 of 3 → 33.33
    assert scoring.skills_match_score(
        wanted_skill_ids=[1, 2], wanted_language_ids=[10], skill_ids=[2], language_ids=[]
    ) == Decimal("33.33")
    assert scoring.skills_match_score(
        wanted_skill_ids=[], wanted_language_ids=[], skill_ids=[], language_ids=[]
    ) == Decimal("100.00")


def test_credibility_points():
    assert scoring.credibility_score(
        has_profile_link=True, has_resume=False, has_track_record=False
    ) == Decimal("40.00")
    assert scoring.credibility_score(
        has_profile_link=True, has_resume=True, has_track_record=True
    ) == Decimal("100.00")


def test_weighted_score_rounds_half_up():
    components = {
        "speed": Decimal("100"),
        "effort": Decimal("62.50"),
        "skills": Decimal("33.33"),
        "credibility": Decimal("40"),
    }
    # (25×100 + 25×62.5 + 30×33.33 + 20×40) / 100 = (2500 + 1562.5 + 999.9 + 800) / 100 = 58.624 → 58.62
    assert scoring.weighted_score(
        components=components, weights={"speed": 25, "effort": 25, "skills": 30, "credibility": 20}
    ) == Decimal("58.62")
    # only speed counts
    assert scoring.weighted_score(
        components=components, weights={"speed": 1, "effort": 0, "skills": 0, "credibility": 0}
    ) == Decimal("100.00")
    # (1×33.33 + 2×62.5) / 3 = 52.776… → 52.78
    assert scoring.weighted_score(
        components=components, weights={"speed": 0, "effort": 2, "skills": 1, "credibility": 0}
    ) == Decimal("52.78")


def test_rubric_score_and_its_validation():
    assert scoring.rubric_score(
        ratings={"accuracy": 4, "tone": 3, "clarity": 3, "completeness": 2}
    ) == Decimal("75.00")
    assert scoring.rubric_score(
        ratings={"accuracy": 4, "tone": 4, "clarity": 4, "completeness": 3}
    ) == Decimal("93.75")
    with pytest.raises(RecruitingError):
        scoring.rubric_score(ratings={"accuracy": 5, "tone": 3, "clarity": 3, "completeness": 2})
    with pytest.raises(RecruitingError):
        scoring.rubric_score(ratings={"accuracy": 4})
