"""Quality rows for dashboard tests (reviews has no factories of its own yet) and a helper for tickets."""

import datetime
import secrets

import factory
from django.utils import timezone

from reviews.models import CsatSurvey, NpsInvitation, NpsRound, Review
from tests.queues.factories import TicketFactory


def at(day: str, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A UTC instant on an ISO day (tests use UTC programs unless they say otherwise)."""
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=datetime.UTC
    )


def ticket(program, created: str, **fields):
    created_at = at(created, fields.pop("hour", 9))
    return TicketFactory(program=program, created_at=created_at, **fields)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review
        skip_postgeneration_save = True

    program = factory.SelfAttribute("ticket.program")
    ticket = factory.SubFactory(TicketFactory)
    freelancer = None
    score = 80
    original_score = factory.SelfAttribute("score")
    passed = True
    submitted_at = factory.LazyFunction(timezone.now)


class CsatSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CsatSurvey
        skip_postgeneration_save = True

    ticket = factory.SubFactory(TicketFactory)
    program = factory.SelfAttribute("ticket.program")
    requester_email = factory.SelfAttribute("ticket.requester_email")
    status = CsatSurvey.Status.ANSWERED
    rating = CsatSurvey.Rating.GOOD
    answered_at = factory.LazyFunction(timezone.now)


class NpsRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NpsRound
        django_get_or_create = ["program", "week_start"]

    week_start = datetime.date(2026, 3, 2)


class NpsInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NpsInvitation

    round = factory.SubFactory(NpsRoundFactory)
    email = factory.Sequence(lambda n: f"stakeholder{n}@example.test")
    token_hash = factory.LazyFunction(lambda: secrets.token_hex(32))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    score = 9
