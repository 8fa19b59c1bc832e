import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog, OutboxMessage
from payments.errors import PaymentsError
from payments.exports import GENERIC, payouts_export
from payments.models import Payout, PayoutDetails, PayoutRun, PayPeriod, payout_hold_reason
from payments.services import (
    payout_details_confirm,
    payout_details_rotate,
    payout_details_update,
    payout_run_execute,
    payout_run_start,
    payouts_approve,
    payouts_mark_paid,
)
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayoutDetailsFactory, TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db

IBAN_DE = "DE89370400440532013000"
IBAN_PL = "PL61109010140000071219812874"


def details_for(freelancer, **fields):
    details = PayoutDetails(freelancer=freelancer, **fields)
    details.full_clean()
    return details


def approved_payouts(program, days, people):
    for person in people:
        contract = ContractFactory(program=program, freelancer=person, start_date=datetime.date(2020, 1, 1))
        TimeEntryFactory(contract=contract, date=days[0], hours=Decimal("5"))
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payouts_approve(
        payouts=list(Payout.objects.filter(status=Payout.Status.DRAFT)), approved_by=program.managers.first()
    )
    return list(Payout.objects.order_by("freelancer__legal_name"))


# Validation (PayoutDetails.clean) --------------------------------------------------------------------------


def test_a_valid_iban_is_normalised_and_gives_the_bank_country():
    details = details_for(
        FreelancerFactory(),
        method="bank_transfer",
        account_holder_name="Ana Reyes",
        iban=" de89 3704 0044 0532 0130 00 ",
        bic="cobadeff",
    )
    assert (details.iban, details.bic, details.bank_country) == (IBAN_DE, "COBADEFF", "DE")
    assert details.summary == "Bank transfer · IBAN ····3000 · COBADEFF"


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89370400440532013001", "check digits do not match"),  # one digit off: the checksum catches it
        ("DE8937040044053201300", "wrong length"),
        ("XX89370400440532013000", "country code"),
    ],
)
def test_an_invalid_iban_is_refused_with_the_reason(iban, message):
    with pytest.raises(ValidationError) as error:
        details_for(FreelancerFactory(), method="bank_transfer", account_holder_name="Ana", iban=iban)
    assert message in error.value.message_dict["iban"][0]


def test_an_invalid_bic_is_refused_and_so_is_a_bic_of_another_country_than_the_iban():
    with pytest.raises(ValidationError) as error:
        details_for(
            FreelancerFactory(),
            method="bank_transfer",
            account_holder_name="Ana",
            account_number="123456789",
            bic="DEUT12",
        )
    assert "SWIFT/BIC" in error.value.message_dict["bic"][0]
    with pytest.raises(ValidationError) as error:
        details_for(
            FreelancerFactory(),
            method="bank_transfer",
            account_holder_name="Ana",
            iban=IBAN_DE,
            bank_country="PL",
        )
    assert error.value.message_dict["bank_country"] == ["The account is in DE, not PL."]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"method": "bank_transfer", "account_holder_name": "Ana"},
            "iban",
            "Enter your IBAN, or an account number",
        ),
        ({"method": "bank_transfer", "iban": IBAN_DE}, "account_holder_name", "name on the bank account"),
        (
            {"method": "bank_transfer", "account_holder_name": "Ana", "account_number": "50100234567812"},
            "bic",
            "enter your bank's SWIFT/BIC",
        ),
        (
            {
                "method": "bank_transfer",
                "account_holder_name": "Ana",
                "iban": IBAN_DE,
                "account_number": "1234567",
            },
            "account_number",
            "not both",
        ),
        ({"method": "wise"}, "wise_email", "Wise account"),
        ({"method": "paypal", "wise_email": "ana@example.test"}, "paypal_email", "PayPal account"),
        ({"method": "payoneer", "payoneer_id": "x"}, "payoneer_id", "Payoneer ID"),
    ],
)
def test_each_method_requires_its_own_fields(fields, field, message):
    with pytest.raises(ValidationError) as error:
        details_for(FreelancerFactory(), **fields)
    assert message in error.value.message_dict[field][0]


