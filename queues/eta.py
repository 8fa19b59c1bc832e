"""The time a ticket's holder promised the customer (Ticket.eta_at): when it is met or missed, and the line the
customer reads.

An ETA is met when the ticket was solved by then (solved_at <= eta_at); missed when that time has passed and the
ticket was not solved by it. Until then it is due. The rule is written twice, side by side, because it is read
two ways: for one ticket in Python (the ticket pages, the queue) and over many in SQL (the dashboard's counts).
"""

import datetime

from django.db.models import F, Q
from django.utils import dateformat, formats, timezone

MET, MISSED, DUE = "met", "missed", "due"
STATE_LABELS = {MET: "met", MISSED: "missed", DUE: "due"}


def eta_state(
    *, eta_at: datetime.datetime | None, solved_at: datetime.datetime | None, now: datetime.datetime
) -> str:
    """met, missed, due, or "" when nothing was promised."""
    if eta_at is None:
        return ""
    if solved_at is not None and solved_at <= eta_at:
        return MET
    if solved_at is not None or eta_at < now:
        return MISSED
    return DUE


def eta_met_q() -> Q:
    """Tickets whose ETA was met (the SQL form of eta_state() == MET)."""
    return Q(eta_at__isnull=False, solved_at__isnull=False, solved_at__lte=F("eta_at"))


def eta_missed_q(now: datetime.datetime) -> Q:
    """Tickets whose ETA was missed by `now` (the SQL form of eta_state() == MISSED)."""
    return Q(eta_at__isnull=False) & (
        Q(solved_at__gt=F("eta_at")) | Q(solved_at__isnull=True, eta_at__lt=now)
    )


def eta_customer_line(eta_at: datetime.datetime, zone) -> str:
    """The sentence appended to the reply: "We expect to have this resolved by Tue 08 Dec, 15:00 (Europe/Warsaw)."

    In the program's time zone, named by its IANA key so the customer can tell which one is meant; the year is
    added when the promise is not in this year."""
    local = timezone.localtime(eta_at, zone)
    same_year = local.year == timezone.localtime(timezone.now(), zone).year
    fmt = "D " + formats.get_format("SHORT_DATETIME_FORMAT" if same_year else "DATETIME_FORMAT")
    key = getattr(zone, "key", None) or str(zone)
    return f"We expect to have this resolved by {dateformat.format(local, fmt)} ({key})."
