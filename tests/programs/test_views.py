import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import (
    Announcement,
    CandidateProfile,
    OnboardingStep,
    Program,
    ProgramSchedule,
    SourcingPlatform,
    TicketType,
)
from tests.accounts.factories import FreelancerFactory, ManagerFactory, SkillFactory
from tests.programs.factories import (
    AnnouncementFactory,
    BudgetFactory,
    EscalationRuleFactory,
    OnboardingStepFactory,
    ProgramFactory,
    ProgramScheduleFactory,
    QACriterionFactory,
    QAScorecardFactory,
    SuccessMetricFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return ManagerFactory()


@pytest.fixture
def program(manager):
    return ProgramFactory(name="Mine", slug="mine", managers=[manager], status=Program.Status.DRAFT)


@pytest.fixture
def logged_in(client, manager):
    client.force_login(manager)
    return client


def section_url(program, section):
    return reverse("programs:section_edit", kwargs={"program_slug": program.slug, "section": section})


def worksheet_url(program):
    return reverse("programs:worksheet", kwargs={"program_slug": program.slug})


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def future(days=60):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


SCHEDULE_POST = {
    "term": "long_term",
    "hours_per_week": "20",
    "freelancers_needed": "5",
    "queue_ready_date": "",
    "training_days": "10",
    "posting_days": "14",
    "trial_days": "7",
    "interview_days": "7",
    "offer_days": "5",
    "tickets_per_week": "500",
    "average_handle_minutes": "8",
    "target_occupancy_percent": "75",
    "training_yield_percent": "60",
    "ramp_percents": "50, 75, 100",
}


# --- access ----------------------------------------------------------------------------------------------


def test_list_shows_only_my_programs(logged_in, program):
    ProgramFactory(name="Someone else's")
    response = logged_in.get(reverse("programs:list"))
    assert response.status_code == 200
    assert [p.name for p in response.context["programs"]] == ["Mine"]


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("programs:worksheet", {}),
        ("programs:section_edit", {"section": "scope"}),
        ("programs:announcement_list", {}),
        ("programs:announcement_create", {}),
    ],
)
def test_another_managers_program_is_not_found(logged_in, name, kwargs):
    theirs = ProgramFactory(slug="theirs")
    assert logged_in.get(reverse(name, kwargs={"program_slug": theirs.slug, **kwargs})).status_code == 404


