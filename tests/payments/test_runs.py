import datetime
import io
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from contracts.models import RateChange
from payments.errors import PaymentsError
from payments.models import Adjustment, Payout, PayoutLine, PayoutRun, PayPeriod, TimeEntry
from payments.services import payout_run_execute, payout_run_start, payout_runs_due
from payments.services import runs as runs_module
from tests.accounts.factories import FreelancerFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import (
    AdjustmentFactory,
    ExchangeRateFactory,
    PayoutDetailsFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db


def run_now(program, **kwargs):
    run = payout_run_start(program=program, enqueue=False, **kwargs)
    return payout_run_execute(
        run_id=run.pk, **({"batch_size": kwargs.pop("batch_size")} if "batch_size" in kwargs else {})
    )


def test_a_run_pays_hours_at_each_days_rate_plus_adjustments_converted_to_the_payout_currency(
    program, contract, freelancer, ended_period_days
):
    # given 4 h/day on 6 days, a raise from day 4 on, a bonus, a deduction, and a EUR payout currency
    freelancer.payout_currency = "EUR"
    freelancer.save()
    PayoutDetailsFactory(
        freelancer=freelancer,
        method="bank_transfer",
        wise_email="",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_country="DE",
    )
    RateChange.objects.create(
        contract=contract,
        effective_date=ended_period_days[3],
        hourly_rate=Decimal("22.35"),
        reason="evaluation",
    )
    for day in ended_period_days[:6]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("4.25"))
    TimeEntryFactory(
        contract=contract, date=ended_period_days[1], hours=Decimal("3"), status=TimeEntry.Status.SUBMITTED
    )
    AdjustmentFactory(freelancer=freelancer, program=program, kind="bonus", amount=Decimal("25.00"))
    AdjustmentFactory(freelancer=freelancer, program=program, kind="deduction", amount=Decimal("-5.50"))
    ExchangeRateFactory(
        base_currency="USD",
        quote_currency="EUR",
        rate=Decimal("0.91234567"),
        on_date=timezone.now().date() - datetime.timedelta(days=2),
    )

    run = run_now(program)

    assert run.status == PayoutRun.Status.COMPLETED
    payout = Payout.objects.get()
    hour_lines = list(payout.lines.filter(kind=PayoutLine.Kind.HOURS).order_by("date_from"))
    assert [(line.hours, line.rate, line.amount) for line in hour_lines] == [
        (Decimal("12.75"), Decimal("20.00"), Decimal("255.00")),
        (Decimal("12.75"), Decimal("22.35"), Decimal("284.96")),  # 284.9625 → 284.96
    ]
    assert payout.hours == Decimal("25.50")
    assert payout.hours_amount == Decimal("539.96")
    assert payout.adjustments_amount == Decimal("19.50")
    assert payout.total == Decimal("559.46")
    assert (payout.currency, payout.payout_currency) == ("USD", "EUR")
    assert payout.exchange_rate == Decimal("0.91234567")
    assert payout.payout_amount == Decimal("510.42")  # 559.46 × 0.91234567 = 510.4209… → 510.42
    assert payout.payout_method == "Bank transfer · IBAN ····3000 · COBADEFFXXX"  # masked, from the details
    assert payout.status == Payout.Status.DRAFT
    # every approved entry and adjustment points at the payout; the unapproved one does not
    assert TimeEntry.objects.paid_by(payout).count() == 6
    assert not TimeEntry.objects.unpaid().exists()
    assert Adjustment.objects.filter(payout=payout).count() == 2
    assert PayPeriod.objects.get(pk=payout.period_id).status == PayPeriod.Status.CLOSED


