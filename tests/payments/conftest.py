import datetime
from decimal import Decimal

import pytest

from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayScheduleFactory, anchor_for_tests
from tests.programs.factories import ProgramFactory


@pytest.fixture
def anchor():
    return anchor_for_tests()


@pytest.fixture
def program(anchor):
    program = ProgramFactory(currency="USD", time_zone="UTC")
    PayScheduleFactory(program=program, anchor_date=anchor)
    return program


@pytest.fixture
def manager(program):
    return program.managers.first()


@pytest.fixture
def contract(program):
    return ContractFactory(
        program=program,
        hourly_rate=Decimal("20.00"),
        currency="USD",
        start_date=datetime.date(2020, 1, 1),
        hours_per_week=Decimal("20"),
        weekly_hour_cap=Decimal("30"),
    )


@pytest.fixture
def freelancer(contract):
    return contract.freelancer


@pytest.fixture
def ended_period_days(anchor):
    """The 14 days of the period that ended most recently (period 2)."""
    start = anchor + datetime.timedelta(days=14)
    return [start + datetime.timedelta(days=i) for i in range(14)]
