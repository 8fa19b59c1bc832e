"""Demo payments: four past paid periods with statements, the last ended period as a draft batch to approve,
the current open period with entries in every state, USD→EUR exchange rates, adjustments and a payout request.
Each paid payout has its invoice (addresses, tax IDs, the companies invoiced); Claire uploaded her own for her last.
Every freelancer has payout details; Marta changed hers two days ago, so her payout in the batch is held.

Idempotent: everything is made the first time only (a demo run for the Demo Support program marks it done).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Freelancer
from contracts.models import Contract
from core.audit import audit_record
from payments.models import (
    Adjustment,
    BillingCompany,
    ExchangeRate,
    Invoice,
    Payout,
    PayoutDetails,
    PayoutRun,
    TimeEntry,
    TrialPayout,
)
from payments.services import (
    adjustment_create,
    invoice_upload,
    pay_period_for,
    payout_request_create,
    payout_run_execute,
    payout_run_start,
    payouts_approve,
    payouts_mark_paid,
    program_today,
    time_entry_send_back,
    trial_payout_details_save,
    trial_payout_mark_paid,
)
from payments.services.payout_details import INPUT_FIELDS
from queues.demo import ACME_SHIFTS, SHIFTS, shift_hours_by_weekday

PAID_PERIODS = 4
# Hours per weekday (Mon..Sun) by freelancer number in Demo Support: each logs the shifts of the rota (queues/demo.py),
# so time sheets, the rota and the contract's hours tell the same week.
PATTERNS = {number: shift_hours_by_weekday(shifts) for number, shifts in SHIFTS.items()}
ACME_PATTERN = shift_hours_by_weekday(ACME_SHIFTS)  # weekend cover

# Payout details by freelancer number (the Acme freelancer is "acme"); valid IBANs and BICs.
PAYOUT_DETAILS = {
    1: {"method": "wise", "wise_email": "ana.reyes.ph@demo.test"},
    2: {"method": "bank_transfer", "iban": "PL77102055610000312345678901", "bic": "BPKOPLPW"},
    3: {"method": "payoneer", "payoneer_id": "48213377"},
    4: {"method": "paypal", "paypal_email": "sofia.martinez.mx@demo.test"},
    5: {"method": "payoneer", "payoneer_id": "52019946"},
    6: {"method": "bank_transfer", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"},
    7: {"method": "bank_transfer", "account_number": "50100234567812", "bic": "HDFCINBB"},
    8: {"method": "bank_transfer", "account_number": "000123456789", "bic": "CHASUS33"},
    "acme": {"method": "bank_transfer", "iban": "SE4550000000058398257466", "bic": "ESSESESS"},
}
# What the demo freelancers' invoices carry (payments.Invoice copies it when a payout is paid).
INVOICE_DETAILS: dict[int | str, tuple[str, str]] = {
    1: (
        "Unit 1204, The Residences\n27 Jupiter Street, Makati City\n1209 Metro Manila, Philippines",
        "TIN 214-556-871-000",
    ),
    2: ("ul. Mokotowska 41/7\n00-551 Warszawa, Poland", "NIP 5252741190"),
    3: ("Rua Augusta 1508, apto 62\n01304-001 São Paulo SP, Brazil", "CPF 390.533.447-05"),
    4: ("Calle Durango 214, Roma Norte\n06700 Ciudad de México, Mexico", "RFC MASF900412KD3"),
    5: ("14 Adeola Odeku Street, Victoria Island\nLagos, Nigeria", "TIN 20931457-0001"),
    6: ("18 rue des Martyrs\n75009 Paris, France", "SIRET 852 314 697 00018"),
    7: ("42 MG Road, Ernakulam\nKochi 682016, Kerala, India", "PAN AKLPN4821Q"),
    8: ("310 Atlantic Avenue, Apt 4B\nBrooklyn, NY 11201, USA", ""),
    "acme": ("Södermannagatan 12\n116 23 Stockholm, Sweden", "SE850102123401"),
}
# Who the freelancers invoice, per program slug.
BILLING_COMPANIES = {
    "demo": {
        "legal_name": "Demo Retail Inc.",
        "address": "500 Market Street, Suite 300\nSan Francisco, CA 94105, USA",
        "tax_id": "EIN 84-2917365",
        "email": "accounts-payable@demo-retail.test",
    },
    "acme": {
        "legal_name": "Acme Goods Ltd",
        "address": "71 Clerkenwell Road\nLondon EC1R 5BL, United Kingdom",
        "tax_id": "GB 318 4427 90",
        "email": "invoices@acme-goods.test",
    },
}
# Claire issues her own invoices: the demo's last paid payout of hers carries the PDF she uploaded.
OWN_INVOICE_FREELANCER = 6

# Marta moved to another bank two days ago: her payout in the batch to approve waits for a manager's confirmation.
MARTA_NEW_BANK = {"iban": "PL62114020040000370212345678", "bic": "BREXPLPW"}


def seed(context):
    demo, acme, manager = context["program"], context["acme"], context["manager"]
    if PayoutRun.objects.filter(program=demo).exists():
        return
    today = program_today(program=demo)
    _exchange_rates(today)
    _payout_details(context)
    _invoice_details(context)

    active = {
        c.freelancer_id: c
        for c in Contract.objects.filter(
            program__in=[demo, acme], status=Contract.Status.ACTIVE
        ).select_related("freelancer", "program")
    }
    numbered = [
        (n, f) for n, f in enumerate(context["freelancers"], start=1) if f.pk in active and n in PATTERNS
    ]
    if not numbered:
        context["stdout"].write("  payments: no active contracts in the demo; skipped")
        return

    current = pay_period_for(program=demo, day=today)
    periods = [
        pay_period_for(program=demo, day=current.start_date - datetime.timedelta(days=14 * k))
        for k in range(PAID_PERIODS + 1, 0, -1)
    ]  # oldest first; the last one is the period that just ended
    acme_contract = active.get(context["acme_freelancer"].pk)

    entries = []
    for period in periods:
        for n, freelancer in numbered:
            entries += _entries(active[freelancer.pk], period, PATTERNS[n], TimeEntry.Status.APPROVED, today)
        if acme_contract is not None:
            acme_period = pay_period_for(program=acme, day=period.start_date)
            entries += _entries(acme_contract, acme_period, ACME_PATTERN, TimeEntry.Status.APPROVED, today)
    last = periods[-1]
    # The batch to approve has things to look at: a flagged week, far too many hours, a weekend without a shift.
    for entry in entries:
        if (
            entry.period_id == last.pk
            and entry.freelancer_id == numbered[4][1].pk
            and entry.date.weekday() == 4
        ):
            entry.over_cap = True
        if entry.period_id == last.pk and entry.freelancer_id == numbered[5][1].pk:
            entry.hours = Decimal("6.5")
    claire = numbered[5][1]
    entries.append(
        TimeEntry(
            freelancer=claire,
            program=demo,
            contract=active[claire.pk],
            period=last,
            date=last.start_date + datetime.timedelta(days=5),
            hours=Decimal("3"),
            activity="tickets",
            status=TimeEntry.Status.APPROVED,
            note="Weekend backlog push",
        )
    )
    TimeEntry.objects.bulk_create(entries)

    # Adjustments paid in the batch to approve.
    sofia, james = numbered[3][1], numbered[4][1]
    adjustment_create(
        freelancer=sofia,
        program=demo,
        kind=Adjustment.Kind.BONUS,
        amount=Decimal("40.00"),
        currency=active[sofia.pk].currency,
        reason="Top CSAT of the month",
        created_by=manager,
        source_key="demo:bonus:sofia",
    )
    adjustment_create(
        freelancer=james,
        program=demo,
        kind=Adjustment.Kind.DEDUCTION,
        amount=Decimal("15.00"),
        currency=active[james.pk].currency,
        reason="Headset advance, second instalment",
        created_by=manager,
        source_key="demo:deduction:james",
    )

    _trial_payout_details(demo)

    # Runs: the older periods are paid, the one that just ended waits for approval.
    programs = [demo] + ([acme] if acme_contract is not None else [])
    for period in periods:
        for program in programs:
            program_period = pay_period_for(program=program, day=period.start_date)
            run_day = program_period.end_date + datetime.timedelta(days=1)
            is_last = period.pk == last.pk
            run = payout_run_start(
                program=program, period=program_period, enqueue=False, today=today if is_last else run_day
            )
            payout_run_execute(run_id=run.pk)
            if is_last:
                continue
            payouts = list(Payout.objects.filter(period=program_period))
            if not payouts:
                continue
            approver = manager if program == demo else context["manager2"]
            payouts_approve(payouts=payouts, approved_by=approver)
            payouts_mark_paid(
                payouts=payouts,
                paid_on=run_day + datetime.timedelta(days=2),
                reference=f"DEMO-BANK-{program_period.end_date:%Y%m%d}",
                marked_by=approver,
            )
            # the demo does not e-mail old statements
            sent_at = datetime.datetime.combine(
                run_day + datetime.timedelta(days=2), datetime.time(9), tzinfo=datetime.UTC
            )
            Payout.objects.filter(pk__in=[p.pk for p in payouts]).update(statement_sent_at=sent_at)

    _own_invoice(context)
    _trial_payout_paid(program=demo, marked_by=manager, today=today)

    # The current open period: entries in every state.
    states = {
        1: TimeEntry.Status.APPROVED,
        2: TimeEntry.Status.SUBMITTED,
        3: TimeEntry.Status.DRAFT,
        4: "sent_back",
        5: TimeEntry.Status.SUBMITTED,
        6: TimeEntry.Status.APPROVED,
    }
    current_entries = []
    for n, freelancer in numbered:
        status = states[n]
        made = _entries(
            active[freelancer.pk],
            current,
            PATTERNS[n],
            TimeEntry.Status.SUBMITTED if status == "sent_back" else status,
            today,
            include_today=True,
        )
        if n == 3:
            for entry in made:
                entry.activity, entry.estimated_hours, entry.note = (
                    "training",
                    Decimal("3"),
                    "New returns policy course",
                )
        current_entries += made
    if not any(e.freelancer_id == numbered[0][1].pk for e in current_entries):
        current_entries.append(
            TimeEntry(
                freelancer=numbered[0][1],
                program=demo,
                contract=active[numbered[0][1].pk],
                period=current,
                date=today,
                hours=Decimal("3"),
                status="approved",
            )
        )
    TimeEntry.objects.bulk_create(current_entries)
    sent_back = TimeEntry.objects.filter(period=current, freelancer=sofia).order_by("date").first()
    if sent_back is not None:
        time_entry_send_back(
            entry=sent_back,
            sent_back_by=manager,
            comment="Fewer solved tickets than usual for this shift: which tickets were these?",
        )

    _marta_changes_bank(context)

    # A payout request waiting for a manager.
    ana = numbered[0][1]
    payout_request_create(
        freelancer=ana,
        program=demo,
        amount=Decimal("150.00"),
        note="Early payment please — school fees due this week.",
    )
    context["payments_current_period"] = current
    context["payments_batch_period"] = last


def _entries(contract, period, pattern, status, today, include_today=False):
    made = []
    day = period.start_date
    while day <= period.end_date and (day < today or (include_today and day == today)):
        hours = pattern[day.weekday()]
        in_contract = contract.start_date <= day and (contract.end_date is None or day <= contract.end_date)
        if hours and in_contract:
            made.append(
                TimeEntry(
                    freelancer_id=contract.freelancer_id,
                    program_id=contract.program_id,
                    contract=contract,
                    period=period,
                    date=day,
                    hours=Decimal(str(hours)),
                    activity="tickets",
                    status=status,
                    note="" if day.weekday() else "Monday backlog",
                )
            )
        day += datetime.timedelta(days=1)
    return made


def _payout_details(context):
    """Details on file long before the paid periods (so nothing old is held)."""
    long_ago = timezone.now() - datetime.timedelta(days=120)
    people = dict(enumerate(context["freelancers"], start=1))
    people["acme"] = context["acme_freelancer"]
    for key, fields in PAYOUT_DETAILS.items():
        freelancer = people.get(key)
        if freelancer is None or PayoutDetails.objects.filter(freelancer=freelancer).exists():
            continue
        details = PayoutDetails(freelancer=freelancer, account_holder_name=freelancer.legal_name, **fields)
        details.full_clean()
        details.changed_at = long_ago
        details.save()


# Paid trial tasks (payments.services.trial_payouts): the candidate gives payout details on the trial page.
TRIAL_PAYOUT_DETAILS = {
    "camila.torres@example.com": {
        "method": "bank_transfer",
        "account_holder_name": "Camila Torres",
        "iban": "ES9121000418450200051332",
        "bic": "CAIXESBB",
    },
}


def _trial_payout_details(program):
    """One candidate who was not hired gives details (paid in a past run); the other graded ones wait for them.
    The hired candidate (freelancer8) gives the details of their freelancer profile: paid once, as a trial."""
    from recruiting.models import Application, TrialTask

    trials = TrialTask.objects.filter(
        application__posting__program=program,
        is_paid=True,
        status__in=[TrialTask.Status.SUBMITTED, TrialTask.Status.GRADED],
    )
    for trial in trials.select_related("application__freelancer__payout_details"):
        fields = TRIAL_PAYOUT_DETAILS.get(trial.application.email)
        hired = (
            trial.application.stage == Application.Stage.HIRED and trial.application.freelancer is not None
        )
        if fields is None and hired:
            details = getattr(trial.application.freelancer, "payout_details", None)
            if details is not None and details.method:
                fields = {name: getattr(details, name) for name in INPUT_FIELDS}
                fields["account_holder_name"] = fields["account_holder_name"] or trial.application.full_name
        if fields:
            trial_payout_details_save(trial_task=trial, **fields)


def _trial_payout_paid(*, program, marked_by, today):
    """The candidate who was not hired is paid in the run of the period that just ended (graded days ago);
    the hired one's trial payout waits in the same run for a manager to mark it paid."""
    payouts = TrialPayout.objects.filter(
        program=program,
        run__isnull=False,
        status=TrialPayout.Status.PENDING,
        trial_task__application__email__in=list(TRIAL_PAYOUT_DETAILS),
    )
    for payout in payouts:
        trial_payout_mark_paid(
            trial_payout=payout,
            paid_on=today,
            marked_by=marked_by,
            reference=f"DEMO-BANK-{today:%Y%m%d}-{payout.reference}",
        )
        # the demo does not e-mail statements
        TrialPayout.objects.filter(pk=payout.pk).update(statement_sent_at=timezone.now())


