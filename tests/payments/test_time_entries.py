import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.hours import hours_worked_in_week
from contracts.models import Contract
from contracts.selectors import freelancers_at_weekly_cap
from core.errors import TransitionNotAllowed
from payments.errors import PaymentsError
from payments.models import Adjustment, PayPeriod, TimeEntry
from payments.services import (
    pay_period_close,
    time_entries_approve_week,
    time_entries_submit,
    time_entry_approve,
    time_entry_create,
    time_entry_send_back,
    time_entry_update,
    timer_start,
    timer_stop,
)
from payments.services.time_entries import timer_hours
from tests.contracts.factories import ContractFactory
from tests.payments.factories import TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().date()


def log(freelancer, program, hours, day=None, **kwargs):
    return time_entry_create(
        freelancer=freelancer, program=program, date=day or today(), hours=hours, **kwargs
    )


def test_logging_time_makes_a_draft_in_the_open_period(freelancer, program, contract):
    entry = log(freelancer, program, "1.75", note="Inbox")
    assert entry.status == TimeEntry.Status.DRAFT
    assert entry.hours == Decimal("1.75")
    assert entry.contract == contract
    assert entry.period.start_date <= today() <= entry.period.end_date
    assert entry.period.status == PayPeriod.Status.OPEN


@pytest.mark.parametrize(
    "hours,message",
    [
        ("-1", "cannot be negative"),
        ("0", "more than zero"),
        ("1.1", "quarter hours"),
        ("24.25", "at most 24"),
    ],
)
def test_bad_hours_are_refused_and_nothing_is_saved(freelancer, program, contract, hours, message):
    with pytest.raises(PaymentsError, match=message) as info:
        log(freelancer, program, hours)
    assert info.value.field == "hours"
    assert TimeEntry.objects.count() == 0


def test_more_than_24_hours_in_a_day_across_entries_and_programs_is_refused(freelancer, program, contract):
    other = ProgramFactory()
    ContractFactory(program=other, freelancer=freelancer, start_date=datetime.date(2020, 1, 1))
    log(freelancer, program, "16")
    log(freelancer, other, "8")
    with pytest.raises(PaymentsError, match="at most 24 hours across all entries"):
        log(freelancer, program, "0.25")
    assert TimeEntry.objects.count() == 2


def test_no_active_contract_means_no_time(freelancer, program, contract):
    contract.status = Contract.Status.ENDED
    contract.save()
    with pytest.raises(PaymentsError, match="no active contract") as info:
        log(freelancer, program, "1")
    assert info.value.field == "program"
    assert not TimeEntry.objects.exists()


def test_a_program_of_someone_else_is_refused(freelancer, contract):
    with pytest.raises(PaymentsError, match="no active contract"):
        log(freelancer, ProgramFactory(), "1")


def test_a_day_in_a_closed_period_is_refused(freelancer, program, contract, anchor):
    day = anchor + datetime.timedelta(days=2)
    first = log(freelancer, program, "1", day=day)
    pay_period_close(period=first.period)
    with pytest.raises(PaymentsError, match="closed pay period"):
        log(freelancer, program, "1", day=day)
    with pytest.raises(PaymentsError, match="closed pay period"):
        time_entry_update(entry=first, freelancer=freelancer, hours="2")
    first.refresh_from_db()
    assert first.hours == Decimal("1.00")
    assert TimeEntry.objects.count() == 1


def test_future_days_are_refused(freelancer, program, contract):
    with pytest.raises(PaymentsError, match="not come yet"):
        log(freelancer, program, "1", day=today() + datetime.timedelta(days=2))


def test_estimates_are_for_non_ticket_tasks(freelancer, program, contract):
    entry = log(freelancer, program, "2", activity="training", estimated_hours="1.5")
    assert entry.estimated_hours == Decimal("1.5")
    with pytest.raises(Exception, match="non-ticket"):
        log(freelancer, program, "1", activity="tickets", estimated_hours="1")


def test_hours_above_the_weekly_cap_are_flagged(freelancer, program, contract, anchor):
    monday = anchor + datetime.timedelta(days=14)
    contract.weekly_hour_cap = Decimal("20")
    contract.save()
    first = log(freelancer, program, "12", day=monday)
    second = log(freelancer, program, "8", day=monday + datetime.timedelta(days=1))
    third = log(freelancer, program, "0.25", day=monday + datetime.timedelta(days=2))
    assert (first.over_cap, second.over_cap, third.over_cap) == (False, False, True)


