import datetime
import secrets
from decimal import Decimal

import factory
from django.utils import timezone

from recruiting.models import DEFAULT_SCREENING_QUESTIONS, Application, Posting, TrialTask
from tests.programs.factories import ProgramFactory


class PostingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Posting
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Support agent {n}")
    slug = factory.Sequence(lambda n: f"support-agent-{n}")
    status = Posting.Status.OPEN
    summary = "Answer customer emails on weekends."
    screening_questions = factory.LazyFunction(lambda: list(DEFAULT_SCREENING_QUESTIONS))
    pay_currency = "USD"
    opened_at = factory.LazyFunction(timezone.now)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    posting = factory.SubFactory(PostingFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.test")
    country = "PH"
    time_zone = "Asia/Manila"
    rate_asked = Decimal("12.00")
    rate_currency = "USD"
    answers = factory.LazyAttribute(
        lambda o: [{"question": q, "answer": "An answer."} for q in o.posting.screening_questions]
    )
    stage = Application.Stage.APPLIED
    score = Decimal("50.00")
    final_score = factory.LazyAttribute(lambda o: o.score)


class TrialTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrialTask
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, stage=Application.Stage.TRIAL_TASK)
    instructions = "Answer like you would in our help desk."
    support_questions = factory.LazyFunction(lambda: ["Where is my order?", "I can't log in."])
    is_paid = True
    amount = Decimal("25.00")
    currency = "USD"
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    expires_at = factory.LazyAttribute(lambda o: o.deadline + datetime.timedelta(days=2))
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
