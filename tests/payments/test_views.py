import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from payments.models import ExchangeRate, Payout, PayoutRequest, TimeEntry
from payments.services import payout_run_execute, payout_run_start
from tests.accounts.factories import FreelancerFactory, UserFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import ExchangeRateFactory, PayoutDetailsFactory, TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def make_payouts(program, days, count):
    for _ in range(count):
        contract = ContractFactory(program=program, start_date=datetime.date(2020, 1, 1))
        TimeEntryFactory(contract=contract, date=days[0], hours=Decimal("3"))
    run = payout_run_start(program=program, enqueue=False)
    payout_run_execute(run_id=run.pk)


# Access ------------------------------------------------------------------------------------------------------


def test_a_freelancer_sees_only_their_own_statements(client, program, ended_period_days):
    make_payouts(program, ended_period_days, 2)
    mine, theirs = Payout.objects.order_by("pk")
    client.force_login(mine.freelancer.user)
    assert client.get(reverse("payments:portal_statement", args=[mine.pk])).status_code == 200
    assert client.get(reverse("payments:portal_statement", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("payments:portal_payouts")).content.decode()
    assert reverse("payments:portal_statement", args=[mine.pk]) in page
    assert reverse("payments:portal_statement", args=[theirs.pk]) not in page


def test_another_programs_manager_gets_404_everywhere(client, program, ended_period_days):
    make_payouts(program, ended_period_days, 1)
    payout = Payout.objects.get()
    entry = TimeEntry.objects.get()
    stranger = ProgramFactory().managers.first()
    client.force_login(stranger)
    assert client.get(reverse("payments:payout_detail", args=[payout.pk])).status_code == 404
    assert client.get(reverse("payments:statement", args=[payout.pk])).status_code == 404
    assert client.get(reverse("payments:run_detail", args=[payout.run_id])).status_code == 404
    assert client.post(reverse("payments:payout_action", args=[payout.pk, "approve"])).status_code == 404
    assert client.post(reverse("payments:entry_review", args=[entry.pk, "approve"])).status_code == 404
    assert client.get(reverse("payments:approvals") + f"?program={program.slug}").status_code == 404
    assert payout.reference not in client.get(reverse("payments:payouts")).content.decode()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.DRAFT


def test_agents_and_freelancers_cannot_use_the_manager_pages(client, program):
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert client.get(reverse("payments:home")).status_code == 403
    client.force_login(FreelancerFactory().user)
    assert client.get(reverse("payments:payouts")).status_code == 403


# Pages and actions ---------------------------------------------------------------------------------------------


def test_a_freelancer_logs_time_and_bad_input_shows_a_clear_error(client, freelancer, program, contract):
    client.force_login(freelancer.user)
    today = timezone.now().date()
    response = client.post(
        reverse("payments:timesheet"),
        {
            "program": program.pk,
            "date": today,
            "hours": "-2",
            "activity": "tickets",
        },
    )
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    response = client.post(
        reverse("payments:timesheet"),
        {
            "program": program.pk,
            "date": today,
            "hours": "2.5",
            "activity": "tickets",
            "note": "<b>hi</b>",
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page
    assert TimeEntry.objects.get().hours == Decimal("2.50")


def test_an_estimate_on_a_tickets_entry_is_a_field_error_not_a_500(client, freelancer, program, contract):
    client.force_login(freelancer.user)
    data = {
        "program": program.pk,
        "date": timezone.now().date(),
        "hours": "2",
        "activity": "tickets",
        "estimated_hours": "1.5",
    }
    response = client.post(reverse("payments:timesheet"), data)
    assert response.status_code == 400
    assert "non-ticket" in str(response.context["form"].errors["estimated_hours"])
    assert not TimeEntry.objects.exists()
    entry = TimeEntryFactory(
        freelancer=freelancer,
        program=program,
        contract=contract,
        activity="tickets",
        status=TimeEntry.Status.DRAFT,
    )
    response = client.post(reverse("payments:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 400
    assert "non-ticket" in str(response.context["form"].errors["estimated_hours"])
    entry.refresh_from_db()
    assert entry.estimated_hours is None


def test_manager_approves_an_entry_with_htmx(client, manager, contract, anchor):
    entry = TimeEntryFactory(
        contract=contract, date=anchor + datetime.timedelta(days=29), status=TimeEntry.Status.SUBMITTED
    )
    client.force_login(manager)
    response = client.post(
        reverse("payments:entry_review", args=[entry.pk, "approve"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="entry-' in response.content.decode() and "Approved" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == TimeEntry.Status.APPROVED


def test_run_start_from_the_periods_page_refuses_a_period_that_has_not_ended(
    client, manager, contract, freelancer
):
    from payments.services import pay_period_for

    period = pay_period_for(program=contract.program, day=timezone.now().date())
    client.force_login(manager)
    response = client.post(reverse("payments:run_start"), {"period": period.pk}, follow=True)
    assert "has not ended yet" in response.content.decode()
    assert not period.runs.exists()


def test_run_progress_polls_while_active_and_stops_after(client, manager, program, ended_period_days):
    make_payouts(program, ended_period_days, 1)
    run = Payout.objects.get().run
    client.force_login(manager)
    done = client.get(reverse("payments:run_progress", args=[run.pk])).content.decode()
    assert "hx-trigger" not in done and "1 payouts created" in done
    type(run).objects.filter(pk=run.pk).update(status="running", total_count=1000, done_count=250)
    active = client.get(reverse("payments:run_progress", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in active and "25 %" in active


def test_exchange_rate_zero_through_the_page_is_refused(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("payments:exchange_rates"),
        {
            "on_date": "2026-03-02",
            "base_currency": "USD",
            "quote_currency": "EUR",
            "rate": "0",
        },
    )
    assert response.status_code == 400
    assert "more than zero" in response.content.decode()
    assert not ExchangeRate.objects.exists()


def test_export_csv_download(client, manager, program, ended_period_days):
    make_payouts(program, ended_period_days, 2)
    Payout.objects.update(status=Payout.Status.APPROVED)
    for payout in Payout.objects.all():
        PayoutDetailsFactory(freelancer=payout.freelancer)
    client.force_login(manager)
    response = client.get(reverse("payments:payouts_export") + f"?program={program.slug}")
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).decode().count("\n") == 3


def test_a_request_above_balance_through_the_portal_is_refused(client, freelancer, program, contract):
    client.force_login(freelancer.user)
    response = client.post(reverse("payments:portal_payouts"), {"program": program.pk, "amount": "10"})
    assert response.status_code == 400
    assert "no approved, unpaid earnings" in response.content.decode()
    assert not PayoutRequest.objects.exists()


# Query counts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["payouts", "periods", "runs", "home", "approvals", "requests", "adjustments", "exchange_rates"],
)
def test_manager_list_pages_do_a_constant_number_of_queries(
    client, program, manager, ended_period_days, anchor, url_name, django_assert_max_num_queries
):
    def grow(n):
        make_payouts(program, ended_period_days, n)
        for payout in Payout.objects.filter(status="draft"):
            TimeEntryFactory(
                contract=payout.freelancer.contracts.first(),
                date=anchor + datetime.timedelta(days=29),
                status=TimeEntry.Status.SUBMITTED,
            )
            PayoutRequest.objects.create(
                freelancer=payout.freelancer,
                program=program,
                amount=Decimal("1"),
                currency="USD",
                payout_currency="USD",
            )
            ExchangeRateFactory(on_date=payout.period.start_date + datetime.timedelta(days=payout.pk % 30))
        Payout.objects.update(status="approved")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    grow(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(f"payments:{url_name}")).status_code == 200
    Payout.objects.all().delete()
    from payments.models import PayoutRun, PayPeriod

    PayoutRun.objects.all().delete()
    PayPeriod.objects.update(status="open")
    grow(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(f"payments:{url_name}")).status_code == 200


@pytest.mark.parametrize("url_name", ["timesheet", "portal_payouts"])
def test_portal_pages_do_a_constant_number_of_queries(
    client, freelancer, contract, anchor, url_name, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(freelancer.user)
    monday = anchor + datetime.timedelta(days=28)
    TimeEntryFactory(contract=contract, date=monday)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(f"payments:{url_name}") + f"?week={monday}")
    for i in range(10):
        TimeEntryFactory(
            contract=contract, date=monday + datetime.timedelta(days=i % 5), hours=Decimal("0.5")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(f"payments:{url_name}") + f"?week={monday}").status_code == 200
