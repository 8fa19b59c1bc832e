"""Hours × the rate in force on each day, set-based.

Entries are summed per freelancer, contract and day in one aggregate query; contracts and
their rate changes are read in one query each; the days are then cut into rate ranges in
memory. The number of queries does not depend on the number of entries.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from contracts.models import Contract, RateChange
from core.money import round_money

ZERO = Decimal("0")


@dataclass
class HourLine:
    date_from: datetime.date
    date_to: datetime.date
    hours: Decimal
    rate: Decimal
    amount: Decimal = ZERO


@dataclass
class Earnings:
    freelancer_id: int
    program_id: int
    currency: str
    hours: Decimal = ZERO
    over_cap_entries: int = 0
    hours_per_week: Decimal | None = None
    contract_ids: set = field(default_factory=set)
    lines: list[HourLine] = field(default_factory=list)
    currencies: set = field(default_factory=set)
    days: set = field(default_factory=set)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def hour_lines(
    *, days: list[tuple[datetime.date, Decimal]], base_rate: Decimal, changes: list[tuple[datetime.date, Decimal]]
) -> list[HourLine]:
    """Cut a contract's (day, hours) list into lines, one per rate range; each line rounded half-up to cents.

    `changes` are (effective_date, rate) sorted by date; before the first one the contract's
    starting rate applies.
    """
    effective_dates = [d for d, _ in changes]
    lines: list[HourLine] = []
    current_segment = object()
    for day, hours in sorted(days):
        index = bisect.bisect_right(effective_dates, day) - 1
        rate = changes[index][1] if index >= 0 else base_rate
        if index != current_segment or not lines:
            lines.append(HourLine(date_from=day, date_to=day, hours=ZERO, rate=rate))
            current_segment = index
        line = lines[-1]
        line.date_to = day
        line.hours += hours
    for line in lines:
        line.amount = round_money(line.hours * line.rate)
    return [line for line in lines if line.hours]


def earnings_for(entries: QuerySet) -> dict[tuple[int, int], Earnings]:
    """Earnings per (freelancer_id, program_id) for a queryset of time entries (3 queries)."""
    per_day = (
        entries.order_by()
        .values("freelancer_id", "program_id", "contract_id", "date")
        .annotate(total=Sum("hours"), over_cap=Count("id", filter=Q(over_cap=True)))
    )
    days_by_contract: dict[tuple[int, int, int], list] = defaultdict(list)
    over_cap: dict[tuple[int, int], int] = defaultdict(int)
    for row in per_day:
        days_by_contract[(row["freelancer_id"], row["program_id"], row["contract_id"])].append(
            (row["date"], row["total"])
        )
        over_cap[(row["freelancer_id"], row["program_id"])] += row["over_cap"]
    contract_ids = {key[2] for key in days_by_contract}
    contracts = {
        c["id"]: c for c in Contract.objects.filter(pk__in=contract_ids).values("id", "hourly_rate", "currency", "hours_per_week")
    }
    changes: dict[int, list] = defaultdict(list)
    for change in (
        RateChange.objects.filter(contract_id__in=contract_ids)
        .order_by("contract_id", "effective_date")
        .values_list("contract_id", "effective_date", "hourly_rate")
    ):
        changes[change[0]].append((change[1], change[2]))

    result: dict[tuple[int, int], Earnings] = {}
    for (freelancer_id, program_id, contract_id), days in sorted(days_by_contract.items()):
        contract = contracts[contract_id]
        key = (freelancer_id, program_id)
        earning = result.get(key)
        if earning is None:
            earning = result[key] = Earnings(
                freelancer_id=freelancer_id, program_id=program_id, currency=contract["currency"],
                over_cap_entries=over_cap[key],
            )
        earning.currencies.add(contract["currency"])
        earning.hours_per_week = max(earning.hours_per_week or ZERO, contract["hours_per_week"])
        earning.contract_ids.add(contract_id)
        earning.days.update(day for day, _ in days)
        lines = hour_lines(days=days, base_rate=contract["hourly_rate"], changes=changes[contract_id])
        earning.lines.extend(lines)
        earning.hours += sum((line.hours for line in lines), ZERO)
    for earning in result.values():
        earning.lines.sort(key=lambda line: line.date_from)
    return result
