"""Journey a: a support manager creates a program from nothing and fills in its whole worksheet."""

import datetime
import re

from playwright.sync_api import expect

from programs.models import Program
from tests.e2e.conftest import alert, field


def save_section(page, check_page, title: str):
    """Submit a section's form; it saves and goes back to the worksheet, at the section."""
    page.get_by_role("button", name=f"Save {title.lower()}").click()
    expect(alert(page, f"{title} saved.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/worksheet/#"))
    check_page(page)


def open_section(page, check_page, key: str, title: str):
    page.locator(f"#{key}").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    check_page(page)


def cell(page, name: str):
    """An input of a section's table (rows are formsets: <prefix>-<row>-<field>)."""
    return page.locator(f'[name="{name}"]')


def test_manager_creates_a_program_and_fills_its_worksheet(manager, log_in, check_page):
    queue_ready = datetime.date.today() + datetime.timedelta(days=60)

    page = log_in(manager)
    page.get_by_role("link", name="Programs", exact=True).first.click()
    check_page(page)
    page.get_by_role("link", name="Create your first program").click()
    check_page(page)

    field(page, "Name").fill("Weekend Cover")
    field(page, "Goal").select_option(label="Cover weekends")
    field(page, "Outcome").fill("Answer weekend e-mail within four hours.")
    page.get_by_role("button", name="Create program").click()
    expect(alert(page, "is created as a draft")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/manage/programs/weekend-cover/worksheet/"))
    check_page(page)

    # 2. Scope: channels, two ticket types, one rule that always escalates.
    open_section(page, check_page, "scope", "Scope of work")
    field(page, "Email").check()
    field(page, "Chat").check()
    cell(page, "types-0-name").fill("Order status")
    cell(page, "types-1-name").fill("Refunds")
    cell(page, "types-1-tier").select_option(label="Tier 2")
    save_section(page, check_page, "Scope of work")

    open_section(page, check_page, "scope", "Scope of work")
    cell(page, "rules-0-ticket_type").select_option(label="Refunds (tier 2)")
    cell(page, "rules-0-keyword").fill("chargeback")
    save_section(page, check_page, "Scope of work")

    # 3. When help is needed.
    open_section(page, check_page, "schedule", "When help is needed")
    field(page, "Hours per week per freelancer").fill("16")
    field(page, "Number of freelancers").fill("3")
    field(page, "Queue ready date").fill(queue_ready.isoformat())
    field(page, "Expected tickets per week").fill("400")
    field(page, "Average handle time (minutes)").fill("6")
    save_section(page, check_page, "When help is needed")

    # 4. Who you want.
    open_section(page, check_page, "candidates", "Who you want")
    field(page, "Mindset").fill("Patient, curious, writes clearly.")
    field(page, "Pay from (per hour)").fill("18")
    field(page, "Pay up to (per hour)").fill("24")
    field(page, "Interview questions").fill("Tell us about a hard customer.\nHow do you keep notes?")
    cell(page, "platforms-0-kind").select_option(label="Upwork")
    cell(page, "platforms-0-name").fill("Upwork customer support")
    save_section(page, check_page, "Who you want")

    # 5. How freelancers are supported: the reviewer, the QA scorecard and its criteria.
    open_section(page, check_page, "support", "How freelancers are supported")
    field(page, "Maria Manager").check()
    field(page, "Scorecard name").fill("Weekend QA")
    cell(page, "criteria-0-name").fill("Accuracy")
    cell(page, "criteria-0-weight").fill("2")
    cell(page, "criteria-0-is_critical").check()
    cell(page, "criteria-1-name").fill("Tone")
    cell(page, "criteria-1-weight").fill("1")
    save_section(page, check_page, "How freelancers are supported")

    # 6. Behind the scenes.
    open_section(page, check_page, "behind-the-scenes", "Behind the scenes")
    field(page, "Security measures").fill("SSO only; no customer data leaves the helpdesk.")
    field(page, "Escalation process").fill("Tag tier2 and leave an internal note.")
    cell(page, "tools-0-name").fill("Zendesk")
    cell(page, "tools-0-access_level").fill("Agent (light)")
    cell(page, "materials-0-title").fill("Weekend playbook")
    cell(page, "materials-0-url").fill("https://example.com/playbook")
    save_section(page, check_page, "Behind the scenes")

    # 7. What success looks like.
    open_section(page, check_page, "success", "What success looks like")
    cell(page, "metrics-0-kind").select_option(label="CSAT (%)")
    cell(page, "metrics-0-direction").select_option(label="at least (≥)")
    cell(page, "metrics-0-target").fill("90")
    cell(page, "metrics-1-kind").select_option(label="First response (hours)")
    cell(page, "metrics-1-direction").select_option(label="at most (≤)")
    cell(page, "metrics-1-target").fill("4")
    save_section(page, check_page, "What success looks like")

    # The extras: budget and stakeholders (the onboarding checklist came with the program).
    open_section(page, check_page, "budget", "Budget")
    field(page, "Planned freelancer rate (per hour)").fill("21")
    field(page, "In-house cost replaced (per month)").fill("6000")
    save_section(page, check_page, "Budget")

    open_section(page, check_page, "stakeholders", "Stakeholders")
    cell(page, "stakeholders-0-name").fill("Chris Customer")
    cell(page, "stakeholders-0-email").fill("Chris@Customer.example")
    save_section(page, check_page, "Stakeholders")

    # Every section is done, so the program can go live.
    expect(page.get_by_text("to do", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Activate").click()
    expect(alert(page, "is now active")).to_be_visible()
    check_page(page)

    program = Program.objects.get(slug="weekend-cover")
    assert program.status == Program.Status.ACTIVE
    assert program.channels == ["email", "chat"]
    assert sorted(program.ticket_types.values_list("name", flat=True)) == ["Order status", "Refunds"]
    assert program.escalation_rules.get().keyword == "chargeback"
    assert program.schedule.queue_ready_date == queue_ready
    assert program.candidate_profile.interview_questions == [
        "Tell us about a hard customer.",
        "How do you keep notes?",
    ]
    assert list(program.scorecard.criteria.order_by("name").values_list("name", "is_critical")) == [
        ("Accuracy", True),
        ("Tone", False),
    ]
    assert list(program.support_plan.reviewers.all()) == [manager]
    assert program.tools.get().name == "Zendesk"
    assert program.success_metrics.count() == 2
    assert program.budget.planned_hourly_rate == 21
    assert program.stakeholders.get().email == "chris@customer.example"
    assert program.onboarding_steps.exists()
