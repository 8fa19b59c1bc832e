import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contracts.models import Contract, FreelancerInvitation, RateFloor, ToolAccessGrant
from core.tokens import token_new
from programs.models import ProgramTool
from tests.accounts.factories import FreelancerFactory
from tests.programs.factories import ProgramFactory


class ContractFactory(factory.django.DjangoModelFactory):
    """An active contract with no documents (other apps' tests use it for queue-ready freelancers).

    For a contract that went through sending and signing, use contracts.services in the test.
    """

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
    nda_required = True


class ProgramToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramTool
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Tool {n}")
    access_level = "Agent"


class ToolAccessGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolAccessGrant
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    tool = factory.SubFactory(ProgramToolFactory, program=factory.SelfAttribute("..contract.program"))
    status = ToolAccessGrant.Status.GRANTED
    requested_at = factory.LazyFunction(timezone.now)
    granted_at = factory.LazyFunction(timezone.now)


class RateFloorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateFloor
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    label = "Everywhere"
    countries = factory.LazyFunction(list)
    minimum_hourly_rate = Decimal("12.00")
    currency = "USD"


class FreelancerInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation (its token is unknown: for a link, use contracts.services.freelancer_invitation_send).

    `FreelancerInvitationFactory(accepted=True, freelancer=f, program=p)` connects f to p, so p's managers may
    contract them.
    """

    class Meta:
        model = FreelancerInvitation
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    email = factory.LazyAttribute(
        lambda o: o.freelancer.user.email if o.freelancer else "invited@example.test"
    )
    freelancer = None
    token_hash = factory.LazyFunction(lambda: token_new()[1])
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))

    class Params:
        accepted = factory.Trait(
            status=FreelancerInvitation.Status.ACCEPTED, accepted_at=factory.LazyFunction(timezone.now)
        )


def sign_contract(contract, freelancer=None, **overrides):
    from contracts.services import contract_sign

    freelancer = freelancer or contract.freelancer
    kwargs = {
        "typed_name": freelancer.legal_name,
        "consent": True,
        "ip_address": "203.0.113.9",
        "user_agent": "pytest-browser/1.0",
    }
    kwargs.update(overrides)
    return contract_sign(contract=contract, freelancer=freelancer, **kwargs)
