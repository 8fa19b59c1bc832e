import pytest
from django.apps import apps

from accounts import demo as accounts_demo
from programs import demo as programs_demo
from programs.models import Announcement, Program
from programs.selectors import program_worksheet_get
from programs.services import program_today
from programs.worksheet import worksheet_plans, worksheet_sections

pytestmark = pytest.mark.django_db


def _seed():
    # Only the apps below programs: the demo of apps above may be half-built by their owners right now.
    context: dict = {}
    accounts_demo.seed(context)
    programs_demo.seed(context)
    return context


def _counts():
    return {
        model._meta.label: model.objects.count() for model in apps.get_app_config("programs").get_models()
    }


def test_programs_demo_is_idempotent_and_fills_the_context():
    context = _seed()
    first = _counts()
    again = _seed()
    assert _counts() == first
    assert first["programs.TicketType"] == 11
    assert again["program"] == context["program"] and again["acme"] == context["acme"]
    assert set(context["ticket_types"]) >= {"order-status", "refund-dispute", "legal-request"}
    assert context["scorecard"].program == context["program"]


def test_demo_programs_have_every_section_filled_and_a_plan_that_fits():
    _seed()
    for slug, manager in [("demo", "manager@demo.test"), ("acme", "manager2@demo.test")]:
        program = Program.objects.get(slug=slug)
        user = program.managers.get(email=manager)
        program = program_worksheet_get(user=user, slug=slug)
        missing = {s.key: s.missing for s in worksheet_sections(program) if not s.done}
        assert missing == {}, slug
        plans = worksheet_plans(program, today=program_today(program))
        # Both programs are running: queue-ready is behind them, not a plan that cannot fit.
        assert plans.timeline.cannot_fit is False and plans.timeline.queue_ready_passed is True
        assert plans.budget is not None and plans.capacity is not None
    demo = Program.objects.get(slug="demo")
    assert demo.ticket_types.filter(freelancers_allowed=False).count() == 3
    assert set(demo.escalation_rules.exclude(keyword="").values_list("keyword", flat=True)) == {
        "refund",
        "chargeback",
        "legal",
        "lawyer",
        "gdpr",
    }
    assert list(demo.scorecard.criteria.filter(is_critical=True).values_list("name", flat=True)) == [
        "Process followed",
        "Escalated correctly",
    ]
    assert Announcement.objects.filter(program=demo, published_at__isnull=False).count() == 2
