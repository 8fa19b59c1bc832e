import datetime
from decimal import Decimal

import factory

from contracts.models import Contract
from tests.accounts.factories import FreelancerFactory
from tests.programs.factories import ProgramFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    freelancer = factory.SubFactory(FreelancerFactory)
    status = Contract.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: datetime.date(2026, 1, 1))
    end_date = None
    hourly_rate = Decimal("20.00")
    currency = "USD"
    hours_per_week = Decimal("20")
    weekly_hour_cap = Decimal("30")