def test_a_missing_exchange_rate_stops_that_payout_with_a_clear_message_and_resuming_finishes_it(
    program, contract, freelancer, ended_period_days
):
    eur = FreelancerFactory(payout_currency="EUR", legal_name="Marta Kowalska")
    eur_contract = ContractFactory(program=program, freelancer=eur, start_date=datetime.date(2020, 1, 1))
    TimeEntryFactory(contract=contract, date=ended_period_days[0])
    TimeEntryFactory(contract=eur_contract, date=ended_period_days[0])
    ExchangeRateFactory(
        base_currency="USD", quote_currency="EUR", on_date=timezone.now().date() - datetime.timedelta(days=30)
    )  # too old to count

    run = run_now(program)

    assert run.status == PayoutRun.Status.COMPLETED_WITH_ERRORS
    assert list(Payout.objects.values_list("freelancer_id", flat=True)) == [freelancer.pk]
    assert run.error_count == 1
    assert run.errors[0]["freelancer"] == "Marta Kowalska"
    assert "No exchange rate USD→EUR" in run.errors[0]["message"]
    assert TimeEntry.objects.unpaid().get().freelancer == eur

    ExchangeRateFactory(base_currency="USD", quote_currency="EUR", rate=Decimal("0.5"))
    run = run_now(program)

    assert run.status == PayoutRun.Status.COMPLETED
    assert Payout.objects.count() == 2
    assert Payout.objects.get(freelancer=eur).payout_amount == Decimal("20.00")  # 2 h × 20 × 0.5
    assert PayoutRun.objects.count() == 1


def test_running_twice_gives_exactly_one_payout(program, contract, ended_period_days):
    TimeEntryFactory(contract=contract, date=ended_period_days[2], hours=Decimal("3"))
    first = run_now(program)
    second = run_now(program)
    assert first.pk == second.pk
    assert Payout.objects.count() == 1
    assert Payout.objects.get().total == Decimal("60.00")
    assert PayoutLine.objects.count() == 1


