"""Rate insight: exact percentiles and medians, region by the floors' rule, experience bands, team median."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Contract, RateChange
from recruiting.rate_insight import (
    EXPERIENCE_NOT_GIVEN,
    application_rate_insight,
    experience_band,
    median,
    percentile_rank,
    posting_rate_insight,
)
from tests.contracts.factories import ContractFactory, RateFloorFactory
from tests.recruiting.factories import ApplicationFactory

D = Decimal
TODAY = datetime.date(2026, 3, 2)


# Pure arithmetic -----------------------------------------------------------------------------------------------


def test_percentile_is_the_mid_rank_among_the_asks():
    asks = [D("12"), D("15"), D("18"), D("20"), D("25")]
    assert percentile_rank(D("18"), asks) == 50  # (2 below + ½ × 1 equal) / 5
    assert percentile_rank(D("12"), asks) == 10
    assert percentile_rank(D("25"), asks) == 90
    assert percentile_rank(D("15"), asks) == 30


def test_percentile_with_ties_and_rounding_half_up():
    assert percentile_rank(D("10"), [D("10")] * 4) == 50
    # 18 among 12, 18, 18, 20: (1 + ½ × 2) / 4 = 50; 20 among eight asks, six below: (6 + ½) / 8 = 81.25 → 81
    assert percentile_rank(D("18"), [D("12"), D("18"), D("18"), D("20")]) == 50
    assert percentile_rank(D("20"), [D(v) for v in (1, 2, 3, 4, 5, 6, 20, 30)]) == 81
    # (0 + ½) / 8 = 6.25 → 6; (1 + ½) / 8 = 18.75 → 19
    assert percentile_rank(D("1"), [D(v) for v in (1, 2, 3, 4, 5, 6, 7, 8)]) == 6
    assert percentile_rank(D("2"), [D(v) for v in (1, 2, 3, 4, 5, 6, 7, 8)]) == 19
    # exactly half a point rounds up: (1 + ½) / 4 = 37.5 → 38
    assert percentile_rank(D("2"), [D("1"), D("2"), D("3"), D("4")]) == 38
    assert percentile_rank(D("2"), []) is None


def test_median_is_exact_to_the_cent():
    assert median([D("12"), D("15"), D("18"), D("20"), D("25")]) == D("18.00")
    assert median([D("16.00"), D("17.00"), D("15.50"), D("18.25")]) == D("16.50")  # (16 + 17) / 2
    assert median([D("10.01"), D("10.02")]) == D("10.02")  # 10.015 half-up
    assert median([]) is None


def test_experience_bands():
    assert [experience_band(y) for y in (0, 1, 2, 3, 5, 6, 30)] == [
        "under 1 year",
        "1–2 years",
        "1–2 years",
        "3–5 years",
        "3–5 years",
        "6 years or more",
        "6 years or more",
    ]
    assert experience_band(None) == EXPERIENCE_NOT_GIVEN


# The selector ----------------------------------------------------------------------------------------------------


@pytest.fixture
def latam_posting(posting):
    program = posting.program
    posting.pay_min, posting.pay_max = D("14.00"), D("20.00")
    posting.save()
    RateFloorFactory(
        program=program, label="Latin America", countries=["BR", "MX", "CO"], minimum_hourly_rate=D("15.00")
    )
    RateFloorFactory(program=program, label="Everywhere else", countries=[], minimum_hourly_rate=D("10.00"))
    return posting


@pytest.fixture
def asks(latam_posting):
    made = {}
    for name, country, rate, years in [
        ("a", "BR", "12", 0),
        ("b", "MX", "15", 2),
        ("c", "CO", "18", 4),
        ("d", "BR", "20", 4),
        ("e", "MX", "25", 8),
        ("f", "PH", "9", None),
        ("g", "PL", "18", 4),
    ]:
        made[name] = ApplicationFactory(
            posting=latam_posting, country=country, rate_asked=D(rate), years_experience=years
        )
    ApplicationFactory(posting=latam_posting, country="BR", rate_asked=D("90"), rate_currency="BRL")
    return made


@pytest.fixture
def team(latam_posting):
    program = latam_posting.program
    for rate in ("15.00", "16.00", "17.00"):
        ContractFactory(
            program=program, hourly_rate=D(rate), currency="USD", start_date=datetime.date(2025, 1, 1)
        )
    raised = ContractFactory(
        program=program, hourly_rate=D("14.00"), currency="USD", start_date=datetime.date(2025, 1, 1)
    )
    RateChange.objects.create(
        contract=raised, effective_date=datetime.date(2026, 1, 1), hourly_rate=D("19.00"), reason="raise"
    )
    # Not counted: another currency, ended, starting later than today.
    ContractFactory(
        program=program, hourly_rate=D("40.00"), currency="EUR", start_date=datetime.date(2025, 1, 1)
    )
    ContractFactory(
        program=program,
        hourly_rate=D("50.00"),
        currency="USD",
        status=Contract.Status.ENDED,
        start_date=datetime.date(2025, 1, 1),
    )
    ContractFactory(
        program=program,
        hourly_rate=D("60.00"),
        currency="USD",
        status=Contract.Status.SIGNED,
        start_date=datetime.date(2026, 6, 1),
    )


def test_an_ask_against_its_region_band_floor_and_team(asks, team):
    insight = application_rate_insight(application=asks["c"], today=TODAY)

    assert insight.region == "Latin America"
    assert insight.percentile_in_region == 50  # 18 among 12, 15, 18, 20, 25
    assert insight.region_group.median == D("18.00")
    assert insight.band == "3–5 years"
    assert insight.percentile_in_band == 33  # 18 among 18, 18, 20: (0 + ½ × 2) / 3 = 33.3
    assert insight.percentile_overall == 57  # 18 among 9, 12, 15, 18, 18, 20, 25: (3 + 1) / 7 = 57.14
    assert insight.floor.minimum_hourly_rate == D("15.00")
    # Today's rates of the signed and active USD contracts (one raised from 14 to 19 in January).
    assert sorted(insight.posting.team_rates) == [D("15.00"), D("16.00"), D("17.00"), D("19.00")]
    assert insight.posting.team_median == D("16.50")
    assert insight.posting.other_currency_count == 1
    assert (insight.below_floor, insight.outside_range) == (False, "")


def test_below_the_floor_and_outside_the_range_are_said(asks):
    low = application_rate_insight(application=asks["a"], today=TODAY)
    assert (low.below_floor, low.outside_range, low.percentile_in_region) == (True, "below", 10)
    high = application_rate_insight(application=asks["e"], today=TODAY)
    assert (high.below_floor, high.outside_range) == (False, "above")
    # A country no floor names falls under the default floor's region.
    assert application_rate_insight(application=asks["f"], today=TODAY).region == "Everywhere else"


def test_an_ask_in_another_currency_is_not_compared(asks, latam_posting):
    other = latam_posting.applications.get(rate_currency="BRL")
    insight = application_rate_insight(application=other, today=TODAY)
    assert insight.comparable is False
    assert insight.percentile_in_region is None and insight.percentile_overall is None


def test_groups_by_region_and_experience(asks):
    insight = posting_rate_insight(posting=asks["a"].posting, today=TODAY)
    regions = {g.label: (g.count, g.lowest, g.median, g.highest) for g in insight.by_region}
    assert regions == {
        "Latin America": (5, D("12"), D("18.00"), D("25")),
        "Everywhere else": (2, D("9"), D("13.50"), D("18")),
    }
    bands = [(g.label, g.count) for g in insight.by_experience]
    assert bands == [
        ("under 1 year", 1),
        ("1–2 years", 1),
        ("3–5 years", 3),
        ("6 years or more", 1),
        (EXPERIENCE_NOT_GIVEN, 1),
    ]


def test_without_floors_the_region_is_the_country(posting):
    a = ApplicationFactory(posting=posting, country="ph", rate_asked=D("10"))
    ApplicationFactory(posting=posting, country="PH", rate_asked=D("14"))
    ApplicationFactory(posting=posting, country="", rate_asked=D("12"))
    insight = application_rate_insight(application=a, today=TODAY)
    assert (insight.region, insight.percentile_in_region, insight.floor) == ("PH", 25, None)
    assert {g.label for g in insight.posting.by_region} == {"PH", "country not given"}


def test_the_query_count_does_not_grow_with_asks_or_contracts(latam_posting, django_assert_num_queries):
    ApplicationFactory(posting=latam_posting, country="BR", rate_asked=D("12"))
    ContractFactory(
        program=latam_posting.program,
        hourly_rate=D("15"),
        currency="USD",
        start_date=datetime.date(2025, 1, 1),
    )
    with django_assert_num_queries(5):
        posting_rate_insight(posting=latam_posting, today=TODAY)
    for n in range(6):
        ApplicationFactory(posting=latam_posting, country="MX", rate_asked=D(10 + n), years_experience=n)
        ContractFactory(
            program=latam_posting.program,
            hourly_rate=D(15 + n),
            currency="USD",
            start_date=datetime.date(2025, 1, 1),
        )
    with django_assert_num_queries(5):
        posting_rate_insight(posting=latam_posting, today=TODAY)


# Pages -----------------------------------------------------------------------------------------------------------


def test_the_application_hire_and_posting_pages_show_it(manager_client, asks, team):
    application = asks["c"]
    application.stage = application.Stage.OFFER
    application.save()
    page = manager_client.get(
        reverse("recruiting:application_detail", args=[application.pk])
    ).content.decode()
    assert "Rate insight" in page and "50th percentile</strong> of applicants in “Latin America”" in page
    assert "Floor 15.00 USD (Latin America)" in page
    hire = manager_client.get(reverse("recruiting:hire", args=[application.pk])).content.decode()
    assert "Rate insight" in hire and "Latin America" in hire
    posting = manager_client.get(
        reverse("recruiting:posting_detail", args=[application.posting.pk])
    ).content.decode()
    assert "Asked rates" in posting and "Latin America" in posting and "3–5 years" in posting
    assert "1 in other currencies not counted" in posting


def test_the_public_form_records_years_of_experience(client, posting):
    data = {
        "full_name": "Rita Gomes",
        "email": "rita@example.test",
        "country": "BR",
        "time_zone": "UTC",
        "languages": [],
        "rate_asked": "16.00",
        "rate_currency": "USD",
        "years_experience": "4",
        **{f"answer_{i}": "A full answer." for i, _ in enumerate(posting.screening_questions)},
    }
    from accounts.models import Language

    data["languages"] = [Language.objects.get_or_create(code="en", defaults={"name": "English"})[0].pk]
    response = client.post(reverse("recruiting:apply", args=[posting.slug]), data)
    assert response.status_code in (200, 302), response.content.decode()[:500]
    assert posting.applications.get(email="rita@example.test").years_experience == 4