def _invoice_details(context):
    """Addresses and tax IDs for the freelancers' invoices, and the companies they invoice."""
    people: dict[int | str, Freelancer] = {
        **dict(enumerate(context["freelancers"], start=1)),
        "acme": context["acme_freelancer"],
    }
    for key, (address, tax_id) in INVOICE_DETAILS.items():
        freelancer = people.get(key)
        if freelancer is not None:
            PayoutDetails.objects.filter(freelancer=freelancer).update(billing_address=address, tax_id=tax_id)
    for program in (context["program"], context["acme"]):
        BillingCompany.objects.get_or_create(program=program, defaults=BILLING_COMPANIES[program.slug])


def _own_invoice(context):
    """Claire uploads her own invoice (a PDF of her own numbering) for her latest paid payout."""
    from django.core.files.base import ContentFile

    from core.pdf import html_to_pdf

    people: dict[int, Freelancer] = dict(enumerate(context["freelancers"], start=1))
    claire = people.get(OWN_INVOICE_FREELANCER)
    invoice = Invoice.objects.filter(freelancer=claire).order_by("-sequence").first() if claire else None
    if claire is None or invoice is None or invoice.uploaded_by_freelancer:
        return
    number = f"CD-{invoice.issued_on:%Y}-{invoice.sequence + 40:03d}"
    pdf = html_to_pdf(
        f"<h1>Facture {number}</h1><p>{invoice.freelancer_legal_name} → {invoice.company_legal_name}"
        f"</p><p>Total: {invoice.total} {invoice.currency}</p>"
    )
    invoice_upload(
        invoice=invoice, freelancer=claire, upload=ContentFile(pdf, name=f"{number}.pdf"), number=number
    )


