"""`manage.py zendesk_reconcile`: the every-10-minutes reconcile, run once, one line per Zendesk program."""

import io

import httpx
import pytest
from django.core.management import call_command

from queues.models import Ticket
from tests.channels.conftest import FREELANCER_ZD, REQUESTER_ZD

pytestmark = pytest.mark.django_db


def reconcile():
    out = io.StringIO()
    call_command("zendesk_reconcile", stdout=out)
    return out.getvalue().strip()


def test_zendesk_reconcile_imports_what_it_missed_and_reports_per_program(program, freelancer, zendesk):
    zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        return_value=httpx.Response(
            200,
            json={
                "tickets": [
                    {
                        "id": 101,
                        "subject": "Parcel lost",
                        "description": "Help",
                        "requester_id": REQUESTER_ZD,
                        "status": "open",
                        "priority": "normal",
                        "type": None,
                        "tags": [],
                        "via": {"channel": "email"},
                        "assignee_id": FREELANCER_ZD,
                        "created_at": "2026-12-01T10:00:00Z",
                    }
                ],
                "after_cursor": "c1",
                "before_cursor": None,
                "end_of_stream": True,
                "users": [{"id": REQUESTER_ZD, "name": "Zoe", "email": "zoe@example.test"}],
            },
        )
    )
    assert (
        reconcile() == "acme: ReconcileResult(seen=1, created=1, repaired=1, failed=0)"
    )  # an import is a repair too
    assert Ticket.objects.get(external_id="101").program == program


def test_zendesk_reconcile_with_zendesk_down_says_so(program, zendesk):
    zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(return_value=httpx.Response(503))
    line = reconcile()
    assert line.startswith("acme: ") and "503" in line