def test_the_weekly_hours_provider_feeds_the_contracts_cap_check(freelancer, program, contract, anchor):
    monday = anchor + datetime.timedelta(days=14)
    log(freelancer, program, "20", day=monday)
    log(freelancer, program, "9.5", day=monday + datetime.timedelta(days=1))
    sent_back = log(freelancer, program, "4", day=monday + datetime.timedelta(days=2), submit=True)
    time_entry_send_back(entry=sent_back, sent_back_by=None, comment="wrong day")
    log(freelancer, program, "5", day=monday + datetime.timedelta(days=7))  # next week

    assert hours_worked_in_week(program_id=program.pk, freelancer_ids=[freelancer.pk], day=monday) == {
        freelancer.pk: Decimal("29.50")
    }
    assert (
        freelancers_at_weekly_cap(program_id=program.pk, freelancer_ids=[freelancer.pk], on=monday) == set()
    )
    log(freelancer, program, "0.5", day=monday + datetime.timedelta(days=3))
    assert freelancers_at_weekly_cap(program_id=program.pk, freelancer_ids=[freelancer.pk], on=monday) == {
        freelancer.pk
    }


def test_submit_then_approve_or_send_back_with_a_comment(freelancer, program, contract, manager):
    a = log(freelancer, program, "1")
    b = log(freelancer, program, "2")
    assert time_entries_submit(freelancer=freelancer, week_start=today()) == 2
    a.refresh_from_db()
    assert a.status == TimeEntry.Status.SUBMITTED

    time_entry_approve(entry=a, approved_by=manager)
    with pytest.raises(PaymentsError, match="comment is required"):
        time_entry_send_back(entry=b, sent_back_by=manager, comment="  ")
    b.refresh_from_db()
    assert b.status == TimeEntry.Status.SUBMITTED
    time_entry_send_back(entry=b, sent_back_by=manager, comment="Which tickets?")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.reviewed_by) == (TimeEntry.Status.APPROVED, manager)
    assert (b.status, b.review_comment) == (TimeEntry.Status.SENT_BACK, "Which tickets?")
    # the freelancer fixes it and submits again
    time_entry_update(entry=b, freelancer=freelancer, note="#12, #13")
    assert time_entries_submit(freelancer=freelancer, week_start=today()) == 1


def test_approved_entries_cannot_be_edited_and_drafts_cannot_be_approved(
    freelancer, program, contract, manager
):
    entry = log(freelancer, program, "1", submit=True)
    time_entry_approve(entry=entry, approved_by=manager)
    with pytest.raises(PaymentsError, match="can no longer be edited"):
        time_entry_update(entry=entry, freelancer=freelancer, hours="5")
    draft = log(freelancer, program, "1")
    with pytest.raises(TransitionNotAllowed, match="cannot move"):
        time_entry_approve(entry=draft, approved_by=manager)


def test_approve_week_leaves_over_cap_entries_for_a_look_of_their_own(
    freelancer, program, contract, manager, anchor
):
    monday = anchor + datetime.timedelta(days=28)
    if monday > today():
        pytest.skip("needs a past Monday")
    normal = TimeEntryFactory(contract=contract, date=monday, status=TimeEntry.Status.SUBMITTED)
    flagged = TimeEntryFactory(
        contract=contract, date=monday, status=TimeEntry.Status.SUBMITTED, over_cap=True
    )
    approved, skipped = time_entries_approve_week(
        program=program, freelancer=freelancer, week_start=monday, approved_by=manager
    )
    assert (approved, skipped) == (1, 1)
    normal.refresh_from_db()
    flagged.refresh_from_db()
    assert normal.status == TimeEntry.Status.APPROVED
    assert flagged.status == TimeEntry.Status.SUBMITTED
    assert time_entries_approve_week(
        program=program, freelancer=freelancer, week_start=monday, approved_by=manager, include_over_cap=True
    ) == (1, 0)


def test_late_approval_in_a_closed_period_becomes_a_correction(
    freelancer, program, contract, manager, anchor
):
    day = anchor + datetime.timedelta(days=3)
    entry = TimeEntryFactory(
        contract=contract, date=day, hours=Decimal("2.5"), status=TimeEntry.Status.SUBMITTED
    )
    pay_period_close(period=entry.period)

    time_entry_approve(entry=entry, approved_by=manager)

    entry.refresh_from_db()
    correction = entry.correction
    assert correction.kind == Adjustment.Kind.CORRECTION
    assert correction.amount == Decimal("50.00")
    assert correction.payout is None and correction.period is None


def test_timer_rounds_to_quarter_hours_and_logs_a_draft(freelancer, program, contract):
    start = timezone.now()
    assert timer_hours(start, start + datetime.timedelta(minutes=5)) == Decimal("0.25")
    assert timer_hours(start, start + datetime.timedelta(minutes=52)) == Decimal("0.75")
    assert timer_hours(start, start + datetime.timedelta(minutes=53)) == Decimal("1.00")
    timer = timer_start(freelancer=freelancer, program=program, activity="meeting")
    with pytest.raises(PaymentsError, match="already running"):
        timer_start(freelancer=freelancer, program=program)
    timer.started_at = timezone.now() - datetime.timedelta(minutes=40)
    timer.save()
    entry = timer_stop(freelancer=freelancer)
    assert (entry.hours, entry.activity, entry.status) == (Decimal("0.75"), "meeting", TimeEntry.Status.DRAFT)
    with pytest.raises(PaymentsError, match="No timer"):
        timer_stop(freelancer=freelancer)
