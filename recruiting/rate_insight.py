"""Rate insight for negotiation: where a candidate's ask sits among the posting's other asks, against the pay range,
the rate floors and the rates the program already pays.

"Asks 18.00 USD: 50th percentile of applicants from Latin America; floor 15.00 USD; team median 16.50 USD."

Definitions (pure arithmetic, Decimal, tested in tests/recruiting/test_rate_insight.py):

- **Percentile** of an ask among a group's asks is its mid-rank: 100 × (asks below it + ½ × asks equal to it) ÷ asks,
  rounded half-up to a whole number. The ask itself is one of the group's asks, so 18 among 12, 15, 18, 20, 25 is
  100 × (2 + ½) ÷ 5 = 50: the middle ask is the 50th percentile, the lowest of five the 10th, the highest the 90th,
  and a group where everyone asks the same is at the 50th.
- **Median**: the middle ask, or the mean of the two middle ones, rounded half-up to the cent.
- **Region**: the rate floor that applies to the applicant's country (the floors' own rule,
  contracts.selectors.rate_floor_among), named by its label; where no floor applies, the country code itself.
- **Experience band**: the years in customer support the applicant gave (EXPERIENCE_BANDS), or "not given".
- Only asks in the posting's pay currency are compared (no exchange rate is invented); the others are counted.
- **Team median**: the median of today's rate of the program's signed and active contracts in that currency.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from contracts.models import Contract, RateFloor
from contracts.selectors import pay_range_for, rate_floor_among, rate_history_for
from core.money import round_money
from recruiting.models import Application, Posting

# (lowest years, first year of the next band or None, label)
EXPERIENCE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 1, "under 1 year"),
    (1, 3, "1–2 years"),
    (3, 6, "3–5 years"),
    (6, None, "6 years or more"),
)
EXPERIENCE_NOT_GIVEN = "experience not given"
COUNTRY_NOT_GIVEN = "country not given"
CONTRACTED = (Contract.Status.SIGNED, Contract.Status.ACTIVE)


def percentile_rank(value: Decimal, values: Sequence[Decimal]) -> int | None:
    """The mid-rank percentile of `value` among `values` (which include it): see the module's definition."""
    if not values:
        return None
    below = sum(1 for v in values if v < value)
    equal = sum(1 for v in values if v == value)
    share = (Decimal(below) + Decimal(equal) / 2) * 100 / Decimal(len(values))
    return int(share.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def median(values: Iterable[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round_money(ordered[middle])
    return round_money((ordered[middle - 1] + ordered[middle]) / 2)


def experience_band(years: int | None) -> str:
    if years is None:
        return EXPERIENCE_NOT_GIVEN
    for low, high, label in EXPERIENCE_BANDS:
        if years >= low and (high is None or years < high):
            return label
    return EXPERIENCE_NOT_GIVEN


def region_of(*, country: str, floors: list[RateFloor]) -> str:
    floor = rate_floor_among(floors=floors, country=country)
    if floor is not None:
        return floor.label
    return (country or "").upper() or COUNTRY_NOT_GIVEN


@dataclass(frozen=True)
class RateGroup:
    label: str
    asks: tuple[Decimal, ...]

    @property
    def count(self) -> int:
        return len(self.asks)

    @property
    def lowest(self) -> Decimal | None:
        return min(self.asks, default=None)

    @property
    def highest(self) -> Decimal | None:
        return max(self.asks, default=None)

    @property
    def median(self) -> Decimal | None:
        return median(self.asks)

    def percentile_of(self, value: Decimal) -> int | None:
        return percentile_rank(value, self.asks)


@dataclass(frozen=True)
class FloorRow:
    label: str
    minimum: Decimal
    currency: str
    countries: tuple[str, ...]


@dataclass(frozen=True)
class Ask:
    application_id: int
    rate: Decimal
    region: str
    band: str


@dataclass(frozen=True)
class PostingRateInsight:
    currency: str
    pay_min: Decimal | None
    pay_max: Decimal | None
    ceiling: Decimal | None
    floors: tuple[FloorRow, ...]
    floor_rates: tuple[RateFloor, ...] = field(repr=False)
    team_rates: tuple[Decimal, ...]
    asks: tuple[Ask, ...]
    other_currency_count: int

    @property
    def team_median(self) -> Decimal | None:
        return median(self.team_rates)

    @property
    def everyone(self) -> RateGroup:
        return RateGroup("all applicants", tuple(a.rate for a in self.asks))

    def _groups(self, key) -> list[RateGroup]:
        labels: dict[str, list[Decimal]] = {}
        for ask in self.asks:
            labels.setdefault(key(ask), []).append(ask.rate)
        groups = [RateGroup(label, tuple(rates)) for label, rates in labels.items()]
        return sorted(groups, key=lambda g: (-g.count, g.label))

    @property
    def by_region(self) -> list[RateGroup]:
        return self._groups(lambda a: a.region)

    @property
    def by_experience(self) -> list[RateGroup]:
        order = [label for _, _, label in EXPERIENCE_BANDS] + [EXPERIENCE_NOT_GIVEN]
        return sorted(self._groups(lambda a: a.band), key=lambda g: order.index(g.label))

    @property
    def scale_max(self) -> Decimal:
        """The top of the page's bars: the highest of every figure shown."""
        figures = (
            [a.rate for a in self.asks]
            + list(self.team_rates)
            + [f.minimum for f in self.floors if f.currency == self.currency]
        )
        figures += [v for v in (self.pay_max, self.ceiling) if v is not None]
        return max(figures, default=Decimal("1")) or Decimal("1")

    def group(self, label: str, *, by: str) -> RateGroup:
        rates = tuple(a.rate for a in self.asks if getattr(a, by) == label)
        return RateGroup(label, rates)


@dataclass(frozen=True)
class ApplicationRateInsight:
    """One applicant's ask placed among the posting's asks (None of the percentiles when in another currency)."""

    posting: PostingRateInsight
    rate: Decimal
    currency: str
    region: str
    band: str
    region_group: RateGroup | None
    band_group: RateGroup | None
    floor: RateFloor | None

    @property
    def comparable(self) -> bool:
        return self.currency == self.posting.currency

    @property
    def percentile_in_region(self) -> int | None:
        return self.region_group.percentile_of(self.rate) if self.region_group else None

    @property
    def percentile_in_band(self) -> int | None:
        return self.band_group.percentile_of(self.rate) if self.band_group else None

    @property
    def percentile_overall(self) -> int | None:
        return self.posting.everyone.percentile_of(self.rate) if self.comparable else None

    @property
    def below_floor(self) -> bool:
        return bool(
            self.floor and self.floor.currency == self.currency and self.rate < self.floor.minimum_hourly_rate
        )

    @property
    def outside_range(self) -> str:
        if not self.comparable:
            return ""
        if self.posting.pay_min is not None and self.rate < self.posting.pay_min:
            return "below"
        if self.posting.pay_max is not None and self.rate > self.posting.pay_max:
            return "above"
        return ""


def _today_of(posting: Posting) -> datetime.date:
    return timezone.now().astimezone(posting.program.zone).date()


def posting_rate_insight(*, posting: Posting, today: datetime.date | None = None) -> PostingRateInsight:
    """Everything the rate panels show for a posting, in a fixed number of queries (five)."""
    program = posting.program
    today = today or _today_of(posting)
    floors = list(RateFloor.objects.filter(program=program))
    profile = pay_range_for(program=program)
    currency = posting.pay_currency
    asks, other = [], 0
    for pk, rate, rate_currency, country, years in (
        Application.objects.filter(posting=posting)
        .order_by("pk")
        .values_list("pk", "rate_asked", "rate_currency", "country", "years_experience")
    ):
        if rate_currency != currency:
            other += 1
            continue
        asks.append(Ask(pk, rate, region_of(country=country, floors=floors), experience_band(years)))
    contracts = (
        Contract.objects.filter(program=program, status__in=CONTRACTED, currency=currency)
        .select_related("program")
        .prefetch_related("rate_changes")
    )
    team_rates = []
    for contract in contracts:
        current = next(
            (row for row in rate_history_for(contract=contract, today=today) if row.is_current), None
        )
        if current is not None:  # a contract that starts later has no rate in force yet
            team_rates.append(current.hourly_rate)
    pay_min = posting.pay_min if posting.pay_min is not None else getattr(profile, "pay_min", None)
    pay_max = posting.pay_max if posting.pay_max is not None else getattr(profile, "pay_max", None)
    return PostingRateInsight(
        currency=currency,
        pay_min=pay_min,
        pay_max=pay_max,
        ceiling=getattr(profile, "rate_ceiling", None),
        floors=tuple(
            FloorRow(f.label, f.minimum_hourly_rate, f.currency, tuple(f.countries or ())) for f in floors
        ),
        floor_rates=tuple(floors),
        team_rates=tuple(team_rates),
        asks=tuple(asks),
        other_currency_count=other,
    )


def application_rate_insight(
    *, application: Application, today: datetime.date | None = None
) -> ApplicationRateInsight:
    """The applicant's ask against their region's and experience band's asks, the floor, range and team."""
    insight = posting_rate_insight(posting=application.posting, today=today)
    floors = list(insight.floor_rates)
    region = region_of(country=application.country, floors=floors)
    band = experience_band(application.years_experience)
    comparable = application.rate_currency == insight.currency
    return ApplicationRateInsight(
        posting=insight,
        rate=application.rate_asked,
        currency=application.rate_currency,
        region=region,
        band=band,
        region_group=insight.group(region, by="region") if comparable else None,
        band_group=insight.group(band, by="band") if comparable else None,
        floor=rate_floor_among(floors=floors, country=application.country),
    )
