"""Routing's decisions, as pure functions: which queue a ticket belongs to and, for tier-1 work, who takes it.

No queries here (queues/services/routing.py loads the rows, locks and writes): `decide()` takes the waiting
tickets, the program's queue-ready freelancers as plain rows, their loads counted under the locks, the time
and the program's routing policy, and returns one Decision per ticket with its reason. Unit-testable with
dataclasses, as queues/sla.py is.

Who may take a ticket is ELIGIBILITY, one list of rules in order: the first a freelancer fails is the reason
the "waiting" message counts for them. The routing filter and the explanation are both derived from it, so
they cannot drift. Then CAPACITY says who of the eligible has room now (weekly hour cap, open tickets).
To add a rule, add an EligibilityRule where it belongs in the order, and the field it reads to Candidate.
Presence (issue #19) is one: routing assigns only to freelancers who are online inside their shift.
"""

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from queues.availability import is_on_shift_rows

NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)
FREELANCER, INHOUSE = "freelancer", "inhouse"  # Ticket.Queue's values (this module imports no models)
ACTIVE = "active"  # Freelancer.Status.ACTIVE


def _elapsed(delta: datetime.timedelta) -> str:
    """A span as the timeline says it ("under a minute", "5 min", "2 h 5 min", "3 days 4 h"): the decision's own
    time is on its timeline line, so its text needs no date (which would be in no one's time zone or format)."""
    minutes = max(int(delta.total_seconds()) // 60, 0)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} day{'s' if days > 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min" if minutes else "under a minute"


@dataclass(frozen=True)
class WaitingTicket:
    """What routing reads of a ticket that needs routing."""

    id: int
    program_id: int
    tier: int = 1
    language: str = "en"
    channel: str = "email"
    subject: str = ""
    body: str = ""
    first_time: bool = True  # never routed before: the queue is decided too
    due: datetime.datetime = NEVER  # next deadline (or creation): the most urgent is served first
    ticket_type_id: int | None = None
    type_name: str = ""
    type_for_freelancers: bool = True
    required_skill_ids: frozenset[int] = frozenset()

    @property
    def kind(self) -> tuple:
        """Tickets of one kind have the same eligible freelancers."""
        return self.tier, (self.language or "").lower(), self.ticket_type_id, self.channel


@dataclass(frozen=True)
class Candidate:
    """A queue-ready freelancer of the program, as the candidate query reads them (unlocked)."""

    id: int
    status: str = ACTIVE
    tier: int = 1  # in this program (contracts.ProgramStanding)
    channels: frozenset[str] = frozenset()  # the program's channels they take (none: all of them)
    online: bool = True  # their presence (queues.Presence) says online
    language_codes: frozenset[str] = frozenset({"en"})
    skill_ids: frozenset[int] = frozenset()
    zone: datetime.tzinfo = datetime.UTC
    slots: tuple[
        tuple[int, int, int, int | None], ...
    ] = ()  # (weekday, start_minute, end_minute, program_id)
    changes: tuple[tuple[str, datetime.datetime, datetime.datetime, int | None], ...] = ()
    max_open_tickets: int = 5
    load: int = 0  # new + open tickets when read (the count under the lock is in `loads`)
    last_assigned: datetime.datetime | None = None
    barred: str = ""  # why a higher app keeps them off the program (core.routing_filters), or ""
    at_weekly_cap: bool = False


@dataclass(frozen=True)
class EscalationRuleRow:
    id: int
    ticket_type_id: int | None
    keyword: str


@dataclass(frozen=True)
class Policy:
    program_id: int
    escalation_rules: tuple[EscalationRuleRow, ...] = ()
    channels: frozenset[str] = frozenset()  # the channels freelancers take in the program (none set: any)
    exclude_ids: frozenset[int] = frozenset()  # freelancers this routing may not pick (a hand-back)
    explain_repeat_waits: bool = True  # False for the sweep: a ticket waiting again gets no new event


@dataclass(frozen=True)
class Decision:
    ticket_id: int
    freelancer_id: int | None
    queue: str
    reason: str
    first_time: bool = True
    record: bool = True  # write a timeline event (False: a repeat wait the sweep keeps quiet)
    load_before: int = 0  # of the chosen freelancer

    @property
    def waiting(self) -> bool:
        return self.queue == FREELANCER and self.freelancer_id is None


@dataclass(frozen=True)
class EligibilityRule:
    """One condition a freelancer must meet to take a ticket, and how a failure is counted when it waits."""

    name: str
    passes: Callable[[WaitingTicket, Candidate, datetime.datetime, Policy], bool]
    reason: Callable[[WaitingTicket, Candidate], str]


def language_matches(ticket_language: str, codes: Iterable[str]) -> bool:
    """'pt-br' is served by a 'pt-br' or a 'pt' speaker; 'pt' by 'pt' or any 'pt-…' speaker."""
    wanted = (ticket_language or "").lower()
    base = wanted.split("-")[0]
    return any(code in (wanted, base) or code.split("-")[0] == wanted for code in (c.lower() for c in codes))


def on_shift(candidate: Candidate, *, at: datetime.datetime, program_id: int) -> bool:
    return is_on_shift_rows(
        zone=candidate.zone, slots=candidate.slots, changes=candidate.changes, at=at, program_id=program_id
    )


ELIGIBILITY: list[EligibilityRule] = [
    EligibilityRule("active", lambda t, c, now, p: c.status == ACTIVE, lambda t, c: "not active"),
    EligibilityRule("tier", lambda t, c, now, p: c.tier >= t.tier, lambda t, c: f"below tier {t.tier}"),
    EligibilityRule(
        "language",
        lambda t, c, now, p: language_matches(t.language, c.language_codes),
        lambda t, c: f"no {t.language}",
    ),
    EligibilityRule(
        "channel",
        lambda t, c, now, p: not c.channels or t.channel in c.channels,
        lambda t, c: f"not taking {t.channel}",
    ),
    EligibilityRule(
        "skills", lambda t, c, now, p: t.required_skill_ids <= c.skill_ids, lambda t, c: "missing skills"
    ),
    EligibilityRule(
        "on shift",
        lambda t, c, now, p: on_shift(c, at=now, program_id=p.program_id),
        lambda t, c: "off shift",
    ),
    EligibilityRule("online", lambda t, c, now, p: c.online, lambda t, c: "not online"),
    EligibilityRule("not barred", lambda t, c, now, p: not c.barred, lambda t, c: c.barred),
]


def first_failed_rule(
    ticket: WaitingTicket, candidate: Candidate, *, now: datetime.datetime, policy: Policy
) -> EligibilityRule | None:
    for rule in ELIGIBILITY:
        if not rule.passes(ticket, candidate, now, policy):
            return rule
    return None


def eligible(
    ticket: WaitingTicket, candidates: Iterable[Candidate], *, now: datetime.datetime, policy: Policy
) -> list[Candidate]:
    return [
        c
        for c in candidates
        if c.id not in policy.exclude_ids and first_failed_rule(ticket, c, now=now, policy=policy) is None
    ]


def keyword_in(keyword: str, text: str) -> bool:
    keyword = keyword.strip()
    return bool(keyword) and re.search(r"(?<!\w)" + re.escape(keyword), text, re.IGNORECASE) is not None


def queue_for(ticket: WaitingTicket, policy: Policy) -> tuple[str, str]:
    """(queue, why) from the ticket type and the program's escalation rules."""
    if ticket.ticket_type_id is not None and not ticket.type_for_freelancers:
        return INHOUSE, f"ticket type “{ticket.type_name}” is not for freelancers"
    if policy.channels and ticket.channel not in policy.channels:
        return INHOUSE, f"channel “{ticket.channel}” is not one freelancers take in this program"
    if ticket.tier > 1 and ticket.ticket_type_id is None:
        # a tier above 1 reaches freelancers only through a ticket type the worksheet opens to them; then the
        # "tier" eligibility rule gives it to freelancers of that tier or more
        return INHOUSE, f"tier {ticket.tier} ticket without a ticket type open to freelancers"
    text = f"{ticket.subject}\n{ticket.body}"
    for rule in sorted(policy.escalation_rules, key=lambda r: r.id):
        if rule.ticket_type_id and rule.ticket_type_id == ticket.ticket_type_id:
            return INHOUSE, f"escalation rule: ticket type “{ticket.type_name}”"
        if rule.keyword and keyword_in(rule.keyword, text):
            return INHOUSE, f"escalation rule: keyword “{rule.keyword}”"
    return FREELANCER, f"tier {ticket.tier}"


def _describe(why_not: Counter) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in why_not.most_common()) or "none queue-ready"


