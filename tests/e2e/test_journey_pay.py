"""Journey f: the freelancer stops the timer of a late shift and logs its time, the manager approves it, runs the
payout of the pay period that just ended, reads the statement and marks it paid; the freelancer sees the payout
and its statement on a phone."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payments.models import Activity, Payout, PaySchedule, RunningTimer
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import alert, field
from tests.e2e.helpers import nav
from tests.payments.factories import PayoutDetailsFactory
from tests.programs.factories import ProgramFactory


def zone_just_past_midnight(now: datetime.datetime) -> str:
    """A time zone (whole hours, no daylight saving) where the day began less than an hour ago: a timer started
    half an hour before its midnight belongs to yesterday, a day of the pay period that ended at that midnight,
    whatever the hour the test runs at."""
    offset = -now.hour if now.hour <= 12 else 24 - now.hour  # local hour 0; Etc/GMT-3 is UTC+3
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def world(manager):
    """Weekend Cover, whose pay periods start today (so yesterday's period has ended), and a freelancer whose
    timer of yesterday's late shift is still running."""
    now = timezone.now()
    zone = zone_just_past_midnight(now)
    program = ProgramFactory(name="Weekend Cover", slug="weekend-cover", managers=[manager], time_zone=zone)
    today = now.astimezone(program.zone).date()
    PaySchedule.objects.create(program=program, anchor_date=today)
    user = UserFactory(
        email="nora@example.test", display_name="Nora Quinn", role="freelancer", time_zone=zone
    )
    freelancer = FreelancerFactory(user=user, legal_name="Nora Quinn", time_zone=zone)
    ContractFactory(
        program=program,
        freelancer=freelancer,
        start_date=today - datetime.timedelta(days=60),
        hourly_rate=Decimal("20.00"),
    )
    PayoutDetailsFactory(freelancer=freelancer, wise_email="nora@wise.example")
    midnight = datetime.datetime.combine(today, datetime.time(0), tzinfo=program.zone)
    RunningTimer.objects.create(
        freelancer=freelancer,
        program=program,
        activity=Activity.TICKETS,
        note="Saturday late shift",
        started_at=midnight - datetime.timedelta(minutes=30),
    )
    return program, freelancer, today - datetime.timedelta(days=1)


def test_time_from_the_timer_is_approved_run_paid_and_shown_on_the_statement(
    world, manager, log_in, mail, check_page
):
    program, freelancer, yesterday = world

    # The freelancer, on a phone, stops the timer; the time it logged is corrected to what they worked.
    page = log_in(freelancer.user, phone=True)
    nav(page, "Time")
    check_page(page)
    expect(page.get_by_text("Timer running")).to_be_visible()
    page.get_by_role("button", name="Stop & log").click()
    expect(alert(page, "Timer stopped:")).to_be_visible()
    check_page(page)
    entry_row = page.get_by_role("row").filter(has_text="Saturday late shift")
    expect(entry_row).to_contain_text("Draft")
    entry_row.get_by_role("link", name="Edit").click()
    check_page(page)
    expect(field(page, "Date")).to_have_value(yesterday.isoformat())
    field(page, "Hours").fill("2.5")
    page.get_by_role("button", name="Save").click()
    expect(alert(page, "Entry saved.")).to_be_visible()
    check_page(page)
    expect(page.get_by_role("row").filter(has_text="Saturday late shift")).to_contain_text("2.50")
    page.get_by_role("button", name="Submit week for approval").click()
    expect(alert(page, "Submitted 1 entries for approval.")).to_be_visible()
    check_page(page)

    # The manager approves the entry (in place), then runs the payout of the period that ended last night.
    desk = log_in(manager)
    nav(desk, "Payments")
    check_page(desk)
    desk.locator(".nav-tabs").get_by_role("link", name="Time approvals").click()
    check_page(desk)
    row = desk.get_by_role("row").filter(has_text="Saturday late shift")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_contain_text("Approved")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    check_page(desk)

    desk.locator(".nav-tabs").get_by_role("link", name="Runs").click()
    check_page(desk)
    field(desk, "Program").select_option(label="Weekend Cover")
    field(desk, "A day in the period").fill(yesterday.isoformat())
    desk.get_by_role("button", name="Start payout run").click()
    expect(alert(desk, "started")).to_be_visible()
    expect(desk.locator("#run-progress")).to_contain_text("1 payouts created", timeout=15_000)
    check_page(desk)
    desk.get_by_role("link", name="See the payouts").click()
    check_page(desk)
    desk.get_by_role("link", name="Nora Quinn").click()
    check_page(desk)
    statement = desk.locator(".col-lg-8")
    expect(statement).to_contain_text("2.50")
    expect(statement).to_contain_text("50.00")
    desk.get_by_role("button", name="Approve").click()
    check_page(desk)
    field(desk, "Paid on").fill(timezone.now().date().isoformat())
    field(desk, "Payment reference").fill("WISE-BATCH-42")
    desk.get_by_role("button", name="Mark paid & e-mail statement").click()
    check_page(desk)
    expect(desk.get_by_text(re.compile(r"Paid\. Statement (e-mailed|being sent)"))).to_be_visible()
    desk.get_by_role("link", name="Printable statement").click()
    check_page(desk)
    expect(desk.locator("main")).to_contain_text("50.00")

    # The freelancer sees it paid, and its statement.
    nav(page, "Payouts")
    check_page(page)
    paid = page.get_by_role("row").filter(has_text="Weekend Cover").filter(has_text="Paid")
    expect(paid).to_contain_text("50.00")
    paid.get_by_role("link", name="Statement").click()
    check_page(page)
    expect(page.locator("main")).to_contain_text("WISE-BATCH-42")

    payout = Payout.objects.get(freelancer=freelancer)
    assert (payout.status, payout.total, payout.payment_reference) == (
        Payout.Status.PAID,
        Decimal("50.00"),
        "WISE-BATCH-42",
    )
    assert payout.period.end_date == yesterday
    assert [m.subject for m in mail.to("nora@example.test")]  # the statement went out by e-mail
