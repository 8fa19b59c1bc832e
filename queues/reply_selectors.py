"""Reads of saved replies (macros): the managers' list of a program, one of them, and the ones a reply box offers.

Each takes the program (or the ticket) the caller already found in the user's scope, so another program's saved
reply is never found (a 404 in the views)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.rawsql import PreparedQuery
from programs.models import Program
from queues.models import SavedReply, Ticket
from queues.placeholders import placeholder_values, placeholders_fill


def saved_reply_list(
    *, program: Program, search: str = "", suggestions_only: bool = False
) -> QuerySet[SavedReply]:
    """The program's saved replies for the managers' page: suggestions waiting for approval first, then the most
    used. `search` looks in the title, the text and the tags."""
    replies = SavedReply.objects.filter(program=program).select_related("created_by", "suggested_by")
    search = " ".join((search or "").split())
    if search:
        replies = replies.filter(
            Q(title__icontains=search) | Q(body__icontains=search) | Q(tags__icontains=search)
        )
    if suggestions_only:
        replies = replies.filter(approved=False)
    return replies.order_by("approved", "-usage_count", "title", "id")


def saved_reply_get(*, program: Program, pk) -> SavedReply | None:
    return SavedReply.objects.filter(program=program, pk=pk).select_related("program", "suggested_by").first()


def saved_reply_suggestion_count(*, program: Program) -> int:
    return SavedReply.objects.filter(program=program, approved=False).count()


@dataclass(frozen=True)
class ReplyChoice:
    """One saved reply as the reply box offers it: its words already filled in for this ticket and sender."""

    pk: int
    title: str
    tags: list[str]
    status_after: str
    status_label: str
    text: str

    @property
    def search_text(self) -> str:
        return " ".join([self.title, *self.tags, self.text]).casefold()


# Compiled once (core.rawsql.PreparedQuery): every ticket page with a reply box reads it.
_APPROVED = PreparedQuery(
    lambda program_id: (
        SavedReply.objects.filter(program_id=program_id, approved=True)
        .order_by("-usage_count", "title", "id")
        .only("id", "title", "body", "tags", "status_after")
    ),
    "program_id",
)


def saved_replies_for_ticket(*, ticket: Ticket, user) -> list[ReplyChoice]:
    """The approved saved replies of the ticket's program, most used first, each rendered for this ticket and
    `user` (the sender). One query."""
    values = placeholder_values(ticket=ticket, user=user)
    labels = dict(Ticket.Status.choices)
    rows = _APPROVED.objects(program_id=ticket.program_id)
    return [
        ReplyChoice(
            pk=reply.pk,
            title=reply.title,
            tags=list(reply.tags or []),
            status_after=reply.status_after,
            status_label=str(labels.get(reply.status_after, "")) if reply.status_after else "",
            text=placeholders_fill(reply.body, values),
        )
        for reply in rows
    ]