def why_waiting(
    ticket: WaitingTicket,
    candidates: Sequence[Candidate],
    loads: Mapping[int, int],
    *,
    now: datetime.datetime,
    policy: Policy,
) -> str:
    """Why nobody takes the ticket: the first eligibility rule each freelancer fails, or, when some are
    eligible, what keeps them from taking more (weekly hour cap, full)."""
    considered = [c for c in candidates if c.id not in policy.exclude_ids]
    fits = eligible(ticket, considered, now=now, policy=policy)
    why_not: Counter = Counter()
    if not fits:
        for candidate in considered:
            rule = first_failed_rule(ticket, candidate, now=now, policy=policy)
            if rule is not None:
                why_not[rule.reason(ticket, candidate)] += 1
        return f"no eligible freelancer ({len(considered)} queue-ready: {_describe(why_not)})"
    capped = len([c for c in fits if c.at_weekly_cap])
    if capped:
        why_not["at weekly hour cap"] = capped
    if len(fits) - capped:
        why_not["full"] = len(fits) - capped
    return f"no eligible freelancer with room ({len(fits)} checked: {_describe(why_not)})"


def may_take_more(candidates: Iterable[Candidate]) -> list[int]:
    """Ids of the candidates worth locking: under their weekly cap and, as read, with room."""
    return sorted(c.id for c in candidates if not c.at_weekly_cap and c.load < c.max_open_tickets)


