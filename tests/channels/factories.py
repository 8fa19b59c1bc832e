"""A program connected to Zendesk and a freelancer mapped to a Zendesk user, for any test folder."""

from django.utils import timezone

from channels.models import ProgramChannel, ZendeskConnection, ZendeskUserMap
from tests.programs.factories import ProgramFactory
from tests.queues.factories import on_duty_freelancer

BASE = "https://acme.zendesk.test"
FREELANCER_ZD = 501


def zendesk_program(*, manager, signing_secret: str = "", in_house_group_id=None):
    """The "acme" program on the Zendesk channel, its connection pointing at BASE (replaced by respx)."""
    program = ProgramFactory(slug="acme", managers=[manager])
    ProgramChannel.objects.create(program=program, kind=ProgramChannel.Kind.ZENDESK)
    connection = ZendeskConnection(program=program, subdomain="acme", base_url=BASE, api_email="api@acme.test",
                                   in_house_group_id=in_house_group_id)
    connection.api_token = "zd-token"
    if signing_secret:
        connection.webhook_signing_secret = signing_secret
    connection.save()
    return program


def zendesk_mapped_freelancer(program, *, zendesk_user_id: int = FREELANCER_ZD):
    """A queue-ready freelancer on shift in `program`, matched to a Zendesk user."""
    freelancer = on_duty_freelancer(program)
    ZendeskUserMap.objects.create(program=program, user=freelancer.user, zendesk_user_id=zendesk_user_id,
                                  zendesk_name="Free Lancer", matched_at=timezone.now())
    return freelancer
