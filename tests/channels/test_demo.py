import io

import pytest
import respx
from django.core.management import call_command

from channels.models import ProgramChannel, ZendeskUserMap
from core.models import OutboxMessage
from queues.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_acme_program_works_in_zendesk_with_a_delivery_history_and_no_network(settings, client):
    settings.DEBUG = True
    with respx.mock(assert_all_mocked=True):  # any HTTP call would fail the test
        call_command("seed_demo", stdout=io.StringIO())
    acme = ProgramChannel.objects.get(program__slug="acme", kind="zendesk").program
    assert ZendeskUserMap.objects.filter(program=acme, zendesk_user_id__isnull=False).count() == 2
    states = sorted(
        OutboxMessage.objects.filter(program_id=acme.pk, kind="zendesk.reply").values_list(
            "status", flat=True
        )
    )
    assert states == ["failed", "queued", "sent"]
    freelancer_user = Ticket.objects.get(program=acme, external_id="35001").assignee.user
    client.force_login(freelancer_user)
    page = client.get(
        f"/portal/tickets/{Ticket.objects.get(program=acme, external_id='35003').pk}/"
    ).content.decode()
    assert "Failed:" in page and "Sent to the customer as your public comment in Zendesk." in page
