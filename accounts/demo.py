"""Demo people: managers, freelancers, an admin. Idempotent: looks up by email."""

from accounts.models import Freelancer, Language, Skill, User

PASSWORD = "demo"

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("fr", "French"),
    ("de", "German"),
    ("pl", "Polish"),
    ("tl", "Tagalog"),
]
SKILLS = [
    ("Billing", "billing"),
    ("Shipping & returns", "shipping"),
    ("Account access", "account-access"),
    ("Technical troubleshooting", "troubleshooting"),
    ("Live chat", "live-chat"),
    ("Zendesk", "zendesk"),
]

# (n, legal name, time zone, country, languages, skills, payout currency)
# The six on the rota (1–6) each cover some hours alone, so each takes every tier-1 type: billing, shipping and
# account access, plus a speciality or two.
TIER1 = ["billing", "shipping", "account-access"]
FREELANCERS = [
    (1, "Ana Reyes", "Asia/Manila", "PH", ["en", "tl"], TIER1 + ["zendesk"], "USD"),
    (
        2,
        "Marta Kowalska",
        "Europe/Warsaw",
        "PL",
        ["en", "pl", "de"],
        TIER1 + ["troubleshooting", "zendesk"],
        "EUR",
    ),
    (3, "Lucas Oliveira", "America/Sao_Paulo", "BR", ["en", "pt", "es"], TIER1 + ["live-chat"], "USD"),
    (4, "Sofía Martínez", "America/Mexico_City", "MX", ["en", "es"], TIER1 + ["live-chat", "zendesk"], "USD"),
    (5, "James Okafor", "Africa/Lagos", "NG", ["en"], TIER1 + ["troubleshooting"], "USD"),
    (6, "Claire Dubois", "Europe/Paris", "FR", ["en", "fr"], TIER1, "EUR"),
    (7, "Priya Nair", "Asia/Kolkata", "IN", ["en"], ["troubleshooting", "live-chat", "zendesk"], "USD"),
    (8, "Tom Becker", "America/New_York", "US", ["en", "de"], ["account-access", "billing"], "USD"),
]


def _user(email, **fields):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, **fields)
        user.set_password(PASSWORD)
        user.save()
    return user


def seed(context):
    languages = {
        code: Language.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in LANGUAGES
    }
    skills = {
        slug: Skill.objects.get_or_create(slug=slug, program=None, defaults={"name": name})[0]
        for name, slug in SKILLS
    }

    context["admin"] = _user(
        "admin@demo.test", display_name="Demo Admin", role=User.Role.MANAGER, is_staff=True, is_superuser=True
    )
    context["manager"] = _user(
        "manager@demo.test", display_name="Maya Chen", role=User.Role.MANAGER, time_zone="America/New_York"
    )
    context["manager2"] = _user(
        "manager2@demo.test", display_name="Oliver Grant", role=User.Role.MANAGER, time_zone="Europe/London"
    )
    context["agent"] = _user(
        "agent@demo.test", display_name="Sam Patel", role=User.Role.AGENT, time_zone="America/New_York"
    )

    freelancers = []
    for n, name, tz, country, langs, skill_slugs, currency in FREELANCERS:
        user = _user(f"freelancer{n}@demo.test", display_name=name, role=User.Role.FREELANCER, time_zone=tz)
        profile, created = Freelancer.objects.get_or_create(
            user=user,
            defaults={
                "legal_name": name,
                "time_zone": tz,
                "country": country,
                "payout_currency": currency,
                "status": Freelancer.Status.ACTIVE,
            },
        )
        if created:
            profile.languages.set([languages[c] for c in langs])
            profile.skills.set([skills[s] for s in skill_slugs])
        freelancers.append(profile)
    context["freelancers"] = freelancers

    acme_user = _user(
        "acme.freelancer@demo.test",
        display_name="Nora Lindqvist",
        role=User.Role.FREELANCER,
        time_zone="Europe/Stockholm",
    )
    acme, created = Freelancer.objects.get_or_create(
        user=acme_user,
        defaults={
            "legal_name": "Nora Lindqvist",
            "time_zone": "Europe/Stockholm",
            "country": "SE",
            "payout_currency": "EUR",
            "status": Freelancer.Status.ACTIVE,
        },
    )
    if created:
        acme.languages.set([languages["en"], languages["de"]])
        acme.skills.set([skills["billing"], skills["shipping"]])
    context["acme_freelancer"] = acme
    context["languages"] = languages
    context["skills"] = skills

    context["logins"] = [
        ("manager@demo.test", "support manager of Demo Support"),
        ("manager2@demo.test", "support manager of Acme Weekend Cover"),
        ("agent@demo.test", "in-house agent"),
        ("freelancer1@demo.test", "… freelancer8@demo.test: freelancers in Demo Support"),
        ("acme.freelancer@demo.test", "freelancer in Acme Weekend Cover only"),
        ("admin@demo.test", "Django admin (/admin/)"),
    ]
