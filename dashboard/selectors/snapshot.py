"""The program's "now": the open tickets by queue and status, and this week's shifts, from its ProgramSnapshot
(one row, written by the rollup job every five minutes; docs/adr/0028), or counted live without one."""

from typing import TYPE_CHECKING

from django.db.models import Count

from dashboard.models import ProgramSnapshot
from dashboard.selectors.daily import rollups_enabled
from queues.selectors import TICKET_ACTIVE_STATUSES, tickets_of_program

if TYPE_CHECKING:  # types only: the dashboard reads other apps through their selectors
    from programs.models import Program


def snapshot_get(*, program: "Program") -> ProgramSnapshot | None:
    """The program's snapshot (one query), or None: none written yet, or the rollups are off."""
    if not rollups_enabled():
        return None
    return ProgramSnapshot.objects.filter(program_id=program.pk).first()


def open_tickets_now(*, program: "Program") -> dict[str, dict[str, int]]:
    """{queue: {status: tickets}} of the program's open (active) tickets now. One grouped query over them all:
    the rollup job runs it; a page reads the snapshot instead."""
    counts: dict[str, dict[str, int]] = {}
    for row in (
        tickets_of_program(program_id=program.pk)
        .filter(status__in=TICKET_ACTIVE_STATUSES)
        .values("queue", "status")
        .annotate(n=Count("*"))
        .order_by()
    ):
        counts.setdefault(row["queue"], {})[row["status"]] = row["n"]
    return counts
