"""The states of a link that carries a secret (a survey, a trial task, a vault one-time link).

Each app decides its own link's state from its own rows; core.errorviews.link_dead_end shows every state but
OPEN the same way."""

from enum import StrEnum


class LinkState(StrEnum):
    OPEN = "open"  # the link works: no dead end
    UNKNOWN = "unknown"  # no such link (mistyped, cut short, made up): 404, and nothing about anyone's link
    USED = "used"  # single-use and already used: 410
    EXPIRED = "expired"  # past its date: 410
    WITHDRAWN = "withdrawn"  # the sender took it back: 410
