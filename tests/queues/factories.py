import datetime

import factory
from django.utils import timezone

from contracts.models import ProgramStanding
from queues.counters import counters_move, share_of
from queues.models import AvailabilitySlot, Presence, QueueSettings, Ticket
from tests.accounts.factories import FreelancerFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory


class QueueSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueueSettings
        django_get_or_create = ["program"]

    program = factory.SubFactory(ProgramFactory)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    external_id = factory.Sequence(lambda n: f"EXT-{n}")
    subject = factory.Sequence(lambda n: f"Question {n}")
    body = "Where is my order?"
    requester_email = factory.Sequence(lambda n: f"customer{n}@example.test")
    language = "en"
    status = Ticket.Status.OPEN
    created_at = factory.LazyFunction(timezone.now)
    routed_at = factory.LazyFunction(timezone.now)
    sla_due_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(hours=1))
    resolution_due_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(hours=24))
    next_due_at = factory.LazyAttribute(lambda o: o.sla_due_at)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # counted in the queue counters as intake counts a new ticket (queues.counters); a test that changes a
        # ticket behind the services' back and then reads the counts calls counters_repair first
        ticket = super()._create(model_class, *args, **kwargs)
        counters_move([(None, share_of(ticket))])
        return ticket


def set_online(freelancer, status="online"):
    """The freelancer's presence (routing assigns only to people online inside their shift)."""
    Presence.objects.update_or_create(
        user=freelancer.user, defaults={"status": status, "last_seen_at": timezone.now()}
    )
    return freelancer


def on_duty_freelancer(
    program,
    *,
    time_zone="UTC",
    languages=None,
    skills=None,
    slots=True,
    online=True,
    tier=1,
    channels=None,
    **kwargs,
):
    """A queue-ready freelancer of the program, on shift all week (unless slots=False) and online (unless
    online=False), of `tier` in the program and taking `channels` (all by default)."""
    extra = {}
    if languages is not None:
        extra["languages"] = languages
    if skills is not None:
        extra["skills"] = skills
    freelancer = FreelancerFactory(time_zone=time_zone, **extra, **kwargs)
    ContractFactory(program=program, freelancer=freelancer)
    if slots:
        for day in range(7):
            AvailabilitySlot.objects.create(
                freelancer=freelancer, weekday=day, start_time=datetime.time(0), end_time=datetime.time(0)
            )
    if online:
        set_online(freelancer)
    if tier != 1 or channels:
        ProgramStanding.objects.create(
            freelancer=freelancer, program=program, tier=tier, channels=channels or []
        )
    return freelancer
