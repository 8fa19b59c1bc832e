"""/manage/payments/runs/: start the run of any ended period, and pay a leaving freelancer off-cycle."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract
from payments.models import Payout, PayoutRun, PayPeriod
from tests.accounts.factories import UserFactory
from tests.contracts.factories import ContractFactory
from tests.payments.factories import PayScheduleFactory, TimeEntryFactory
from tests.programs.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_runs_page_offers_both_forms_and_lists_the_leaving_freelancers(
    client, manager, contract, leaving
):
    client.force_login(manager)
    page = client.get("/manage/payments/runs/").content.decode()
    assert 'action="/manage/payments/runs/"' in page and 'name="day"' in page
    assert 'action="/manage/payments/runs/off-cycle/"' in page and 'name="freelancer"' in page
    off_cycle = page[page.index('action="/manage/payments/runs/off-cycle/"') :]
    assert f'<option value="{leaving.pk}">{leaving}</option>' in off_cycle
    assert f">{contract.freelancer}</option>" not in off_cycle  # staying: paid by the regular run


def test_starting_an_ended_period_by_a_day_in_it_then_again_changes_nothing(
    client, program, manager, contract, ended_period_days, django_capture_on_commit_callbacks
):
    for day in ended_period_days[:3]:
        TimeEntryFactory(contract=contract, date=day, hours=Decimal("2.50"))
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eagerly) after commit
        response = client.post(
            "/manage/payments/runs/", {"program": program.pk, "day": ended_period_days[5]}, follow=True
        )
    run = PayoutRun.objects.get()
    assert response.redirect_chain[-1][0] == f"/manage/payments/runs/{run.pk}/"
    assert messages_of(response) == [f"Payout run for {run.period} started."]
    assert (run.period.start_date, run.triggered_by) == (ended_period_days[0], manager)
    run.refresh_from_db()
    assert run.status == PayoutRun.Status.COMPLETED
    assert Payout.objects.get().total == Decimal("150.00")  # 7.5 h × 20.00

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            "/manage/payments/runs/", {"program": program.pk, "day": ended_period_days[0]}, follow=True
        )
    assert messages_of(again) == [
        f"The payout run for {run.period} had already completed: nothing was changed."
    ]
    assert (PayoutRun.objects.count(), Payout.objects.count()) == (1, 1)


def test_a_pending_run_started_again_resumes_and_says_so(client, program, manager, ended_period_days):
    client.force_login(manager)
    client.post("/manage/payments/runs/", {"program": program.pk, "day": ended_period_days[0]})
    again = client.post(
        "/manage/payments/runs/", {"program": program.pk, "day": ended_period_days[0]}, follow=True
    )
    assert (
        "was already started" in messages_of(again)[-1]
        and "nothing else was changed" in messages_of(again)[-1]
    )
    assert PayoutRun.objects.count() == 1


@pytest.mark.parametrize("days_ahead", [0, 20])
def test_the_current_or_a_future_period_is_refused_with_a_clear_error(client, program, manager, days_ahead):
    client.force_login(manager)
    day = timezone.now().date() + datetime.timedelta(days=days_ahead)
    response = client.post("/manage/payments/runs/", {"program": program.pk, "day": day})
    assert response.status_code == 400
    error = response.context["run_form"].errors["day"][0]
    assert "has not ended yet; it can be run from" in error
    assert not PayoutRun.objects.exists()
    assert not PayPeriod.objects.exclude(status=PayPeriod.Status.OPEN).exists()


def test_a_missing_day_is_a_field_error(client, program, manager):
    client.force_login(manager)
    response = client.post("/manage/payments/runs/", {"program": program.pk, "day": "soon"})
    assert response.status_code == 400 and "day" in response.context["run_form"].errors
    assert not PayoutRun.objects.exists()


def test_another_managers_program_is_not_found_and_an_agent_is_refused(
    client, program, manager, ended_period_days
):
    other = ProgramFactory()
    PayScheduleFactory(program=other)
    client.force_login(manager)
    assert (
        client.post("/manage/payments/runs/", {"program": other.pk, "day": ended_period_days[0]}).status_code
        == 404
    )
    agent = UserFactory(role=User.Role.AGENT)
    program.managers.add(agent)
    client.force_login(agent)
    assert (
        client.post(
            "/manage/payments/runs/", {"program": program.pk, "day": ended_period_days[0]}
        ).status_code
        == 403
    )
    assert client.post("/manage/payments/runs/off-cycle/", {"program": program.pk}).status_code == 403
    assert not PayoutRun.objects.exists()


@pytest.fixture
def leaving(program):
    """A freelancer whose contract ends today, with 3 h approved today (the open period)."""
    today = timezone.now().date()
    contract = ContractFactory(
        program=program,
        hourly_rate=Decimal("18.40"),
        currency="USD",
        start_date=datetime.date(2020, 1, 1),
        end_date=today,
    )
    TimeEntryFactory(contract=contract, date=today, hours=Decimal("3.25"))
    return contract.freelancer


def test_the_off_cycle_payout_from_the_runs_page_then_again_changes_nothing(
    client, program, manager, leaving
):
    client.force_login(manager)
    response = client.post(
        "/manage/payments/runs/off-cycle/", {"program": program.pk, "freelancer": leaving.pk}, follow=True
    )
    payout = Payout.objects.get()
    assert response.redirect_chain[-1][0] == f"/manage/payments/payouts/{payout.pk}/"
    assert (payout.hours, payout.total, payout.run) == (
        Decimal("3.25"),
        Decimal("59.80"),
        None,
    )  # 3.25 × 18.40
    assert messages_of(response)[0].startswith(
        f"Off-cycle payout {payout.reference} made for {leaving.legal_name}: 3.25 h,"
    )

    again = client.post(
        "/manage/payments/runs/off-cycle/", {"program": program.pk, "freelancer": leaving.pk}, follow=True
    )
    assert messages_of(again) == [
        f"{leaving.legal_name} already has the payout {payout.reference} for this period: "
        "nothing was changed."
    ]
    assert Payout.objects.count() == 1


def test_off_cycle_for_a_freelancer_who_stays_is_a_clear_error(client, program, manager, contract):
    TimeEntryFactory(contract=contract, date=timezone.now().date())
    client.force_login(manager)
    response = client.post(
        "/manage/payments/runs/off-cycle/", {"program": program.pk, "freelancer": contract.freelancer.pk}
    )
    assert response.status_code == 400
    assert "is not leaving" in response.context["off_cycle_form"].errors["freelancer"][0]
    assert not Payout.objects.exists()


def test_off_cycle_for_a_freelancer_of_another_program_is_not_found(client, program, manager):
    elsewhere = ContractFactory(status=Contract.Status.ENDED, end_date=timezone.now().date())
    TimeEntryFactory(contract=elsewhere, date=timezone.now().date())
    client.force_login(manager)
    response = client.post(
        "/manage/payments/runs/off-cycle/", {"program": program.pk, "freelancer": elsewhere.freelancer.pk}
    )
    assert response.status_code == 404
    assert not Payout.objects.exists()
