"""Money that is fixed cannot be changed in Django admin: paid time, closed and paid periods, adjustments,
payouts and the rate history. A POST to the change form answers 403 and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from contracts.models import RateChange
from payments.models import Adjustment, Payout, PayPeriod, TimeEntry
from payments.services import payout_run_execute, payout_run_start
from tests.accounts.factories import UserFactory
from tests.payments.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(program, contract, freelancer, ended_period_days):
    """Period 2 run and paid: a 2.00 h entry and a bonus in a paid payout."""
    entry = TimeEntryFactory(contract=contract, date=ended_period_days[0], hours=Decimal("2.00"))
    Adjustment.objects.create(
        freelancer=freelancer,
        program=program,
        kind="bonus",
        amount=Decimal("25.00"),
        currency="USD",
        reason="Great CSAT",
    )
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)
    payout = Payout.objects.get()
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.PAID)
    PayPeriod.objects.filter(pk=payout.period_id).update(status=PayPeriod.Status.PAID)
    entry.refresh_from_db()
    return entry, Adjustment.objects.get(), payout


@pytest.fixture
def staff_client(client):
    """A staff user with every payments and contracts permission (not a superuser)."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["payments", "contracts"])
    )
    client.force_login(user)
    return client


@pytest.fixture(params=["admin", "staff"])
def any_admin(request, admin_client):
    return admin_client if request.param == "admin" else request.getfixturevalue("staff_client")


def entry_form(entry, **changes):
    data = {
        "date": entry.date.isoformat(),
        "hours": str(entry.hours),
        "activity": entry.activity,
        "note": entry.note,
        "estimated_hours": "",
    }
    return {**data, **changes}


