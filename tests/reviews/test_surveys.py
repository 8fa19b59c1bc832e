import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from reviews.models import CsatSurvey, NpsInvitation, NpsRound, ReviewSettings
from reviews.selectors import CsatStats, csat_stats, nps_value, nps_weeks
from reviews.services import csat_sweep, nps_send_weekly
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import answered_ticket, program_with_scorecard, stakeholder

pytestmark = pytest.mark.django_db


def link_in(message, kind):
    return re.search(rf"http://testserver(/survey/{kind}/[\w-]+/)", message.body).group(1)


@pytest.fixture
def program():
    return program_with_scorecard()[0]


def test_csat_stats_and_no_responses():
    assert CsatStats(good=3, bad=1, sent=8).percent == Decimal("75.0")
    assert CsatStats(good=3, bad=1, sent=8).response_rate == Decimal("50.0")
    assert CsatStats(good=2, bad=1, sent=3).percent == Decimal("66.7")
    assert CsatStats().percent is None and CsatStats().response_rate is None


@pytest.mark.parametrize(
    "promoters,passives,detractors,expected",
    [
        (5, 3, 2, Decimal("30.0")),
        (0, 0, 4, Decimal("-100.0")),
        (1, 1, 1, Decimal("0.0")),
        (2, 1, 0, Decimal("66.7")),
        (0, 0, 0, None),
    ],
)
def test_nps_is_percent_promoters_minus_percent_detractors(promoters, passives, detractors, expected):
    assert (
        nps_value(promoters=promoters, detractors=detractors, responses=promoters + passives + detractors)
        == expected
    )


def test_csat_link_is_single_use(client, program, mailoutbox, django_capture_on_commit_callbacks):
    freelancer = FreelancerFactory()
    ticket = answered_ticket(program, freelancer, requester_email="Jo@Example.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert csat_sweep() == {"sent": 1, "skipped": 0}
    assert mailoutbox[0].to == ["jo@example.test"]
    path = link_in(mailoutbox[0], "csat")
    token = path.split("/")[3]
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.token_hash and token not in survey.token_hash  # only a digest is stored
    assert client.get(path + "?rating=bad").status_code == 200
    assert client.post(path, {"rating": "good", "comment": "Fast!"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.status, survey.rating, survey.comment, survey.freelancer) == (
        "answered",
        "good",
        "Fast!",
        freelancer,
    )
    # Reused: 410 Gone (a page that says it was answered) and nothing changes.
    assert client.get(path).status_code == 410
    assert client.post(path, {"rating": "bad"}).status_code == 410
    survey.refresh_from_db()
    assert survey.rating == "good"
    # Results are on the ticket and aggregated.
    stats = csat_stats(
        program_ids=[program.pk],
        start=ticket.solved_at - datetime.timedelta(days=1),
        end=timezone.now(),
        by="freelancer",
    )
    assert stats[freelancer.pk].percent == Decimal("100.0")


def test_a_guessed_csat_token_is_not_found_and_stores_nothing(client, program):
    answered_ticket(program, FreelancerFactory())
    csat_sweep()
    assert client.post("/survey/csat/not-a-real-token/", {"rating": "bad"}).status_code == 404
    assert not CsatSurvey.objects.filter(answered_at__isnull=False).exists()


def test_an_expired_csat_link_gets_a_clear_page(
    client, program, mailoutbox, django_capture_on_commit_callbacks
):
    answered_ticket(program, FreelancerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        csat_sweep()
    path = link_in(mailoutbox[0], "csat")
    CsatSurvey.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(path, {"rating": "good"})
    assert response.status_code == 410
    assert b"expired" in response.content
    assert CsatSurvey.objects.get().answered_at is None


def test_csat_at_most_once_per_requester_in_the_window(
    program, mailoutbox, django_capture_on_commit_callbacks
):
    ReviewSettings.objects.create(program=program, csat_window_days=7)
    freelancer = FreelancerFactory()
    now = timezone.now()
    first = answered_ticket(
        program, freelancer, requester_email="sam@example.test", solved_at=now - datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        csat_sweep(now=now - datetime.timedelta(days=2) + datetime.timedelta(minutes=5))
    second = answered_ticket(
        program, freelancer, requester_email="SAM@example.test", solved_at=now - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert csat_sweep(now=now) == {"sent": 0, "skipped": 1}
        assert csat_sweep(now=now) == {"sent": 0, "skipped": 0}  # idempotent
    assert len(mailoutbox) == 1
    assert CsatSurvey.objects.get(ticket=first).status == "sent"
    assert CsatSurvey.objects.get(ticket=second).status == "skipped"
    # After the window, the same requester is surveyed again.
    later = answered_ticket(
        program, freelancer, requester_email="sam@example.test", solved_at=now + datetime.timedelta(days=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        csat_sweep(now=now + datetime.timedelta(days=6, minutes=5))
    assert CsatSurvey.objects.get(ticket=later).status == "sent"
    assert len(mailoutbox) == 2


def test_weekly_nps_goes_to_stakeholders_once(program, mailoutbox, django_capture_on_commit_callbacks):
    stakeholder(program, "dana@customer.test")
    stakeholder(program, "luis@customer.test")
    stakeholder(program, "quiet@customer.test", receives_nps=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert nps_send_weekly() == {"rounds": 1, "invitations": 2}
    with django_capture_on_commit_callbacks(execute=True):
        assert nps_send_weekly() == {"rounds": 1, "invitations": 0}
    assert sorted(m.to[0] for m in mailoutbox) == ["dana@customer.test", "luis@customer.test"]
    assert NpsRound.objects.count() == 1


@pytest.fixture
def nps_link(program, mailoutbox, django_capture_on_commit_callbacks):
    stakeholder(program, "dana@customer.test")
    with django_capture_on_commit_callbacks(execute=True):
        nps_send_weekly()
    return link_in(mailoutbox[0], "nps")


@pytest.mark.parametrize("bad", ["11", "-1", "ten", ""])
def test_nps_answer_outside_0_to_10_is_refused(client, nps_link, bad):
    response = client.post(nps_link, {"score": bad})
    assert response.status_code == 400
    assert "Choose a number from 0 to 10" in response.content.decode() or bad == ""
    assert NpsInvitation.objects.get().answered_at is None


def test_nps_link_is_single_use_and_counts(client, program, nps_link):
    assert client.get(nps_link).status_code == 200
    assert client.post(nps_link, {"score": "9", "comment": "Great weekend cover"}).status_code == 200
    invitation = NpsInvitation.objects.get()
    assert invitation.score == 9 and invitation.comment == "Great weekend cover"
    assert client.post(nps_link, {"score": "0"}).status_code == 410  # answered: gone
    assert NpsInvitation.objects.get().score == 9
    week = nps_weeks(program=program)[0]
    assert (week.invited, week.responses, week.promoters, week.nps, week.response_rate) == (
        1,
        1,
        1,
        Decimal("100.0"),
        Decimal("100.0"),
    )


def test_expired_and_guessed_nps_links(client, nps_link):
    assert client.get("/survey/nps/" + "A" * 43 + "/").status_code == 404
    NpsInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(nps_link, {"score": "9"})
    assert response.status_code == 410 and b"expired" in response.content
    assert NpsInvitation.objects.get().answered_at is None


def test_nps_week_without_responses_is_no_data(client, program, nps_link):
    week = nps_weeks(program=program)[0]
    assert week.invited == 1 and week.responses == 0
    assert week.nps is None and week.response_rate == Decimal("0.0")
    client.force_login(program.managers.first())
    assert "no data" in client.get("/manage/reviews/nps/").content.decode()
