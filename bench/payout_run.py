"""Benchmark: a payout run for 1,000 freelancers with 100,000 approved entries in one period (issue 7).

    createdb -h 127.0.0.1 -U postgres flexdesk_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexdesk_bench .venv/bin/python bench/payout_run.py \
        [--freelancers 1000] [--entries 100000]

Generates its own program, freelancers, contracts (a third with a mid-period rate change, a third paid in
EUR), entries and exchange rates, then times payout_run_start + payout_run_execute and counts queries.
Target: < 10 s on PostgreSQL on a 2-core machine; the query count must not grow with the entries.
Each invocation uses a fresh program, so it can be run repeatedly.
"""

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Freelancer, User  # noqa: E402
from contracts.models import Contract, RateChange  # noqa: E402
from payments.models import ExchangeRate, Payout, PayoutDetails, PayoutLine, PaySchedule, TimeEntry  # noqa: E402
from payments.services import pay_period_for, payout_run_execute, payout_run_start  # noqa: E402
from programs.models import Program  # noqa: E402


def generate(freelancers: int, entries: int):
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    today = timezone.now().date()
    monday = today - datetime.timedelta(days=today.weekday())
    anchor = monday - datetime.timedelta(days=28)
    with transaction.atomic():
        program = Program.objects.create(
            name=f"Bench {stamp}", slug=f"bench-{stamp}", status="active", currency="USD", time_zone="UTC"
        )
        PaySchedule.objects.create(program=program, anchor_date=anchor)
        period = pay_period_for(program=program, day=anchor + datetime.timedelta(days=14))
        users = User.objects.bulk_create(
            [
                User(email=f"bench{stamp}-{i}@example.test", role="freelancer", password="!")
                for i in range(freelancers)
            ]
        )
        people = Freelancer.objects.bulk_create(
            [
                Freelancer(
                    user=u, legal_name=f"Bench Person {i}", payout_currency="EUR" if i % 3 == 0 else "USD"
                )
                for i, u in enumerate(users)
            ]
        )
        PayoutDetails.objects.bulk_create(
            [
                PayoutDetails(
                    freelancer=f,
                    method=PayoutDetails.Method.WISE,
                    wise_email=f"bench{stamp}-{i}@example.test",
                )
                for i, f in enumerate(people)
            ]
        )
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    program=program,
                    freelancer=f,
                    status="active",
                    start_date=datetime.date(2020, 1, 1),
                    hourly_rate=Decimal("15.00") + Decimal(i % 10),
                    currency="USD",
                    hours_per_week=Decimal("40"),
                    weekly_hour_cap=Decimal("60"),
                )
                for i, f in enumerate(people)
            ]
        )
        RateChange.objects.bulk_create(
            [
                RateChange(
                    contract=c,
                    effective_date=period.start_date + datetime.timedelta(days=7),
                    hourly_rate=c.hourly_rate + Decimal("1.25"),
                    reason="evaluation",
                )
                for i, c in enumerate(contracts)
                if i % 3 == 1
            ]
        )
        days = [period.start_date + datetime.timedelta(days=d) for d in range(14)]
        per_freelancer = entries // freelancers
        rows = []
        for i, c in enumerate(contracts):
            for n in range(per_freelancer):
                rows.append(
                    TimeEntry(
                        freelancer_id=c.freelancer_id,
                        program=program,
                        contract=c,
                        period=period,
                        date=days[n % 14],
                        hours=Decimal("0.25") * (1 + (i + n) % 8),
                        activity="tickets",
                        status="approved",
                    )
                )
        TimeEntry.objects.bulk_create(rows, batch_size=5000)
        for back in range(3):
            ExchangeRate.objects.get_or_create(
                base_currency="USD",
                quote_currency="EUR",
                on_date=today - datetime.timedelta(days=back),
                defaults={"rate": Decimal("0.92")},
            )
    return program, period, len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--freelancers", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    program, period, count = generate(args.freelancers, args.entries)
    print(
        f"generated {args.freelancers} freelancers, {count} approved entries in {time.perf_counter() - started:.1f} s"
    )
    print(f"database: {connection.vendor}")

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = payout_run_start(program=program, period=period, enqueue=False)
        run = payout_run_execute(run_id=run.pk)
        elapsed = time.perf_counter() - started
    print(
        f"payout run #{run.pk}: {run.get_status_display()} — {run.created_count} payouts, "
        f"{PayoutLine.objects.filter(payout__run=run).count()} lines, {run.error_count} errors"
    )
    print(f"time: {elapsed:.2f} s · queries: {len(queries.captured_queries)}")
    total = sum(Payout.objects.filter(run=run).values_list("total", flat=True))
    print(f"total paid out (contract currency): {total} USD")


if __name__ == "__main__":
    main()
