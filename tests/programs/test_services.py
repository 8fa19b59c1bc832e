import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.errors import TransitionNotAllowed
from core.models import AuditLog
from programs import services
from programs.errors import ActivationRefused, ProgramError
from programs.models import (
    Announcement,
    CandidateProfile,
    EscalationRule,
    OnboardingStep,
    Program,
    ProgramSchedule,
    SourcingPlatform,
    SupportPlan,
)
from programs.selectors import announcement_list_published
from tests.accounts.factories import ManagerFactory
from tests.programs.factories import (
    AnnouncementFactory,
    ProgramFactory,
    ProgramScheduleFactory,
    SuccessMetricFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2030, 5, 10)


def schedule_data(**overrides):
    data = {
        "hours_per_week": Decimal("20"),
        "freelancers_needed": 5,
        "queue_ready_date": TODAY + datetime.timedelta(days=60),
        "training_days": 10,
    }
    data.update(overrides)
    return data


# --- create ----------------------------------------------------------------------------------------------


def test_program_create_makes_a_draft_managed_by_its_creator_with_the_standard_checklist():
    manager = ManagerFactory()
    program = services.program_create(
        created_by=manager,
        name="Holiday Peak",
        time_zone="Europe/Berlin",
        currency="EUR",
        goal_type=Program.GoalType.SEASONAL_PEAK,
    )
    assert program.slug == "holiday-peak"
    assert program.status == Program.Status.DRAFT
    assert list(program.managers.all()) == [manager]
    assert list(program.onboarding_steps.values_list("kind", flat=True)) == [
        "read_materials",
        "sign_nda",
        "tool_access",
        "shadow",
        "quiz",
    ]
    assert AuditLog.objects.filter(verb="program.created", actor=manager, target_id=str(program.pk)).exists()


def test_program_create_refuses_a_taken_or_reserved_slug_and_creates_nothing():
    ProgramFactory(slug="taken")
    before = Program.objects.count()
    with pytest.raises(ValidationError) as taken:
        services.program_create(created_by=ManagerFactory(), name="Taken", slug="taken")
    assert "slug" in taken.value.message_dict
    with pytest.raises(ProgramError):
        services.program_create(created_by=ManagerFactory(), name="New", slug="new")
    assert Program.objects.count() == before
    assert not OnboardingStep.objects.filter(program__name__in=["Taken", "New"]).exists()


# --- status ----------------------------------------------------------------------------------------------


def test_activation_is_refused_while_scope_schedule_and_metrics_are_empty():
    program = ProgramFactory(status=Program.Status.DRAFT)
    with pytest.raises(ActivationRefused) as refused:
        services.program_status_change(program=program, actor=None, status=Program.Status.ACTIVE)
    message = refused.value.message
    assert "scope" in message and "schedule" in message and "success metrics" in message
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_activation_names_only_what_is_still_missing():
    program = ProgramFactory(status=Program.Status.DRAFT)
    TicketTypeFactory(program=program)
    ProgramScheduleFactory(program=program)
    with pytest.raises(ActivationRefused) as refused:
        services.program_status_change(program=program, actor=None, status=Program.Status.ACTIVE)
    assert "success metrics" in refused.value.message
    assert "scope" not in refused.value.message and "schedule (" not in refused.value.message


def test_program_with_scope_schedule_and_metrics_becomes_active_and_the_move_is_audited():
    manager = ManagerFactory()
    program = ProgramFactory(status=Program.Status.DRAFT, managers=[manager])
    TicketTypeFactory(program=program)
    ProgramScheduleFactory(program=program)
    SuccessMetricFactory(program=program)
    services.program_status_change(program=program, actor=manager, status=Program.Status.ACTIVE)
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    log = AuditLog.objects.get(verb="program.status_changed")
    assert log.data == {"previous": "draft", "status": "active"} and log.actor == manager


def test_status_moves_follow_the_state_machine():
    program = ProgramFactory(status=Program.Status.ACTIVE)
    services.program_status_change(program=program, actor=None, status=Program.Status.PAUSED)
    services.program_status_change(program=program, actor=None, status=Program.Status.CLOSED)
    with pytest.raises(TransitionNotAllowed):
        services.program_status_change(program=program, actor=None, status=Program.Status.ACTIVE)
    with pytest.raises(TransitionNotAllowed):
        services.program_status_change(
            program=ProgramFactory(status=Program.Status.DRAFT), actor=None, status=Program.Status.PAUSED
        )


