"""queues.routing_rules.decide without a database: plain rows in, decisions with their reasons out."""

import datetime
import zoneinfo

from queues.routing_rules import (
    ELIGIBILITY,
    FREELANCER,
    INHOUSE,
    Candidate,
    EscalationRuleRow,
    Policy,
    WaitingTicket,
    decide,
)

NOW = datetime.datetime(2026, 3, 4, 14, 0, tzinfo=datetime.UTC)  # a Wednesday
ALL_WEEK = tuple((day, 0, 24 * 60, None) for day in range(7))
POLICY = Policy(program_id=1)


def person(id: int, **kwargs) -> Candidate:
    kwargs.setdefault("slots", ALL_WEEK)
    return Candidate(id=id, **kwargs)


def ticket(id: int, **kwargs) -> WaitingTicket:
    return WaitingTicket(id=id, program_id=1, **kwargs)


def test_the_least_loaded_then_idle_longest_then_lowest_id_wins():
    a, b, c = person(1), person(2, last_assigned=NOW - datetime.timedelta(hours=1)), person(3)
    decisions = decide([ticket(10), ticket(11), ticket(12)], [a, b, c], {1: 1, 2: 0, 3: 0}, NOW, POLICY)
    # 3 has never been assigned (idle longest), then 2 (0 open), then 1 (the oldest last assignment of the three)
    assert [d.freelancer_id for d in decisions] == [3, 2, 1]
    assert decisions[0].reason == "least loaded (0 open of 5), never assigned before; 3 eligible with room"
    # the reasons name how long someone was idle, never a date in no one's time zone or format
    assert decisions[1].reason == (
        "least loaded (0 open of 5), idle 1 h since their last assignment; 3 eligible with room"
    )


def test_idle_time_reads_as_a_span():
    from queues.routing_rules import _elapsed

    spans = [
        datetime.timedelta(seconds=s)
        for s in (20, 5 * 60, 2 * 3600 + 5 * 60, 26 * 3600, 3 * 86400 + 4 * 3600)
    ]
    assert [_elapsed(span) for span in spans] == [
        "under a minute",
        "5 min",
        "2 h 5 min",
        "1 day 2 h",
        "3 days 4 h",
    ]


def test_the_most_urgent_ticket_is_served_first_when_room_is_short():
    late = ticket(2, due=NOW - datetime.timedelta(minutes=5))
    decisions = decide([ticket(1, due=NOW), late], [person(7, max_open_tickets=1)], {7: 0}, NOW, POLICY)
    assert {d.ticket_id: d.freelancer_id for d in decisions} == {1: None, 2: 7}
    assert decisions[0].reason == "no eligible freelancer with room (1 checked: 1 full)"


def test_a_freelancer_not_locked_for_this_routing_gets_nothing():
    assert decide([ticket(1)], [person(7)], {}, NOW, POLICY)[0].freelancer_id is None


def test_type_tier_and_escalation_rules_send_tickets_in_house():
    policy = Policy(program_id=1, escalation_rules=(EscalationRuleRow(1, None, "chargeback"),))
    found = decide(
        [
            ticket(1, tier=2),
            ticket(2, ticket_type_id=5, type_name="Legal", type_for_freelancers=False),
            ticket(3, body="A CHARGEBACK!"),
            ticket(4, body="xchargeback"),
        ],
        [person(7)],
        {7: 0},
        NOW,
        policy,
    )
    assert [(d.queue, d.reason) for d in found] == [
        (INHOUSE, "tier 2 ticket without a ticket type open to freelancers"),
        (INHOUSE, "ticket type “Legal” is not for freelancers"),
        (INHOUSE, "escalation rule: keyword “chargeback”"),
        (FREELANCER, found[3].reason),
    ]
    assert found[3].freelancer_id == 7


def test_a_typed_tier2_ticket_goes_to_a_tier2_freelancer_and_an_unsupported_channel_in_house():
    policy = Policy(program_id=1, channels=frozenset({"email", "chat"}))
    found = decide(
        [ticket(1, tier=2, ticket_type_id=5, type_name="Refunds"), ticket(2, channel="phone")],
        [person(7), person(8, tier=2)],
        {7: 0, 8: 0},
        NOW,
        policy,
    )
    assert [(d.queue, d.freelancer_id) for d in found] == [(FREELANCER, 8), (INHOUSE, None)]
    assert found[1].reason == "channel “phone” is not one freelancers take in this program"


def test_the_waiting_reason_counts_the_first_rule_each_freelancer_fails():
    skilled = frozenset({9})
    people = [
        person(1, status="away", skill_ids=skilled),
        person(2, tier=0, skill_ids=skilled),
        person(3, language_codes=frozenset({"es"}), skill_ids=skilled),
        person(4, skill_ids=frozenset()),
        person(5, slots=(), skill_ids=skilled),
        person(6, barred="no Zendesk user", skill_ids=skilled),
        person(7, slots=(), status="away"),  # the first rule failed is the one counted
    ]
    decision = decide(
        [ticket(1, required_skill_ids=frozenset({9}), language="en")],
        people,
        {p.id: 0 for p in people},
        NOW,
        POLICY,
    )[0]
    assert decision.waiting and decision.record
    assert decision.reason == (
        "no eligible freelancer (7 queue-ready: 2 not active, 1 below tier 1, 1 no en, "
        "1 missing skills, 1 off shift, 1 no Zendesk user)"
    )


def test_regional_language_and_shift_in_the_freelancers_own_zone():
    tokyo = person(
        1,
        zone=zoneinfo.ZoneInfo("Asia/Tokyo"),
        slots=((2, 9 * 60, 17 * 60, None),),
        language_codes=frozenset({"pt"}),
    )
    chicago = person(
        2,
        zone=zoneinfo.ZoneInfo("America/Chicago"),
        slots=((2, 7 * 60, 15 * 60, None),),
        language_codes=frozenset({"pt"}),
    )
    assert (
        decide([ticket(1, language="pt-br")], [tokyo, chicago], {1: 0, 2: 0}, NOW, POLICY)[0].freelancer_id
        == 2
    )


def test_weekly_cap_and_full_explain_a_wait_among_eligible_freelancers():
    decision = decide(
        [ticket(1)], [person(1, at_weekly_cap=True), person(2, max_open_tickets=1)], {2: 1}, NOW, POLICY
    )[0]
    assert decision.reason == "no eligible freelancer with room (2 checked: 1 at weekly hour cap, 1 full)"


def test_a_repeat_wait_is_quiet_for_the_sweep_and_excluded_freelancers_are_not_counted():
    quiet = Policy(program_id=1, exclude_ids=frozenset({1}), explain_repeat_waits=False)
    again, first = decide([ticket(1, first_time=False), ticket(2)], [person(1)], {1: 0}, NOW, quiet)
    assert not again.record and again.freelancer_id is None
    assert first.record and first.reason == "no eligible freelancer (0 queue-ready: none queue-ready)"


def test_the_rules_are_one_ordered_list():
    assert [rule.name for rule in ELIGIBILITY] == [
        "active",
        "tier",
        "language",
        "channel",
        "skills",
        "on shift",
        "online",
        "not barred",
    ]
