"""A trial link that leads nowhere gets the branded page, DEBUG on or off (unknown 404; submitted, expired or
withdrawn 410); and the hire confirmation links to the draft contract it made."""

import datetime
import re

import pytest
from django.utils import timezone

from contracts.models import Contract
from recruiting.models import Application, TrialTask
from tests.accounts.factories import LanguageFactory
from tests.core.test_dead_ends import assert_branded_dead_end, without_csrf
from tests.programs.factories import ProgramScheduleFactory
from tests.recruiting.factories import ApplicationFactory, TrialTaskFactory

pytestmark = pytest.mark.django_db

DEBUG = pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
ANSWERS = {"answer_0": "It ships Monday.", "answer_1": "Here is a reset link."}


@DEBUG
def test_an_unknown_trial_link_is_a_branded_404_that_tells_nothing(client, settings, debug):
    settings.DEBUG = debug
    real = TrialTaskFactory()
    first = assert_branded_dead_end(client.get("/trial/not-a-real-token/"), status=404, state="unknown")
    tampered = assert_branded_dead_end(
        client.post(f"/trial/{real.token[:-1]}x/", ANSWERS), status=404, state="unknown"
    )
    assert "trial task link" in first.lower()
    assert real.application.posting.title not in first and real.application.full_name not in first
    assert without_csrf(first) == without_csrf(tampered)


@DEBUG
def test_a_submitted_trial_link_says_when_and_keeps_the_answers(client, settings, debug):
    settings.DEBUG = debug
    trial = TrialTaskFactory()
    url = f"/trial/{trial.token}/"
    assert client.post(url, ANSWERS).status_code == 200
    html = assert_branded_dead_end(client.get(url), status=410, state="used")
    assert "already submitted on" in html and "the hiring team will get back to you" in html
    assert_branded_dead_end(
        client.post(url, {"answer_0": "changed", "answer_1": "changed"}), status=410, state="used"
    )
    trial.refresh_from_db()
    assert trial.answers[0]["answer"] == "It ships Monday."


@DEBUG
def test_an_expired_trial_link_says_so_and_takes_nothing(client, settings, debug):
    settings.DEBUG = debug
    trial = TrialTaskFactory(
        deadline=timezone.now() - datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    html = assert_branded_dead_end(client.get(f"/trial/{trial.token}/"), status=410, state="expired")
    assert "This trial task link has expired" in html and "deadline for this trial task has passed" in html
    assert_branded_dead_end(client.post(f"/trial/{trial.token}/", ANSWERS), status=410, state="expired")
    trial.refresh_from_db()
    assert trial.status == TrialTask.Status.SENT


@DEBUG
def test_a_cancelled_trial_link_says_it_was_withdrawn(client, settings, debug):
    settings.DEBUG = debug
    trial = TrialTaskFactory(status=TrialTask.Status.CANCELLED)
    html = assert_branded_dead_end(client.get(f"/trial/{trial.token}/"), status=410, state="withdrawn")
    assert "This trial task link was withdrawn" in html


def test_an_anonymised_applications_trial_link_is_unknown(client):
    trial = TrialTaskFactory()
    Application.objects.filter(pk=trial.application_id).update(anonymised_at=timezone.now())
    assert_branded_dead_end(client.get(f"/trial/{trial.token}/"), status=404, state="unknown")


# ------------------------------------------------------------------ the hire confirmation


def test_the_hire_confirmation_links_to_the_draft_contract_it_made(manager_client, posting):
    ProgramScheduleFactory(program=posting.program, freelancers_needed=5)
    offer = ApplicationFactory(
        posting=posting,
        stage=Application.Stage.OFFER,
        full_name="Ana <b>Reyes</b>",
        email="ana@example.test",
        time_zone="Asia/Manila",
    )
    offer.languages.set([LanguageFactory(code="en")])
    data = {"hourly_rate": "14.00", "currency": "USD", "start_date": "2030-01-06", "hours_per_week": "20"}

    response = manager_client.post(f"/manage/recruiting/applications/{offer.pk}/hire/", data, follow=True)

    contract = Contract.objects.get(freelancer__user__email="ana@example.test")
    assert contract.status == Contract.Status.DRAFT
    contract_url = f"/manage/contracts/{contract.pk}/"
    html = response.content.decode()
    assert re.search(rf'<a href="{contract_url}" class="alert-link">Open the draft contract</a>', html)
    assert "Ana &lt;b&gt;Reyes&lt;/b&gt; is hired." in html and "<b>Reyes</b>" not in html  # the name escaped
    # The application page keeps the link after the message is gone.
    again = manager_client.get(f"/manage/recruiting/applications/{offer.pk}/").content.decode()
    assert f'href="{contract_url}">Draft contract #{contract.pk}</a>' in again
    assert manager_client.get(contract_url).status_code == 200
