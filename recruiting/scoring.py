"""The candidate score: four criteria, each 0–100, and their weighted mean.

Pure arithmetic on Decimals, rounded half-up to two decimals, so tests can pin exact values.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from recruiting.errors import RecruitingError

HUNDRED = Decimal("100")
TWO_PLACES = Decimal("0.01")
# Speed: answering within a day earns full marks; a week or later earns none.
SPEED_FULL_HOURS = Decimal("24")
SPEED_ZERO_HOURS = Decimal("168")
# Effort: an answer with this many distinct words counts as fully specific.
EFFORT_FULL_WORDS = 40
EFFORT_NEUTRAL = Decimal("50.00")
# Credibility points.
CREDIBILITY_PROFILE_LINK = Decimal("40")
CREDIBILITY_RESUME = Decimal("30")
CREDIBILITY_TRACK_RECORD = Decimal("30")

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def response_hours(*, opened_at: datetime.datetime | None, applied_at: datetime.datetime) -> Decimal:
    if opened_at is None:
        return Decimal("0.00")
    seconds = max(Decimal((applied_at - opened_at).total_seconds()), Decimal(0))
    return _q(seconds / Decimal(3600))


def speed_score(*, hours: Decimal) -> Decimal:
    """100 within 24 hours of the posting opening, falling in a straight line to 0 at 168 hours."""
    if hours <= SPEED_FULL_HOURS:
        return _q(HUNDRED)
    if hours >= SPEED_ZERO_HOURS:
        return _q(Decimal(0))
    return _q(HUNDRED - (hours - SPEED_FULL_HOURS) * HUNDRED / (SPEED_ZERO_HOURS - SPEED_FULL_HOURS))


def distinct_words(text: str) -> int:
    return len({w.lower() for w in _WORD.findall(text or "")})


def effort_score(*, answers: list[str]) -> Decimal:
    """How specific the answers are: distinct words per answer, capped at 40, averaged over the answers."""
    if not answers:
        return EFFORT_NEUTRAL
    total = sum(Decimal(min(distinct_words(a), EFFORT_FULL_WORDS)) / EFFORT_FULL_WORDS for a in answers)
    return _q(total / len(answers) * HUNDRED)


def skills_match_score(*, wanted_skill_ids, wanted_language_ids, skill_ids, language_ids) -> Decimal:
    """Share of the posting's skills and languages the candidate has; 100 when the posting asks for none."""
    wanted_skills, wanted_languages = set(wanted_skill_ids), set(wanted_language_ids)
    wanted = len(wanted_skills) + len(wanted_languages)
    if wanted == 0:
        return _q(HUNDRED)
    matched = len(wanted_skills & set(skill_ids)) + len(wanted_languages & set(language_ids))
    return _q(Decimal(matched) * HUNDRED / Decimal(wanted))


def credibility_score(*, has_profile_link: bool, has_resume: bool, has_track_record: bool) -> Decimal:
    """A public profile (reviews on a platform), a resume, and past success with us."""
    points = Decimal(0)
    if has_profile_link:
        points += CREDIBILITY_PROFILE_LINK
    if has_resume:
        points += CREDIBILITY_RESUME
    if has_track_record:
        points += CREDIBILITY_TRACK_RECORD
    return _q(points)


def weighted_score(*, components: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    """Σ(weight × score) / Σ weight, half-up to two decimals."""
    total_weight = sum(Decimal(weights[k]) for k in components)
    if total_weight <= 0:
        return _q(Decimal(0))
    weighted = sum(Decimal(weights[k]) * components[k] for k in components)
    return _q(weighted / total_weight)


# The short rubric used to grade trial tasks when the program has no QA scorecard.
RUBRIC = [
    ("accuracy", "Accuracy", "The answer solves the customer's problem correctly."),
    ("tone", "Tone and empathy", "Friendly, calm, on brand."),
    ("clarity", "Clarity and grammar", "Easy to follow; correct spelling and grammar."),
    ("completeness", "Completeness", "Answers every question the customer asked; sets next steps."),
]
RUBRIC_SCALE_MAX = 4


def rubric_score(*, ratings: dict[str, int]) -> Decimal:
    """Sum of ratings / (criteria × 4) × 100, half-up to two decimals."""
    total = 0
    for key, name, _help in RUBRIC:
        rating = ratings.get(key)
        if not isinstance(rating, int) or isinstance(rating, bool) or not 0 <= rating <= RUBRIC_SCALE_MAX:
            raise RecruitingError(f"“{name}” must be rated from 0 to {RUBRIC_SCALE_MAX}.", field="ratings")
        total += rating
    return _q(Decimal(total) * HUNDRED / Decimal(len(RUBRIC) * RUBRIC_SCALE_MAX))
