import datetime
from decimal import Decimal

import factory

from programs.models import (
    Announcement,
    Budget,
    EscalationRule,
    OnboardingStep,
    Program,
    ProgramSchedule,
    QACriterion,
    QAScorecard,
    SuccessMetric,
    TicketType,
)
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


class SuccessMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuccessMetric
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    kind = SuccessMetric.Kind.CSAT
    label = factory.Sequence(lambda n: f"Metric {n}")
    direction = SuccessMetric.Direction.AT_LEAST
    target = Decimal("90")


class OnboardingStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingStep
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Step {n}")
    kind = OnboardingStep.Kind.OTHER


class EscalationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationRule
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    keyword = factory.Sequence(lambda n: f"keyword{n}")


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    planned_hourly_rate = Decimal("15.00")
    inhouse_monthly_cost = Decimal("9000.00")


class QAScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QAScorecard
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    scale_max = 4


class QACriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QACriterion
        skip_postgeneration_save = True

    scorecard = factory.SubFactory(QAScorecardFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1
    is_critical = False


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Announcement {n}")
    body = "Body text."
