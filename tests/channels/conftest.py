"""A program connected to Zendesk, its team mapped to Zendesk users, and Zendesk itself replaced at the HTTP
boundary (respx). Request and response bodies follow Zendesk's documented examples."""

import base64
import datetime
import hashlib
import hmac
import json

import pytest
import respx
from django.utils import timezone

from channels.models import ZendeskUserMap
from tests.accounts.factories import ManagerFactory
from tests.channels.factories import BASE, FREELANCER_ZD, zendesk_mapped_freelancer, zendesk_program

SECRET = "dGhpcyBpcyBhIHNlY3JldA=="
MANAGER_ZD, REQUESTER_ZD, GROUP_ZD = 502, 20978392, 360001


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    return zendesk_program(manager=manager, signing_secret=SECRET, in_house_group_id=GROUP_ZD)


@pytest.fixture
def freelancer(program):
    return zendesk_mapped_freelancer(program)


@pytest.fixture
def mapped_manager(program, manager):
    ZendeskUserMap.objects.create(
        program=program,
        user=manager,
        zendesk_user_id=MANAGER_ZD,
        zendesk_name="Man Ager",
        matched_at=timezone.now(),
    )
    return manager


@pytest.fixture
def zendesk():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def update_answer(ticket_id: int, *, comment_id: int | None = None, audit_id: int = 9001) -> dict:
    """Zendesk's answer to PUT /api/v2/tickets/{id}.json: the ticket and the audit of the change."""
    events = [{"id": 1564245, "type": "Change", "field_name": "status", "value": "open"}]
    if comment_id:
        events.append(
            {"id": comment_id, "type": "Comment", "body": "…", "public": True, "author_id": FREELANCER_ZD}
        )
    return {
        "ticket": {"id": ticket_id, "status": "open"},
        "audit": {
            "id": audit_id,
            "ticket_id": ticket_id,
            "created_at": "2026-12-02T06:00:00Z",
            "events": events,
        },
    }


def sign(body: bytes, *, secret: str = SECRET, timestamp: str | None = None) -> dict:
    timestamp = timestamp or timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    )
    return {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature.decode(),
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
    }


def webhook(client, payload, *, slug="acme", url=None, **signing):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        url or f"/api/v1/channels/zendesk/{slug}/webhook/",
        data=body,
        content_type="application/json",
        **sign(body, **signing),
    )


def stamp(delta: datetime.timedelta) -> str:
    return (timezone.now() + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(kind: str, ticket_id: int = 35436, *, event_body: dict | None = None, **detail) -> dict:
    """An event-subscribed webhook as Zendesk sends it (requester_id, not an e-mail)."""
    return {
        "type": f"zen:event-type:ticket.{kind}",
        "account_id": 9242270,
        "id": f"evt-{kind}-{ticket_id}",
        "time": "2026-12-02T05:59:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {
            "id": str(ticket_id),
            "actor_id": str(REQUESTER_ZD),
            "assignee_id": None,
            "brand_id": "1",
            "created_at": "2026-12-02T05:30:00Z",
            "description": "My parcel never arrived.",
            "group_id": None,
            "is_public": True,
            "priority": "HIGH",
            "requester_id": str(REQUESTER_ZD),
            "status": "OPEN",
            "subject": "Parcel lost",
            "tags": ["order-status", "vip"],
            "type": "QUESTION",
            "via": {"channel": "web"},
            **detail,
        },
        "event": event_body or {},
    }