def test_an_account_number_with_bic_is_a_bank_transfer_outside_iban_countries():
    details = details_for(
        FreelancerFactory(),
        method="bank_transfer",
        account_holder_name="Priya Nair",
        account_number="5010 0234 5678 12",
        bic="HDFCINBB",
    )
    assert (details.account_number, details.bank_country) == ("50100234567812", "IN")
    assert details.summary == "Bank transfer · account ····7812 · HDFCINBB"


def test_the_fields_of_another_method_are_cleared():
    details = details_for(
        FreelancerFactory(),
        method="paypal",
        paypal_email="Ana@Example.test",
        iban=IBAN_DE,
        bic="COBADEFF",
        wise_email="ana@wise.test",
        payoneer_id="123",
        account_holder_name="Ana",
        legacy_note="old text",
    )
    assert details.paypal_email == "ana@example.test"
    assert [getattr(details, name) for name in PayoutDetails.DETAIL_FIELDS if name != "paypal_email"] == [
        ""
    ] * 8


def test_the_bank_account_is_encrypted_at_rest():
    freelancer = FreelancerFactory()
    details = details_for(freelancer, method="bank_transfer", account_holder_name="Ana", iban=IBAN_DE)
    details.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT iban, account_number FROM payments_payoutdetails WHERE id = %s", [details.pk])
        stored_iban, stored_account = cursor.fetchone()
    assert IBAN_DE not in stored_iban and stored_iban.startswith("gAAAAA")  # a Fernet token
    assert stored_account == ""
    assert PayoutDetails.objects.get(pk=details.pk).iban == IBAN_DE


def test_rotating_the_vault_key_re_encrypts_bank_accounts_so_the_old_key_can_go(settings):
    from cryptography.fernet import Fernet

    details = details_for(
        FreelancerFactory(), method="bank_transfer", account_holder_name="Ana", iban=IBAN_DE
    )
    details.save()
    old_key, new_key = settings.VAULT_KEYS[0], Fernet.generate_key().decode()
    settings.VAULT_KEYS = [new_key, old_key]
    assert payout_details_rotate() == 1
    settings.VAULT_KEYS = [new_key]
    assert PayoutDetails.objects.get(pk=details.pk).iban == IBAN_DE


# Changing them: audit and e-mail --------------------------------------------------------------------------


def test_a_change_is_audited_masked_and_emailed_to_the_freelancer(
    django_capture_on_commit_callbacks, mailoutbox
):
    freelancer = FreelancerFactory(user__email="ana@example.test", legal_name="Ana Reyes")
    PayoutDetailsFactory(freelancer=freelancer, wise_email="ana@wise.test")

    with django_capture_on_commit_callbacks(execute=True):
        details = payout_details_update(
            freelancer=freelancer,
            changed_by=freelancer.user,
            method="bank_transfer",
            account_holder_name="Ana Reyes",
            iban=IBAN_PL,
            ip_address="203.0.113.9",
        )

    assert details.changed_at > timezone.now() - datetime.timedelta(minutes=1)
    assert (details.method, details.wise_email, details.bank_country) == ("bank_transfer", "", "PL")
    audit = AuditLog.objects.get(verb="payout_details.changed")
    assert audit.actor == freelancer.user and audit.ip_address == "203.0.113.9"
    assert audit.data == {
        "fields": ["method", "iban", "bank_country", "wise_email"],
        "before": "Wise · a•••@wise.test",
        "after": "Bank transfer · IBAN ····2874",
    }
    assert IBAN_PL not in str(audit.data)
    message = OutboxMessage.objects.get()
    assert message.payload["to"] == ["ana@example.test"]
    assert "not you" in message.payload["subject"].lower()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ana@example.test"]
    assert "Not you? Contact your program manager" in mail.body
    assert (
        "Before: Wise · a•••@wise.test" in mail.body and "Now:    Bank transfer · IBAN ····2874" in mail.body
    )
    assert IBAN_PL not in mail.body
    assert "http://testserver/portal/payouts/details/" in mail.body


def test_saving_the_same_details_again_changes_nothing_and_mails_nobody():
    freelancer = FreelancerFactory()
    first = payout_details_update(
        freelancer=freelancer, changed_by=freelancer.user, method="paypal", paypal_email="ana@example.test"
    )
    again = payout_details_update(
        freelancer=freelancer, changed_by=freelancer.user, method="paypal", paypal_email=" ANA@example.test "
    )
    assert again.changed_at == first.changed_at
    assert AuditLog.objects.filter(verb="payout_details.changed").count() == 1
    assert OutboxMessage.objects.count() == 1


