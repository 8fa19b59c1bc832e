"""A missed webhook is repaired by the every-10-minutes reconcile (Zendesk's cursor-based incremental export)."""

import datetime

import httpx
import pytest
from django.utils import timezone

from channels.models import ZendeskConnection
from channels.tasks import zendesk_backfill_task
from channels.zendesk.reconcile import zendesk_reconcile_all
from core.models import OutboxMessage
from queues.models import Ticket
from queues.services import ticket_solve
from tests.accounts.factories import ManagerFactory
from tests.channels.conftest import BASE, FREELANCER_ZD, REQUESTER_ZD
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory

pytestmark = pytest.mark.django_db


def export_page(*tickets, after_cursor="c2", end=True):
    return {
        "tickets": list(tickets),
        "after_cursor": after_cursor,
        "before_cursor": None,
        "end_of_stream": end,
        "users": [{"id": REQUESTER_ZD, "name": "Zoe", "email": "zoe@example.test"}],
    }


def zd_ticket(ticket_id, status, assignee_id=None):
    return {
        "id": ticket_id,
        "subject": "Parcel lost",
        "description": "Help",
        "requester_id": REQUESTER_ZD,
        "status": status,
        "priority": "normal",
        "type": None,
        "tags": [],
        "via": {"channel": "email"},
        "assignee_id": assignee_id,
        "created_at": "2026-12-01T10:00:00Z",
    }


def test_reconcile_repairs_missed_events_and_imports_tickets_it_never_received(program, freelancer, zendesk):
    solved_there = TicketFactory(program=program, external_id="100", assignee=freelancer)
    export = zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        side_effect=[
            httpx.Response(
                200, json=export_page(zd_ticket(100, "solved", FREELANCER_ZD), after_cursor="c1", end=False)
            ),
            httpx.Response(
                200, json=export_page(zd_ticket(101, "open", FREELANCER_ZD), zd_ticket(102, "closed"))
            ),
        ]
    )
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
        return_value=httpx.Response(200, json=export_page(zd_ticket(100, "open", FREELANCER_ZD)))
    )
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


# --- the backfill when a program is connected ------------------------------------------------------------------


def documented_ticket(ticket_id, status, *, updated="2026-11-30T10:38:52Z", generated=None):
    """A ticket of the cursor-based incremental export, as in Zendesk's documented example (trimmed)."""
    return {
        "assignee_id": None,
        "collaborator_ids": [35334, 234],
        "created_at": "2026-11-29T22:55:29Z",
        "custom_fields": [{"id": 27642, "value": "745"}],
        "description": "The fire is very colorful.",
        "due_at": None,
        "external_id": "ahg35h3jh",
        "follower_ids": [35334, 234],
        "from_messaging_channel": False,
        "generated_timestamp": generated or 1764499132,
        "group_id": 98738,
        "has_incidents": False,
        "id": ticket_id,
        "organization_id": 509974,
        "priority": "high",
        "problem_id": None,
        "raw_subject": "{{dc.printer_on_fire}}",
        "recipient": "support@company.com",
        "requester_id": REQUESTER_ZD,
        "satisfaction_rating": None,
        "status": status,
        "subject": "Help, my printer is on fire!",
        "submitter_id": 76872,
        "tags": ["enterprise", "other_tag"],
        "type": "incident",
        "updated_at": updated,
        "url": f"https://company.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "via": {"channel": "web"},
    }


def documented_page(*tickets, after_cursor, end):
    """GET /api/v2/incremental/tickets/cursor.json's documented answer, with the requester sideloaded."""
    return {
        "after_cursor": after_cursor,
        "after_url": f"https://company.zendesk.com/api/v2/incremental/tickets/cursor.json?cursor={after_cursor}",
        "before_cursor": None,
        "before_url": None,
        "end_of_stream": end,
        "tickets": list(tickets),
        "users": [
            {
                "id": REQUESTER_ZD,
                "name": "Zoe Requester",
                "email": "zoe@example.test",
                "role": "end-user",
                "locale": "en-US",
            }
        ],
    }


def connect_form(**overrides):
    data = {
        "channel_kind": "zendesk",
        "subdomain": "acme",
        "base_url": BASE,
        "api_email": "api@acme.test",
        "api_token": "zd-token",
        "webhook_signing_secret": "c2VjcmV0",
        "in_house_group_id": "360001",
        "routing_tag": "flexdesk",
    }
    return {**data, **overrides}


