import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from payments.models import Adjustment, ExchangeRate, PayoutDetails, PayPeriod, PaySchedule, TimeEntry
from tests.contracts.factories import ContractFactory


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def anchor_for_tests() -> datetime.date:
    """Four weeks before this week's Monday: period 1 and 2 have ended, period 3 is the open one."""
    return monday(timezone.now().date()) - datetime.timedelta(days=28)


class PayScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaySchedule
        django_get_or_create = ["program"]

    program = factory.SubFactory("tests.programs.factories.ProgramFactory")
    anchor_date = factory.LazyFunction(anchor_for_tests)
    run_after_days = 1


class PayPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayPeriod
        django_get_or_create = ["program", "start_date"]

    program = factory.SubFactory("tests.programs.factories.ProgramFactory")
    start_date = factory.LazyFunction(anchor_for_tests)
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=13))


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """A time entry written straight to the table (the service's rules are tested on their own)."""

    class Meta:
        model = TimeEntry
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    freelancer = factory.SelfAttribute("contract.freelancer")
    program = factory.SelfAttribute("contract.program")
    date = factory.LazyFunction(anchor_for_tests)
    period = factory.LazyAttribute(
        lambda o: PayPeriodFactory(
            program=o.program, start_date=PayScheduleFactory(program=o.program).period_bounds(o.date)[0]
        )
    )
    hours = Decimal("2.00")
    activity = "tickets"
    status = TimeEntry.Status.APPROVED


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ["base_currency", "quote_currency", "on_date"]

    base_currency = "USD"
    quote_currency = "EUR"
    on_date = factory.LazyFunction(lambda: timezone.now().date())
    rate = Decimal("0.90000000")


class AdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adjustment

    freelancer = factory.SubFactory("tests.accounts.factories.FreelancerFactory")
    program = factory.SubFactory("tests.programs.factories.ProgramFactory")
    kind = Adjustment.Kind.BONUS
    amount = Decimal("10.00")
    currency = "USD"
    reason = "Great CSAT"


class PayoutDetailsFactory(factory.django.DjangoModelFactory):
    """Details on file since long ago (no hold); pass changed_at to make a recent change."""

    class Meta:
        model = PayoutDetails
        django_get_or_create = ["freelancer"]

    freelancer = factory.SubFactory("tests.accounts.factories.FreelancerFactory")
    method = PayoutDetails.Method.WISE
    account_holder_name = factory.LazyAttribute(lambda o: o.freelancer.legal_name)
    wise_email = factory.Sequence(lambda n: f"wise{n}@example.test")
    changed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=60))
