"""Paid trial tasks are paid once, as a one-off payout, to every candidate who did one, hired or not."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.errors import PaymentsError
from payments.models import Adjustment, Payout, TrialPayout
from payments.services import payout_run_start, trial_payout_mark_paid, trial_payouts_sync
from payments.services.trial_payouts import trial_payout_details_save
from recruiting.models import Application, TrialTask
from tests.accounts.factories import UserFactory
from tests.payments.factories import AdjustmentFactory
from tests.programs.factories import ProgramFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory, TrialTaskFactory

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"
BANK = {"method": "bank_transfer", "account_holder_name": "Ana Reyes", "iban": "DE89 3704 0044 0532 0130 00"}


@pytest.fixture
def posting(program):
    return PostingFactory(program=program, title="Weekend email support")


def _trial(
    posting,
    *,
    status="submitted",
    freelancer=None,
    stage=Application.Stage.TRIAL_TASK,
    email="ana@example.com",
    **kwargs,
):
    application = ApplicationFactory(
        posting=posting, stage=stage, freelancer=freelancer, full_name="Ana Reyes", email=email
    )
    return TrialTaskFactory(
        application=application,
        status=status,
        submitted_at=timezone.now(),
        amount=Decimal("37.45"),
        currency="USD",
        **kwargs,
    )


def _grade(trial):
    TrialTask.objects.filter(pk=trial.pk).update(status=TrialTask.Status.GRADED, graded_at=timezone.now())
    trial.refresh_from_db()
    return trial


def _page(trial):
    return reverse("payments:trial_payout_details", kwargs={"token": trial.token})


def test_a_candidate_not_hired_is_paid_once_in_the_next_run_with_a_statement(
    client, program, posting, manager, mailoutbox, django_capture_on_commit_callbacks
):
    trial = _trial(posting)
    response = client.post(_page(trial), BANK)
    assert response.status_code == 302
    _grade(trial)

    run = payout_run_start(program=program, enqueue=False)
    payout = TrialPayout.objects.get(trial_task=trial)
    assert payout.run_id == run.pk
    assert payout.amount == Decimal("37.45") and payout.currency == "USD"
    assert payout.description == "Paid trial task: Weekend email support"
    assert payout.iban == IBAN  # decrypted for paying, stored encrypted
    assert trial_payouts_sync(program=program, run=run) == []  # running twice pays once
    assert payout_run_start(program=program, enqueue=False).pk == run.pk
    assert TrialPayout.objects.filter(trial_task=trial).count() == 1
    assert not Adjustment.objects.exists() and not Payout.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        trial_payout_mark_paid(
            trial_payout=payout, paid_on=timezone.now().date(), reference="BANK-77", marked_by=manager
        )
    payout.refresh_from_db()
    assert payout.status == TrialPayout.Status.PAID and payout.paid_to == "Bank transfer · IBAN ····3000"
    mail = [m for m in mailoutbox if m.to == ["ana@example.com"]]
    assert len(mail) == 1
    assert "Paid trial task: Weekend email support: 37.45 USD" in mail[0].body
    assert IBAN not in mail[0].body and "····3000" in mail[0].body
    with pytest.raises(PaymentsError, match="already paid"):
        trial_payout_mark_paid(
            trial_payout=payout, paid_on=timezone.now().date(), reference="again", marked_by=manager
        )


def test_a_hired_candidate_is_paid_once_as_a_trial_payout_not_in_their_hours_payout(
    program, posting, freelancer
):
    trial = _grade(_trial(posting, freelancer=freelancer, stage=Application.Stage.HIRED))
    trial_payout_details_save(trial_task=trial, method="paypal", paypal_email="Ana@Example.com")
    run = payout_run_start(program=program, enqueue=False)
    trial_payouts_sync(program=program, run=run)
    assert list(TrialPayout.objects.values_list("trial_task_id", "run_id")) == [(trial.pk, run.pk)]
    assert not Adjustment.objects.filter(kind=Adjustment.Kind.PAID_TRIAL).exists()


def test_a_trial_already_paid_by_the_earlier_hired_path_is_not_paid_again(program, posting, freelancer):
    trial = _grade(_trial(posting, freelancer=freelancer, stage=Application.Stage.HIRED))
    AdjustmentFactory(
        freelancer=freelancer,
        program=program,
        kind=Adjustment.Kind.PAID_TRIAL,
        amount=Decimal("37.45"),
        source_key=f"recruiting:trial_task:{trial.pk}",
    )
    payout_run_start(program=program, enqueue=False)
    assert not TrialPayout.objects.exists()


def test_without_payout_details_it_waits_and_is_not_paid(admin_client, program, posting, manager):
    trial = _grade(_trial(posting))
    run = payout_run_start(program=program, enqueue=False)
    payout = TrialPayout.objects.get(trial_task=trial)
    assert payout.run_id is None and payout.status == TrialPayout.Status.PENDING
    with pytest.raises(PaymentsError, match="waiting"):
        trial_payout_mark_paid(
            trial_payout=payout, paid_on=timezone.now().date(), reference="X", marked_by=manager
        )
    admin_client.force_login(manager)
    page = admin_client.get(reverse("payments:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert "Waiting for payout details" in page and "Ana Reyes" in page and ">trial<" in page
    assert "Mark paid" not in page


def test_a_trial_not_graded_yet_is_not_paid(client, program, posting):
    trial = _trial(posting)
    client.post(_page(trial), BANK)
    run = payout_run_start(program=program, enqueue=False)
    assert TrialPayout.objects.get(trial_task=trial).run_id is None
    assert trial_payouts_sync(program=program, run=run) == []


def test_a_bad_iban_is_refused_and_nothing_is_saved(client, posting):
    trial = _trial(posting)
    response = client.post(_page(trial), {**BANK, "iban": "DE89370400440532013001"})
    assert response.status_code == 400
    assert "check digits do not match" in response.content.decode()
    assert "DE89370400440532013001" not in response.content.decode()
    assert not TrialPayout.objects.exists()


def test_the_details_are_never_rendered_back_only_masked(client, admin_client, program, posting, manager):
    trial = _trial(posting)
    client.post(_page(trial), BANK)
    page = client.get(_page(trial)).content.decode()
    assert (
        IBAN not in page
        and "3704" not in page
        and "Ana Reyes" not in page.split("On file now")[0].split("<form")[1]
    )
    assert "Bank transfer · IBAN ····3000" in page
    _grade(trial)
    run = payout_run_start(program=program, enqueue=False)
    admin_client.force_login(manager)
    manager_page = admin_client.get(reverse("payments:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert IBAN not in manager_page and "····3000" in manager_page and "Mark paid" in manager_page


@pytest.mark.parametrize("case", ["unknown", "unpaid", "not_submitted"])
def test_a_token_that_is_not_a_submitted_paid_trial_answers_404(client, posting, case):
    if case == "unknown":
        _trial(posting)
        url = reverse("payments:trial_payout_details", kwargs={"token": "not-a-real-token"})
    elif case == "unpaid":
        url = _page(
            TrialTaskFactory(
                application=ApplicationFactory(posting=posting),
                is_paid=False,
                amount=None,
                status="submitted",
            )
        )
    else:
        url = _page(TrialTaskFactory(application=ApplicationFactory(posting=posting), status="sent"))
    assert client.get(url).status_code == 404
    assert client.post(url, BANK).status_code == 404
    assert not TrialPayout.objects.exists()


def test_one_candidates_token_never_reaches_anothers_payout(client, posting):
    mine, theirs = _trial(posting), _trial(posting, email="ben@example.com")
    client.post(_page(mine), BANK)
    assert TrialPayout.objects.get().trial_task_id == mine.pk
    assert "None yet" in client.get(_page(theirs)).content.decode()


def test_another_programs_manager_cannot_mark_it_paid(client, program, posting):
    trial = _grade(_trial(posting))
    trial_payout_details_save(trial_task=trial, method="paypal", paypal_email="ana@example.com")
    payout_run_start(program=program, enqueue=False)
    payout = TrialPayout.objects.get()
    other = ProgramFactory().managers.first() or UserFactory()
    client.force_login(other)
    response = client.post(
        reverse("payments:trial_payout_paid", kwargs={"pk": payout.pk}),
        {"paid_on": timezone.now().date().isoformat(), "reference": "X"},
    )
    assert response.status_code in (403, 404)
    payout.refresh_from_db()
    assert payout.status == TrialPayout.Status.PENDING


def test_the_manager_marks_it_paid_from_the_run_page(client, program, posting, manager):
    trial = _grade(_trial(posting))
    trial_payout_details_save(
        trial_task=trial, method="wise", account_holder_name="Ana Reyes", wise_email="ana@example.com"
    )
    run = payout_run_start(program=program, enqueue=False)
    client.force_login(manager)
    response = client.post(
        reverse("payments:trial_payout_paid", kwargs={"pk": TrialPayout.objects.get().pk}),
        {"paid_on": (timezone.now().date() - datetime.timedelta(days=1)).isoformat(), "reference": "WISE-1"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/runs/{run.pk}/")
    assert TrialPayout.objects.get().status == TrialPayout.Status.PAID


def test_the_run_page_query_count_does_not_grow_with_trial_payouts(
    client, program, posting, manager, django_assert_max_num_queries
):
    trials = [_grade(_trial(posting, email=f"c{n}@example.com")) for n in range(2)]
    trial_payout_details_save(trial_task=trials[0], method="paypal", paypal_email="a@example.com")
    run = payout_run_start(program=program, enqueue=False)
    client.force_login(manager)
    url = reverse("payments:run_detail", kwargs={"pk": run.pk})
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        trial = _grade(_trial(posting, email=f"d{n}@example.com"))
        trial_payout_details_save(trial_task=trial, method="paypal", paypal_email="b@example.com")
    trial_payouts_sync(program=program, run=run)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_trial_page_leads_a_paid_trial_candidate_to_the_payout_details(client, posting):
    trial = TrialTaskFactory(application=ApplicationFactory(posting=posting), status="sent")
    trial_url = reverse("recruiting:trial_public", kwargs={"token": trial.token})
    answers = {f"answer_{i}": "A careful answer." for i in range(len(trial.support_questions))}
    done = client.post(trial_url, answers).content.decode()
    assert _page(trial) in done, done
    used = client.get(trial_url)
    assert used.status_code == 410 and _page(trial) in used.content.decode()
    assert client.get(_page(trial)).status_code == 200


def test_the_submitted_trial_page_and_its_link_send_the_candidate_to_the_payout_page(client, posting):
    # A paid trial already submitted: its link says where to be paid (recruiting asks payments for the path)
    trial = _trial(posting)
    page = client.get(reverse("recruiting:trial_public", kwargs={"token": trial.token}))
    assert page.status_code == 410
    assert _page(trial) in page.content.decode()
    # and an unpaid one says nothing of payout details
    unpaid = _trial(posting, email="bo@example.test")
    TrialTask.objects.filter(pk=unpaid.pk).update(is_paid=False, amount=None)
    page = client.get(reverse("recruiting:trial_public", kwargs={"token": unpaid.token}))
    assert "payout details" not in page.content.decode()