def test_invalid_details_change_nothing():
    freelancer = FreelancerFactory()
    PayoutDetailsFactory(freelancer=freelancer, wise_email="ana@wise.test")
    with pytest.raises(ValidationError):
        payout_details_update(
            freelancer=freelancer,
            changed_by=freelancer.user,
            method="bank_transfer",
            account_holder_name="Ana",
            iban="DE89370400440532013001",
        )
    with pytest.raises(PaymentsError, match="Choose how"):
        payout_details_update(freelancer=freelancer, changed_by=freelancer.user, method="")
    details = PayoutDetails.objects.get(freelancer=freelancer)
    assert (details.method, details.wise_email, details.iban) == ("wise", "ana@wise.test", "")
    assert not AuditLog.objects.filter(verb="payout_details.changed").exists()
    assert not OutboxMessage.objects.exists()


# The portal page ------------------------------------------------------------------------------------------


def test_the_portal_page_shows_the_account_masked_and_saves_a_change(
    client, django_capture_on_commit_callbacks
):
    freelancer = FreelancerFactory()
    PayoutDetailsFactory(
        freelancer=freelancer,
        method="bank_transfer",
        wise_email="",
        iban=IBAN_DE,
        bic="COBADEFF",
        bank_country="DE",
    )
    client.force_login(freelancer.user)
    url = reverse("payments:portal_payout_details")
    page = client.get(url).content.decode()
    assert "····3000" in page and IBAN_DE not in page

    # the IBAN left blank keeps the one on file; a new BIC of the same country is a change
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "method": "bank_transfer",
                "account_holder_name": freelancer.legal_name,
                "iban": "",
                "bic": "DEUTDEFF",
            },
        )
    assert response.status_code == 302
    details = PayoutDetails.objects.get(freelancer=freelancer)
    assert (details.iban, details.bic) == (IBAN_DE, "DEUTDEFF")
    assert AuditLog.objects.filter(verb="payout_details.changed", actor=freelancer.user).count() == 1


def test_the_portal_page_shows_field_errors_and_saves_nothing(client):
    freelancer = FreelancerFactory()
    client.force_login(freelancer.user)
    response = client.post(
        reverse("payments:portal_payout_details"),
        {"method": "bank_transfer", "account_holder_name": "Ana", "iban": "DE89370400440532013001"},
    )
    assert response.status_code == 400
    assert "check digits do not match" in response.content.decode()
    assert not PayoutDetails.objects.filter(freelancer=freelancer).exists()
    assert not OutboxMessage.objects.exists()


def test_the_portal_page_is_for_freelancers(client, program):
    client.force_login(program.managers.first())
    assert client.get(reverse("payments:portal_payout_details")).status_code == 403


# The hold -------------------------------------------------------------------------------------------------


@pytest.fixture
def held(program, ended_period_days):
    """Two approved payouts: Ana's details changed two days ago (held), Bea's months ago (not held)."""
    ana, bea = FreelancerFactory(legal_name="Ana Reyes"), FreelancerFactory(legal_name="Bea Lind")
    PayoutDetailsFactory(
        freelancer=ana, wise_email="ana@wise.test", changed_at=timezone.now() - datetime.timedelta(days=2)
    )
    PayoutDetailsFactory(freelancer=bea, wise_email="bea@wise.test")
    return approved_payouts(program, ended_period_days, [ana, bea])


def test_a_payout_is_held_for_seven_days_after_a_change_of_details(held):
    ana_payout, bea_payout = held
    details = ana_payout.freelancer.payout_details
    assert "changed on" in payout_hold_reason(payout=ana_payout, details=details)
    assert payout_hold_reason(payout=bea_payout, details=bea_payout.freelancer.payout_details) == ""
    eight_days_later = details.changed_at + datetime.timedelta(days=7, minutes=1)
    assert payout_hold_reason(payout=ana_payout, details=details, now=eight_days_later) == ""
    assert payout_hold_reason(payout=ana_payout, details=None) == ""


def test_a_held_payout_cannot_be_marked_paid_and_the_batch_changes_nothing(held, manager):
    with pytest.raises(PaymentsError, match="is not paid: Held"):
        payouts_mark_paid(payouts=held, paid_on=timezone.now().date(), reference="B-1", marked_by=manager)
    assert set(Payout.objects.values_list("status", flat=True)) == {Payout.Status.APPROVED}