def test_resuming_a_paused_program_checks_the_activation_rule_again():
    program = ProgramFactory(status=Program.Status.PAUSED)
    with pytest.raises(ActivationRefused):
        services.program_status_change(program=program, actor=None, status=Program.Status.ACTIVE)


# --- schedule --------------------------------------------------------------------------------------------


def test_new_plan_with_queue_ready_before_today_is_refused_and_nothing_saved():
    program = ProgramFactory()
    with pytest.raises(ValidationError) as error:
        services.program_schedule_update(
            program=program,
            actor=None,
            today=TODAY,
            data=schedule_data(queue_ready_date=TODAY - datetime.timedelta(days=1)),
        )
    assert "queue_ready_date" in error.value.message_dict
    assert not ProgramSchedule.objects.filter(program=program).exists()


def test_existing_plan_may_keep_a_past_queue_ready_date_but_not_move_to_another():
    program = ProgramFactory()
    past = TODAY - datetime.timedelta(days=30)
    ProgramScheduleFactory(program=program, queue_ready_date=past)
    # keeping the date while changing the headcount is fine
    schedule = services.program_schedule_update(
        program=program,
        actor=None,
        today=TODAY,
        data=schedule_data(queue_ready_date=past, freelancers_needed=7),
    )
    assert (schedule.queue_ready_date, schedule.freelancers_needed) == (past, 7)
    # moving it to another past date is not
    with pytest.raises(ValidationError) as error:
        services.program_schedule_update(
            program=program,
            actor=None,
            today=TODAY,
            data=schedule_data(queue_ready_date=past + datetime.timedelta(days=1)),
        )
    assert "queue_ready_date" in error.value.message_dict
    assert ProgramSchedule.objects.get(program=program).queue_ready_date == past


@pytest.mark.parametrize(
    "field,value",
    [
        ("hours_per_week", Decimal("0")),
        ("hours_per_week", Decimal("80.5")),
        ("end_date", TODAY - datetime.timedelta(days=1)),
        ("tickets_per_week", -5),
        ("ramp_percents", [50, 150]),
    ],
)
def test_schedule_bad_input_gets_a_field_error_and_changes_nothing(field, value):
    program = ProgramFactory()
    data = schedule_data(start_date=TODAY, **{field: value})
    with pytest.raises(ValidationError) as error:
        services.program_schedule_update(program=program, actor=None, today=TODAY, data=data)
    assert field in error.value.message_dict
    assert not ProgramSchedule.objects.filter(program=program).exists()


def test_section_services_refuse_unknown_fields():
    with pytest.raises(TypeError):
        services.program_schedule_update(program=ProgramFactory(), actor=None, data={"status": "active"})


# --- rows ------------------------------------------------------------------------------------------------


def test_scope_update_creates_updates_and_deletes_rows_and_fills_slugs():
    program = ProgramFactory(channels=[])
    keep = TicketTypeFactory(program=program, name="Order status", slug="order-status")
    drop = TicketTypeFactory(program=program, name="Old type", slug="old-type")
    services.program_scope_update(
        program=program,
        actor=None,
        channels=["email"],
        ticket_types=[
            {"id": keep.pk, "name": "Where is my order", "tier": 1, "freelancers_allowed": True},
            {"id": drop.pk, "delete": True},
            {"id": None, "name": "Legal request", "slug": "", "tier": 3, "freelancers_allowed": False},
        ],
        escalation_rules=[{"id": None, "ticket_type": None, "keyword": "  Chargeback ", "note": ""}],
    )
    program.refresh_from_db()
    assert program.channels == ["email"]
    assert sorted(program.ticket_types.values_list("slug", "name")) == [
        ("legal-request", "Legal request"),
        ("order-status", "Where is my order"),
    ]
    assert list(program.escalation_rules.values_list("keyword", flat=True)) == ["chargeback"]


