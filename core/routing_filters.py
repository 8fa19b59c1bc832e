"""Freelancers a higher app bars from a program's tickets, for a reason routing cannot know by itself.

Routing (queues) picks who takes a ticket, but some rules live above it: channels knows that a Zendesk
program cannot hand a ticket to a freelancer without a Zendesk user (the assignment and their replies would
have nowhere to go). queues may not import channels (DESIGN.md's order), so channels registers a filter here
at start-up (channels.apps.ready), as payments registers the weekly-hours provider (contracts.hours).

A filter is called once per routing batch per program, with the program as routing loaded it. It must answer
without a query when it does not apply (routing's query count for other programs stays what it was): that is
what `program_related` is for, the program relations routing then loads with the tickets it locks (e.g.
"channel_setting"), so the filter reads them from memory. When it applies, it may run one query.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RoutingExclusion:
    """Freelancers who may not take the program's tickets, and why (the "waiting" explanation shows it)."""

    freelancer_ids: frozenset[int]
    reason: str


RoutingFilter = Callable[..., RoutingExclusion | None]
_filters: list[RoutingFilter] = []
_program_related: list[str] = []


def register_routing_filter(func: RoutingFilter, *, program_related: tuple[str, ...] = ()) -> None:
    """func(*, program) -> RoutingExclusion, or None when no filter applies to that program.
    Registering the same function twice keeps one."""
    if func not in _filters:
        _filters.append(func)
    for name in program_related:
        if name not in _program_related:
            _program_related.append(name)


def unregister_routing_filter(func: RoutingFilter) -> None:
    if func in _filters:
        _filters.remove(func)


def routing_program_related() -> list[str]:
    """The program relations the filters read (for select_related from the ticket: "program__<name>")."""
    return list(_program_related)


def routing_exclusions(*, program) -> list[RoutingExclusion]:
    """What every registered filter bars for this program (only the ones that apply, and bar someone)."""
    found = []
    for func in list(_filters):
        exclusion = func(program=program)
        if exclusion is not None and exclusion.freelancer_ids:
            found.append(exclusion)
    return found
