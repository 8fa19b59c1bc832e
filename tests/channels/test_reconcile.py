"""A missed webhook is repaired by the every-10-minutes reconcile (Zendesk's cursor-based incremental export)."""

import datetime

import httpx
import pytest
from django.utils import timezone

from channels.models import ZendeskConnection
from channels.zendesk.reconcile import zendesk_reconcile_all
from core.models import OutboxMessage
from queues.models import Ticket
from queues.services import ticket_solve
from tests.channels.conftest import FREELANCER_ZD, REQUESTER_ZD
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


def export_page(*tickets, after_cursor="c2", end=True):
    return {"tickets": list(tickets), "after_cursor": after_cursor, "before_cursor": None, "end_of_stream": end,
            "users": [{"id": REQUESTER_ZD, "name": "Zoe", "email": "zoe@example.test"}]}


def zd_ticket(ticket_id, status, assignee_id=None):
    return {"id": ticket_id, "subject": "Parcel lost", "description": "Help", "requester_id": REQUESTER_ZD,
            "status": status, "priority": "normal", "type": None, "tags": [], "via": {"channel": "email"},
            "assignee_id": assignee_id, "created_at": "2026-12-01T10:00:00Z"}


def test_reconcile_repairs_missed_events_and_imports_tickets_it_never_received(program, freelancer, zendesk):
    solved_there = TicketFactory(program=program, external_id="100", assignee=freelancer)
    export = zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(side_effect=[
        httpx.Response(200, json=export_page(zd_ticket(100, "solved", FREELANCER_ZD), after_cursor="c1", end=False)),
        httpx.Response(200, json=export_page(zd_ticket(101, "open", FREELANCER_ZD), zd_ticket(102, "closed"))),
    ])
    result = zendesk_reconcile_all()["acme"]
    assert (result.seen, result.created, result.repaired) == (3, 1, 2)
    assert export.calls[1].request.url.params["cursor"] == "c1"
    solved_there.refresh_from_db()
    assert solved_there.status == Ticket.Status.SOLVED
    imported = Ticket.objects.get(external_id="101")
    assert (imported.requester_email, imported.assignee) == ("zoe@example.test", freelancer)
    assert not Ticket.objects.filter(external_id="102").exists()  # closed before we knew it: not imported
    assert not OutboxMessage.objects.filter(kind__startswith="zendesk.").exists()  # nothing echoed back
    assert ZendeskConnection.objects.get(program=program).last_sync_at is not None


def test_reconcile_does_not_undo_changes_still_on_their_way_to_zendesk(program, freelancer, zendesk):
    ticket = TicketFactory(program=program, external_id="100", assignee=freelancer)
    ticket_solve(ticket=ticket, actor=freelancer.user)  # the solve is queued for Zendesk, not delivered yet
    zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        return_value=httpx.Response(200, json=export_page(zd_ticket(100, "open", FREELANCER_ZD))))
    connection = ZendeskConnection.objects.get(program=program)
    connection.last_sync_at = timezone.now() - datetime.timedelta(minutes=10)
    connection.save()
    assert zendesk_reconcile_all()["acme"].repaired == 0
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED


def test_reconcile_with_zendesk_down_reports_and_keeps_the_last_sync(program, zendesk):
    zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(return_value=httpx.Response(503))
    assert "503" in zendesk_reconcile_all()["acme"]
    assert ZendeskConnection.objects.get(program=program).last_sync_at is None
