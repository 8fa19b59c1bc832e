"""Every list page answers, stays in scope, and does a constant number of queries whatever the rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programs.models import Announcement
from reviews.models import (
    CsatSurvey,
    Dispute,
    Feedback,
    NpsInvitation,
    NpsRound,
    ReviewAssignment,
    SilenceCheckIn,
)
from reviews.services import (
    calibration_session_create,
    evaluation_create,
    review_dispute,
    review_submit,
    thank_you_send,
)
from tests.accounts.factories import ManagerFactory, UserFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard, solved_ticket, stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    program, manager, criteria = program_with_scorecard()
    agent = UserFactory(agent=True)
    program.managers.add(agent)
    return {
        "program": program,
        "manager": manager,
        "criteria": criteria,
        "agent": agent,
        "n": 0,
        "sh": stakeholder(program, "boss@customer.test"),
    }


def add_rows(world):
    """One more of everything the list pages show, each with a new freelancer."""
    world["n"] += 1
    program, manager, criteria = world["program"], world["manager"], world["criteria"]
    freelancer, contract = contracted_freelancer(program, start_date=datetime.date(2025, 1, 6))
    reviewed = solved_ticket(program, freelancer)
    review = review_submit(ticket=reviewed, reviewer=manager, ratings={c.pk: 3 for c in criteria})
    review_dispute(review=review, freelancer=freelancer, comment="Please look again.")
    pending = solved_ticket(program, freelancer)
    solved_ticket(program, freelancer)  # not picked yet: listed on the pick page
    ReviewAssignment.objects.create(
        program=program,
        ticket=pending,
        freelancer=freelancer,
        reviewer=manager,
        week_start=datetime.date(2026, 1, 5),
    )
    calibration_session_create(
        program=program,
        ticket=pending,
        title=f"Cal {world['n']}",
        reviewers=[manager, world["agent"]],
        actor=manager,
    )
    CsatSurvey.objects.create(
        ticket=reviewed,
        program=program,
        freelancer=freelancer,
        requester_email="a@b.test",
        status="answered",
        rating="good",
        sent_at=timezone.now(),
        answered_at=timezone.now(),
        token_hash=f"{world['n']:064d}",
    )
    nps_round = NpsRound.objects.create(
        program=program, week_start=datetime.date(2026, 1, 5) + datetime.timedelta(weeks=world["n"])
    )
    NpsInvitation.objects.create(
        round=nps_round,
        email="boss@customer.test",
        token_hash=f"n{world['n']:063d}",
        expires_at=timezone.now(),
        score=9,
        comment="Good",
        answered_at=timezone.now(),
    )
    evaluation_create(
        program=program,
        freelancer=freelancer,
        actor=manager,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        outcome="recognize",
        summary="Thanks",
        bonus_amount=Decimal("10"),
    )
    thank_you_send(program=program, freelancer=freelancer, actor=manager, message="Thank you")
    Feedback.objects.create(program=program, freelancer=freelancer, kind="easier", body="Macros")
    SilenceCheckIn.objects.create(
        program=program,
        freelancer=freelancer,
        day=timezone.now().date(),
        reasons=["no_login"],
        details={"no_login": "never"},
    )
    Announcement.objects.create(
        program=program, title=f"News {world['n']}", body="b", published_at=timezone.now()
    )
    world["freelancer"] = freelancer
    return freelancer


MANAGER_PAGES = [
    "/manage/reviews/",
    "/manage/reviews/queue/",
    "/manage/reviews/all/",
    "/manage/reviews/pick/",
    "/manage/reviews/disputes/",
    "/manage/reviews/calibration/",
    "/manage/reviews/csat/",
    "/manage/reviews/nps/",
    "/manage/reviews/evaluations/",
    "/manage/reviews/leaderboard/",
    "/manage/reviews/feedback/",
    "/manage/reviews/check-ins/",
]
PORTAL_PAGES = ["/portal/reviews/", "/portal/evaluations/", "/portal/feedback/", "/portal/announcements/"]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_manager_list_pages_do_a_constant_number_of_queries(client, world, url):
    add_rows(world)
    client.force_login(world["manager"])
    before = count_queries(client, url)
    for _ in range(3):
        add_rows(world)
    assert count_queries(client, url) == before


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_portal_list_pages_do_a_constant_number_of_queries(client, world, url):
    freelancer = add_rows(world)
    program, manager, criteria = world["program"], world["manager"], world["criteria"]
    client.force_login(freelancer.user)
    before = count_queries(client, url)
    for _ in range(3):
        review = review_submit(
            ticket=solved_ticket(program, freelancer), reviewer=manager, ratings={c.pk: 2 for c in criteria}
        )
        review_dispute(review=review, freelancer=freelancer, comment="Again")
        evaluation_create(
            program=program,
            freelancer=freelancer,
            actor=manager,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 1, 31),
            outcome="keep",
            summary="Fine",
        )
        Feedback.objects.create(program=program, freelancer=freelancer, kind="trend", body="More refunds")
        Announcement.objects.create(program=program, title="More news", body="b", published_at=timezone.now())
    assert count_queries(client, url) == before


def test_manager_pages_show_only_their_programs(client, world):
    add_rows(world)
    client.force_login(ManagerFactory())
    for url in MANAGER_PAGES:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert b"Please look again." not in response.content
        assert world["freelancer"].legal_name.encode() not in response.content, url
    assert client.get(f"/manage/reviews/queue/?program={world['program'].slug}").status_code == 404


def test_wrong_role_and_anonymous(client, world):
    freelancer = add_rows(world)
    client.force_login(freelancer.user)
    assert client.get("/manage/reviews/").status_code == 403
    client.force_login(world["manager"])
    assert client.get("/portal/reviews/").status_code == 403
    client.force_login(world["agent"])
    assert client.get("/manage/reviews/evaluations/").status_code == 403
    assert client.get("/manage/reviews/queue/").status_code == 200
    client.logout()
    assert client.get("/manage/reviews/").status_code == 302
    assert Dispute.objects.count() == 1
