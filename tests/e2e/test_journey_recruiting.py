"""Journey b: a posting; a candidate applies (phone, anonymous, a real PDF); a trial through its private link,
graded; an interview; the hire."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Freelancer
from contracts.models import Contract
from recruiting.models import Application
from tests.accounts.factories import LanguageFactory
from tests.e2e.conftest import alert, field, tiny_pdf
from tests.programs.factories import ProgramFactory, QACriterionFactory, QAScorecardFactory

CANDIDATE = "ana.reyes@example.test"


@pytest.fixture
def program(manager):
    LanguageFactory(code="en")
    LanguageFactory(code="es")
    program = ProgramFactory(name="Weekend Cover", slug="weekend-cover", managers=[manager])
    card = QAScorecardFactory(program=program, name="Weekend QA", scale_max=4)
    QACriterionFactory(scorecard=card, name="Accuracy", weight=2)
    QACriterionFactory(scorecard=card, name="Tone", weight=1)
    return program


def test_a_posting_a_candidate_a_trial_an_interview_and_the_hire(
    program, manager, log_in, visitor, mail, check_page, tmp_path
):
    page = log_in(manager)

    # The manager writes the posting and opens it.
    page.get_by_role("link", name="Recruiting", exact=True).click()
    check_page(page)
    page.get_by_role("link", name="New posting · Weekend Cover").click()
    check_page(page)
    field(page, "Title").fill("Weekend e-mail support")
    field(page, "Summary").fill("Answer customers' e-mails on Saturdays and Sundays.")
    field(page, "Screening questions").fill("Why do you like support work?")
    page.get_by_role("checkbox", name="English").check()
    field(page, "Pay min").fill("15")
    field(page, "Pay max").fill("22")
    page.get_by_role("button", name="Save and open for applications").click()
    expect(alert(page, "It is open for applications.")).to_be_visible()
    check_page(page)
    public_url = page.get_by_role("link", name="/apply/").get_attribute("href")

    # The candidate, on a phone, in a browser of their own.
    resume = tmp_path / "ana-reyes-cv.pdf"
    resume.write_bytes(tiny_pdf("Ana Reyes - CV"))
    candidate = visitor(phone=True)
    candidate.goto(public_url)
    check_page(candidate)
    field(candidate, "Full name").fill("Ana Reyes")
    field(candidate, "Email").fill(CANDIDATE)
    field(candidate, "Country (2-letter code)").fill("PH")
    field(candidate, "Time zone").select_option("Asia/Manila")
    candidate.get_by_role("checkbox", name="English").check()
    field(candidate, "Hourly rate you ask").fill("18")
    field(candidate, "Why do you like support work?").fill(
        "I like untangling problems; five years of e-mail support for a travel agency taught me patience."
    )
    field(candidate, "Resume").set_input_files(resume)
    candidate.get_by_role("button", name="Send my application").click()
    expect(candidate).to_have_url(re.compile(r"/thanks/$"))
    check_page(candidate)

    # The manager finds her on the board and moves her to screening there (htmx swaps the board).
    page.get_by_role("link", name="Board").first.click()
    check_page(page)
    card = page.locator("article.kanban-card", has_text="Ana Reyes")
    card.get_by_role("button", name="→ Screening").click()
    expect(page.locator("section[data-stage=screening]").get_by_text("Ana Reyes")).to_be_visible()
    check_page(page)
    page.locator("section[data-stage=screening]").get_by_role("link", name="Ana Reyes").click()
    check_page(page)
    expect(page.get_by_role("link", name="Download")).to_be_visible()  # the resume arrived

    # A paid trial task, sent with its private link.
    page.get_by_role("link", name="Send a trial task…").click()
    check_page(page)
    field(page, "Support questions").fill("Where is my order #1234?\n\nCan I change my delivery address?")
    page.get_by_role("button", name="Send a trial task").click()
    expect(alert(page, "Trial task sent.")).to_be_visible()
    check_page(page)

    trial_link = mail.link(CANDIDATE, contains="/trial/")
    candidate.goto(trial_link)
    check_page(candidate)
    field(candidate, "Question 1").fill(
        "Sorry for the wait! Your order left our warehouse today; here is the tracking link."
    )
    field(candidate, "Question 2").fill(
        "Of course: reply with the new address and I will update it before it ships."
    )
    candidate.get_by_role("button", name="Submit my answers").click()
    expect(candidate.get_by_role("heading", level=1)).to_be_visible()
    check_page(candidate)

    page.reload()
    check_page(page)
    page.get_by_role("link", name="Grade", exact=True).click()
    check_page(page)
    field(page, "Accuracy").select_option("4")
    field(page, "Tone").select_option("3")
    page.get_by_role("button", name="Save grade").click()
    expect(alert(page, "Trial graded:")).to_be_visible()
    check_page(page)

    # The interview: scheduled, then its scorecard.
    page.get_by_role("link", name="Schedule an interview…").click()
    check_page(page)
    when = timezone.localtime() + datetime.timedelta(days=2)
    field(page, "Date and time").fill(when.strftime("%Y-%m-%dT10:00"))
    field(page, "Video link").fill("https://meet.example.com/ana")
    field(page, "Questions").fill("Tell us about a hard customer.\nHow do you keep notes?")
    page.get_by_role("button", name="Schedule an interview").click()
    expect(alert(page, "Interview scheduled")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Fill in scorecard").click()
    check_page(page)
    field(page, "Tell us about a hard customer.").select_option("5")
    field(page, "How do you keep notes?").select_option("4")
    field(page, "Recommendation").select_option(index=1)
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(alert(page, "Interview scorecard saved.")).to_be_visible()
    check_page(page)

    # The offer and the hire.
    page.get_by_role("button", name="→ Offer").click()
    expect(alert(page, "Moved to Offer.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Hire…").click()
    check_page(page)
    field(page, "Hourly rate").fill("18")
    page.get_by_role("button", name="Hire", exact=True).click()
    expect(alert(page, "is hired.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Open the draft contract").click()
    check_page(page)

    application = Application.objects.get(email=CANDIDATE)
    assert application.stage == Application.Stage.HIRED
    assert application.resume and application.resume_content_type == "application/pdf"
    trial = application.trial_tasks.get()
    assert trial.status == "graded" and trial.score is not None
    assert application.interviews.get().recommendation
    freelancer = Freelancer.objects.get(user__email=CANDIDATE)
    assert Contract.objects.get(freelancer=freelancer).status == Contract.Status.DRAFT
    assert mail.link(CANDIDATE, contains="/accounts/invite/")  # the invitation to set a password
