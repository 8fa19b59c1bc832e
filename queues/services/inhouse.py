"""The in-house queue's own writes: bulk actions and the views each person saves.

A bulk action is the single-ticket service (queues.services.tickets) applied to each ticket in turn, so every
rule of one ticket holds for many; each ticket is its own transaction, and one refusal does not stop the rest.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.http import QueryDict

from core.errors import DomainError
from queues.errors import QueueError
from queues.models import SavedQueueView, Ticket
from queues.services.tickets import ticket_inhouse_assign, ticket_send_back, ticket_solve

BULK_ACTIONS = {
    "assign_me": "assigned to you",
    "assign": "assigned",
    "solve": "solved",
    "send_back": "sent back to the freelancers",
}
MAX_BULK_TICKETS = 100
# The in-house queue's filters (InhouseFilterForm): a saved view keeps only these.
SAVED_VIEW_KEYS = ("q", "program", "reason", "age", "sla", "assigned", "lang")
MAX_SAVED_VIEWS = 30


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """ "3 solved; #12 refused: This ticket is already solved; it cannot be solved." """
        parts = [f"{len(self.done)} {BULK_ACTIONS[self.action]}"] if self.done or not self.refused else []
        parts += [f"#{pk} refused: {reason}" for pk, reason in self.refused]
        return "; ".join(parts)


def tickets_bulk_apply(
    *,
    tickets: Iterable[Ticket],
    requested_ids: Iterable[int],
    action: str,
    actor,
    user=None,
    guidance: str = "",
    tier: int | None = None,
) -> BulkResult:
    """Apply one action to each ticket: assign to the actor ("assign_me") or to `user` ("assign"), solve, or send
    back to the freelancers with `guidance`. `tickets` are the ones the actor may work (a selector found them);
    a requested id not among them is refused as not found, never touched."""
    if action not in BULK_ACTIONS:
        raise QueueError("Pick an action for the selected tickets.", field="action")
    requested = list(dict.fromkeys(int(pk) for pk in requested_ids))
    if not requested:
        raise QueueError("Select at least one ticket.", field="tickets")
    if len(requested) > MAX_BULK_TICKETS:
        raise QueueError(f"Select at most {MAX_BULK_TICKETS} tickets at once.", field="tickets")
    if action == "assign" and user is None:
        raise QueueError("Pick whom to assign the tickets to.", field="user")
    if action == "send_back" and not (guidance or "").strip():
        raise QueueError("Write guidance for the freelancers who will get these tickets.", field="guidance")
    found = {ticket.pk: ticket for ticket in tickets}
    result = BulkResult(action=action)
    for pk in requested:
        ticket = found.get(pk)
        if ticket is None:
            result.refused.append((pk, "Not in your in-house queue."))
            continue
        try:
            if action == "assign_me":
                ticket_inhouse_assign(ticket=ticket, user=actor, actor=actor)
            elif action == "assign":
                ticket_inhouse_assign(ticket=ticket, user=user, actor=actor)
            elif action == "solve":
                ticket_solve(ticket=ticket, actor=actor)
            else:
                ticket_send_back(ticket=ticket, actor=actor, guidance=guidance, tier=tier)
        except DomainError as exc:
            result.refused.append((pk, exc.message))
        else:
            result.done.append(pk)
    return result


def saved_view_query_clean(query: str) -> str:
    """The queue's filters of a query string, in a fixed order, empty ones and anything else left out."""
    given = QueryDict(query or "")
    kept = QueryDict(mutable=True)
    for key in SAVED_VIEW_KEYS:
        value = (given.get(key) or "").strip()
        if value:
            kept[key] = value[:200]
    return kept.urlencode()


@transaction.atomic
def saved_queue_view_save(*, user, name: str, query: str) -> tuple[SavedQueueView, bool]:
    """Save the queue's current filters under a name, for this user only; the same name again replaces its filters.
    Returns (view, created)."""
    name = " ".join((name or "").split())
    if not name:
        raise QueueError("Give the view a name.", field="name")
    if len(name) > 80:
        raise QueueError("The name is too long (at most 80 characters).", field="name")
    query = saved_view_query_clean(query)
    if len(query) > 500:
        raise QueueError("These filters are too long to save.", field="name")
    existing = SavedQueueView.objects.filter(user=user, name__iexact=name).first()
    if existing is not None:
        existing.name, existing.query = name, query
        existing.save(update_fields=["name", "query"])
        return existing, False
    if SavedQueueView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS:
        raise QueueError(f"You have {MAX_SAVED_VIEWS} saved views; delete one first.", field="name")
    view = SavedQueueView(user=user, name=name, query=query)
    view.full_clean()
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as exc:  # the same name saved at the same moment in another tab
        raise QueueError("You already have a view with this name.", field="name") from exc
    return view, True


def saved_queue_view_delete(*, view: SavedQueueView, user) -> None:
    """Delete one of the user's own saved views (the view was found in their scope)."""
    if view.user_id != user.pk:
        raise QueueError("This is not your saved view.", code="not_owner")
    view.delete()