def test_rows_of_another_program_are_refused_and_nothing_changes():
    mine, theirs = ProgramFactory(), ProgramFactory()
    their_type = TicketTypeFactory(program=theirs, name="Theirs")
    with pytest.raises(ProgramError):
        services.program_scope_update(
            program=mine,
            actor=None,
            channels=["email"],
            ticket_types=[{"id": their_type.pk, "name": "Hijacked", "tier": 1}],
        )
    with pytest.raises(ProgramError):
        services.program_scope_update(
            program=mine, actor=None, channels=["chat"], ticket_types=[{"id": their_type.pk, "delete": True}]
        )
    their_type.refresh_from_db()
    assert their_type.name == "Theirs"
    mine.refresh_from_db()
    assert mine.channels == ["email", "chat"]  # the whole save rolled back


def test_escalation_rule_must_use_a_ticket_type_of_the_same_program():
    mine, theirs = ProgramFactory(), ProgramFactory()
    with pytest.raises(ValidationError):
        services.program_scope_update(
            program=mine,
            actor=None,
            channels=["email"],
            escalation_rules=[{"id": None, "ticket_type": TicketTypeFactory(program=theirs), "keyword": ""}],
        )
    assert not EscalationRule.objects.filter(program=mine).exists()


def test_pay_range_minimum_above_maximum_is_refused_and_platforms_are_not_saved():
    program = ProgramFactory()
    with pytest.raises(ValidationError) as error:
        services.program_candidates_update(
            program=program,
            actor=None,
            data={"pay_min": Decimal("20"), "pay_max": Decimal("15")},
            platforms=[{"id": None, "kind": SourcingPlatform.Kind.UPWORK}],
        )
    assert "pay_min" in error.value.message_dict
    assert not CandidateProfile.objects.filter(program=program).exists()
    assert not SourcingPlatform.objects.filter(program=program).exists()


def test_reviewers_must_be_managers_of_the_program():
    manager, outsider = ManagerFactory(), ManagerFactory()
    program = ProgramFactory(managers=[manager])
    with pytest.raises(ValidationError):
        services.program_support_update(program=program, actor=manager, data={"reviewers": [outsider]})
    assert not SupportPlan.objects.filter(program=program).exists()
    plan = services.program_support_update(
        program=program,
        actor=manager,
        data={"reviewers": [manager], "review_frequency": "weekly"},
        scorecard={"scale_max": 4},
        criteria=[{"id": None, "name": "Tone", "weight": 2}],
    )
    assert list(plan.reviewers.all()) == [manager]
    assert list(program.scorecard.criteria.values_list("name", "weight")) == [("Tone", 2)]


def test_stakeholder_emails_are_stored_lowercase_and_unique_per_program():
    program = ProgramFactory()
    services.program_stakeholders_update(
        program=program,
        actor=None,
        stakeholders=[{"id": None, "name": "Dana", "email": " Dana@Example.TEST "}],
    )
    assert list(program.stakeholders.values_list("email", flat=True)) == ["dana@example.test"]
    with pytest.raises(ValidationError):
        services.program_stakeholders_update(
            program=program,
            actor=None,
            stakeholders=[{"id": None, "name": "Dana 2", "email": "dana@example.test"}],
        )


# --- announcements ---------------------------------------------------------------------------------------


def test_announcement_publish_once_and_only_published_ones_are_listed_for_the_given_programs():
    manager = ManagerFactory()
    program, other = ProgramFactory(managers=[manager]), ProgramFactory()
    draft = services.announcement_create(
        program=program, author=manager, kind="general", title="Draft", body="x"
    )
    published = services.announcement_create(
        program=program, author=manager, kind="known_bug", title="Bug", body="y", publish=True
    )
    AnnouncementFactory(program=other, published_at=published.published_at)
    assert list(announcement_list_published(program_ids=[program.pk])) == [published]
    assert draft.published_at is None
    with pytest.raises(ProgramError):
        services.announcement_publish(announcement=published, actor=manager)
    services.announcement_withdraw(announcement=published, actor=manager)
    assert not announcement_list_published(program_ids=[program.pk]).exists()
    services.announcement_delete(announcement=draft, actor=manager)
    assert not Announcement.objects.filter(pk=draft.pk).exists()


def test_announcement_needs_a_title_and_body():
    with pytest.raises(ValidationError):
        services.announcement_create(
            program=ProgramFactory(), author=None, kind="general", title=" ", body="x"
        )
    assert not Announcement.objects.exists()
