"""A small client for Zendesk's REST API (Support API v2) on httpx.

Every call has a timeout. Zendesk's answers become DeliveryError, so the outbox knows what to do with them:
429 → retry after Zendesk's Retry-After; 5xx, timeouts and refused connections → temporary (retried with
backoff); any other 4xx → permanent, with Zendesk's own error message. Never called inside a database
transaction (the outbox calls senders outside any; the settings page calls it outside one too).
"""

from __future__ import annotations

import hashlib

import httpx

from channels.http import shared_client
from core.outbox import DeliveryError, retry_after_seconds

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "Flexdesk (+channels.zendesk)"


def _shared_http(base_url: str, email: str, token: str, timeout: httpx.Timeout) -> httpx.Client:
    """One httpx.Client per Zendesk account (URL and credentials) and process (channels.http says why)."""
    key = ("zendesk", base_url, email, hashlib.sha256(token.encode()).hexdigest(), repr(timeout))
    return shared_client(
        key,
        lambda: httpx.Client(
            base_url=base_url,
            auth=(f"{email}/token", token),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        ),
    )


class ZendeskClient:
    def __init__(
        self,
        *,
        base_url: str,
        email: str,
        token: str,
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ):
        if not base_url:
            raise DeliveryError("The Zendesk connection has no subdomain or base URL.", permanent=True)
        if not (email and token):
            raise DeliveryError("The Zendesk connection has no API e-mail or token.", permanent=True)
        self.base_url = base_url.rstrip("/")
        # API token authentication: "{email}/token" as the user name, the token as the password.
        self._owned = transport is not None  # a given transport (tests) gets a client of its own
        if self._owned:
            self._http = httpx.Client(
                base_url=self.base_url,
                auth=(f"{email}/token", token),
                timeout=timeout,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                transport=transport,
            )
        else:
            self._http = _shared_http(self.base_url, email, token, timeout)

    @classmethod
    def for_connection(cls, connection) -> ZendeskClient:
        return cls(base_url=connection.api_url, email=connection.api_email, token=connection.api_token)

    def close(self) -> None:
        """Close a client of its own; the shared one stays open for the next call (keep-alive)."""
        if self._owned:
            self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- calls -----------------------------------------------------------------------------------------

    def me(self) -> dict:
        """Whose token this is (GET /api/v2/users/me.json). An anonymous answer means the token was refused."""
        user = self._request("GET", "/api/v2/users/me.json")["user"]
        if not user.get("id"):
            raise DeliveryError(
                "Zendesk did not accept the e-mail and token (it answered as an anonymous user).",
                permanent=True,
            )
        return user

    def user_search_by_email(self, email: str) -> dict | None:
        """The Zendesk user with this e-mail, or None (GET /api/v2/users/search.json?query=email:…)."""
        users = self._request("GET", "/api/v2/users/search.json", params={"query": f"email:{email}"})["users"]
        wanted = email.strip().lower()
        return next((u for u in users if str(u.get("email") or "").lower() == wanted), None)

    def ticket_show(self, ticket_id: int | str) -> tuple[dict, dict | None]:
        """The ticket and its requester, in one call (the users sideload)."""
        data = self._request("GET", f"/api/v2/tickets/{int(ticket_id)}.json", params={"include": "users"})
        ticket = data["ticket"]
        requester = next(
            (u for u in data.get("users", []) if u.get("id") == ticket.get("requester_id")), None
        )
        return ticket, requester

    def ticket_update(self, ticket_id: int | str, ticket: dict, *, idempotency_key: str = "") -> dict:
        """PUT /api/v2/tickets/{id}.json with {"ticket": …}; answers {"ticket": …, "audit": …}."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._request(
            "PUT", f"/api/v2/tickets/{int(ticket_id)}.json", json={"ticket": ticket}, headers=headers
        )

    def ticket_audits(self, ticket_id: int | str, *, limit: int = 20) -> list[dict]:
        """The ticket's latest audits, newest first (to find an update we made before an answer was lost)."""
        data = self._request(
            "GET",
            f"/api/v2/tickets/{int(ticket_id)}/audits.json",
            params={"sort_order": "desc", "page[size]": limit},
        )
        return data.get("audits", [])

    def tickets_incremental(self, *, start_time: int | None = None, cursor: str | None = None) -> dict:
        """One page of the cursor-based incremental ticket export: {"tickets", "after_cursor", "end_of_stream"}."""
        params: dict = {"cursor": cursor} if cursor else {"start_time": int(start_time or 0)}
        params["include"] = "users"  # the requesters, sideloaded
        return self._request("GET", "/api/v2/incremental/tickets/cursor.json", params=params)

    def satisfaction_ratings(
        self, *, start_time: int, after: str | None = None, page_size: int = 100
    ) -> dict:
        """One page of satisfaction ratings created since `start_time` (GET /api/v2/satisfaction_ratings.json,
        cursor pagination): {"satisfaction_ratings": [{id, ticket_id, score, comment, …}], "meta": {"has_more",
        "after_cursor"}}. Scores: "offered", "unoffered", "good", "bad"."""
        params: dict = {"start_time": int(start_time), "page[size]": page_size}
        if after:
            params["page[after]"] = after
        return self._request("GET", "/api/v2/satisfaction_ratings.json", params=params)

    # --- the one place HTTP becomes DeliveryError --------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"Zendesk did not answer in time ({exc.__class__.__name__}).") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Could not reach Zendesk at {self.base_url}: {exc}") from exc
        if response.status_code == 429:
            raise DeliveryError(
                "Zendesk's rate limit was reached (429).",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            raise DeliveryError(
                f"Zendesk answered {response.status_code}: {error_message(response)}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            raise DeliveryError(
                f"Zendesk answered {response.status_code}: {error_message(response)}", permanent=True
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise DeliveryError(
                f"Zendesk answered {response.status_code} with a body that is not JSON."
            ) from exc
        if not isinstance(data, dict):
            raise DeliveryError("Zendesk answered with an unexpected JSON body.")
        return data


def error_message(response: httpx.Response) -> str:
    """Zendesk's own words: {"error": "RecordInvalid", "description": "…", "details": {field: [{description}]}},
    or {"error": {"title", "message"}}, or {"errors": [{"title", "detail"}]}."""
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if not isinstance(data, dict):
        return response.reason_phrase or "no details"
    error = data.get("error")
    parts = []
    if isinstance(error, dict):
        parts.append(": ".join(str(error[k]) for k in ("title", "message") if error.get(k)))
    elif error:
        parts.append(str(error))
    if data.get("description"):
        parts.append(str(data["description"]))
    details = data.get("details")
    if isinstance(details, dict):
        for field, problems in details.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                text = problem.get("description") if isinstance(problem, dict) else problem
                parts.append(f"{field}: {text}")
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            parts.append(": ".join(str(item[k]) for k in ("title", "detail") if item.get(k)))
    return " — ".join(p for p in parts if p) or response.reason_phrase or "no details"