def _marta_changes_bank(context):
    marta = context["freelancers"][1] if len(context["freelancers"]) > 1 else None
    details = PayoutDetails.objects.filter(freelancer=marta).first() if marta else None
    if details is None:
        return
    before = details.summary
    for name, value in MARTA_NEW_BANK.items():
        setattr(details, name, value)
    details.full_clean()
    details.changed_at = timezone.now() - datetime.timedelta(days=2)
    details.save()
    audit_record(
        actor=marta.user,
        verb="payout_details.changed",
        target=details,
        fields=["iban", "bic"],
        before=before,
        after=details.summary,
    )


def _exchange_rates(today):
    """Deterministic USD↔EUR rates for the last 120 days (no network)."""
    existing = set(
        ExchangeRate.objects.filter(on_date__gte=today - datetime.timedelta(days=120)).values_list(
            "base_currency", "quote_currency", "on_date"
        )
    )
    rows = []
    for back in range(121):
        day = today - datetime.timedelta(days=back)
        usd_eur = Decimal("0.9200") + Decimal(back % 7 - 3) / Decimal("1000")
        for base, quote, rate in (
            ("USD", "EUR", usd_eur),
            ("EUR", "USD", (1 / usd_eur).quantize(Decimal("0.0001"))),
        ):
            if (base, quote, day) not in existing:
                rows.append(
                    ExchangeRate(
                        base_currency=base,
                        quote_currency=quote,
                        on_date=day,
                        rate=rate,
                        source=ExchangeRate.Source.CSV,
                    )
                )
    ExchangeRate.objects.bulk_create(rows)