def test_another_managers_program_cannot_be_changed_by_post(logged_in):
    theirs = ProgramFactory(slug="theirs", status=Program.Status.ACTIVE)
    response = logged_in.post(
        reverse("programs:status", kwargs={"program_slug": "theirs"}), {"status": "closed"}
    )
    assert response.status_code == 404
    response = logged_in.post(
        section_url(theirs, "outcome"),
        {"name": "Hijacked", "goal_type": "other", "time_zone": "UTC", "currency": "USD"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.name) == (Program.Status.ACTIVE, theirs.name)


def test_another_programs_announcement_is_not_found(logged_in, program):
    foreign = AnnouncementFactory(program=ProgramFactory())
    url = reverse("programs:announcement_edit", kwargs={"program_slug": program.slug, "pk": foreign.pk})
    assert logged_in.get(url).status_code == 404
    url = reverse(
        "programs:announcement_action",
        kwargs={"program_slug": program.slug, "pk": foreign.pk, "action": "delete"},
    )
    assert logged_in.post(url).status_code == 404
    assert Announcement.objects.filter(pk=foreign.pk).exists()


def test_unknown_section_is_not_found(logged_in, program):
    assert logged_in.get(section_url(program, "nope")).status_code == 404


def test_freelancer_gets_the_wrong_role_page(client, program):
    client.force_login(FreelancerFactory().user)
    assert client.get(worksheet_url(program)).status_code == 403


# --- query counts ----------------------------------------------------------------------------------------


def _fill(program, n):
    skill = SkillFactory()
    card = getattr(program, "scorecard", None) or QAScorecardFactory(program=program)
    for _ in range(n):
        ticket_type = TicketTypeFactory(program=program)
        ticket_type.required_skills.add(skill)
        EscalationRuleFactory(program=program, ticket_type=ticket_type)
        SuccessMetricFactory(program=program)
        OnboardingStepFactory(program=program)
        QACriterionFactory(scorecard=card)


def test_worksheet_query_count_does_not_grow_with_rows(logged_in, program):
    ProgramScheduleFactory(program=program, tickets_per_week=500)
    BudgetFactory(program=program)
    _fill(program, 1)
    url = worksheet_url(program)
    few = count_queries(logged_in, url)
    _fill(program, 6)
    assert count_queries(logged_in, url) == few


def test_program_list_query_count_does_not_grow_with_programs(logged_in, manager):
    ProgramScheduleFactory(program=ProgramFactory(managers=[manager]))
    few = count_queries(logged_in, reverse("programs:list"))
    for _ in range(5):
        program = ProgramFactory(managers=[manager])
        ProgramScheduleFactory(program=program)
        TicketTypeFactory(program=program)
    assert count_queries(logged_in, reverse("programs:list")) == few


def test_announcement_list_query_count_does_not_grow(logged_in, program, manager):
    AnnouncementFactory(program=program, author=manager)
    url = reverse("programs:announcement_list", kwargs={"program_slug": program.slug})
    few = count_queries(logged_in, url)
    for _ in range(5):
        AnnouncementFactory(program=program, author=ManagerFactory())
    assert count_queries(logged_in, url) == few


# --- worksheet page --------------------------------------------------------------------------------------


def test_worksheet_shows_completeness_timeline_capacity_and_budget(logged_in, program):
    ProgramScheduleFactory(
        program=program,
        freelancers_needed=8,
        tickets_per_week=1200,
        average_handle_minutes=Decimal("7.5"),
        hours_per_week=Decimal("20"),
        training_yield_percent=Decimal("60"),
        queue_ready_date=timezone.localdate() + datetime.timedelta(days=90),
    )
    BudgetFactory(
        program=program,
        planned_hourly_rate=Decimal("15.00"),
        platform_fee_percent=Decimal("5"),
        inhouse_monthly_cost=Decimal("14500"),
        yearly_profit=Decimal("50000"),
    )
    TicketTypeFactory(program=program, name="Order status")
    response = logged_in.get(worksheet_url(program))
    html = response.content.decode()
    sections = {s.key: s for s in response.context["sections"]}
    assert sections["scope"].done and sections["schedule"].done
    assert not sections["success"].done
    assert response.context["done_count"] == 2  # scope and schedule; outcome text is empty
    plans = response.context["plans"]
    assert (plans.capacity.headcount, plans.planned_headcount, plans.headcount_gap) == (10, 8, 2)
    assert plans.budget.monthly_freelancer_cost == Decimal("10920.00")
    assert "10,920.00 USD" in html and "24.04 USD" in html
    assert "worksheet plans 8: 2 short" in html
    assert "Order status" in html
    assert "success metrics (none yet)" in html  # activation hint


def test_worksheet_flags_a_plan_that_cannot_fit(logged_in, program):
    ProgramScheduleFactory(
        program=program, queue_ready_date=timezone.localdate() + datetime.timedelta(days=5)
    )
    html = logged_in.get(worksheet_url(program)).content.decode()
    assert "This plan cannot fit." in html


def test_worksheet_escapes_user_text(logged_in, program):
    program.outcome = "<script>alert(1)</script>"
    program.save()
    html = logged_in.get(worksheet_url(program)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- create and status -----------------------------------------------------------------------------------


def test_manager_creates_a_program_and_lands_on_its_worksheet(logged_in, manager):
    response = logged_in.post(
        reverse("programs:create"),
        {
            "name": "Weekend Cover",
            "slug": "",
            "time_zone": "Europe/Warsaw",
            "currency": "PLN",
            "goal_type": "weekend_cover",
            "outcome": "Weekends.",
            "with_default_onboarding": "on",
        },
    )
    program = Program.objects.get(slug="weekend-cover")
    assert response.status_code == 302 and response.url == worksheet_url(program)
    assert list(program.managers.all()) == [manager]
    assert program.onboarding_steps.count() == 5


def test_create_with_a_taken_slug_shows_a_field_error(logged_in, program):
    response = logged_in.post(
        reverse("programs:create"),
        {
            "name": "Other",
            "slug": program.slug,
            "time_zone": "UTC",
            "currency": "USD",
            "goal_type": "other",
        },
    )
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    assert Program.objects.count() == 1


def test_activation_refused_is_shown_as_a_message(logged_in, program):
    response = logged_in.post(
        reverse("programs:status", kwargs={"program_slug": program.slug}), {"status": "active"}
    )
    assert response.status_code == 302
    text = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot become active" in m for m in text)
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_complete_program_is_activated_from_the_worksheet(logged_in, program):
    TicketTypeFactory(program=program)
    ProgramScheduleFactory(program=program)
    SuccessMetricFactory(program=program)
    logged_in.post(reverse("programs:status", kwargs={"program_slug": program.slug}), {"status": "active"})
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE


# --- section edit pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "section",
    [
        "outcome",
        "scope",
        "schedule",
        "candidates",
        "support",
        "behind-the-scenes",
        "success",
        "budget",
        "onboarding",
        "stakeholders",
    ],
)
def test_every_section_page_opens(logged_in, program, section):
    assert logged_in.get(section_url(program, section)).status_code == 200


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"hours_per_week": "0"}, "hours_per_week"),
        ({"hours_per_week": "81"}, "hours_per_week"),
        ({"start_date": "2031-02-01", "end_date": "2031-01-01"}, "end_date"),
        ({"queue_ready_date": "2020-01-01"}, "queue_ready_date"),
        ({"tickets_per_week": "-10"}, "tickets_per_week"),
        ({"ramp_percents": "50, lots"}, "ramp_percents"),
    ],
)
def test_schedule_bad_input_shows_a_field_error_and_saves_nothing(logged_in, program, changes, field):
    data = {**SCHEDULE_POST, "queue_ready_date": future(), **changes}
    response = logged_in.post(section_url(program, "schedule"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ProgramSchedule.objects.filter(program=program).exists()


def test_schedule_saves_and_redirects_to_the_worksheet(logged_in, program):
    response = logged_in.post(
        section_url(program, "schedule"), {**SCHEDULE_POST, "queue_ready_date": future()}
    )
    assert response.status_code == 302 and response.url == worksheet_url(program) + "#schedule"
    schedule = ProgramSchedule.objects.get(program=program)
    assert schedule.ramp_percents == [50, 75, 100]
    assert schedule.hours_per_week == Decimal("20")


def test_candidate_pay_range_upside_down_shows_a_field_error_and_saves_nothing(logged_in, program):
    data = {
        "pay_min": "25",
        "pay_max": "15",
        "pay_currency": "USD",
        "resume_review": "on",
        "open_ended": "on",
        **management("platforms", 1),
        "platforms-0-kind": "upwork",
        "platforms-0-fee_percent": "5",
    }
    response = logged_in.post(section_url(program, "candidates"), data)
    assert response.status_code == 200
    assert "pay_min" in response.context["form"].errors
    assert not CandidateProfile.objects.filter(program=program).exists()
    assert not SourcingPlatform.objects.filter(program=program).exists()


def test_scope_page_saves_channels_ticket_types_and_rules(logged_in, program):
    existing = TicketTypeFactory(program=program, name="Old", slug="old", position=1)
    data = {
        "channels": ["email", "chat"],
        **management("types", 3, initial=1),
        "types-0-id": existing.pk,
        "types-0-program": program.pk,
        "types-0-name": "Old",
        "types-0-slug": "old",
        "types-0-tier": "1",
        "types-0-position": "1",
        "types-0-DELETE": "on",
        "types-1-name": "Order status",
        "types-1-slug": "",
        "types-1-tier": "1",
        "types-1-freelancers_allowed": "on",
        "types-1-position": "2",
        "types-2-name": "Legal request",
        "types-2-slug": "",
        "types-2-tier": "3",
        "types-2-position": "3",
        **management("rules", 1),
        "rules-0-keyword": "Refund",
        "rules-0-note": "Money",
    }
    response = logged_in.post(section_url(program, "scope"), data)
    assert response.status_code == 302, response.context and response.context["formsets"]
    program.refresh_from_db()
    assert program.channels == ["email", "chat"]
    assert list(program.ticket_types.values_list("slug", "tier", "freelancers_allowed")) == [
        ("order-status", 1, True),
        ("legal-request", 3, False),
    ]
    assert list(program.escalation_rules.values_list("keyword", flat=True)) == ["refund"]


def test_scope_rule_without_type_or_keyword_is_an_error(logged_in, program):
    data = {
        "channels": ["email"],
        **management("types", 0),
        **management("rules", 1),
        "rules-0-note": "Only a note",
    }
    response = logged_in.post(section_url(program, "scope"), data)
    assert response.status_code == 200
    assert "ticket type, a keyword" in response.content.decode()
    assert not program.escalation_rules.exists()


def test_scope_rule_cannot_pick_another_programs_ticket_type(logged_in, program):
    foreign = TicketTypeFactory(program=ProgramFactory())
    data = {
        "channels": ["email"],
        **management("types", 0),
        **management("rules", 1),
        "rules-0-ticket_type": foreign.pk,
    }
    response = logged_in.post(section_url(program, "scope"), data)
    assert response.status_code == 200
    assert not program.escalation_rules.exists()
    assert TicketType.objects.filter(program=program).count() == 0


def test_onboarding_page_edits_steps(logged_in, program):
    step = OnboardingStepFactory(program=program, title="Read", position=1)
    data = {
        **management("steps", 2, initial=1),
        "steps-0-id": step.pk,
        "steps-0-program": program.pk,
        "steps-0-title": "Read the handbook",
        "steps-0-kind": "read_materials",
        "steps-0-required": "on",
        "steps-0-position": "1",
        "steps-1-title": "Shadow 10 tickets",
        "steps-1-kind": "shadow",
        "steps-1-required": "on",
        "steps-1-needs_manager_confirmation": "on",
        "steps-1-position": "2",
    }
    response = logged_in.post(section_url(program, "onboarding"), data)
    assert response.status_code == 302
    assert list(
        OnboardingStep.objects.filter(program=program).values_list("title", "needs_manager_confirmation")
    ) == [
        ("Read the handbook", False),
        ("Shadow 10 tickets", True),
    ]


def test_budget_page_refuses_a_negative_rate(logged_in, program):
    response = logged_in.post(
        section_url(program, "budget"),
        {
            "planned_hourly_rate": "-1",
            "platform_fee_percent": "0",
            "inhouse_monthly_cost": "0",
            "yearly_hours_worked": "2080",
        },
    )
    assert response.status_code == 200
    assert "planned_hourly_rate" in response.context["form"].errors
    assert not hasattr(Program.objects.get(pk=program.pk), "budget")


# --- announcements ---------------------------------------------------------------------------------------


def test_manager_writes_and_publishes_an_announcement(logged_in, program, manager):
    response = logged_in.post(
        reverse("programs:announcement_create", kwargs={"program_slug": program.slug}),
        {"kind": "known_bug", "title": "Tracking links", "body": "Use the macro."},
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get(program=program)
    assert announcement.published_at is None and announcement.author == manager
    logged_in.post(
        reverse(
            "programs:announcement_action",
            kwargs={"program_slug": program.slug, "pk": announcement.pk, "action": "publish"},
        )
    )
    announcement.refresh_from_db()
    assert announcement.published_at is not None


# --- admin -----------------------------------------------------------------------------------------------


def test_admin_sees_the_worksheet_read_only_and_assigns_managers(client, program):
    from tests.accounts.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    TicketTypeFactory(program=program, name="Order status")
    assert client.get("/admin/programs/tickettype/").status_code == 200
    assert client.get("/admin/programs/tickettype/add/").status_code == 403
    page = client.get(f"/admin/programs/program/{program.pk}/change/")
    assert page.status_code == 200 and "Order status" in page.content.decode()
    new_manager = ManagerFactory()
    data = {"managers": [new_manager.pk]}
    for prefix in [
        "ticket_types",
        "escalation_rules",
        "success_metrics",
        "onboarding_steps",
        "tools",
        "stakeholders",
    ]:
        data.update(
            management(prefix, 1 if prefix == "ticket_types" else 0, 1 if prefix == "ticket_types" else 0)
        )
    response = client.post(f"/admin/programs/program/{program.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(program.managers.all()) == [new_manager]