def test_connecting_a_program_imports_its_open_tickets_through_the_incremental_export_after_commit(
    client, zendesk, django_capture_on_commit_callbacks
):
    manager = ManagerFactory()
    program = ProgramFactory(slug="fresh", managers=[manager])
    export = zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        side_effect=[
            httpx.Response(
                200,
                json=documented_page(
                    documented_ticket(35436, "open"),
                    documented_ticket(35437, "pending"),
                    documented_ticket(35438, "solved"),
                    after_cursor="MTU3NjYxMzUzOS4wfHw0Njd8",
                    end=False,
                ),
            ),
            httpx.Response(
                200,
                json=documented_page(
                    documented_ticket(35439, "hold"),
                    documented_ticket(35440, "closed"),
                    documented_ticket(35441, "new"),
                    after_cursor="MTU3NjYxMzU0MC4wfHw0Njh8",
                    end=True,
                ),
            ),
        ]
    )
    client.force_login(manager)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/manage/channels/fresh/zendesk/save/", connect_form()).status_code == 302
        assert export.call_count == 0  # not inside the save's transaction: after it commits
    assert export.call_count == 2
    first, second = (call.request.url.params for call in export.calls)
    start = int(first["start_time"])
    backfill_from = int(
        (before - datetime.timedelta(days=30, minutes=1)).timestamp()
    )  # 30 days and the overlap
    assert backfill_from <= start <= backfill_from + 5
    assert (second["cursor"], "start_time" in second) == ("MTU3NjYxMzUzOS4wfHw0Njd8", False)
    imported = Ticket.objects.filter(program=program).order_by("external_id")
    assert [t.external_id for t in imported] == ["35436", "35437", "35439", "35441"]  # open ones only
    ticket = imported[0]
    assert (ticket.source, ticket.requester_email, ticket.requester_name, ticket.priority) == (
        "zendesk",
        "zoe@example.test",
        "Zoe Requester",
        "high",
    )
    assert ZendeskConnection.objects.get(program=program).last_sync_at >= before

    # saving again, or the task running twice, imports nothing twice and does not read the export again
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post("/manage/channels/fresh/zendesk/save/", connect_form(routing_tag="fd")).status_code
            == 302
        )
    assert zendesk_backfill_task(ZendeskConnection.objects.get(program=program).pk) == "nothing to do"
    assert export.call_count == 2 and Ticket.objects.filter(program=program).count() == 4


def test_an_api_only_program_or_one_without_a_token_is_not_backfilled(
    client, zendesk, django_capture_on_commit_callbacks
):
    manager = ManagerFactory()
    ProgramFactory(slug="fresh", managers=[manager])
    export = zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        return_value=httpx.Response(200, json=documented_page(after_cursor="x", end=True))
    )
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post("/manage/channels/fresh/zendesk/save/", connect_form(channel_kind="api")).status_code
            == 302
        )
        assert (
            client.post("/manage/channels/fresh/zendesk/save/", connect_form(api_email="")).status_code == 302
        )  # Zendesk, but no API user yet
    assert export.call_count == 0
    with django_capture_on_commit_callbacks(execute=True):  # the API user is added: now it connects
        assert client.post("/manage/channels/fresh/zendesk/save/", connect_form()).status_code == 302
    assert export.call_count == 1


def test_a_backfill_stopped_by_the_rate_limit_resumes_where_it_stopped(program, zendesk):
    newest_read = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    export = zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(
        side_effect=[
            httpx.Response(
                200,
                json=documented_page(
                    documented_ticket(35436, "open", generated=int(newest_read.timestamp())),
                    after_cursor="c1",
                    end=False,
                ),
            ),
            httpx.Response(429, headers={"Retry-After": "60"}, json={"error": "TooManyRequests"}),
            httpx.Response(
                200, json=documented_page(documented_ticket(35437, "open"), after_cursor="c2", end=True)
            ),
        ]
    )
    connection = ZendeskConnection.objects.get(program=program)
    assert "429" in zendesk_backfill_task(connection.pk)  # logged and answered, not raised
    connection.refresh_from_db()
    assert connection.last_sync_at == newest_read  # not "now": the rest was never read
    assert Ticket.objects.filter(program=program, external_id="35436").exists()
    zendesk_reconcile_all()  # the every-10-minutes job picks up from there
    assert int(export.calls[2].request.url.params["start_time"]) == int(newest_read.timestamp()) - 60
    assert Ticket.objects.filter(program=program, external_id="35437").exists()


def test_the_reconcile_job_forgets_webhook_receipts_older_than_the_signature_window(program):
    from channels.models import ZendeskWebhookReceipt

    now = timezone.now()
    old = ZendeskWebhookReceipt.objects.create(program=program, signature="old", event_type="x")
    fresh = ZendeskWebhookReceipt.objects.create(program=program, signature="fresh", event_type="x")
    ZendeskWebhookReceipt.objects.filter(pk=old.pk).update(received_at=now - datetime.timedelta(minutes=11))
    zendesk_reconcile_all(now=now)
    assert list(ZendeskWebhookReceipt.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_page_of_new_tickets_is_one_batch_intake_a_bad_one_is_counted_and_the_rest_routed(
    program, freelancer, zendesk, django_capture_on_commit_callbacks
):
    # Given an export page of 30 open tickets Flexdesk never received, one of them with no requester e-mail
    no_email = {**zd_ticket(299, "open"), "requester_id": 424242}  # a requester the page does not include
    page = export_page(*(zd_ticket(200 + n, "open") for n in range(29)), no_email)
    zendesk.get("/api/v2/incremental/tickets/cursor.json").mock(return_value=httpx.Response(200, json=page))
    # When the reconcile reads it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = zendesk_reconcile_all()["acme"]
    # Then the 29 came in (one INSERT for the page: see queues' batch intake), the bad one was counted and
    # logged, and the 29 were routed once their repairs were applied
    assert (result.seen, result.created, result.failed) == (30, 29, 1)
    imported = Ticket.objects.filter(program=program, source=Ticket.Source.ZENDESK)
    assert imported.count() == 29 and not imported.filter(external_id="299").exists()
    assert not imported.filter(routed_at__isnull=True).exists()
    # routing enqueued once, for the page (the other callbacks send the assignments to Zendesk)
    assert [c.__qualname__ for c in callbacks].count("enqueue_route.<locals>._publish") == 1
