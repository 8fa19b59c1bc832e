"""The Zendesk client reuses one HTTP client per account and process (keep-alive; no TLS set-up per call)."""

import httpx

from channels import http as channels_http
from channels.zendesk.client import ZendeskClient
from tests.channels.conftest import BASE


def test_calls_for_one_account_share_a_client_that_closing_leaves_open(zendesk):
    zendesk.get("/api/v2/users/me.json").mock(return_value=httpx.Response(200, json={"user": {"id": 7}}))
    with ZendeskClient(base_url=BASE, email="api@acme.test", token="t1") as first:
        first.me()
    with ZendeskClient(base_url=BASE, email="api@acme.test", token="t1") as second:
        assert second._http is first._http and not second._http.is_closed
        assert second.me()["id"] == 7
    other_token = ZendeskClient(base_url=BASE, email="api@acme.test", token="t2")
    assert other_token._http is not first._http  # new credentials: a client of their own


def test_a_forked_process_does_not_reuse_its_parents_connections(monkeypatch):
    parent = ZendeskClient(base_url=BASE, email="api@acme.test", token="t1")._http
    monkeypatch.setattr(channels_http.os, "getpid", lambda: -1)  # as in a Celery prefork child
    child = ZendeskClient(base_url=BASE, email="api@acme.test", token="t1")._http
    assert child is not parent and not parent.is_closed  # dropped, not closed: the parent's stay open


def test_a_given_transport_gets_a_client_of_its_own_that_closing_closes():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"user": {"id": 1}}))
    client = ZendeskClient(base_url=BASE, email="api@acme.test", token="t1", transport=transport)
    assert client.me()["id"] == 1
    client.close()
    assert client._http.is_closed
