import datetime
from decimal import Decimal

import pytest

from contracts.models import RateChange
from dashboard.periods import Period
from payments.models import TimeEntry
from programs.models import SuccessMetric
from queues.models import Ticket
from reviews.models import CsatSurvey
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.dashboard.factories import (
    CsatSurveyFactory,
    NpsInvitationFactory,
    NpsRoundFactory,
    ReviewFactory,
    at,
    ticket,
)
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import (
    BudgetFactory,
    ProgramFactory,
    ProgramScheduleFactory,
    SuccessMetricFactory,
)

FIRST, LAST = datetime.date(2026, 3, 2), datetime.date(2026, 3, 8)  # a Monday to Sunday
PERIOD_QUERY = "period=custom&start=2026-03-02&end=2026-03-08"


@pytest.fixture
def manager(db):
    return ManagerFactory(email="maya@example.test")


@pytest.fixture
def program(manager):
    program = ProgramFactory(
        slug="support", name="Support", time_zone="UTC", currency="USD", managers=[manager]
    )
    BudgetFactory(
        program=program,
        planned_hourly_rate=Decimal("20.00"),
        platform_fee_percent=Decimal("10"),
        inhouse_monthly_cost=Decimal("5200.00"),
        monthly_budget=Decimal("3000.00"),
    )
    ProgramScheduleFactory(
        program=program, hours_per_week=Decimal("20"), freelancers_needed=2, tickets_per_week=100
    )
    return program


@pytest.fixture
def period():
    return Period(key="custom", first_day=FIRST, last_day=LAST, zone=datetime.UTC, label="2–8 Mar 2026")


@pytest.fixture
def worked_week(program):
    """Hand-made numbers for 2–8 March 2026 (and one ticket and hour in the week before).

    Tickets: T1, T2 solved by Ana; T3 escalated by her; T4 waiting; T5 the week before; T6 the week after.
    First responses 1800 s (met), 7200 s (missed), 600 s (met); resolutions 7200 s and 86400 s.
    Time: 4 h on 3 March at 20.00, 2.5 h on 6 March at 24.00 (rate change on 5 March), a draft that does not
    count, 1 h on 26 February. QA 80 and 90; CSAT 3 good 1 bad; NPS answers 10, 9, 7, 3.
    """
    contract = ContractFactory(
        program=program,
        hourly_rate=Decimal("20.00"),
        currency="USD",
        start_date=datetime.date(2026, 1, 1),
        freelancer__legal_name="Ana Reyes",
    )
    ana = contract.freelancer
    RateChange.objects.create(
        contract=contract,
        effective_date=datetime.date(2026, 3, 5),
        hourly_rate=Decimal("24.00"),
        reason=RateChange.Reason.EVALUATION,
    )
    solved = {"status": Ticket.Status.SOLVED, "assignee": ana}
    t1 = ticket(
        program,
        "2026-03-02",
        hour=10,
        first_response_at=at("2026-03-02", 10, 30),
        first_response_seconds=1800,
        first_response_met=True,
        first_responder=ana.user,
        solved_at=at("2026-03-02", 12),
        resolution_seconds=7200,
        **solved,
    )
    t2 = ticket(
        program,
        "2026-03-03",
        first_response_at=at("2026-03-03", 11),
        first_response_seconds=7200,
        first_response_met=False,
        first_responder=ana.user,
        solved_at=at("2026-03-04", 9),
        resolution_seconds=86400,
        **solved,
    )
    ticket(
        program,
        "2026-03-04",
        hour=8,
        first_response_at=at("2026-03-04", 8, 10),
        first_response_seconds=600,
        first_response_met=True,
        first_responder=ana.user,
        escalated_at=at("2026-03-04", 9),
        escalated_by=ana,
        escalation_reason="billing",
        queue=Ticket.Queue.INHOUSE,
        status=Ticket.Status.OPEN,
    )
    ticket(program, "2026-03-05", status=Ticket.Status.NEW)
    ticket(
        program,
        "2026-02-25",
        first_response_at=at("2026-02-25", 10),
        first_response_seconds=3600,
        first_response_met=True,
        first_responder=ana.user,
        solved_at=at("2026-02-25", 11),
        **solved,
    )
    ticket(program, "2026-03-09", status=Ticket.Status.NEW)
    for day, hours, status in [
        ("2026-03-03", "4.00", TimeEntry.Status.APPROVED),
        ("2026-03-06", "2.50", TimeEntry.Status.SUBMITTED),
        ("2026-03-04", "8.00", TimeEntry.Status.DRAFT),
        ("2026-02-26", "1.00", TimeEntry.Status.APPROVED),
    ]:
        TimeEntryFactory(
            contract=contract, date=datetime.date.fromisoformat(day), hours=Decimal(hours), status=status
        )
    reviewer = UserFactory()
    ReviewFactory(
        ticket=t1, freelancer=ana, reviewer=reviewer, score=Decimal("80"), submitted_at=at("2026-03-03")
    )
    ReviewFactory(
        ticket=t2, freelancer=ana, reviewer=reviewer, score=Decimal("90"), submitted_at=at("2026-03-06")
    )
    for index, rating in enumerate(["good", "good", "good", "bad"]):
        solved_ticket = (
            t1
            if index == 0
            else ticket(program, "2026-03-02", solved_at=at("2026-03-03"), status=Ticket.Status.CLOSED)
        )
        CsatSurveyFactory(ticket=solved_ticket, freelancer=ana if index < 2 else None, rating=rating)
    nps_round = NpsRoundFactory(program=program, week_start=FIRST)
    for score in [10, 9, 7, 3]:
        NpsInvitationFactory(round=nps_round, score=score)
    metrics = {}
    for position, (kind, direction, target) in enumerate(
        [
            (SuccessMetric.Kind.SLA_ATTAINMENT, "at_least", "90"),
            (SuccessMetric.Kind.FIRST_RESPONSE, "at_most", "1"),
            (SuccessMetric.Kind.CSAT, "at_least", "80"),
            (SuccessMetric.Kind.QA_SCORE, "at_least", "85"),
            (SuccessMetric.Kind.NPS, "at_least", "40"),
            (SuccessMetric.Kind.ESCALATION_RATE, "at_most", "31"),
            (SuccessMetric.Kind.COST_PER_TICKET, "at_most", "50"),
            (SuccessMetric.Kind.BACKLOG, "at_most", "2"),
            (SuccessMetric.Kind.OTHER, "at_least", "1"),
        ]
    ):
        metrics[kind] = SuccessMetricFactory(
            program=program,
            kind=kind,
            direction=direction,
            target=Decimal(target),
            label=str(SuccessMetric.Kind(kind).label),
            position=position,
        )
    return {"ana": ana, "contract": contract, "metrics": metrics, "csat_model": CsatSurvey}
