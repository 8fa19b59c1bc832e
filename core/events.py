"""Domain events one app publishes and a higher app listens to, without the lower app importing it.

queues records what happens to a ticket (its timeline); channels turns those events into deliveries to the
program's helpdesk. queues may not import channels (DESIGN.md's order), so queues publishes here and channels
registers its listener at start-up (channels.apps.ready), as payments registers the weekly-hours provider.

Listeners run synchronously, inside the publisher's transaction: what they write (an outbox row) commits or
rolls back with the change that caused it. A listener must therefore be quick and must not call out of the
machine; it writes rows, and the outbox sends them after commit.
"""

from collections.abc import Callable

_LISTENERS: dict[str, list[Callable[..., object]]] = {}


def register_listener(kind: str, func: Callable[..., object]) -> None:
    """Call func(**data) whenever `kind` is published. Registering the same function twice keeps one."""
    listeners = _LISTENERS.setdefault(kind, [])
    if func not in listeners:
        listeners.append(func)


def unregister_listener(kind: str, func: Callable[..., object]) -> None:
    if func in _LISTENERS.get(kind, []):
        _LISTENERS[kind].remove(func)


def publish(kind: str, **data) -> None:
    """Tell every listener of `kind`. An exception propagates: the publisher's transaction rolls back, so a
    change is never saved without the deliveries it owes."""
    for func in list(_LISTENERS.get(kind, ())):
        func(**data)
