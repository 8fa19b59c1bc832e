"""Journey g: the program's dashboard shows what happened in it. A compact version of the other journeys runs
through the services first (tickets in, answered, solved, escalated; a QA review; a CSAT answer; approved time;
applications to a posting), then the manager opens the dashboard and its tabs and reads the same numbers."""

import datetime
import re
import urllib.parse
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract
from payments.services import time_entry_approve, time_entry_create
from programs.models import SuccessMetric
from queues.models import Ticket
from queues.services import ticket_escalate, ticket_reply
from queues.services.intake import ticket_intake
from recruiting.models import Application
from reviews.services import csat_answer, csat_sweep, review_submit
from tests.e2e.helpers import nav
from tests.programs.factories import (
    BudgetFactory,
    ProgramFactory,
    ProgramScheduleFactory,
    QACriterionFactory,
    QAScorecardFactory,
    SuccessMetricFactory,
)
from tests.queues.factories import on_duty_freelancer
from tests.recruiting.factories import ApplicationFactory, PostingFactory


@pytest.fixture
def program(manager, mail):
    """Weekend Cover this month: three tickets for Nora (two solved, one escalated), a QA review of 75, one good
    CSAT answer, 4 approved hours at 20.00 (+10 % fee), and three applications, one of them hired."""
    today = timezone.now().date()
    program = ProgramFactory(name="Weekend Cover", slug="weekend-cover", managers=[manager], currency="USD")
    BudgetFactory(program=program, planned_hourly_rate=Decimal("20.00"), platform_fee_percent=Decimal("10"))
    ProgramScheduleFactory(program=program, hours_per_week=Decimal("20"), freelancers_needed=1)
    SuccessMetricFactory(program=program, kind=SuccessMetric.Kind.CSAT, label="CSAT", target=Decimal("90"))
    card = QAScorecardFactory(program=program, scale_max=4)
    accuracy = QACriterionFactory(scorecard=card, name="Accuracy", weight=1)
    tone = QACriterionFactory(scorecard=card, name="Tone", weight=1)
    nora = on_duty_freelancer(program, user__display_name="Nora Quinn", legal_name="Nora Quinn")
    Contract.objects.filter(freelancer=nora).update(start_date=today - datetime.timedelta(days=60))

    tickets = []
    for number, subject in enumerate(["Parcel lost", "Wrong size", "Double charge"], start=1):
        ticket, _ = ticket_intake(
            program=program,
            external_id=f"HD-{number}",
            subject=subject,
            body="Help, please.",
            requester_email=f"customer{number}@example.test",
            source=Ticket.Source.API,
        )
        tickets.append(Ticket.objects.get(pk=ticket.pk))  # as routing left it (after the intake's commit)
    assert all(t.assignee_id == nora.pk for t in tickets), [t.assignee_id for t in tickets]
    for ticket in tickets[:2]:
        ticket_reply(
            ticket=ticket,
            author=nora.user,
            body="Sorted, thank you.",
            status_after=Ticket.Status.SOLVED,
            freelancer=nora,
        )
    ticket_escalate(
        ticket=tickets[2], freelancer=nora, reason="billing", note="A refund for the billing team."
    )
    review_submit(
        ticket=Ticket.objects.get(pk=tickets[0].pk),
        reviewer=manager,
        ratings={accuracy.pk: "4", tone.pk: "2"},
    )
    assert csat_sweep(program_ids=[program.pk])["sent"] == 2
    link = urllib.parse.urlsplit(mail.link("customer1@example.test", contains="/survey/csat/"))
    token = link.path.rstrip("/").rsplit("/", 1)[1]
    csat_answer(token=token, rating="good")

    entry = time_entry_create(freelancer=nora, program=program, date=today, hours="4", submit=True)
    time_entry_approve(entry=entry, approved_by=manager)

    posting = PostingFactory(program=program)
    for stage in (Application.Stage.HIRED, Application.Stage.REJECTED, Application.Stage.APPLIED):
        ApplicationFactory(posting=posting, stage=stage)
    return program


def figure(page, label: str):
    """The big number of the stat box with this caption ("tickets in", "hired" …)."""
    caption = re.compile(rf"^[\d.,\s%—]*(USD\s*)?{re.escape(label)}")  # the figure, then its caption
    return page.locator("main .border.rounded").filter(has_text=caption).locator(".fs-4")


def cells(page, row_header: str):
    """The cells of the table row that starts with this text."""
    return (
        page.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=row_header, exact=True))
        .locator("td")
    )


def test_the_dashboard_and_its_tabs_show_the_programs_numbers(program, manager, log_in, check_page):
    page = log_in(manager)
    nav(page, "Programs")
    check_page(page)
    page.get_by_role("row").filter(has_text="Weekend Cover").get_by_role("link", name="Dashboard").click()
    check_page(page)
    expect(page.get_by_role("heading", level=1, name="Weekend Cover")).to_be_visible()
    expect(page.get_by_text("Showing Last 30 days")).to_be_visible()

    # Overview: the success metric against its target, and the period in numbers.
    csat = page.locator(".card-stat").filter(has=page.get_by_role("heading", name="CSAT"))
    expect(csat.locator(".display-6")).to_have_text("100 %")
    expect(csat).to_contain_text("on target · target at least (≥) 90 %")
    for label, shown in [
        ("tickets in", "3"),
        ("solved", "2"),
        ("first responses within SLA", "100.0 %"),
        ("backlog at the end", "1"),
        ("escalation rate", "33.3 %"),
        ("cost (USD)", "88.00"),
    ]:
        expect(figure(page, label)).to_have_text(shown)

    tabs = page.locator("main .nav-tabs")
    tabs.get_by_role("link", name="Freelancers").click()
    check_page(page)
    # Solved · first response (h) · SLA (%) · QA · CSAT (%) · escalation rate (%) · hours · cost per ticket · tier ·
    # contract: 2 solved, 1 escalated of 3; QA (4/4 + 2/4) / 2 = 75; 4 h × 20.00 + 10 % = 88.00 for 2 tickets.
    expect(cells(page, "Nora Quinn")).to_have_text(
        ["2", "0.00", "100.0", "75.0", "100.0", "33.3", "4.00", "44.00 USD", "Tier 1", "Active"]
    )

    tabs.get_by_role("link", name="Costs").click()
    check_page(page)
    expect(figure(page, "freelancer cost")).to_have_text("88.00 USD")
    expect(figure(page, "hours (submitted and approved)")).to_have_text("4.00")
    expect(figure(page, "tickets solved by freelancers")).to_have_text("2")
    expect(cells(page, "Freelancer pay (USD)")).to_have_text(["80.00", "0.00"])
    expect(cells(page, "Platform fee 10.00 % (USD)")).to_have_text(["8.00", "0.00"])
    expect(cells(page, "Cost per ticket (USD)")).to_have_text(["44.00", "—"])

    tabs.get_by_role("link", name="Recruiting funnel").click()
    check_page(page)
    expect(figure(page, "applications")).to_have_text("3")
    expect(figure(page, "hired")).to_have_text("1")
    expect(figure(page, "applied → hired")).to_have_text("33.3 %")
    # Applied · screening · trial · interview · offer · hired · rejected · withdrawn · total
    expect(
        page.get_by_role("region", name="Applications per stage now")
        .get_by_role("row")
        .filter(has_text="All postings")
        .locator("td")
    ).to_have_text(["1", "0", "0", "0", "0", "1", "1", "0", "3"])
