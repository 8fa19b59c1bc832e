"""Payout files (payments.exports): each format's header and rows as its platform documents them, amounts and
currencies, payouts that cannot be paid listed instead of exported, the audit line, and who may download."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog
from payments import exports
from payments.errors import PaymentsError
from payments.models import Payout, PayoutDetails
from payments.selectors import payout_list
from payments.services import payout_run_execute, payout_run_start, payouts_approve
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayScheduleFactory, TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(days=60)
PEOPLE = {
    # legal name: payout details (None: nothing on file), payout amount, payout currency
    "Ana Reyes": (
        {
            "method": "bank_transfer",
            "account_holder_name": "Ana M. Reyes",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFF",
        },
        "1234.5",
        "EUR",
    ),
    "Ben Okafor": (
        {
            "method": "bank_transfer",
            "account_holder_name": "Ben Okafor",
            "account_number": "0123456789",
            "bic": "BOFAUS3N",
        },
        "250",
        "USD",
    ),
    "Cleo Diaz": (
        {"method": "wise", "account_holder_name": "Cleo Diaz", "wise_email": "cleo@wise.test"},
        "99.99",
        "USD",
    ),
    "Dan Park": ({"method": "paypal", "paypal_email": "dan@paypal.test"}, "310.05", "USD"),
    "Dora Voss": ({"method": "paypal", "paypal_email": "dora@paypal.test"}, "80", "EUR"),
    "Eve Moss": ({"method": "payoneer", "payoneer_id": "eve-4711"}, "45.10", "USD"),
    "Finn Lowe": (None, "60", "USD"),
    "Gia Tan": ({"method": "wise", "wise_email": "gia@wise.test"}, "70", "USD"),  # changed 2 days ago: held
}


def rows_of(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


@pytest.fixture
def team(program, ended_period_days):
    """One approved payout per person of PEOPLE, in the program's ended period."""
    for name, (details, _amount, _currency) in PEOPLE.items():
        person = FreelancerFactory(legal_name=name)
        if details is not None:
            row = PayoutDetails(freelancer=person, **details)
            row.full_clean()
            row.changed_at = timezone.now() - (datetime.timedelta(days=2) if name == "Gia Tan" else LONG_AGO)
            row.save()
        contract = ContractFactory(program=program, freelancer=person, start_date=datetime.date(2020, 1, 1))
        TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("5"))
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payouts_approve(payouts=list(Payout.objects.all()), approved_by=program.managers.first())
    for name, (_details, amount, currency) in PEOPLE.items():
        Payout.objects.filter(freelancer__legal_name=name).update(
            payout_amount=Decimal(amount), payout_currency=currency
        )
    return {p.freelancer.legal_name: p for p in Payout.objects.select_related("freelancer")}


def approved(manager):
    return payout_list(user=manager, status=Payout.Status.APPROVED)


def left_out(plan) -> dict[str, str]:
    return {item.payout.freelancer.legal_name: item.reason for item in plan.left_out}


# Wise -----------------------------------------------------------------------------------------------------


def test_the_wise_file_has_wises_header_and_one_fixed_target_transfer_per_bank_or_wise_payout(team, manager):
    export = exports.payouts_export(payouts=approved(manager), export_format="wise", exported_by=manager)
    rows = rows_of(export.lines)

    assert rows[0] == [
        "name",
        "recipientEmail",
        "paymentReference",
        "receiverType",
        "amountCurrency",
        "amount",
        "sourceCurrency",
        "targetCurrency",
        "type",
        "IBAN",
        "BIC",
        "accountNumber",
    ]
    assert sorted(rows[1:]) == [
        [
            "Ana M. Reyes",
            "",
            team["Ana Reyes"].reference,
            "PERSON",
            "target",
            "1234.50",
            "USD",
            "EUR",
            "",
            "DE89370400440532013000",
            "COBADEFF",
            "",
        ],
        [
            "Ben Okafor",
            "",
            team["Ben Okafor"].reference,
            "PERSON",
            "target",
            "250.00",
            "USD",
            "USD",
            "",
            "",
            "BOFAUS3N",
            "0123456789",
        ],
        [
            "Cleo Diaz",
            "cleo@wise.test",
            team["Cleo Diaz"].reference,
            "PERSON",
            "target",
            "99.99",
            "USD",
            "USD",
            "EMAIL",
            "",
            "",
            "",
        ],
    ]
    reasons = left_out(export.plan)
    assert reasons["Dan Park"] == "Paid by PayPal: not in the Wise batch CSV."
    assert reasons["Eve Moss"] == "Paid by Payoneer: not in the Wise batch CSV."
    assert reasons["Finn Lowe"].startswith("No payout details on file")
    assert reasons["Gia Tan"].startswith("Held: the payout details were changed")


