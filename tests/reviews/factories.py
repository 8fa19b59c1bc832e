import datetime

from django.utils import timezone

from programs.models import QACriterion, QAScorecard, Stakeholder, SupportPlan
from queues.models import Ticket, TicketMessage
from tests.accounts.factories import ManagerFactory
from tests.contracts.factories import ContractFactory
from tests.programs.factories import ProgramFactory
from tests.queues.factories import TicketFactory


def program_with_scorecard(
    *,
    scale_max=4,
    criteria=(("Tone", 2, False), ("Accuracy", 3, False), ("Escalated correctly", 1, True)),
    manager=None,
    **kwargs,
):
    """A program with a QA scorecard; returns (program, manager, [criteria])."""
    manager = manager or ManagerFactory()
    program = ProgramFactory(managers=[manager], **kwargs)
    scorecard = QAScorecard.objects.create(program=program, scale_max=scale_max)
    made = [
        QACriterion.objects.create(
            scorecard=scorecard, name=name, weight=weight, is_critical=critical, position=n
        )
        for n, (name, weight, critical) in enumerate(criteria)
    ]
    plan = SupportPlan.objects.create(program=program)
    plan.reviewers.set([manager])
    return program, manager, made


def solved_ticket(program, freelancer, *, solved_at=None, **kwargs):
    solved_at = solved_at or timezone.now() - datetime.timedelta(hours=2)
    return TicketFactory(
        program=program,
        assignee=freelancer,
        status=Ticket.Status.SOLVED,
        solved_at=solved_at,
        created_at=solved_at - datetime.timedelta(hours=1),
        last_assigned_at=solved_at - datetime.timedelta(hours=1),
        **kwargs,
    )


def answered_ticket(program, freelancer, **kwargs):
    """A solved ticket with the freelancer's reply: CSAT surveys only tickets whose answer reached the customer."""
    ticket = solved_ticket(program, freelancer, **kwargs)
    TicketMessage.objects.create(
        ticket=ticket,
        kind=TicketMessage.Kind.REPLY,
        author=freelancer.user,
        body="Here is what to do.",
        created_at=ticket.solved_at - datetime.timedelta(minutes=5),
    )
    return ticket


def contracted_freelancer(program, **kwargs):
    contract = ContractFactory(program=program, **kwargs)
    return contract.freelancer, contract


def stakeholder(program, email, receives_nps=True):
    return Stakeholder.objects.create(
        program=program, name=email.split("@")[0], email=email, receives_nps=receives_nps
    )
