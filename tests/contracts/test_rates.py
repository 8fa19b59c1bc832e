import datetime
from decimal import Decimal

import pytest

from contracts.errors import ContractError, RateBelowFloor
from contracts.models import Contract, RateChange
from contracts.selectors import contract_rate_on, rate_floor_for, rate_history_for, rate_on
from contracts.services import contract_create_draft, rate_change_create
from core.models import AuditLog
from tests.accounts.factories import FreelancerFactory
from tests.contracts.factories import ContractFactory, RateFloorFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def contract(manager, program):
    contract = ContractFactory(program=program, start_date=D(2026, 1, 1), hourly_rate=Decimal("15.00"))
    rate_change_create(
        contract=contract,
        effective_date=D(2026, 3, 16),
        hourly_rate=Decimal("16.25"),
        reason=RateChange.Reason.EVALUATION,
        approved_by=manager,
    )
    rate_change_create(
        contract=contract,
        effective_date=D(2026, 6, 1),
        hourly_rate=Decimal("17.10"),
        reason=RateChange.Reason.PROMOTION,
        approved_by=manager,
    )
    return contract


@pytest.mark.parametrize(
    "day,expected",
    [
        (D(2026, 1, 1), Decimal("15.00")),  # first day
        (D(2026, 3, 15), Decimal("15.00")),  # the day before a change
        (D(2026, 3, 16), Decimal("16.25")),  # the day of the change
        (D(2026, 3, 17), Decimal("16.25")),  # after
        (D(2026, 6, 1), Decimal("17.10")),
        (D(2027, 1, 1), Decimal("17.10")),
    ],
)
def test_rate_on_a_date_before_on_and_after_a_change(contract, day, expected):
    assert rate_on(freelancer_id=contract.freelancer_id, program_id=contract.program_id, on=day) == expected
    assert contract_rate_on(contract=contract, on=day) == expected


def test_no_rate_outside_the_contract(contract):
    assert (
        rate_on(freelancer_id=contract.freelancer_id, program_id=contract.program_id, on=D(2025, 12, 31))
        is None
    )
    contract.status, contract.ended_on = Contract.Status.ENDED, D(2026, 7, 1)
    contract.save()
    assert rate_on(
        freelancer_id=contract.freelancer_id, program_id=contract.program_id, on=D(2026, 7, 1)
    ) == Decimal("17.10")
    assert (
        rate_on(freelancer_id=contract.freelancer_id, program_id=contract.program_id, on=D(2026, 7, 2))
        is None
    )


def test_unsigned_contracts_have_no_rate(program):
    contract = ContractFactory(program=program, status=Contract.Status.SENT)
    assert rate_on(freelancer_id=contract.freelancer_id, program_id=program.pk, on=D(2026, 2, 1)) is None


def test_history_lists_every_rate_and_marks_the_current_one(contract):
    rows = rate_history_for(contract=contract, today=D(2026, 4, 1))
    assert [(r.effective_date, r.hourly_rate, r.is_current) for r in rows] == [
        (D(2026, 1, 1), Decimal("15.00"), False),
        (D(2026, 3, 16), Decimal("16.25"), True),
        (D(2026, 6, 1), Decimal("17.10"), False),
    ]


def test_rate_change_rules(contract, manager):
    with pytest.raises(ContractError, match="already a rate change"):
        rate_change_create(
            contract=contract,
            effective_date=D(2026, 3, 16),
            hourly_rate=Decimal("18"),
            reason="evaluation",
            approved_by=manager,
        )
    with pytest.raises(ContractError, match="before the contract starts"):
        rate_change_create(
            contract=contract,
            effective_date=D(2025, 12, 1),
            hourly_rate=Decimal("18"),
            reason="evaluation",
            approved_by=manager,
        )
    with pytest.raises(ContractError, match="reason"):
        rate_change_create(
            contract=contract,
            effective_date=D(2026, 8, 1),
            hourly_rate=Decimal("18"),
            reason="because",
            approved_by=manager,
        )
    assert contract.rate_changes.count() == 2