def decide(
    tickets: Sequence[WaitingTicket],
    candidates: Sequence[Candidate],
    loads: Mapping[int, int],
    now: datetime.datetime,
    policy: Policy,
    *,
    limits: Mapping[int, int] | None = None,
) -> list[Decision]:
    """One decision per ticket: the in-house queue (by type, tier or escalation rule), or the least loaded
    eligible freelancer with room (then the one idle longest, then the lowest id), most urgent ticket first,
    or waiting, with the reason.

    `loads` ({freelancer_id: new + open tickets}) holds the freelancers locked for this routing, counted under
    the locks; a candidate not in it is not given a ticket. `limits` their max_open_tickets read under the
    locks (the candidates' own by default)."""
    limits = dict(limits or {})
    load = dict(loads)
    last = {c.id: c.last_assigned for c in candidates}
    decisions: dict[int, Decision] = {}
    to_freelancers = []
    for ticket in tickets:
        if ticket.first_time:
            queue, why = queue_for(ticket, policy)
            if queue == INHOUSE:
                decisions[ticket.id] = Decision(ticket.id, None, INHOUSE, why, first_time=True)
                continue
        to_freelancers.append(ticket)
    pools: dict[tuple, list[Candidate]] = {}
    explained: dict[tuple, str] = {}
    for ticket in sorted(to_freelancers, key=lambda t: (t.due, t.id)):
        if ticket.kind not in pools:
            pools[ticket.kind] = [
                c for c in eligible(ticket, candidates, now=now, policy=policy) if not c.at_weekly_cap
            ]
        pool = [
            c
            for c in pools[ticket.kind]
            if c.id in load and load[c.id] < limits.get(c.id, c.max_open_tickets)
        ]
        if pool:
            chosen = min(pool, key=lambda c: (load[c.id], last[c.id] or NEVER, c.id))
            before, idle_since = load[chosen.id], last[chosen.id]
            load[chosen.id] += 1
            last[chosen.id] = now
            idle = (
                "never assigned before"
                if idle_since is None
                else f"idle {_elapsed(now - idle_since)} since their last assignment"
            )
            why = (
                f"least loaded ({before} open of {limits.get(chosen.id, chosen.max_open_tickets)}), {idle}; "
                f"{len(pool)} eligible with room"
            )
            decisions[ticket.id] = Decision(
                ticket.id, chosen.id, FREELANCER, why, first_time=ticket.first_time, load_before=before
            )
            continue
        record = ticket.first_time or policy.explain_repeat_waits
        why = ""
        if record:
            if ticket.kind not in explained:
                explained[ticket.kind] = why_waiting(ticket, candidates, load, now=now, policy=policy)
            why = explained[ticket.kind]
        decisions[ticket.id] = Decision(
            ticket.id, None, FREELANCER, why, first_time=ticket.first_time, record=record
        )
    return [decisions[t.id] for t in tickets]


__all__ = [
    "Candidate",
    "Decision",
    "ELIGIBILITY",
    "EligibilityRule",
    "EscalationRuleRow",
    "Policy",
    "WaitingTicket",
    "decide",
    "eligible",
    "language_matches",
    "queue_for",
    "why_waiting",
]
