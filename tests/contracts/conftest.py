import datetime
from decimal import Decimal

import pytest

from contracts.services import contract_create_draft, contract_send
from tests.accounts.factories import FreelancerFactory
from tests.programs.factories import ProgramFactory


@pytest.fixture
def program():
    return ProgramFactory(name="Demo Support", currency="USD")


@pytest.fixture
def manager(program):
    return program.managers.first()


@pytest.fixture
def freelancer():
    return FreelancerFactory(legal_name="Sofía Martínez", country="MX")


@pytest.fixture
def draft(program, freelancer, manager):
    return contract_create_draft(
        program=program,
        freelancer=freelancer,
        created_by=manager,
        hourly_rate=Decimal("15.00"),
        start_date=datetime.date(2026, 1, 5),
        hours_per_week=Decimal("20"),
        weekly_hour_cap=Decimal("25"),
    )


@pytest.fixture
def sent(draft, manager):
    return contract_send(contract=draft, actor=manager)