def test_rate_changes_only_on_signed_or_active_contracts(manager):
    draft = ContractFactory(status=Contract.Status.DRAFT)
    with pytest.raises(ContractError):
        rate_change_create(
            contract=draft,
            effective_date=D(2026, 2, 1),
            hourly_rate=Decimal("18"),
            reason="evaluation",
            approved_by=manager,
        )
    assert not RateChange.objects.exists()


def test_rate_change_rounds_half_up_to_cents(contract, manager):
    change = rate_change_create(
        contract=contract,
        effective_date=D(2026, 9, 1),
        hourly_rate=Decimal("18.125"),
        reason="annual_review",
        approved_by=manager,
    )
    assert change.hourly_rate == Decimal("18.13")


# ---------------------------------------------------------------- floors


@pytest.fixture
def floors(program):
    RateFloorFactory(
        program=program, label="Everywhere else", countries=[], minimum_hourly_rate=Decimal("12.00")
    )
    RateFloorFactory(
        program=program,
        label="US and Western Europe",
        countries=["US", "FR", "DE"],
        minimum_hourly_rate=Decimal("20.00"),
    )


@pytest.mark.parametrize(
    "country,minimum", [("US", "20.00"), ("fr", "20.00"), ("PH", "12.00"), ("", "12.00")]
)
def test_the_floor_depends_on_the_region(program, floors, country, minimum):
    assert rate_floor_for(program=program, country=country).minimum_hourly_rate == Decimal(minimum)


def test_no_floor_no_limit(program):
    assert rate_floor_for(program=program, country="US") is None


def test_contract_below_the_floor_is_refused_without_override(program, floors, manager):
    us = FreelancerFactory(country="US")
    with pytest.raises(RateBelowFloor, match="below the rate floor"):
        contract_create_draft(
            program=program,
            freelancer=us,
            created_by=manager,
            hourly_rate=Decimal("19.99"),
            start_date=D(2026, 1, 5),
        )
    assert not Contract.objects.exists()

    at_floor = contract_create_draft(
        program=program,
        freelancer=us,
        created_by=manager,
        hourly_rate=Decimal("20.00"),
        start_date=D(2026, 1, 5),
    )
    assert at_floor.pk


def test_override_with_a_reason_allows_a_rate_below_the_floor(program, floors, manager):
    us = FreelancerFactory(country="US")
    contract = contract_create_draft(
        program=program,
        freelancer=us,
        created_by=manager,
        hourly_rate=Decimal("18"),
        start_date=D(2026, 1, 5),
        override_reason="Part-time trial month, agreed.",
    )
    assert contract.below_floor_override_reason == "Part-time trial month, agreed."
    assert AuditLog.objects.get(verb="contract.drafted").data["below_floor_override"] is True


def test_rate_change_below_the_floor_needs_an_override(program, floors, manager):
    contract = ContractFactory(
        program=program, freelancer=FreelancerFactory(country="PH"), hourly_rate=Decimal("14.00")
    )
    with pytest.raises(RateBelowFloor):
        rate_change_create(
            contract=contract,
            effective_date=D(2026, 5, 1),
            hourly_rate=Decimal("11.50"),
            reason="correction",
            approved_by=manager,
        )
    assert not contract.rate_changes.exists()
    change = rate_change_create(
        contract=contract,
        effective_date=D(2026, 5, 1),
        hourly_rate=Decimal("11.50"),
        reason="correction",
        approved_by=manager,
        override_reason="Hours reduced by request",
    )
    assert change.below_floor_override_reason == "Hours reduced by request"


def test_a_floor_in_another_currency_needs_an_override(program, floors, manager):
    with pytest.raises(RateBelowFloor, match="in EUR"):
        contract_create_draft(
            program=program,
            freelancer=FreelancerFactory(country="PH"),
            created_by=manager,
            hourly_rate=Decimal("50"),
            currency="EUR",
            start_date=D(2026, 1, 5),
        )
