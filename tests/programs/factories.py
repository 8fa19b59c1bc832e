import datetime
from decimal import Decimal

import factory

from programs.models import Program, ProgramSchedule, TicketType
from tests.accounts.factories import ManagerFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    status = Program.Status.ACTIVE
    time_zone = "UTC"
    currency = "USD"
    channels = factory.LazyFunction(lambda: ["email", "chat"])

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if not create:
            return
        self.managers.set(extracted if extracted is not None else [ManagerFactory()])


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")
    tier = 1
    freelancers_allowed = True


class ProgramScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramSchedule
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    hours_per_week = Decimal("20")
    freelancers_needed = 5
    queue_ready_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))
