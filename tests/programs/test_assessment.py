"""“Is it time to outsource?”: the ranking's arithmetic, the pages, access and the program made from it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from programs.assessment import TaskInput, assessment_rank, score_chart, task_hours_per_week
from programs.assessment_services import assessment_create, assessment_program_create, assessment_task_save
from programs.errors import ProgramError
from programs.models import AssessmentTask, OutsourcingAssessment, Program
from tests.accounts.factories import ManagerFactory, UserFactory

D = Decimal


def _task(key, name, minutes, times, **flags):
    return TaskInput(key=key, task=name, minutes_each=D(minutes), times_per_week=D(times), **flags)


# --- ranking (pure) ----------------------------------------------------------------------------------------


def test_hours_freed_are_minutes_times_frequency_over_sixty():
    assert task_hours_per_week(minutes_each=D("5"), times_per_week=D("40")) == D("3.33")
    assert task_hours_per_week(minutes_each=D("90"), times_per_week=D("0.25")) == D("0.38")  # 0.375 half-up
    with pytest.raises(ValueError):
        task_hours_per_week(minutes_each=D("-5"), times_per_week=D("1"))


def test_ranking_scores_value_minus_freelancer_cost_with_exact_decimals():
    # 50,000 ÷ 2,080 = 24.04 an hour (planning.owner_hourly_value); a freelancer costs 15.00.
    ranking = assessment_rank(
        tasks=[
            _task(
                1, "Order e-mails", "5", "40", would_stop=True, chosen=True
            ),  # 3.33 h: 80.05 − 49.95 = 30.10
            _task(2, "Invoices", "15", "4"),  # 1.00 h: 24.04 − 15.00 = 9.04
            _task(3, "Strategy", "120", "2", high_value=True, enjoys=True),  # 4.00 h: 96.16 − 60.00 = 36.16
            _task(4, "Photos", "30", "1"),  # 0.50 h: 12.02 − 7.50 = 4.52
        ],
        yearly_value=D("50000"),
        yearly_working_hours=2080,
        freelancer_hourly_cost=D("15.00"),
    )
    assert ranking.hourly_value == D("24.04")
    rows = {row.task.task: row for row in ranking.tasks}
    assert (
        rows["Order e-mails"].hours_per_week,
        rows["Order e-mails"].value_per_week,
        rows["Order e-mails"].cost_per_week,
        rows["Order e-mails"].score,
    ) == (D("3.33"), D("80.05"), D("49.95"), D("30.10"))
    assert rows["Strategy"].score == D("36.16") and rows["Strategy"].keep_yourself
    assert [row.task.task for row in ranking.tasks] == ["Strategy", "Order e-mails", "Invoices", "Photos"]
    assert [row.rank for row in ranking.tasks] == [1, 2, 3, 4]
    # Totals count what is recommended: everything but the 20 % that brings 80 % (Strategy).
    assert [row.task.task for row in ranking.recommended] == ["Order e-mails", "Invoices", "Photos"]
    assert ranking.hours_freed_per_week == D("4.83")
    assert ranking.net_value_per_week == D("43.66")
    assert ranking.hours_freed_per_month == D("20.93")  # 4.83 × 52 ÷ 12 = 20.93
    assert ranking.net_value_per_month == D("189.19")  # 43.66 × 52 ÷ 12 = 189.193…
    assert ranking.chosen_hours_per_week == D("3.33")


def test_equal_scores_put_tasks_they_would_stop_then_those_they_dislike_first():
    ranking = assessment_rank(
        tasks=[
            _task(1, "Enjoyed", "60", "1", enjoys=True),
            _task(2, "Disliked", "60", "1"),
            _task(3, "Would stop", "60", "1", enjoys=True, would_stop=True),
        ],
        yearly_value=D("41600"),
        yearly_working_hours=2080,
        freelancer_hourly_cost=D("10"),
    )
    assert ranking.hourly_value == D("20.00")
    assert {row.score for row in ranking.tasks} == {D("10.00")}
    assert [row.task.task for row in ranking.tasks] == ["Would stop", "Disliked", "Enjoyed"]


def test_a_task_dearer_to_outsource_than_it_frees_is_not_recommended():
    ranking = assessment_rank(
        tasks=[_task(1, "Cheap", "60", "1")],
        yearly_value=D("20800"),
        yearly_working_hours=2080,
        freelancer_hourly_cost=D("12.50"),
    )
    assert ranking.tasks[0].score == D("-2.50") and not ranking.tasks[0].recommended
    assert ranking.net_value_per_week == D("0.00") and ranking.hours_freed_per_week == D("0.00")
    with pytest.raises(ValueError):
        assessment_rank(tasks=[], yearly_value=D("1"), yearly_working_hours=0, freelancer_hourly_cost=D("1"))


def test_the_chart_scales_bars_to_the_largest_score_around_the_zero_line():
    ranking = assessment_rank(
        tasks=[_task(1, "Up", "60", "3"), _task(2, "Down", "60", "1")],
        yearly_value=D("41600"),
        yearly_working_hours=2080,
        freelancer_hourly_cost=D("30"),
    )  # 20 an hour against 30: Up −30.00, Down −10.00 — bars grow left from the zero line at the right edge
    bars, zero, _height = score_chart(ranking)
    assert zero == D("100.00")
    assert [(bar.label, bar.x, bar.width, bar.positive) for bar in bars] == [
        ("Down", D("66.67"), D("33.33"), False),
        ("Up", D("0.00"), D("100.00"), False),
    ]
    ranking = assessment_rank(
        tasks=[_task(1, "Up", "60", "3"), _task(2, "Down", "60", "1")],
        yearly_value=D("62400"),
        yearly_working_hours=2080,
        freelancer_hourly_cost=D("20"),
    )  # 30 an hour against 20: Up 30.00, Down 10.00
    bars, zero, height = score_chart(ranking)
    assert zero == D("0.00") and height == 56
    assert [(bar.label, bar.x, bar.width) for bar in bars] == [
        ("Up", D("0.00"), D("100.00")),
        ("Down", D("0.00"), D("33.33")),
    ]


# --- pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def assessment(manager):
    assessment = assessment_create(
        owner=manager,
        data={
            "name": "My week",
            "yearly_value": D("50000"),
            "yearly_working_hours": 2080,
            "freelancer_hourly_cost": D("15.00"),
            "currency": "USD",
        },
    )
    for name, minutes, times, skill, chosen, high_value in [
        ("Answer order e-mails", "5", "40", "Written English", True, False),
        ("Refunds", "10", "12", "Stripe", True, False),
        ("Strategy", "120", "2", "", False, True),
    ]:
        assessment_task_save(
            assessment=assessment,
            actor=manager,
            data={
                "task": name,
                "minutes_each": D(minutes),
                "times_per_week": D(times),
                "skill_needed": skill,
                "chosen": chosen,
                "high_value": high_value,
            },
        )
    return assessment


def test_a_manager_creates_an_assessment_and_logs_tasks(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("programs:assessment_create"),
        {
            "name": "Week of 2 March",
            "yearly_value": "50000",
            "yearly_working_hours": "2080",
            "freelancer_hourly_cost": "15",
            "currency": "USD",
            "high_value_answer": "Strategy",
            "would_stop_answer": "E-mails",
        },
    )
    assessment = OutsourcingAssessment.objects.get(owner=manager)
    assert (
        response.status_code == 302
        and response["Location"] == f"/manage/programs/assessments/{assessment.pk}/"
    )
    response = client.post(
        reverse("programs:assessment_task_create", kwargs={"pk": assessment.pk}),
        {
            "task": "Order e-mails",
            "minutes_each": "5",
            "times_per_week": "40",
            "skill_needed": "English",
            "would_stop": "on",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/manage/programs/assessments/{assessment.pk}/").content.decode()
    assert "24.04 USD" in page and "Order e-mails" in page and "30.10" in page and "<svg" in page
    task = assessment.tasks.get()
    client.post(
        reverse("programs:assessment_choose", kwargs={"pk": assessment.pk}), {"chosen": [str(task.pk)]}
    )
    task.refresh_from_db()
    assert task.chosen
    client.post(
        reverse("programs:assessment_task_edit", kwargs={"pk": assessment.pk, "task_pk": task.pk}),
        {"task": "Order e-mails", "minutes_each": "6", "times_per_week": "40"},
    )
    task.refresh_from_db()
    assert task.minutes_each == D("6")
    client.post(reverse("programs:assessment_task_delete", kwargs={"pk": assessment.pk, "task_pk": task.pk}))
    assert not assessment.tasks.exists()


def test_bad_input_is_a_clear_form_error_and_saves_nothing(client, manager, assessment):
    client.force_login(manager)
    response = client.post(
        reverse("programs:assessment_create"),
        {
            "name": "Zero hours",
            "yearly_value": "50000",
            "yearly_working_hours": "0",
            "freelancer_hourly_cost": "15",
            "currency": "USD",
        },
    )
    assert response.status_code == 200
    assert "yearly_working_hours" in response.context["form"].errors
    assert not OutsourcingAssessment.objects.filter(name="Zero hours").exists()
    response = client.post(
        reverse("programs:assessment_task_create", kwargs={"pk": assessment.pk}),
        {"task": "Negative", "minutes_each": "-5", "times_per_week": "3"},
    )
    assert response.status_code == 200 and "minutes_each" in response.context["form"].errors
    assert not AssessmentTask.objects.filter(task="Negative").exists()


def test_another_managers_assessment_is_not_found_and_agents_are_refused(client, assessment):
    task = assessment.tasks.first()
    urls = [
        reverse("programs:assessment_detail", kwargs={"pk": assessment.pk}),
        reverse("programs:assessment_edit", kwargs={"pk": assessment.pk}),
        reverse("programs:assessment_task_edit", kwargs={"pk": assessment.pk, "task_pk": task.pk}),
    ]
    posts = [
        reverse("programs:assessment_task_delete", kwargs={"pk": assessment.pk, "task_pk": task.pk}),
        reverse("programs:assessment_choose", kwargs={"pk": assessment.pk}),
        reverse("programs:assessment_program", kwargs={"pk": assessment.pk}),
    ]
    client.force_login(ManagerFactory())
    assert "My week" not in client.get(reverse("programs:assessment_list")).content.decode()
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"name": "Stolen"}).status_code == 404, url
    client.force_login(UserFactory(role=User.Role.AGENT))
    assert client.get(reverse("programs:assessment_list")).status_code == 403
    for url in urls:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"name": "Stolen"}).status_code == 403, url
    assert (
        AssessmentTask.objects.filter(pk=task.pk).exists()
        and not Program.objects.filter(name="Stolen").exists()
    )


def test_the_chosen_tasks_become_a_draft_program_prefilled(client, manager, assessment):
    client.force_login(manager)
    response = client.post(
        reverse("programs:assessment_program", kwargs={"pk": assessment.pk}), {"name": "Store support"}
    )
    program = Program.objects.get(name="Store support")
    assert (
        response.status_code == 302 and response["Location"] == f"/manage/programs/{program.slug}/worksheet/"
    )
    assert program.status == Program.Status.DRAFT and manager in program.managers.all()
    assert list(program.ticket_types.values_list("name", flat=True)) == ["Answer order e-mails", "Refunds"]
    # 3.33 h + 2.00 h chosen (Strategy is not chosen)
    assert program.candidate_profile.hours_per_week == D("5.33")
    assert program.candidate_profile.mindset == "Skills needed: Stripe; Written English."
    assessment.refresh_from_db()
    assert assessment.program == program
    assert (
        "Store support"
        in client.get(reverse("programs:assessment_detail", kwargs={"pk": assessment.pk})).content.decode()
    )


def test_nothing_chosen_refuses_to_make_a_program(client, manager, assessment):
    assessment.tasks.update(chosen=False)
    with pytest.raises(ProgramError):
        assessment_program_create(assessment=assessment, actor=manager, name="Nothing")
    client.force_login(manager)
    response = client.post(
        reverse("programs:assessment_program", kwargs={"pk": assessment.pk}), {"name": "Nothing"}
    )
    assert response.status_code == 400
    assert "Choose at least one task" in response.content.decode()
    assert not Program.objects.filter(name="Nothing").exists()


def test_the_list_page_runs_a_fixed_number_of_queries(client, manager, assessment, django_assert_num_queries):
    for index in range(3):
        assessment_create(
            owner=manager,
            data={
                "name": f"Week {index}",
                "yearly_value": D("1000"),
                "yearly_working_hours": 100,
                "freelancer_hourly_cost": D("5"),
                "currency": "USD",
            },
        )
    client.force_login(manager)
    url = reverse("programs:assessment_list")
    client.get(url)
    with django_assert_num_queries(1):  # the session, the user and their device come from the cache
        page = client.get(url).content.decode()
    assert page.count("/manage/programs/assessments/") >= 5