def test_the_wise_file_refuses_more_transfers_than_wise_takes(team, manager, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", {"wise": 2, "paypal": 5000})
    with pytest.raises(PaymentsError, match="at most 2 payments"):
        exports.payouts_export(payouts=approved(manager), export_format="wise", exported_by=manager)
    assert not AuditLog.objects.filter(verb="payouts.exported").exists()


# PayPal ---------------------------------------------------------------------------------------------------


def test_the_paypal_file_has_no_header_and_one_currency(team, manager):
    export = exports.payouts_export(
        payouts=approved(manager), export_format="paypal", currency="usd", exported_by=manager
    )
    rows = rows_of(export.lines)

    period = team["Dan Park"].period
    assert rows == [
        [
            "dan@paypal.test",
            "310.05",
            "USD",
            team["Dan Park"].reference,
            f"Flexdesk payout {team['Dan Park'].reference}: {team['Dan Park'].program.name}, "
            f"{period.start_date:%d %b} – {period.end_date:%d %b %Y}",
            "PAYPAL",
        ]
    ]
    assert len(rows[0][3]) <= 30 and " " not in rows[0][3]
    assert left_out(export.plan)["Dora Voss"] == (
        "In EUR: PayPal takes one currency per file, export the EUR file for it."
    )
    assert export.filename.startswith("payouts-paypal-usd-")


def test_paypal_payouts_in_two_currencies_need_the_currency_of_the_file(team, manager):
    with pytest.raises(PaymentsError, match="one currency per file"):
        exports.payouts_export(payouts=approved(manager), export_format="paypal", exported_by=manager)

    export = exports.payouts_export(
        payouts=approved(manager), export_format="paypal", currency="EUR", exported_by=manager
    )
    assert [row[:3] for row in rows_of(export.lines)] == [["dora@paypal.test", "80.00", "EUR"]]


# Generic CSV ----------------------------------------------------------------------------------------------


def test_the_generic_csv_has_every_complete_method_and_defuses_formulas(team, manager):
    Payout.objects.filter(pk=team["Eve Moss"].pk).update(reference="=HYPERLINK(1)")
    export = exports.payouts_export(payouts=approved(manager), export_format="csv", exported_by=manager)
    rows = rows_of(export.lines)

    assert rows[0] == [
        "name",
        "method",
        "account_holder_name",
        "iban",
        "account_number",
        "bic",
        "bank_country",
        "email",
        "payoneer_id",
        "amount",
        "currency",
        "reference",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Ana Reyes", "Ben Okafor", "Cleo Diaz", "Dan Park", "Dora Voss", "Eve Moss"}
    assert by_name["Ana Reyes"] == [
        "Ana Reyes",
        "bank_transfer",
        "Ana M. Reyes",
        "DE89370400440532013000",
        "",
        "COBADEFF",
        "DE",
        "",
        "",
        "1234.50",
        "EUR",
        team["Ana Reyes"].reference,
    ]
    assert by_name["Eve Moss"][8:] == ["eve-4711", "45.10", "USD", "'=HYPERLINK(1)"]
    assert set(left_out(export.plan)) == {"Finn Lowe", "Gia Tan"}


# Bad input: payouts that cannot be paid are listed, not exported -------------------------------------------


def test_incomplete_details_zero_amounts_and_drafts_are_listed_with_why_and_never_exported(team, manager):
    PayoutDetails.objects.filter(freelancer__legal_name="Cleo Diaz").update(wise_email="")  # e.g. an old row
    PayoutDetails.objects.filter(freelancer__legal_name="Ana Reyes").update(account_holder_name="")
    Payout.objects.filter(pk=team["Ben Okafor"].pk).update(payout_amount=Decimal("0"))
    Payout.objects.filter(pk=team["Dan Park"].pk).update(status=Payout.Status.DRAFT)

    plan = exports.export_plan(payouts=payout_list(user=manager), export_format="csv")

    reasons = left_out(plan)
    assert reasons["Cleo Diaz"] == "Incomplete details: the Wise e-mail address is missing."
    assert reasons["Ana Reyes"] == "Incomplete bank details: the name on the account is missing."
    assert reasons["Ben Okafor"] == "Nothing to pay: the payout amount is 0.00 USD."
    assert reasons["Dan Park"].startswith("Not approved (draft)")
    assert [p.freelancer.legal_name for p, _ in plan.rows] == ["Dora Voss", "Eve Moss"]


def test_a_name_that_a_spreadsheet_would_run_is_kept_out_of_platform_files(team, manager):
    PayoutDetails.objects.filter(freelancer__legal_name="Cleo Diaz").update(account_holder_name="=cmd|calc")
    plan = exports.export_plan(payouts=approved(manager), export_format="wise")
    assert "runs as a formula" in left_out(plan)["Cleo Diaz"]


def test_a_file_with_nothing_to_pay_is_refused_and_not_recorded(team, manager):
    Payout.objects.update(status=Payout.Status.DRAFT)
    with pytest.raises(PaymentsError, match="No approved payout can go into the Wise batch CSV"):
        exports.payouts_export(payouts=approved(manager), export_format="wise", exported_by=manager)
    assert not AuditLog.objects.filter(verb="payouts.exported").exists()


# The audit line -------------------------------------------------------------------------------------------


def test_every_export_records_who_when_which_file_and_which_payouts(team, manager):
    exports.payouts_export(
        payouts=approved(manager), export_format="wise", exported_by=manager, ip_address="203.0.113.9"
    )

    line = AuditLog.objects.get(verb="payouts.exported")
    assert (line.actor, line.ip_address) == (manager, "203.0.113.9")
    assert line.data["file"] == "Wise batch CSV" and line.data["count"] == 3
    assert sorted(line.data["references"]) == sorted(
        team[n].reference for n in ("Ana Reyes", "Ben Okafor", "Cleo Diaz")
    )
    assert {item["reference"] for item in line.data["left_out"]} >= {team["Finn Lowe"].reference}
    assert "DE89370400440532013000" not in str(line.data)  # the account itself is never in the log


# Pages and access -----------------------------------------------------------------------------------------


def test_the_payouts_page_offers_each_file_and_lists_the_payouts_left_out(client, team, manager):
    client.force_login(manager)
    page = client.get(reverse("payments:payouts")).content.decode()

    assert "Export for Wise (3)" in page
    assert "Export for PayPal, EUR (1)" in page and "Export for PayPal, USD (1)" in page
    assert "Export as CSV (6)" in page
    assert "Not exported: 2 approved payouts." in page
    assert "No payout details on file" in page and "Held: the payout details were changed" in page


def test_the_run_page_offers_the_files_of_its_run(client, team, manager):
    client.force_login(manager)
    run = team["Ana Reyes"].run
    page = client.get(reverse("payments:run_detail", args=[run.pk])).content.decode()
    assert f"{reverse('payments:payouts_export_file', args=['wise'])}?run={run.pk}" in page
    assert "Export for Wise (3)" in page


def test_a_manager_downloads_a_streamed_file_and_the_download_is_recorded(client, team, manager):
    client.force_login(manager)
    run = team["Ana Reyes"].run
    response = client.get(
        reverse("payments:payouts_export_file", args=["paypal"]) + f"?run={run.pk}&currency=EUR"
    )

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="payouts-all-run' in response["Content-Disposition"]
    assert rows_of(b"".join(response.streaming_content).decode())[0][:3] == [
        "dora@paypal.test",
        "80.00",
        "EUR",
    ]
    assert AuditLog.objects.get(verb="payouts.exported").actor == manager


def test_an_export_with_nothing_in_it_says_so_on_the_page(client, team, manager):
    Payout.objects.exclude(freelancer__legal_name="Finn Lowe").update(status=Payout.Status.DRAFT)
    client.force_login(manager)
    response = client.get(reverse("payments:payouts_export_file", args=["wise"]), follow=True)
    assert (
        "Nothing was exported: No approved payout can go into the Wise batch CSV" in response.content.decode()
    )


def test_an_agent_gets_403_and_another_programs_manager_404(client, team, manager, anchor):
    run = team["Ana Reyes"].run
    agent = UserFactory(role=User.Role.AGENT)
    team["Ana Reyes"].program.managers.add(agent)
    client.force_login(agent)
    assert client.get(reverse("payments:payouts_export_file", args=["wise"])).status_code == 403

    other_program = ProgramFactory()
    PayScheduleFactory(program=other_program, anchor_date=anchor)
    client.force_login(other_program.managers.first())
    url = reverse("payments:payouts_export_file", args=["wise"])
    assert client.get(url + f"?run={run.pk}").status_code == 404
    assert client.get(url + f"?program={team['Ana Reyes'].program.slug}").status_code == 404
    assert client.get(url + f"?period={run.period_id}").status_code == 404
    assert client.get(reverse("payments:payouts_export_file", args=["sepa"])).status_code == 404
    assert not AuditLog.objects.filter(verb="payouts.exported").exists()
