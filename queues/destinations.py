"""Where a program's replies go, for the reply box to say it truthfully.

queues does not know the program's channel (channels sits above it): channels registers the answer at start-up
(channels.apps.ready), as payments answers contracts' weekly-hours question. Without a provider, replies stay in
Flexdesk for the helpdesk to read through the API.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyDestination:
    name: str  # "Zendesk": where a reply is on its way to ("Reply saved; it is on its way to Zendesk")
    reply_help: str  # under the reply box
    note_help: str = "Only the team sees internal notes."
    # Beside each reply's delivery state: "E-mailed 12:04" / "Queued to be e-mailed"; blank: "Delivered to
    # <name> 12:04" / "Queued for <name>".
    delivered_label: str = ""
    queued_label: str = ""

    @property
    def delivered_text(self) -> str:
        return self.delivered_label or f"Delivered to {self.name or 'the helpdesk'}"

    @property
    def queued_text(self) -> str:
        return self.queued_label or f"Queued for {self.name or 'the helpdesk'}"


API_ONLY = ReplyDestination(
    name="", reply_help="Recorded in Flexdesk; the company's helpdesk picks replies up through the API."
)

_provider: Callable[..., ReplyDestination | None] | None = None


def register_reply_destination(provider: Callable[..., ReplyDestination | None]) -> None:
    """provider(*, program, ticket=None) -> ReplyDestination, or None for "API only" (with the ticket the help
    can name its requester: "E-mailed to nora@example.com from support@…")."""
    global _provider
    _provider = provider


def reply_destination(*, program, ticket=None) -> ReplyDestination:
    found = _provider(program=program, ticket=ticket) if _provider is not None else None
    return found or API_ONLY
