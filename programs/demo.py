"""Demo programs. The worksheet sections are filled by programs' own seeding below."""

from programs.models import Program


def seed(context):
    demo, _ = Program.objects.get_or_create(
        slug="demo",
        defaults={"name": "Demo Support", "status": Program.Status.ACTIVE, "time_zone": "America/New_York",
                  "currency": "USD", "goal_type": Program.GoalType.FREE_INHOUSE,
                  "outcome": "Move tier-1 email and chat to freelancers so the in-house team can own tier 2.",
                  "channels": ["email", "chat"]},
    )
    demo.managers.add(context["manager"], context["agent"])
    acme, _ = Program.objects.get_or_create(
        slug="acme",
        defaults={"name": "Acme Weekend Cover", "status": Program.Status.ACTIVE, "time_zone": "Europe/London",
                  "currency": "EUR", "goal_type": Program.GoalType.WEEKEND_COVER,
                  "outcome": "Answer Acme's weekend email within an hour.", "channels": ["email"]},
    )
    acme.managers.add(context["manager2"])
    context["program"] = demo
    context["acme"] = acme
