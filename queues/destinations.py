"""Where a program's replies go, for the reply box to say it truthfully.

queues does not know the program's channel (channels sits above it): channels registers the answer at start-up
(channels.apps.ready), as payments answers contracts' weekly-hours question. Without a provider, replies stay in
Flexdesk for the helpdesk to read through the API.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyDestination:
    name: str  # "Zendesk": shown beside each reply's delivery state ("delivered to Zendesk 12:04")
    reply_help: str  # under the reply box
    note_help: str = "Only the team sees internal notes."


API_ONLY = ReplyDestination(
    name="", reply_help="Recorded in Flexdesk; the company's helpdesk picks replies up through the API.")

_provider: Callable[..., ReplyDestination | None] | None = None


def register_reply_destination(provider: Callable[..., ReplyDestination | None]) -> None:
    """provider(*, program) -> ReplyDestination, or None for "API only"."""
    global _provider
    _provider = provider


def reply_destination(*, program) -> ReplyDestination:
    found = _provider(program=program) if _provider is not None else None
    return found or API_ONLY
