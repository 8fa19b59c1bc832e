"""Survey links that lead nowhere get the branded page, with DEBUG on as well as off: unknown 404, answered or
expired 410, nothing recorded."""

import datetime

import pytest
from django.utils import timezone

from core.tokens import token_new
from reviews.models import CsatSurvey, NpsInvitation, NpsRound
from tests.accounts.factories import FreelancerFactory
from tests.core.test_dead_ends import assert_branded_dead_end, without_csrf
from tests.reviews.factories import answered_ticket, program_with_scorecard, stakeholder

pytestmark = pytest.mark.django_db

DEBUG = pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])


@pytest.fixture
def program():
    return program_with_scorecard(name="Acme Secret Program")[0]


def _csat(program, **fields):
    token, digest = token_new()
    ticket = answered_ticket(program, FreelancerFactory())
    survey = CsatSurvey.objects.create(
        ticket=ticket,
        program=program,
        requester_email="jo@example.test",
        token_hash=digest,
        sent_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )
    return f"/survey/csat/{token}/", survey


def _nps(program, **fields):
    token, digest = token_new()
    person = stakeholder(program, "dana@customer.test")
    nps_round = NpsRound.objects.create(program=program, week_start=timezone.localdate())
    invitation = NpsInvitation.objects.create(
        round=nps_round,
        stakeholder=person,
        email=person.email,
        name=person.name,
        token_hash=digest,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )
    return f"/survey/nps/{token}/", invitation


@DEBUG
@pytest.mark.parametrize("kind", ["csat", "nps"])
def test_an_unknown_survey_link_is_a_branded_404_that_tells_nothing(client, settings, program, debug, kind):
    settings.DEBUG = debug
    _csat(program)  # real surveys exist; the guessed tokens are not theirs
    first = assert_branded_dead_end(client.get(f"/survey/{kind}/{'A' * 43}/"), status=404, state="unknown")
    second = assert_branded_dead_end(
        client.post(f"/survey/{kind}/not-a-token/", {"rating": "bad", "score": "0"}),
        status=404,
        state="unknown",
    )
    assert "We don’t recognise this link" in first and "reply to the support e-mail" in first
    assert "Acme Secret Program" not in first
    assert without_csrf(first) == without_csrf(second)  # the same page whatever the guess
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()


@DEBUG
def test_a_used_csat_link_says_it_was_answered_and_changes_nothing(client, settings, program, debug):
    settings.DEBUG = debug
    path, survey = _csat(program)
    assert client.post(path, {"rating": "good"}).status_code == 200
    html = assert_branded_dead_end(client.get(path), status=410, state="used")
    assert "This survey link has already been used" in html and "Your answer was recorded on" in html
    assert_branded_dead_end(client.post(path, {"rating": "bad"}), status=410, state="used")
    survey.refresh_from_db()
    assert survey.rating == "good"


@DEBUG
def test_a_used_nps_link_says_it_was_answered_and_changes_nothing(client, settings, program, debug):
    settings.DEBUG = debug
    path, invitation = _nps(program)
    assert client.post(path, {"score": "9"}).status_code == 200
    assert_branded_dead_end(client.get(path), status=410, state="used")
    assert_branded_dead_end(client.post(path, {"score": "0"}), status=410, state="used")
    invitation.refresh_from_db()
    assert invitation.score == 9


@DEBUG
@pytest.mark.parametrize("kind", ["csat", "nps"])
def test_an_expired_survey_link_says_so(client, settings, program, debug, kind):
    settings.DEBUG = debug
    path, item = (_csat if kind == "csat" else _nps)(program)
    type(item).objects.filter(pk=item.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    html = assert_branded_dead_end(client.get(path), status=410, state="expired")
    assert "This survey link has expired" in html and "Nothing was recorded" in html
    assert_branded_dead_end(client.post(path, {"rating": "good", "score": "9"}), status=410, state="expired")
    item.refresh_from_db()
    assert item.answered_at is None
