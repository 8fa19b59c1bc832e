import datetime

import pytest

from reviews.errors import ReviewError
from reviews.models import ReviewAssignment, ReviewSettings
from reviews.services import review_assignment_create, review_sampling_run, sample_size_for
from tests.accounts.factories import FreelancerFactory
from tests.reviews.factories import contracted_freelancer, program_with_scorecard, solved_ticket

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 11, 12, 0, tzinfo=datetime.UTC)  # a Wednesday
LAST_WEEK = datetime.date(2026, 3, 2)


def solved_last_week(program, freelancer, count, *, day_offset=1):
    moment = datetime.datetime.combine(
        LAST_WEEK + datetime.timedelta(days=day_offset), datetime.time(10), tzinfo=datetime.UTC
    )
    return [
        solved_ticket(program, freelancer, solved_at=moment + datetime.timedelta(minutes=n))
        for n in range(count)
    ]


@pytest.fixture
def program():
    program, manager, _ = program_with_scorecard()
    ReviewSettings.objects.create(
        program=program,
        sample_mode="count",
        sample_size=3,
        new_freelancer_weeks=4,
        new_freelancer_multiplier=2,
    )
    program.test_manager = manager
    return program


@pytest.mark.parametrize(
    "mode,size,solved,is_new,expected",
    [
        ("count", 3, 10, False, 3),
        ("count", 3, 10, True, 6),
        ("count", 3, 2, False, 2),  # never more than were solved
        ("percent", 20, 7, False, 2),  # 1.4 rounds up
        ("percent", 20, 7, True, 4),
        ("percent", 20, 0, False, 0),
        ("count", 0, 10, True, 0),
    ],
)
def test_sample_size_rules(mode, size, solved, is_new, expected):
    policy = ReviewSettings(sample_mode=mode, sample_size=size, new_freelancer_multiplier=2)
    assert sample_size_for(settings_row=policy, solved=solved, is_new=is_new) == expected


def test_weekly_sample_per_freelancer_with_new_freelancers_sampled_more(program):
    veteran, _ = contracted_freelancer(program, start_date=datetime.date(2025, 6, 1))
    newcomer, _ = contracted_freelancer(program, start_date=datetime.date(2026, 2, 23))
    solved_last_week(program, veteran, 10)
    solved_last_week(program, newcomer, 10)
    this_week = solved_ticket(program, veteran, solved_at=NOW - datetime.timedelta(hours=1))
    unassigned_other_program, _, _ = program_with_scorecard()
    solved_last_week(unassigned_other_program, FreelancerFactory(), 2)

    summary = review_sampling_run(now=NOW, program_ids=[program.pk])

    assert summary["assignments"] == 9
    counts = {a.freelancer_id: 0 for a in ReviewAssignment.objects.all()}
    for a in ReviewAssignment.objects.filter(program=program):
        counts[a.freelancer_id] += 1
        assert a.week_start == LAST_WEEK and a.source == "sampled"
        assert a.reviewer == program.test_manager
    assert counts == {veteran.pk: 3, newcomer.pk: 6}
    assert not ReviewAssignment.objects.filter(ticket=this_week).exists()


def test_sampling_twice_adds_nothing(program):
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 6, 1))
    solved_last_week(program, freelancer, 5)
    review_sampling_run(now=NOW, program_ids=[program.pk])
    picked = set(ReviewAssignment.objects.values_list("ticket_id", flat=True))
    again = review_sampling_run(now=NOW, program_ids=[program.pk])
    assert again["assignments"] == 0
    assert set(ReviewAssignment.objects.values_list("ticket_id", flat=True)) == picked


def test_percentage_sampling(program):
    ReviewSettings.objects.filter(program=program).update(sample_mode="percent", sample_size=25)
    freelancer, _ = contracted_freelancer(program, start_date=datetime.date(2025, 6, 1))
    solved_last_week(program, freelancer, 9)
    review_sampling_run(now=NOW, program_ids=[program.pk])
    assert ReviewAssignment.objects.filter(freelancer=freelancer).count() == 3  # 25 % of 9 = 2.25 → 3


def test_manager_can_pick_any_handled_ticket_even_open_or_escalated(program):
    freelancer, _ = contracted_freelancer(program)
    ticket = solved_ticket(program, freelancer)
    ticket.status, ticket.solved_at = "open", None
    ticket.save()
    assignment = review_assignment_create(ticket=ticket, actor=program.test_manager)
    assert assignment.source == "manual" and assignment.reviewer == program.test_manager
    with pytest.raises(ReviewError, match="already picked"):
        review_assignment_create(ticket=ticket, actor=program.test_manager)
    nobody = solved_ticket(program, None)
    with pytest.raises(ReviewError, match="Nobody from the freelancer team"):
        review_assignment_create(ticket=nobody, actor=program.test_manager)


def test_pick_view_is_scoped_to_the_managers_programs(client, program):
    other, _, _ = program_with_scorecard()
    foreign = solved_ticket(other, FreelancerFactory())
    client.force_login(program.test_manager)
    assert client.post("/manage/reviews/pick/", {"ticket": foreign.pk}).status_code == 404
    assert client.get(f"/manage/reviews/pick/?program={other.slug}").status_code == 404
    mine = solved_ticket(program, FreelancerFactory())
    response = client.post("/manage/reviews/pick/", {"ticket": mine.pk})
    assert response.status_code == 302 and response.url == f"/manage/reviews/tickets/{mine.pk}/"
    assert ReviewAssignment.objects.filter(ticket=mine, source="manual").exists()