def test_a_crash_half_way_is_resumed_without_paying_anyone_twice(program, ended_period_days):
    contracts = [ContractFactory(program=program, start_date=datetime.date(2020, 1, 1)) for _ in range(5)]
    for contract in contracts:
        for day in ended_period_days[:3]:
            TimeEntryFactory(contract=contract, date=day, hours=Decimal("1.5"))
    run = payout_run_start(program=program, enqueue=False)
    real_batch = runs_module._run_batch
    calls = {"n": 0}

    def crash_on_second_batch(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_batch(**kwargs)

    with (
        mock.patch.object(runs_module, "_run_batch", side_effect=crash_on_second_batch),
        pytest.raises(RuntimeError),
    ):
        payout_run_execute(run_id=run.pk, batch_size=2)

    run.refresh_from_db()
    assert run.status == PayoutRun.Status.FAILED
    assert "worker killed" in run.errors[-1]["message"]
    assert Payout.objects.count() == 2  # the first batch is committed, the second rolled back

    run = payout_run_execute(run_id=run.pk, batch_size=2)

    assert run.status == PayoutRun.Status.COMPLETED
    assert run.attempts == 2
    assert (run.done_count, run.total_count) == (5, 5)
    assert Payout.objects.count() == 5
    assert set(Payout.objects.values_list("total", flat=True)) == {Decimal("90.00")}
    assert not TimeEntry.objects.unpaid().exists()


def test_a_run_left_running_by_a_dead_worker_is_taken_over_once_stale(program, contract, ended_period_days):
    TimeEntryFactory(contract=contract, date=ended_period_days[0])
    run = payout_run_start(program=program, enqueue=False)
    PayoutRun.objects.filter(pk=run.pk).update(status=PayoutRun.Status.RUNNING, heartbeat_at=timezone.now())
    assert payout_run_execute(run_id=run.pk).status == PayoutRun.Status.RUNNING  # a live worker has it
    assert not Payout.objects.exists()
    PayoutRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert payout_run_execute(run_id=run.pk).status == PayoutRun.Status.COMPLETED
    assert Payout.objects.count() == 1


def test_a_future_or_unfinished_period_is_refused_and_nothing_changes(program, contract, anchor):
    current_end = anchor + datetime.timedelta(days=41)
    with pytest.raises(PaymentsError, match="has not ended yet"):
        payout_run_start(program=program, period_end=current_end, enqueue=False)
    with pytest.raises(PaymentsError, match="not the last day of a pay period"):
        payout_run_start(program=program, period_end=anchor + datetime.timedelta(days=20), enqueue=False)
    assert not PayoutRun.objects.exists()
    assert not PayPeriod.objects.filter(status=PayPeriod.Status.CLOSED).exists()


def test_closed_period_locks_entries_and_a_later_correction_goes_to_the_next_run(
    program, contract, freelancer, manager, ended_period_days, anchor
):
    from payments.services import time_entry_approve

    TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("2"))
    late = TimeEntryFactory(
        contract=contract, date=ended_period_days[1], hours=Decimal("1"), status=TimeEntry.Status.SUBMITTED
    )
    run_now(program)
    time_entry_approve(entry=late, approved_by=manager)  # after the close: becomes a correction
    assert Payout.objects.get().total == Decimal("40.00")

    # the next period's run (two weeks later) pays the correction, once
    from payments.services import pay_period_for

    next_period = pay_period_for(program=program, day=anchor + datetime.timedelta(days=28))
    later_day = next_period.end_date + datetime.timedelta(days=2)
    run = payout_run_start(program=program, period=next_period, today=later_day, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payout_run_execute(run_id=run.pk)
    later = Payout.objects.get(period=next_period)
    assert (later.hours, later.adjustments_amount, later.total) == (
        Decimal("0"),
        Decimal("20.00"),
        Decimal("20.00"),
    )
    assert "approved after its period closed" in later.lines.get().description


def test_the_query_count_does_not_grow_with_entries(
    program, ended_period_days, django_assert_max_num_queries
):
    def add(freelancers, entries_per_day):
        for _ in range(freelancers):
            contract = ContractFactory(program=program, start_date=datetime.date(2020, 1, 1))
            RateChange.objects.create(
                contract=contract,
                effective_date=ended_period_days[5],
                hourly_rate=Decimal("25"),
                reason="evaluation",
            )
            for day in ended_period_days:
                for _ in range(entries_per_day):
                    TimeEntryFactory(contract=contract, date=day, hours=Decimal("0.5"))

    add(2, 1)
    run = payout_run_start(program=program, enqueue=False)
    connection.queries_log.clear()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        payout_run_execute(run_id=run.pk)
    Payout.objects.all().delete()
    PayoutRun.objects.all().delete()
    PayPeriod.objects.update(status=PayPeriod.Status.OPEN)
    add(6, 3)
    run = payout_run_start(program=program, enqueue=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        payout_run_execute(run_id=run.pk)
    assert Payout.objects.count() == 8


def test_run_payouts_command_runs_the_same_code(program, contract, ended_period_days):
    TimeEntryFactory(contract=contract, date=ended_period_days[0])
    out = io.StringIO()
    call_command(
        "run_payouts",
        "--program",
        program.slug,
        "--period-end",
        f"{ended_period_days[-1]:%Y-%m-%d}",
        stdout=out,
    )
    assert "1 payouts created" in out.getvalue()
    call_command("run_payouts", "--program", program.slug, stdout=io.StringIO())
    assert Payout.objects.count() == 1
    with pytest.raises(CommandError, match="has not ended yet"):
        call_command(
            "run_payouts",
            "--program",
            program.slug,
            "--period-end",
            f"{ended_period_days[-1] + datetime.timedelta(days=14):%Y-%m-%d}",
        )


def test_the_daily_job_runs_the_ended_period_once(
    program, contract, ended_period_days, django_capture_on_commit_callbacks
):
    TimeEntryFactory(contract=contract, date=ended_period_days[0])
    with django_capture_on_commit_callbacks(execute=True):
        payout_runs_due()
    with django_capture_on_commit_callbacks(execute=True):
        payout_runs_due()
    assert Payout.objects.count() == 1
    assert PayoutRun.objects.filter(status=PayoutRun.Status.COMPLETED).count() >= 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_make_exactly_one_payout_each(anchor):
    from tests.payments.factories import PayScheduleFactory
    from tests.programs.factories import ProgramFactory

    program = ProgramFactory()
    PayScheduleFactory(program=program, anchor_date=anchor)
    days = [anchor + datetime.timedelta(days=14 + i) for i in range(14)]
    for _ in range(6):
        contract = ContractFactory(program=program, start_date=datetime.date(2020, 1, 1))
        for day in days:
            TimeEntryFactory(contract=contract, date=day, hours=Decimal("1"))
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            run = payout_run_start(program=program, enqueue=False)
            # bypass the single-worker claim so both threads really race on the batches
            PayoutRun.objects.filter(pk=run.pk).update(status=PayoutRun.Status.PENDING)
            runs_module._run_batch(
                run=run,
                freelancer_ids=runs_module._candidate_freelancer_ids(run.period)
                or list(TimeEntry.objects.values_list("freelancer_id", flat=True).distinct()),
            )
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert PayoutRun.objects.count() == 1
    assert Payout.objects.count() == 6
    assert set(Payout.objects.values_list("total", flat=True)) == {Decimal("280.00")}
    assert PayoutLine.objects.count() == 6
    assert not TimeEntry.objects.unpaid().exists()