def test_the_export_leaves_held_payouts_and_payouts_without_details_out(
    program, held, manager, ended_period_days
):
    export = payouts_export(payouts=Payout.objects.all(), export_format=GENERIC, exported_by=manager)
    rows = list(csv.reader(io.StringIO("".join(export.lines))))
    assert [row[0] for row in rows[1:]] == ["Bea Lind"]
    audit = AuditLog.objects.get(verb="payouts.exported")
    assert (audit.data["count"], [item["reference"] for item in audit.data["left_out"]]) == (
        1,
        [held[0].reference],
    )
    assert audit.data["left_out"][0]["reason"].startswith("Held")


def test_a_manager_confirms_the_details_and_the_payout_can_be_paid(client, held, manager):
    ana_payout = held[0]
    client.force_login(manager)
    page = client.get(reverse("payments:payout_detail", args=[ana_payout.pk])).content.decode()
    assert "On hold." in page and "Confirm details" in page

    response = client.post(reverse("payments:payout_action", args=[ana_payout.pk, "confirm-details"]))

    assert response.status_code == 302
    ana_payout.refresh_from_db()
    assert ana_payout.details_confirmed_by == manager
    assert ana_payout.hold_reason == ""
    audit = AuditLog.objects.get(verb="payout.details_confirmed")
    assert audit.actor == manager and audit.data["details"] == "Wise · a•••@wise.test"
    assert (
        payouts_mark_paid(payouts=held, paid_on=timezone.now().date(), reference="B-2", marked_by=manager)
        == 2
    )
    assert Payout.objects.get(pk=ana_payout.pk).payout_method == "Wise · a•••@wise.test"


def test_a_change_after_the_confirmation_holds_the_payout_again(held, manager):
    ana_payout = payout_details_confirm(payout=held[0], confirmed_by=manager)
    freelancer = ana_payout.freelancer
    payout_details_update(
        freelancer=freelancer,
        changed_by=freelancer.user,
        method="paypal",
        paypal_email="someone.else@example.test",
    )
    ana_payout.refresh_from_db()
    assert ana_payout.hold_reason.startswith("Held")
    with pytest.raises(PaymentsError, match="not held"):
        payout_details_confirm(payout=held[1], confirmed_by=manager)


def test_agents_freelancers_and_other_managers_cannot_release_a_hold(client, program, held):
    ana_payout = held[0]
    url = reverse("payments:payout_action", args=[ana_payout.pk, "confirm-details"])
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.post(url).status_code == 403
    client.force_login(ana_payout.freelancer.user)
    assert client.post(url).status_code == 403
    client.force_login(ProgramFactory().managers.first())
    assert client.post(url).status_code == 404
    ana_payout.refresh_from_db()
    assert ana_payout.details_confirmed_at is None and ana_payout.hold_reason
    assert not AuditLog.objects.filter(verb="payout.details_confirmed").exists()


def test_the_payout_list_flags_held_payouts_in_a_constant_number_of_queries(
    client, program, manager, ended_period_days, django_assert_max_num_queries
):
    recent = timezone.now() - datetime.timedelta(days=1)
    people = [FreelancerFactory(legal_name=f"Person {i:02d}") for i in range(8)]
    for i, person in enumerate(people):
        PayoutDetailsFactory(
            freelancer=person, changed_at=recent if i % 2 else recent - datetime.timedelta(days=30)
        )
    approved_payouts(program, ended_period_days, people[:2])
    client.force_login(manager)
    url = reverse("payments:payouts")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).content.decode().count("Held: details changed") == 1
    PayoutRun.objects.all().delete()
    PayPeriod.objects.update(status=PayPeriod.Status.OPEN)
    approved_payouts(program, ended_period_days, people[2:])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count("Held: details changed") == 4


def test_the_demo_has_structured_details_and_one_held_payout_in_the_batch_to_approve(settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    assert PayoutDetails.objects.count() == 9 and not PayoutDetails.objects.filter(method="").exists()
    drafts = Payout.objects.filter(status=Payout.Status.DRAFT).select_related("freelancer__payout_details")
    assert [p.freelancer.legal_name for p in drafts if p.hold_reason] == ["Marta Kowalska"]