def test_a_paid_time_entry_cannot_be_changed_from_2_to_23_75_hours(any_admin, paid):
    entry, _adjustment, _payout = paid
    url = f"/admin/payments/timeentry/{entry.pk}/change/"

    assert any_admin.get(url).status_code == 200  # still readable
    response = any_admin.post(url, entry_form(entry, hours="23.75"))

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.00")
    assert any_admin.post(f"/admin/payments/timeentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_an_approved_entry_of_an_open_period_is_read_only_too(any_admin, contract):
    entry = TimeEntryFactory(contract=contract, date=datetime.date.today(), hours=Decimal("2.00"))
    response = any_admin.post(
        f"/admin/payments/timeentry/{entry.pk}/change/", entry_form(entry, hours="23.75")
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.00")


def test_a_draft_entry_stays_editable_but_not_its_status_or_period(any_admin, contract):
    entry = TimeEntryFactory(
        contract=contract, date=datetime.date.today(), hours=Decimal("2.00"), status=TimeEntry.Status.DRAFT
    )
    response = any_admin.post(
        f"/admin/payments/timeentry/{entry.pk}/change/", entry_form(entry, hours="2.50", status="approved")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.hours, entry.status) == (Decimal("2.50"), TimeEntry.Status.DRAFT)


def test_bulk_delete_leaves_paid_entries_alone(any_admin, paid):
    entry, _adjustment, _payout = paid
    any_admin.post(
        "/admin/payments/timeentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_a_paid_period_cannot_be_reopened(any_admin, paid):
    _entry, _adjustment, payout = paid
    period = PayPeriod.objects.get(pk=payout.period_id)
    data = {
        "program": period.program_id,
        "start_date": period.start_date.isoformat(),
        "end_date": period.end_date.isoformat(),
        "status": "open",
    }

    response = any_admin.post(f"/admin/payments/payperiod/{period.pk}/change/", data)

    assert response.status_code == 403
    period.refresh_from_db()
    assert period.status == PayPeriod.Status.PAID
    assert (
        any_admin.post(f"/admin/payments/payperiod/{period.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_a_closed_period_cannot_be_reopened(any_admin, program, contract, ended_period_days):
    TimeEntryFactory(contract=contract, date=ended_period_days[0])
    payout_run_start(program=program, enqueue=False)  # closes the period
    period = PayPeriod.objects.get(status=PayPeriod.Status.CLOSED)
    data = {
        "program": period.program_id,
        "start_date": period.start_date.isoformat(),
        "end_date": period.end_date.isoformat(),
        "status": "open",
    }
    assert any_admin.post(f"/admin/payments/payperiod/{period.pk}/change/", data).status_code == 403
    period.refresh_from_db()
    assert period.status == PayPeriod.Status.CLOSED


def test_an_open_periods_status_is_not_an_admin_field(any_admin, program):
    period = PayPeriod.objects.create(
        program=program, start_date=datetime.date(2030, 1, 7), end_date=datetime.date(2030, 1, 20)
    )
    data = {"program": program.pk, "start_date": "2030-01-07", "end_date": "2030-01-20", "status": "paid"}
    assert any_admin.post(f"/admin/payments/payperiod/{period.pk}/change/", data).status_code == 302
    period.refresh_from_db()
    assert period.status == PayPeriod.Status.OPEN


def test_a_paid_adjustment_cannot_be_changed_or_deleted(any_admin, paid):
    _entry, adjustment, _payout = paid
    data = {
        "freelancer": adjustment.freelancer_id,
        "program": adjustment.program_id,
        "kind": "bonus",
        "amount": "1000000000.00",
        "currency": "USD",
        "reason": "Great CSAT",
    }

    assert any_admin.post(f"/admin/payments/adjustment/{adjustment.pk}/change/", data).status_code == 403
    assert (
        any_admin.post(f"/admin/payments/adjustment/{adjustment.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    any_admin.post(
        "/admin/payments/adjustment/",
        {"action": "delete_selected", "_selected_action": [adjustment.pk], "post": "yes"},
    )
    assert any_admin.post("/admin/payments/adjustment/add/", data).status_code == 403

    adjustment.refresh_from_db()
    assert adjustment.amount == Decimal("25.00")
    assert Adjustment.objects.count() == 1


def test_a_payout_cannot_be_deleted(any_admin, paid):
    _entry, _adjustment, payout = paid
    assert any_admin.post(f"/admin/payments/payout/{payout.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Payout.objects.filter(pk=payout.pk).exists()


def test_the_rate_history_is_read_only(any_admin, contract):
    change = RateChange.objects.create(
        contract=contract,
        effective_date=datetime.date(2026, 3, 2),
        hourly_rate=Decimal("21.00"),
        reason="evaluation",
    )
    data = {
        "contract": contract.pk,
        "effective_date": "2026-03-02",
        "hourly_rate": "9999.00",
        "reason": "evaluation",
    }
    assert any_admin.post(f"/admin/contracts/ratechange/{change.pk}/change/", data).status_code == 403
    change.refresh_from_db()
    assert change.hourly_rate == Decimal("21.00")
    page = any_admin.get(f"/admin/contracts/contract/{contract.pk}/change/").content.decode()
    assert 'name="hourly_rate"' not in page  # shown, not editable


# ------------------------------------------------------------------ payout details: read-only and masked

IBAN_DE = "DE89370400440532013000"


@pytest.fixture
def bank_details():
    from payments.models import PayoutDetails
    from tests.accounts.factories import FreelancerFactory

    details = PayoutDetails(
        freelancer=FreelancerFactory(legal_name="Lena Fischer"),
        method="bank_transfer",
        account_holder_name="Lena Fischer",
        iban=IBAN_DE,
        bic="COBADEFF",
    )
    details.full_clean()
    details.save()
    return details


def test_payout_details_show_only_the_masked_iban_in_admin(any_admin, bank_details):
    listing = any_admin.get("/admin/payments/payoutdetails/")
    page = any_admin.get(f"/admin/payments/payoutdetails/{bank_details.pk}/change/")

    assert listing.status_code == page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert "Lena Fischer" in html and "····3000" in html
        assert IBAN_DE not in html and "0532013000" not in html
    assert 'name="iban"' not in page.content.decode()


def test_payout_details_with_an_account_number_are_masked_too(admin_client):
    from payments.models import PayoutDetails
    from tests.accounts.factories import FreelancerFactory

    details = PayoutDetails(
        freelancer=FreelancerFactory(),
        method="bank_transfer",
        account_holder_name="Ana Cruz",
        account_number="001234567890",
        bic="BOPIPHMM",
    )
    details.full_clean()
    details.save()
    html = admin_client.get(f"/admin/payments/payoutdetails/{details.pk}/change/").content.decode()
    assert "····7890" in html and "001234567890" not in html


def test_payout_details_are_searchable_by_freelancer_and_cannot_be_added_changed_or_deleted(
    any_admin, bank_details
):
    from payments.models import PayoutDetails

    assert "Lena Fischer" in any_admin.get("/admin/payments/payoutdetails/?q=fischer").content.decode()
    assert "Lena Fischer" not in any_admin.get("/admin/payments/payoutdetails/?q=nobody").content.decode()
    url = f"/admin/payments/payoutdetails/{bank_details.pk}"
    assert (
        any_admin.post(f"{url}/change/", {"method": "paypal", "paypal_email": "x@example.test"}).status_code
        == 403
    )
    assert any_admin.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    assert any_admin.post("/admin/payments/payoutdetails/add/", {}).status_code == 403
    bank_details.refresh_from_db()
    assert (bank_details.method, bank_details.iban) == ("bank_transfer", IBAN_DE)
    assert PayoutDetails.objects.count() == 1


def test_the_payout_details_changelist_does_not_query_per_row(admin_client, django_assert_max_num_queries):
    from tests.payments.factories import PayoutDetailsFactory

    PayoutDetailsFactory.create_batch(2)
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/admin/payments/payoutdetails/")
    PayoutDetailsFactory.create_batch(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get("/admin/payments/payoutdetails/").status_code == 200
