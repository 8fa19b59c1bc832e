"""Journey e: a manager reviews a solved ticket against the program's QA scorecard, sends CSAT and NPS, and the
customer and the stakeholder answer through the links in their mail, on their phones, without an account."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from programs.models import Stakeholder
from queues.models import Ticket
from queues.services import ticket_reply
from reviews.models import CsatSurvey, NpsInvitation, Review
from tests.e2e.conftest import alert, field
from tests.e2e.helpers import nav
from tests.programs.factories import ProgramFactory, QACriterionFactory, QAScorecardFactory
from tests.queues.factories import TicketFactory, on_duty_freelancer

CUSTOMER = "ann@example.test"
STAKEHOLDER = "chris@customer.example"


@pytest.fixture
def ticket(manager):
    """A ticket of Weekend Cover the freelancer answered and solved (the program takes tickets by API)."""
    program = ProgramFactory(name="Weekend Cover", slug="weekend-cover", managers=[manager])
    card = QAScorecardFactory(program=program, name="Weekend QA", scale_max=4)
    QACriterionFactory(scorecard=card, name="Accuracy", weight=3, is_critical=True)
    QACriterionFactory(scorecard=card, name="Tone", weight=1)
    Stakeholder.objects.create(program=program, name="Chris Customer", email=STAKEHOLDER)
    freelancer = on_duty_freelancer(program, user__display_name="Nora Quinn")
    ticket = TicketFactory(
        program=program, assignee=freelancer, subject="Parcel lost", requester_email=CUSTOMER
    )
    ticket_reply(
        ticket=ticket,
        author=freelancer.user,
        body="A new parcel leaves today.",
        status_after=Ticket.Status.SOLVED,
        freelancer=freelancer,
    )
    return ticket


def test_a_qa_review_then_csat_and_nps_answered_through_their_links(
    ticket, manager, log_in, visitor, mail, check_page
):
    # The manager picks the solved ticket for review and scores it.
    page = log_in(manager)
    nav(page, "Quality")
    check_page(page)
    page.get_by_role("link", name="Pick any ticket for review").click()
    check_page(page)
    page.get_by_role("row").filter(has_text="Parcel lost").get_by_role("button", name="Review this").click()
    expect(alert(page, f"Ticket #{ticket.pk} picked for review.")).to_be_visible()
    check_page(page)
    expect(page.get_by_text("A new parcel leaves today.")).to_be_visible()
    page.get_by_label(re.compile(r"^Accuracy")).select_option("4")
    page.get_by_label(re.compile(r"^Tone")).select_option("2")
    page.get_by_label("Comment on tone").fill("Say sorry first.")
    field(page, "Overall comment (the freelancer sees it)").fill("Right answer, quickly.")
    page.get_by_role("button", name="Submit review", exact=True).click()
    # (3 × 4/4 + 1 × 2/4) / 4 = 87.5
    expect(alert(page, "Review saved: 87.50 / 100.")).to_be_visible()
    check_page(page)

    # CSAT for the solved ticket, and this week's NPS, sent now rather than by the schedule.
    nav(page, "Quality")
    check_page(page)
    page.locator(".nav-tabs").get_by_role("link", name="CSAT").click()
    check_page(page)
    page.get_by_role("button", name="Send CSAT for solved tickets now").click()
    expect(alert(page, "CSAT surveys sent for 1 solved ticket of Weekend Cover.")).to_be_visible()
    check_page(page)
    page.locator(".nav-tabs").get_by_role("link", name="NPS").click()
    check_page(page)
    page.get_by_role("button", name="Send this week's NPS now").click()
    expect(alert(page, "This week's NPS question went to 1 stakeholder of Weekend Cover.")).to_be_visible()
    check_page(page)

    # The customer answers from the link in their mail, on a phone.
    customer = visitor(phone=True)
    # "How did we do? One click: Good: <link>?rating=good" — the page opens with that answer picked.
    good = mail.link(CUSTOMER, contains="?rating=good")
    assert "/survey/csat/" in good
    customer.goto(good)
    check_page(customer)
    expect(customer.get_by_text("About your request “Parcel lost” to Weekend Cover.")).to_be_visible()
    expect(customer.get_by_role("radio", name=re.compile("Good"))).to_be_checked()
    field(customer, "Anything you would like to add? (optional)").fill("Fast and kind.")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_role("heading", name="Thank you!")).to_be_visible()
    check_page(customer)

    # So does the stakeholder.
    stakeholder = visitor(phone=True)
    stakeholder.goto(mail.link(STAKEHOLDER, contains="/survey/nps/"))
    check_page(stakeholder)
    stakeholder.get_by_role("group", name="Score from 0 to 10").get_by_text("9", exact=True).click()
    field(stakeholder, "What is the main reason for your score? (optional)").fill("Weekends are covered now.")
    stakeholder.get_by_role("button", name="Send").click()
    expect(stakeholder.get_by_role("heading", name="Thank you!")).to_be_visible()
    check_page(stakeholder)

    # The manager's reports count both answers.
    page.reload()
    check_page(page)
    # Week of · invited · answered · response rate · promoters · passives · detractors · NPS
    expect(page.locator("table").first.locator("tbody tr").first.get_by_role("cell")).to_have_text(
        [re.compile(r"\w"), "1", "1", "100 %", "1", "0", "0", "100.0"]
    )
    expect(page.get_by_text("“Weekends are covered now.”")).to_be_visible()
    page.locator(".nav-tabs").get_by_role("link", name="CSAT").click()
    check_page(page)
    # Program · good · bad · CSAT · response rate
    expect(page.get_by_role("row").filter(has_text="Weekend Cover").first.get_by_role("cell")).to_have_text(
        ["Weekend Cover", "1", "0", "100.0 %", "100 %"]
    )
    expect(page.get_by_text("“Fast and kind.”")).to_be_visible()

    review = Review.objects.get(ticket=ticket)
    assert (review.reviewer, review.score) == (manager, Decimal("87.50"))
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment) == (CsatSurvey.Rating.GOOD, "Fast and kind.")
    invitation = NpsInvitation.objects.get(email=STAKEHOLDER)
    assert (invitation.score, invitation.comment) == (9, "Weekends are covered now.")
