"""Rates stay inside the program's pay range and ceiling unless confirmed with a reason, and a rate change
never silently differs from what was already paid."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.errors import RateChangeInPaidPeriod, RateOutOfRange
from contracts.models import Contract, RateChange
from contracts.services import (
    contract_create_draft,
    contract_update_draft,
    rate_change_create,
    rate_range_problem,
)
from core.models import AuditLog
from payments.earnings import earnings_for
from payments.models import Adjustment, Payout, PayoutLine, PayPeriod, TimeEntry
from payments.services import pay_period_for, payout_run_execute, payout_run_start, time_entry_approve
from programs.models import CandidateProfile
from tests.contracts.factories import ContractFactory
from tests.payments.factories import (
    ExchangeRateFactory,
    PayScheduleFactory,
    TimeEntryFactory,
    anchor_for_tests,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def profile(program):
    return CandidateProfile.objects.create(
        program=program, pay_min=Decimal("12.00"), pay_max=Decimal("18.00"), pay_currency="USD"
    )


def draft_kwargs(program, freelancer, manager, **overrides):
    kwargs = {
        "program": program,
        "freelancer": freelancer,
        "created_by": manager,
        "hourly_rate": Decimal("15.00"),
        "currency": "USD",
        "start_date": D(2026, 1, 5),
        "hours_per_week": Decimal("20"),
        "weekly_hour_cap": Decimal("25"),
    }
    return {**kwargs, **overrides}


# ------------------------------------------------------------------ the rule


def test_9999_usd_an_hour_is_refused_with_a_message_and_nothing_is_saved(
    program, freelancer, manager, profile
):
    with pytest.raises(RateOutOfRange) as error:
        contract_create_draft(**draft_kwargs(program, freelancer, manager, hourly_rate=Decimal("9999.00")))

    assert error.value.message.startswith(
        "9,999.00 USD per hour is above the program's pay range, which goes up to 18.00 USD."
    )
    assert error.value.field == "hourly_rate"
    assert not Contract.objects.exists()


def test_a_confirmation_needs_a_reason(program, freelancer, manager, profile):
    with pytest.raises(RateOutOfRange) as error:
        contract_create_draft(
            **draft_kwargs(
                program,
                freelancer,
                manager,
                hourly_rate=Decimal("9999.00"),
                confirm_out_of_range=True,
                out_of_range_reason="   ",
            )
        )
    assert error.value.field == "out_of_range_reason"
    assert not Contract.objects.exists()


def test_a_confirmed_rate_records_its_reason_on_the_contract_and_in_the_audit_log(
    program, freelancer, manager, profile
):
    contract = contract_create_draft(
        **draft_kwargs(
            program,
            freelancer,
            manager,
            hourly_rate=Decimal("24.00"),
            confirm_out_of_range=True,
            out_of_range_reason="Senior bilingual agent, agreed with finance.",
        )
    )

    assert contract.hourly_rate == Decimal("24.00")
    assert contract.out_of_range_reason == "Senior bilingual agent, agreed with finance."
    audit = AuditLog.objects.get(verb="contract.drafted")
    assert (
        audit.data["out_of_range"]
        == "24.00 USD per hour is above the program's pay range, which goes up to 18.00 USD"
    )
    assert audit.data["out_of_range_reason"] == "Senior bilingual agent, agreed with finance."


def test_a_rate_in_range_needs_nothing_and_records_no_reason(program, freelancer, manager, profile):
    contract = contract_create_draft(
        **draft_kwargs(
            program, freelancer, manager, hourly_rate=Decimal("18.00"), out_of_range_reason="ignored"
        )
    )
    assert contract.out_of_range_reason == ""


@pytest.mark.parametrize(
    "rate,problem",
    [
        (Decimal("11.99"), "11.99 USD per hour is below the program's pay range, which starts at 12.00 USD"),
        (Decimal("12.00"), ""),
        (Decimal("22.50"), ""),  # above "pay up to" but within the ceiling: raises may go there
        (Decimal("25.00"), ""),
        (Decimal("25.01"), "25.01 USD per hour is above the program's rate ceiling 25.00 USD"),
    ],
)
def test_the_ceiling_is_the_upper_bound_when_set(program, profile, rate, problem):
    profile.rate_ceiling = Decimal("25.00")
    profile.save()
    assert rate_range_problem(program=program, hourly_rate=rate, currency="USD") == problem


def test_a_rate_in_another_currency_is_compared_at_todays_exchange_rate(program, profile):
    ExchangeRateFactory(
        base_currency="EUR", quote_currency="USD", rate=Decimal("1.10000000"), on_date=timezone.now().date()
    )
    assert (
        rate_range_problem(program=program, hourly_rate=Decimal("16.00"), currency="EUR") == ""
    )  # 17.60 USD
    assert rate_range_problem(program=program, hourly_rate=Decimal("17.00"), currency="EUR") == (
        "17.00 EUR (about 18.70 USD) per hour is above the program's pay range, which goes up to 18.00 USD"
    )


def test_without_an_exchange_rate_a_rate_in_another_currency_needs_confirmation(program, profile):
    assert rate_range_problem(program=program, hourly_rate=Decimal("15.00"), currency="EUR") == (
        "The program's pay range is in USD and this rate is in EUR; there is no EUR→USD exchange rate to compare them"
    )


def test_a_program_without_a_pay_range_has_no_bounds_to_check(program):
    assert rate_range_problem(program=program, hourly_rate=Decimal("9999.00"), currency="USD") == ""


def test_the_ceiling_cannot_be_below_the_pay_range(program, profile):
    from django.core.exceptions import ValidationError

    profile.rate_ceiling = Decimal("17.00")
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "rate_ceiling" in error.value.message_dict


def test_editing_a_draft_applies_the_same_rule(program, freelancer, manager, profile):
    contract = contract_create_draft(**draft_kwargs(program, freelancer, manager))
    with pytest.raises(RateOutOfRange):
        contract_update_draft(contract=contract, actor=manager, hourly_rate=Decimal("9999.00"))
    contract.refresh_from_db()
    assert contract.hourly_rate == Decimal("15.00")
    contract_update_draft(
        contract=contract,
        actor=manager,
        hourly_rate=Decimal("19.00"),
        confirm_out_of_range=True,
        out_of_range_reason="Night shifts",
    )
    contract.refresh_from_db()
    assert (contract.hourly_rate, contract.out_of_range_reason) == (Decimal("19.00"), "Night shifts")


def test_a_rate_change_outside_the_range_is_refused_then_recorded_with_its_reason(program, manager, profile):
    contract = ContractFactory(program=program, hourly_rate=Decimal("15.00"), start_date=D(2026, 1, 1))
    with pytest.raises(RateOutOfRange):
        rate_change_create(
            contract=contract,
            effective_date=D(2026, 3, 2),
            hourly_rate=Decimal("9999.00"),
            reason=RateChange.Reason.EVALUATION,
            approved_by=manager,
        )
    assert not RateChange.objects.exists()

    change = rate_change_create(
        contract=contract,
        effective_date=D(2026, 3, 2),
        hourly_rate=Decimal("19.50"),
        reason=RateChange.Reason.PROMOTION,
        approved_by=manager,
        confirm_out_of_range=True,
        out_of_range_reason="Tier 2 promotion",
    )
    assert change.out_of_range_reason == "Tier 2 promotion"
    audit = AuditLog.objects.get(verb="contract.rate_changed")
    assert audit.data["out_of_range_reason"] == "Tier 2 promotion"
    assert audit.data["out_of_range"].startswith("19.50 USD per hour is above")


# ------------------------------------------------------------------ the forms


def test_the_create_form_refuses_9999_and_then_shows_the_confirmation(
    client, program, freelancer, manager, profile
):
    # an earlier, ended contract connects the freelancer to the program
    ContractFactory(
        program=program,
        freelancer=freelancer,
        status=Contract.Status.ENDED,
        start_date=D(2025, 1, 1),
        end_date=D(2025, 6, 30),
        ended_on=D(2025, 6, 30),
    )
    freelancer_data = {
        "program": program.pk,
        "freelancer": freelancer.pk,
        "role": "Tier-1 support agent",
        "start_date": "2026-01-05",
        "hourly_rate": "9999.00",
        "currency": "USD",
        "hours_per_week": "20",
        "weekly_hour_cap": "25",
        "nda_required": "on",
    }
    client.force_login(manager)
    page = client.get(reverse("contracts:contract_create"))
    assert 'type="hidden" name="confirm_out_of_range"' in page.content.decode()

    response = client.post(reverse("contracts:contract_create"), freelancer_data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "9,999.00 USD per hour is above the program&#x27;s pay range" in html
    assert 'type="checkbox" name="confirm_out_of_range"' in html
    assert not Contract.objects.filter(status=Contract.Status.DRAFT).exists()

    response = client.post(
        reverse("contracts:contract_create"),
        {
            **freelancer_data,
            "hourly_rate": "21.00",
            "confirm_out_of_range": "on",
            "out_of_range_reason": "Agreed with finance",
        },
    )
    assert response.status_code == 302
    assert Contract.objects.get(status=Contract.Status.DRAFT).out_of_range_reason == "Agreed with finance"


# ------------------------------------------------------------------ rate changes into paid work


@pytest.fixture
def paid(program, manager):
    """A contract at 15.33 USD/h with 6 × 4.25 h approved in period 1, whose payout exists and is paid."""
    anchor = anchor_for_tests()
    PayScheduleFactory(program=program, anchor_date=anchor)
    contract = ContractFactory(program=program, hourly_rate=Decimal("15.33"), start_date=D(2020, 1, 1))
    days = [anchor + datetime.timedelta(days=i) for i in range(14)]
    for day in days[:6]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("4.25"))
    period = PayPeriod.objects.get(program=program, start_date=anchor)
    run = payout_run_start(program=program, period=period, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get(period=period)
    assert payout.hours_amount == Decimal("390.92")  # 25.50 h × 15.33 = 390.915 → 390.92
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.PAID)
    return contract, days, period


def test_a_rate_change_into_a_paid_period_is_refused_naming_the_period(paid, manager):
    contract, days, period = paid
    with pytest.raises(RateChangeInPaidPeriod) as error:
        rate_change_create(
            contract=contract,
            effective_date=days[3],
            hourly_rate=Decimal("16.47"),
            reason=RateChange.Reason.CORRECTION,
            approved_by=manager,
        )

    label = f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}"
    assert error.value.message == (
        f"{days[3]:%d %b %Y} falls in work already paid out: pay period {label} (paid). "
        "Choose a later effective date, or confirm to pay the difference as a correction in the next payout."
    )
    assert error.value.field == "effective_date"
    assert not RateChange.objects.exists()
    assert not Adjustment.objects.exists()


def test_a_confirmed_change_into_a_paid_period_books_the_exact_difference_for_the_next_payout(paid, manager):
    contract, days, period = paid
    change = rate_change_create(
        contract=contract,
        effective_date=days[3],
        hourly_rate=Decimal("16.47"),
        reason=RateChange.Reason.CORRECTION,
        approved_by=manager,
        confirm_paid_period=True,
    )

    assert change.paid_period_confirmed
    correction = Adjustment.objects.get()
    # The period's lines under the new history: 12.75 h × 15.33 = 195.4575 → 195.46 and
    # 12.75 h × 16.47 = 209.9925 → 209.99, together 405.45; 390.92 was paid, so 14.53 more is due
    # (not 12.75 × 1.14 = 14.535 → 14.54, which would leave the statements a cent off the rate history).
    assert correction.amount == Decimal("14.53")
    assert correction.kind == Adjustment.Kind.CORRECTION
    assert correction.payout is None and correction.period is None  # the next run of the program pays it
    assert correction.reason == (
        f"Rate change to 16.47 USD/h from {days[3]:%d %b %Y}: 12.75 h already paid in "
        f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}"
    )
    entries = TimeEntry.objects.paid_by(Payout.objects.get(period=period))
    now_due = sum(e.amount for e in earnings_for(entries).values())
    assert Payout.objects.get(period=period).hours_amount + correction.amount == now_due == Decimal("405.45")
    audit = AuditLog.objects.get(verb="contract.rate_changed")
    assert audit.data["corrections"] == [
        {
            "period": f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}",
            "amount": "14.53",
            "adjustment": correction.pk,
        }
    ]

    # the next period's payout carries it as a line of the statement
    next_period = pay_period_for(program=period.program, day=period.start_date + datetime.timedelta(days=14))
    payout_run_execute(run_id=payout_run_start(program=period.program, period=next_period, enqueue=False).pk)
    line = PayoutLine.objects.get(payout__period=next_period, kind=PayoutLine.Kind.ADJUSTMENT)
    assert line.amount == Decimal("14.53")
    assert line.description.startswith("Correction: Rate change to 16.47 USD/h")


def test_a_lower_rate_into_a_paid_period_takes_the_difference_back(paid, manager):
    contract, days, _period = paid
    rate_change_create(
        contract=contract,
        effective_date=days[0],
        hourly_rate=Decimal("15.00"),
        reason=RateChange.Reason.CORRECTION,
        approved_by=manager,
        confirm_paid_period=True,
    )
    assert Adjustment.objects.get().amount == Decimal("-8.42")  # 25.50 × 15.00 = 382.50 − 390.92


def test_two_changes_into_the_same_paid_period_add_up_to_the_rate_history(paid, manager):
    contract, days, period = paid
    rate_change_create(
        contract=contract,
        effective_date=days[1],
        hourly_rate=Decimal("16.00"),
        reason=RateChange.Reason.CORRECTION,
        approved_by=manager,
        confirm_paid_period=True,
    )
    rate_change_create(
        contract=contract,
        effective_date=days[4],
        hourly_rate=Decimal("17.11"),
        reason=RateChange.Reason.CORRECTION,
        approved_by=manager,
        confirm_paid_period=True,
    )
    # 4.25 × 15.33 = 65.1525 → 65.15; 12.75 × 16.00 = 204.00; 8.50 × 17.11 = 145.435 → 145.44: 414.59
    assert sum(a.amount for a in Adjustment.objects.all()) == Decimal("414.59") - Decimal("390.92")


def test_late_approved_work_counts_as_paid_too(paid, manager):
    contract, days, period = paid
    late = TimeEntryFactory(
        contract=contract, date=days[8], hours=Decimal("2.00"), status=TimeEntry.Status.SUBMITTED
    )
    time_entry_approve(entry=late, approved_by=manager)  # period 1 is closed: paid by a correction (30.66)
    rate_change_create(
        contract=contract,
        effective_date=days[8],
        hourly_rate=Decimal("16.00"),
        reason=RateChange.Reason.CORRECTION,
        approved_by=manager,
        confirm_paid_period=True,
    )
    rate_correction = Adjustment.objects.get(source_key__startswith="contracts:rate_change:")
    assert rate_correction.amount == Decimal("1.34")  # 2.00 × 16.00 − 30.66


def test_a_change_after_the_paid_periods_is_recorded_without_a_correction(paid, manager):
    contract, _days, _period = paid
    today = timezone.now().date()
    change = rate_change_create(
        contract=contract,
        effective_date=today,
        hourly_rate=Decimal("16.00"),
        reason=RateChange.Reason.EVALUATION,
        approved_by=manager,
    )
    assert not change.paid_period_confirmed
    assert not Adjustment.objects.exists()


def test_the_rate_change_page_asks_for_the_confirmation_then_records_it(client, paid, manager):
    contract, days, _period = paid
    url = reverse("contracts:contract_rate_change", args=[contract.pk])
    data = {"effective_date": days[3].isoformat(), "hourly_rate": "16.47", "reason": "correction", "note": ""}
    client.force_login(manager)

    response = client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "falls in work already paid out" in html
    assert 'type="checkbox" name="confirm_paid_period"' in html
    assert not RateChange.objects.exists()

    response = client.post(url, {**data, "confirm_paid_period": "on"})
    assert response.status_code == 302
    assert Adjustment.objects.get().amount == Decimal("14.53")
