"""A small fake Zendesk on loopback, for benchmarks (`manage.py channels_bench`) and tests: never used by the app.

It answers the calls channels makes, with bodies shaped like Zendesk's documented examples (Support API v2):

    PUT  /api/v2/tickets/{id}.json                      {"ticket": …, "audit": {"id", "events", "metadata"}}
    GET  /api/v2/tickets/{id}.json?include=users        {"ticket": …, "users": [requester]}
    GET  /api/v2/tickets/{id}/audits.json               {"audits": [newest first], "meta", "links"}
    GET  /api/v2/users/me.json                          {"user": the API user}
    GET  /api/v2/users/search.json?query=email:…        {"users": [...], "count"}
    GET  /api/v2/incremental/tickets/cursor.json        {"tickets", "users", "after_cursor", "end_of_stream", …}

Every request without HTTP Basic credentials answers 401 as Zendesk does. The server speaks HTTP/1.1, so a
client that keeps its connection open is served on it (as Zendesk's own front end does). It counts requests
by (method, route) and keeps every update it was sent, so a caller can check what arrived.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REQUESTER_BASE = 10_000_000  # ticket N's requester is Zendesk user REQUESTER_BASE + N
ROUTES = [
    ("PUT", re.compile(r"^/api/v2/tickets/(\d+)\.json$"), "ticket_update"),
    ("GET", re.compile(r"^/api/v2/tickets/(\d+)/audits\.json$"), "ticket_audits"),
    ("GET", re.compile(r"^/api/v2/tickets/(\d+)\.json$"), "ticket_show"),
    ("GET", re.compile(r"^/api/v2/users/me\.json$"), "me"),
    ("GET", re.compile(r"^/api/v2/users/search\.json$"), "user_search"),
    ("GET", re.compile(r"^/api/v2/incremental/tickets/cursor\.json$"), "incremental"),
]
STAMP = "2026-12-02T06:00:00Z"


class FakeZendesk:
    """Start with `with FakeZendesk() as fake:`; `fake.url` is its base URL (a free port on 127.0.0.1)."""

    def __init__(self, *, users: dict[str, int] | None = None):
        self.users = dict(users or {})  # e-mail → Zendesk user id, for the people mapping
        self.requests: Counter = Counter()
        self.updates: dict[int, list[dict]] = {}  # ticket id → the "ticket" bodies PUT, in order
        self.audits: dict[int, list[dict]] = {}
        self.export: list[dict] = []  # tickets served by the incremental export (one page)
        self._lock = threading.Lock()
        self._ids = itertools.count(900_000_001)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------------------------

    def start(self) -> FakeZendesk:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-zendesk", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeZendesk:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    # --- Zendesk's answers --------------------------------------------------------------------------------

    def ticket_json(self, ticket_id: int) -> dict:
        """Ticket N as Zendesk shows it (Show Ticket's documented example, trimmed)."""
        return {
            "id": ticket_id,
            "url": f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
            "subject": f"Order {ticket_id} has not arrived",
            "raw_subject": f"Order {ticket_id} has not arrived",
            "description": "I ordered last week and the parcel is still not here.",
            "status": "open",
            "priority": "normal",
            "type": "question",
            "tags": ["order-status"],
            "via": {"channel": "email"},
            "requester_id": REQUESTER_BASE + ticket_id,
            "submitter_id": REQUESTER_BASE + ticket_id,
            "assignee_id": None,
            "group_id": None,
            "created_at": STAMP,
            "updated_at": STAMP,
        }

    def requester_json(self, ticket_id: int) -> dict:
        return {
            "id": REQUESTER_BASE + ticket_id,
            "name": f"Customer {ticket_id}",
            "role": "end-user",
            "email": f"customer{ticket_id}@example.test",
            "locale": "en-US",
            "time_zone": "UTC",
        }

    def _update(self, ticket_id: int, body: dict) -> dict:
        ticket = body.get("ticket") or {}
        events = []
        with self._lock:
            self.updates.setdefault(ticket_id, []).append(ticket)
            audit_id = next(self._ids)
            for name in ("assignee_id", "group_id", "status"):
                if name in ticket:
                    events.append(
                        {
                            "id": next(self._ids),
                            "type": "Change",
                            "field_name": name,
                            "value": ticket[name],
                            "previous_value": None,
                        }
                    )
            comment = ticket.get("comment")
            if comment:
                events.append(
                    {
                        "id": next(self._ids),
                        "type": "Comment",
                        "body": comment.get("body", ""),
                        "public": comment.get("public", True),
                        "author_id": comment.get("author_id"),
                    }
                )
            audit = {
                "id": audit_id,
                "ticket_id": ticket_id,
                "created_at": STAMP,
                "author_id": 1,
                "metadata": {"system": {"client": "Flexdesk"}, "custom": ticket.get("metadata") or {}},
                "events": events,
                "via": {"channel": "api"},
            }
            self.audits.setdefault(ticket_id, []).append(audit)
        shown = {
            **self.ticket_json(ticket_id),
            **{k: v for k, v in ticket.items() if k not in ("comment", "metadata")},
        }
        return {"ticket": shown, "audit": audit}

    def answer(self, method: str, path: str, query: dict, body: dict) -> tuple[int, dict]:
        for route_method, pattern, name in ROUTES:
            match = pattern.match(path)
            if route_method == method and match:
                with self._lock:
                    self.requests[(method, name)] += 1
                ticket_id = int(match.group(1)) if match.groups() else None
                if name == "ticket_update":
                    return 200, self._update(ticket_id, body)
                if name == "ticket_show":
                    return 200, {
                        "ticket": self.ticket_json(ticket_id),
                        "users": [self.requester_json(ticket_id)],
                    }
                if name == "ticket_audits":
                    audits = list(reversed(self.audits.get(ticket_id, [])))
                    return 200, {
                        "audits": audits,
                        "meta": {"has_more": False, "after_cursor": None, "before_cursor": None},
                        "links": {"next": None, "prev": None},
                    }
                if name == "me":
                    return 200, {
                        "user": {
                            "id": 1,
                            "name": "Flexdesk API",
                            "email": "api@example.test",
                            "role": "admin",
                        }
                    }
                if name == "user_search":
                    email = (query.get("query", [""])[0]).removeprefix("email:")
                    found = (
                        [{"id": self.users[email], "name": email.split("@")[0], "email": email}]
                        if email in self.users
                        else []
                    )
                    return 200, {
                        "users": found,
                        "count": len(found),
                        "next_page": None,
                        "previous_page": None,
                    }
                return 200, {
                    "tickets": self.export,
                    "after_cursor": "MTU3NjYxMzUzOS4wfHw0Njd8",
                    "before_cursor": None,
                    "after_url": f"{self.url}/api/v2/incremental/tickets/cursor.json?cursor=MTU3NjYxMzUzOS4wfHw0Njd8",
                    "before_url": None,
                    "end_of_stream": True,
                    "users": [self.requester_json(t["id"]) for t in self.export],
                }
        with self._lock:
            self.requests[(method, "unknown")] += 1
        return 404, {"error": "InvalidEndpoint", "description": "Not found"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body are two writes: do not hold the second back
    fake: FakeZendesk

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not (self.headers.get("Authorization") or "").startswith("Basic "):
            status, data = 401, {"error": "Couldn't authenticate you"}
        else:
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                status, data = 400, {"error": "Unprocessable Entity", "description": "The body is not JSON."}
            else:
                parts = urlsplit(self.path)
                status, data = self.fake.answer(self.command, parts.path, parse_qs(parts.query), body)
        answer = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_PUT = do_POST = _serve

    def log_message(self, format, *args):  # noqa: A002 — the stdlib's signature; quiet
        pass
