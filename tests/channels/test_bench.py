"""The Zendesk benchmark (manage.py channels_bench) still runs end to end, at a tiny size (not timed)."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import OutboxMessage
from programs.models import Program

pytestmark = pytest.mark.django_db(transaction=True)  # the bench's steps run after real commits


def test_the_bench_routes_every_event_delivers_every_update_in_order_and_cleans_up():
    out = StringIO()
    call_command(
        "channels_bench",
        events=5,
        deliveries=10,
        freelancers=2,
        clients=1,
        eager=True,
        any_database=True,
        stdout=out,
    )
    text = out.getvalue()
    assert "responses {201: 5}" in text
    assert "tickets 5, routed to a freelancer 5, assignments delivered 5 (assigned in the fake: 5)" in text
    # each event made Flexdesk fetch the requester from the fake, and each assignment is one PUT
    assert "GET ticket_show 5" in text and "PUT ticket_update 5" in text
    assert "B. outbox: 10 of 10 Zendesk updates sent" in text and "PUTs seen by the fake 10" in text
    assert "per-ticket order kept: True" in text
    assert not Program.objects.filter(slug__startswith="zdbench-").exists()
    assert not OutboxMessage.objects.exists()
