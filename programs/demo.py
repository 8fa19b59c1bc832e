"""Demo programs with every worksheet section filled in. Idempotent: rows are found by natural keys.

Puts into context: program, acme (Programs), ticket_types / acme_ticket_types ({slug: TicketType}),
scorecard / acme_scorecard, onboarding_steps ({kind: OnboardingStep} of demo), tools ({name: ProgramTool}
of demo), stakeholders (demo's), announcements (demo's published ones), knowledge ({slug: KnowledgeArticle}
of demo), assessment (the demo manager's OutsourcingAssessment).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from programs.models import (
    Announcement,
    AssessmentTask,
    BehindTheScenes,
    Budget,
    CandidateProfile,
    EscalationRule,
    KnowledgeArticle,
    OnboardingStep,
    OutsourcingAssessment,
    Program,
    ProgramSchedule,
    ProgramTool,
    QACriterion,
    QAScorecard,
    SourcingPlatform,
    Stakeholder,
    SuccessMetric,
    SupportPlan,
    TicketType,
    TrainingMaterial,
)

# slug, name, tier, freelancers allowed, required skill slugs
DEMO_TICKET_TYPES = [
    ("order-status", "Order status", 1, True, ["shipping"]),
    ("returns", "Returns & exchanges", 1, True, ["shipping"]),
    ("password-reset", "Password reset", 1, True, ["account-access"]),
    ("billing-question", "Billing question", 1, True, ["billing"]),
    ("refund-dispute", "Refund dispute / Chargeback", 2, False, ["billing"]),
    ("bug-report", "Bug report", 2, False, ["troubleshooting"]),
    ("legal-request", "Legal request", 3, False, []),
]
ACME_TICKET_TYPES = [
    ("order-status", "Order status", 1, True, ["shipping"]),
    ("delivery-issue", "Delivery issue", 1, True, ["shipping"]),
    ("account-help", "Account help", 1, True, ["account-access"]),
    ("refund-dispute", "Refund dispute", 2, False, ["billing"]),
]
KEYWORDS = [
    ("refund", "Money back is decided in-house."),
    ("chargeback", "Disputes go to the billing team."),
    ("legal", "Anything legal goes to the in-house lead."),
    ("lawyer", "Anything legal goes to the in-house lead."),
    ("gdpr", "Data requests are handled by the privacy owner."),
]
CRITERIA = [
    ("Tone", "Friendly, clear, on-brand.", 2, False),
    ("Accuracy", "The answer is correct and complete for the question asked.", 3, False),
    ("Completeness", "Every question in the ticket answered; next steps given.", 2, False),
    ("Process followed", "Macros, tags and internal notes used as documented.", 2, True),
    ("Escalated correctly", "Out-of-scope and keyword tickets were escalated, not answered.", 3, True),
]
METRICS = [
    (SuccessMetric.Kind.CSAT, "CSAT", SuccessMetric.Direction.AT_LEAST, "90"),
    (SuccessMetric.Kind.FIRST_RESPONSE, "First response (hours)", SuccessMetric.Direction.AT_MOST, "1"),
    (SuccessMetric.Kind.QA_SCORE, "QA score", SuccessMetric.Direction.AT_LEAST, "85"),
    (SuccessMetric.Kind.NPS, "NPS", SuccessMetric.Direction.AT_LEAST, "40"),
    # The budget below plans 5.04 per ticket (8 × 20 h at 15.75 with the fee, for 500 tickets a week); in-house
    # answers cost 6.69 (14,500 a month for the same volume), so the target is to stay well under that.
    (SuccessMetric.Kind.COST_PER_TICKET, "Cost per ticket", SuccessMetric.Direction.AT_MOST, "6.00"),
    (SuccessMetric.Kind.BACKLOG, "Backlog (open tickets)", SuccessMetric.Direction.AT_MOST, "50"),
]
ONBOARDING = [
    (
        OnboardingStep.Kind.READ_MATERIALS,
        "Read the training materials",
        "Handbook, macros and the product tour.",
        False,
    ),
    (OnboardingStep.Kind.SIGN_NDA, "Sign the NDA", "Signed in the portal with the contract.", False),
    (OnboardingStep.Kind.TOOL_ACCESS, "Tool access received", "Zendesk, Slack and Stripe logins work.", True),
    (
        OnboardingStep.Kind.SHADOW,
        "Shadow 10 tickets",
        "Draft replies on 10 tickets; a reviewer checks them.",
        True,
    ),
    (
        OnboardingStep.Kind.QUIZ,
        "Pass the product quiz",
        "Three questions on the playbook; the pass mark is 80 %.",
        False,
    ),
]


def _ticket_types(program, rows, skills):
    found = {}
    for position, (slug, name, tier, allowed, skill_slugs) in enumerate(rows, start=1):
        ticket_type, created = TicketType.objects.get_or_create(
            program=program,
            slug=slug,
            defaults={"name": name, "tier": tier, "freelancers_allowed": allowed, "position": position},
        )
        if created:
            ticket_type.required_skills.set([skills[s] for s in skill_slugs if s in skills])
        found[slug] = ticket_type
    return found


def _rows(model, parent, key_field, rows):
    """get_or_create one row per dict, found by (parent, key_field)."""
    parent_field = "scorecard" if model is QACriterion else "program"
    made = []
    for position, row in enumerate(rows, start=1):
        row = dict(row)
        key = row.pop(key_field)
        if "position" in {f.name for f in model._meta.fields}:
            row.setdefault("position", position)
        obj, _ = model.objects.get_or_create(**{parent_field: parent, key_field: key}, defaults=row)
        made.append(obj)
    return made


def _fill_demo(context, program, today):
    skills, languages = context["skills"], context["languages"]
    ticket_types = _ticket_types(program, DEMO_TICKET_TYPES, skills)
    for ticket_type_slug in ["refund-dispute", "legal-request"]:
        EscalationRule.objects.get_or_create(
            program=program,
            ticket_type=ticket_types[ticket_type_slug],
            keyword="",
            defaults={"note": "Never for freelancers."},
        )
    for keyword, note in KEYWORDS:
        EscalationRule.objects.get_or_create(
            program=program, ticket_type=None, keyword=keyword, defaults={"note": note}
        )
    # A program four months in: planned 130 days ago, queue-ready 72 days ago (the first cohort's contracts start
    # 82–86 days ago, contracts/demo.py). 500 tier-1 tickets a week (queues/demo.py seeds that many) at 12 minutes
    # and 75 % occupancy need 133 h: 7 freelancers at 20 h; it plans 8 so the 07:00–23:00 window has cover on
    # weekends and when someone leaves.
    ProgramSchedule.objects.get_or_create(
        program=program,
        defaults={
            "term": ProgramSchedule.Term.LONG_TERM,
            "engagement_months": 12,
            "hours_per_week": Decimal("20"),
            "freelancers_needed": 8,
            "start_date": today - datetime.timedelta(days=130),
            "queue_ready_date": today - datetime.timedelta(days=72),
            "training_days": 10,
            "tickets_per_week": 500,
            "average_handle_minutes": Decimal("12"),
            "target_occupancy_percent": Decimal("75"),
            "training_yield_percent": Decimal("60"),
            "ramp_percents": [50, 75, 100],
            "posting_days": 10,
            "trial_days": 5,
            "interview_days": 7,
            "offer_days": 5,
        },
    )
    profile, created = CandidateProfile.objects.get_or_create(
        program=program,
        defaults={
            "mindset": "Patient, curious, writes the way people talk. Owns a ticket until it is solved or escalated.",
            "pay_min": Decimal("12.00"),
            "pay_max": Decimal("18.00"),
            "pay_currency": "USD",
            # Postings advertise up to 18; the US/Western Europe floor is 20, and raises may go up to the ceiling.
            "rate_ceiling": Decimal("25.00"),
            "time_zones": "Americas and Asia-Pacific (UTC−6 to UTC+8)",
            "working_hours": "Mon–Sun, shifts between 07:00 and 23:00 ET",
            "hours_per_week": Decimal("20"),
            "interview_questions": [
                "Tell us about a customer you could not help. What did you do?",
                "How do you decide a ticket needs someone else?",
                "Which help desk tools have you used, and for what?",
            ],
            "writing_assignment": "Answer three real (anonymised) tickets: a late order, a forgotten password and an "
            "angry customer asking for a refund.",
            "open_ended": True,
            "nda_required": True,
            "performance_expectations": "QA ≥ 85, CSAT ≥ 90 %, first reply within an hour during shifts.",
        },
    )
    if created:
        profile.skills.set([skills[s] for s in ["shipping", "billing", "zendesk"] if s in skills])
        profile.languages.set([languages[c] for c in ["en", "es"] if c in languages])
    _rows(
        SourcingPlatform,
        program,
        "kind",
        [
            {
                "kind": SourcingPlatform.Kind.UPWORK,
                "pre_screens": False,
                "handles_invoicing": True,
                "fee_percent": Decimal("5"),
            },
            {"kind": SourcingPlatform.Kind.REFERRALS, "name": "Referrals from current freelancers"},
        ],
    )
    plan, created = SupportPlan.objects.get_or_create(
        program=program,
        defaults={
            "review_frequency": "5 tickets per freelancer per week; daily in the first two weeks",
            "communication": "#flexdesk-support Slack channel for bugs and product updates; a Monday note on ticket "
            "trends; known bugs are posted as announcements.",
            "recognition": "Monthly shout-out and a bonus for the best QA score; top performers are offered tier 2.",
            "evaluation_cadence_days": 30,
            "rate_adjustment_policy": "Reviewed after 90 days, then every 6 months, based on QA and CSAT.",
            "termination_policy": "Two evaluations below target with a written plan in between; immediately for "
            "breaches of the NDA.",
        },
    )
    if created:
        plan.reviewers.set([context["manager"]])
    scorecard, _ = QAScorecard.objects.get_or_create(
        program=program, defaults={"name": "Tier-1 QA", "scale_max": 4, "passing_score": Decimal("85")}
    )
    _rows(
        QACriterion,
        scorecard,
        "name",
        [
            {"name": name, "description": description, "weight": weight, "is_critical": critical}
            for name, description, weight, critical in CRITERIA
        ],
    )
    BehindTheScenes.objects.get_or_create(
        program=program,
        defaults={
            "security_measures": "Named accounts only, 2FA everywhere, no customer data outside Zendesk, "
            "access revoked the day a contract ends.",
            "has_queue": True,
            "escalation_process": "Use the “Escalate” button with a reason; the ticket goes to the in-house queue "
            "and the customer gets the hand-off macro. Urgent: ping @support-lead in Slack.",
            "working_hours": BehindTheScenes.WorkingHours.SCHEDULED,
        },
    )
    tools = _rows(
        ProgramTool,
        program,
        "name",
        [
            {"name": "Zendesk", "access_level": "Agent (light)", "url": "https://example.zendesk.com/"},
            {"name": "Slack", "access_level": "Single-channel guest", "url": "https://example.slack.com/"},
            {"name": "Stripe", "access_level": "Read-only", "url": "https://dashboard.stripe.com/"},
        ],
    )
    _rows(
        TrainingMaterial,
        program,
        "title",
        [
            {
                "title": "Support handbook",
                "url": "https://example.com/handbook",
                "description": "Voice, tone and policies.",
            },
            {
                "title": "Macros and tags",
                "url": "https://example.com/macros",
                "description": "Which macro when.",
            },
            {
                "title": "Product tour (video)",
                "url": "https://example.com/tour",
                "description": "25 minutes.",
            },
            {
                "title": "Refunds and escalations",
                "url": "https://example.com/escalations",
                "description": "What never to answer yourself.",
            },
        ],
    )
    _rows(
        SuccessMetric,
        program,
        "kind",
        [
            {"kind": kind, "label": label, "direction": direction, "target": Decimal(target)}
            for kind, label, direction, target in METRICS
        ],
    )
    Budget.objects.get_or_create(
        program=program,
        defaults={
            "yearly_profit": Decimal("50000"),
            "yearly_hours_worked": 2080,
            "planned_hourly_rate": Decimal("15.00"),
            "platform_fee_percent": Decimal("5"),
            "inhouse_monthly_cost": Decimal("14500.00"),
            "monthly_budget": Decimal("12000.00"),
        },
    )
    steps = _rows(
        OnboardingStep,
        program,
        "kind",
        [
            {"kind": kind, "title": title, "description": description, "needs_manager_confirmation": confirm}
            for kind, title, description, confirm in ONBOARDING
        ],
    )
    stakeholders = _rows(
        Stakeholder,
        program,
        "email",
        [
            {
                "email": "dana.whitfield@demo-customer.test",
                "name": "Dana Whitfield",
                "role": "VP Customer Experience",
            },
            {"email": "luis.ortega@demo-customer.test", "name": "Luis Ortega", "role": "Head of Operations"},
            {"email": "amara.singh@demo-customer.test", "name": "Amara Singh", "role": "Product lead"},
            # The weekly NPS goes to the customer's team leads as well: ten people, four to six answer a week.
            {
                "email": "kofi.asante@demo-customer.test",
                "name": "Kofi Asante",
                "role": "Support team lead, billing",
            },
            {
                "email": "elif.yilmaz@demo-customer.test",
                "name": "Elif Yılmaz",
                "role": "Support team lead, orders",
            },
            {
                "email": "ben.carter@demo-customer.test",
                "name": "Ben Carter",
                "role": "Support team lead, accounts",
            },
            {"email": "mia.schultz@demo-customer.test", "name": "Mia Schultz", "role": "Quality lead"},
            {"email": "raj.iyer@demo-customer.test", "name": "Raj Iyer", "role": "Workforce planner"},
            {"email": "lena.novak@demo-customer.test", "name": "Lena Novak", "role": "Head of e-commerce"},
            {
                "email": "omar.haddad@demo-customer.test",
                "name": "Omar Haddad",
                "role": "Finance business partner",
            },
        ],
    )
    context["ticket_types"] = ticket_types
    context["scorecard"] = scorecard
    context["onboarding_steps"] = {step.kind: step for step in steps}
    context["knowledge"] = _knowledge(program, context["manager"], context["onboarding_steps"])
    context["tools"] = {tool.name: tool for tool in tools}
    context["stakeholders"] = stakeholders


# --- Knowledge (issue 19, item 4): how support is done at Demo Support ----------------------------------------

DEMO_KNOWLEDGE = [
    (
        "playbook",
        "how-we-do-support",
        "How we do support at Demo Support",
        1,
        """\
Welcome to the team. This page is the short version of everything: read it before your first shift and keep it
open beside your tickets.

## Tone

- Write the way people talk: short sentences, no jargon, the customer's name once.
- Say what you did and what happens next: *"I've re-sent your tracking link; the parcel is due on Thursday."*
- Never blame the customer, the courier or a colleague. Apologise once, then fix it.
- Use the macro as a start, not as the answer: every reply answers **this** customer's question.

## First response

1. Reply within **1 hour** during your shift (our target is first response ≤ 1 h; the SLA clock on each ticket
   counts the program's business hours).
2. If you need more time to find out, send a holding reply that says when you will be back, then come back.
3. Solve a ticket only when the question is answered; otherwise leave it pending with a clear next step.

## What you may decide yourself

| situation | you may |
| --- | --- |
| Order more than 3 business days late | send a **$10 goodwill code** (once per order) |
| Parcel lost (courier confirms) | re-ship an order worth **up to $50** |
| Wrong size | point to Account → Orders → Exchange (no return label needed) |
| Password reset link expired | send a new link from the admin, never a password |

Anything that gives money back beyond that — a refund of the order price, a chargeback, a discount on a future
order — is decided in-house: see **When and how to escalate**, linked beside every ticket.

## Macros and tags

Tag every ticket with its type (`order-status`, `returns`, `password-reset`, `billing-question`). Add an
internal note when you leave something unfinished at the end of a shift.
""",
    ),
    (
        "escalation",
        "when-to-escalate",
        "When and how to escalate",
        2,
        """\
Escalating is part of the job, not a failure. Press **Escalate** on the ticket, pick the reason, and write a
note the in-house agent can act on without reading the whole thread.

## Always escalate

- **Refunds and chargebacks** of any amount above what the playbook lets you do (reason: *Billing*).
- **Legal or privacy requests**: lawyers, GDPR "send me my data" or "delete me" (reason: *Other*, note "legal").
- **Bugs** you can reproduce, with the steps and a screenshot (reason: *Bug*).
- A customer who is **abusive or threatens** to go public (reason: *Angry customer*).
- A language you do not write fluently (reason: *Language*).

## How

1. Tell the customer, with the hand-off macro, that a specialist will take it from here and when they can
   expect an answer (within one business day).
2. Escalate with the reason and a note: what they want, what you checked, what you promised.
3. Do not reply again on an escalated ticket: the in-house team has it.

Urgent (site down, data leak, a customer in danger): escalate **and** ping `@support-lead` in Slack.
""",
    ),
    (
        "security",
        "security-rules",
        "Security rules",
        3,
        """\
You see customers' orders and addresses. Treat them as you would want yours treated.

- **Never ask for a full card number**, CVC or a password, and never write one in a reply or note. If a
  customer sends one, do not quote it: escalate with reason *Billing* so the team can redact it.
- **Check identity before you change anything**: the e-mail on the account must be the one writing in, or the
  customer confirms the order number **and** the postcode. Otherwise send the self-service link only.
- Never change an account's e-mail address or payout details on request: escalate.
- Use your own named accounts with two-factor sign-in; never share a login, even with another freelancer.
- Customer data stays in Zendesk: no screenshots in Slack DMs, no copies on your computer.
- Access is revoked the day your contract ends; report a lost laptop or phone to your manager at once.
""",
    ),
    (
        "training",
        "product-basics",
        "Product basics: orders, returns and exchanges",
        4,
        """\
## Orders

An order moves **placed → packed → shipped → delivered**. Tracking appears once it is shipped; carriers can
take 24 hours to show the first scan.

## Returns and exchanges

- Returns are free within **30 days** of delivery; the label is in Account → Orders → Return.
- Exchanges (another size or colour) need no label: Account → Orders → Exchange.
- The money for a return goes back to the original payment method within 5 business days of arrival.
""",
    ),
    (
        "training",
        "zendesk-workflow",
        "Working a ticket in Zendesk",
        5,
        """\
1. Take the oldest ticket assigned to you first (the SLA badge shows what is due).
2. Read the whole thread and the customer's previous tickets.
3. Pick the macro, make it personal, check the tags, send.
4. Set the status: **pending** when you wait for the customer, **solved** when the question is answered.

Tip: the Knowledge card beside each ticket in the portal searches these pages without leaving the ticket.
""",
    ),
]

# prompt, answers, the right one (from 0)
DEMO_QUIZ = [
    (
        "A customer's order is four business days late. What may you do without escalating?",
        ["Refund the order in full", "Send a $10 goodwill code", "Nothing: escalate it"],
        1,
    ),
    (
        "A customer pastes their full card number into a reply. What do you do?",
        [
            "Quote it back to confirm it",
            "Ask for the CVC too",
            "Do not quote it and escalate with reason Billing",
        ],
        2,
    ),
    (
        "Within what time should your first response go out during a shift?",
        ["1 hour", "4 hours", "1 business day"],
        0,
    ),
]


def _knowledge(program, author, steps):
    """The demo program's Knowledge, its read step pointing at the playbook, and the product quiz's questions."""
    from programs.knowledge import article_create, quiz_questions_update

    articles = {}
    for kind, slug, title, position, body in DEMO_KNOWLEDGE:
        article = KnowledgeArticle.objects.filter(program=program, slug=slug).first()
        if article is None:
            article = article_create(
                program=program,
                actor=author,
                kind=kind,
                title=title,
                slug=slug,
                body_markdown=body,
                position=position,
            )
        articles[slug] = article
    read = steps.get(OnboardingStep.Kind.READ_MATERIALS)
    if read is not None and read.article_id is None:
        read.article = articles["how-we-do-support"]
        read.save(update_fields=["article"])
    quiz = steps.get(OnboardingStep.Kind.QUIZ)
    if quiz is not None and not quiz.quiz_questions.exists():
        quiz_questions_update(
            step=quiz,
            actor=author,
            rows=[
                {"prompt": prompt, "choices": choices, "correct_index": correct, "position": position}
                for position, (prompt, choices, correct) in enumerate(DEMO_QUIZ, start=1)
            ],
        )
    return articles


def _fill_acme(context, program, today):
    skills, languages = context["skills"], context["languages"]
    ticket_types = _ticket_types(program, ACME_TICKET_TYPES, skills)
    EscalationRule.objects.get_or_create(
        program=program, ticket_type=ticket_types["refund-dispute"], keyword=""
    )
    for keyword, note in KEYWORDS[:3]:
        EscalationRule.objects.get_or_create(
            program=program, ticket_type=None, keyword=keyword, defaults={"note": note}
        )
    # Six months of weekend cover, two months in: Nora (16 h, Saturday and Sunday) has been queue-ready for five
    # weeks. 100 weekend tickets a week (queues/demo.py) at 6 minutes and 70 % occupancy need 14.3 h; it plans two
    # so both days' 08:00–20:00 are covered: the second is being recruited (recruiting/demo.py).
    ProgramSchedule.objects.get_or_create(
        program=program,
        defaults={
            "term": ProgramSchedule.Term.TEMPORARY,
            "engagement_months": 6,
            "hours_per_week": Decimal("16"),
            "freelancers_needed": 2,
            "start_date": today - datetime.timedelta(days=60),
            "end_date": today + datetime.timedelta(days=122),
            "queue_ready_date": today - datetime.timedelta(days=36),
            "training_days": 7,
            "tickets_per_week": 100,
            "average_handle_minutes": Decimal("6"),
            "target_occupancy_percent": Decimal("70"),
            "training_yield_percent": Decimal("75"),
            "ramp_percents": [60, 100],
            "posting_days": 7,
            "trial_days": 3,
            "interview_days": 5,
            "offer_days": 3,
        },
    )
    profile, created = CandidateProfile.objects.get_or_create(
        program=program,
        defaults={
            "mindset": "Calm under weekend pressure; answers within the hour.",
            "pay_min": Decimal("14.00"),
            "pay_max": Decimal("20.00"),
            "pay_currency": "EUR",
            "rate_ceiling": Decimal("25.00"),
            "time_zones": "Europe (UTC to UTC+2)",
            "working_hours": "Sat–Sun 08:00–20:00 UK time",
            "hours_per_week": Decimal("16"),
            "interview_questions": ["How would you handle a weekend outage with no one in-house online?"],
            "writing_assignment": "Reply to two weekend delivery complaints.",
            "open_ended": False,
            "contract_end_date": today + datetime.timedelta(days=122),
            "nda_required": True,
        },
    )
    if created:
        profile.skills.set([skills[s] for s in ["shipping", "billing"] if s in skills])
        profile.languages.set([languages[c] for c in ["en", "de"] if c in languages])
    _rows(
        SourcingPlatform,
        program,
        "kind",
        [
            {
                "kind": SourcingPlatform.Kind.TOPTAL,
                "pre_screens": True,
                "handles_invoicing": True,
                "fee_percent": Decimal("10"),
            },
        ],
    )
    plan, created = SupportPlan.objects.get_or_create(
        program=program,
        defaults={
            "review_frequency": "3 tickets per freelancer per weekend",
            "communication": "Friday hand-over note from the in-house team; Monday debrief.",
            "recognition": "Weekend hero of the month.",
            "evaluation_cadence_days": 45,
        },
    )
    if created:
        plan.reviewers.set([context["manager2"]])
    scorecard, _ = QAScorecard.objects.get_or_create(program=program, defaults={"name": "Weekend QA"})
    _rows(
        QACriterion,
        scorecard,
        "name",
        [
            {"name": name, "description": description, "weight": weight, "is_critical": critical}
            for name, description, weight, critical in CRITERIA
        ],
    )
    BehindTheScenes.objects.get_or_create(
        program=program,
        defaults={
            "security_measures": "Named accounts, 2FA.",
            "escalation_process": "Escalate in Zendesk; urgent: phone the on-call lead.",
            "working_hours": BehindTheScenes.WorkingHours.SCHEDULED,
        },
    )
    _rows(ProgramTool, program, "name", [{"name": "Zendesk", "access_level": "Agent (light)"}])
    _rows(
        TrainingMaterial,
        program,
        "title",
        [
            {"title": "Acme weekend playbook", "url": "https://example.com/acme-playbook"},
        ],
    )
    _rows(
        SuccessMetric,
        program,
        "kind",
        [
            {
                "kind": SuccessMetric.Kind.FIRST_RESPONSE,
                "label": "First response (hours)",
                "direction": SuccessMetric.Direction.AT_MOST,
                "target": Decimal("1"),
            },
            {
                "kind": SuccessMetric.Kind.CSAT,
                "label": "CSAT",
                "direction": SuccessMetric.Direction.AT_LEAST,
                "target": Decimal("88"),
            },
        ],
    )
    Budget.objects.get_or_create(
        program=program,
        defaults={
            "yearly_profit": Decimal("120000"),
            "yearly_hours_worked": 2200,
            "planned_hourly_rate": Decimal("17.00"),
            "platform_fee_percent": Decimal("10"),
            "inhouse_monthly_cost": Decimal("4800.00"),
        },
    )
    _rows(
        OnboardingStep,
        program,
        "kind",
        [
            {"kind": kind, "title": title, "description": description, "needs_manager_confirmation": confirm}
            for kind, title, description, confirm in ONBOARDING[:4]
        ],
    )
    _rows(
        Stakeholder,
        program,
        "email",
        [
            {"email": "ingrid.holm@acme.test", "name": "Ingrid Holm", "role": "Customer service director"},
            {"email": "paul.mercer@acme.test", "name": "Paul Mercer", "role": "E-commerce manager"},
            {"email": "sara.lund@acme.test", "name": "Sara Lund", "role": "Weekday support lead"},
            {"email": "david.okoro@acme.test", "name": "David Okoro", "role": "Logistics manager"},
        ],
    )
    context["acme_ticket_types"] = ticket_types
    context["acme_scorecard"] = scorecard


def _announcements(program, author, rows):
    made = []
    for index, (kind, title, body, days_ago) in enumerate(rows):
        announcement, _ = Announcement.objects.get_or_create(
            program=program,
            title=title,
            defaults={
                "kind": kind,
                "body": body,
                "author": author,
                "published_at": timezone.now() - datetime.timedelta(days=days_ago, hours=index),
            },
        )
        made.append(announcement)
    return made


def seed(context):
    demo, _ = Program.objects.get_or_create(
        slug="demo",
        defaults={
            "name": "Demo Support",
            "status": Program.Status.ACTIVE,
            "time_zone": "America/New_York",
            "currency": "USD",
            "goal_type": Program.GoalType.FREE_INHOUSE,
            "outcome": "Move tier-1 email and chat to freelancers so the in-house team can own tier 2.",
            "channels": ["email", "chat"],
        },
    )
    demo.managers.add(context["manager"], context["agent"])
    acme, _ = Program.objects.get_or_create(
        slug="acme",
        defaults={
            "name": "Acme Weekend Cover",
            "status": Program.Status.ACTIVE,
            "time_zone": "Europe/London",
            "currency": "EUR",
            "goal_type": Program.GoalType.WEEKEND_COVER,
            "outcome": "Answer Acme's weekend email within an hour.",
            "channels": ["email"],
        },
    )
    acme.managers.add(context["manager2"])
    context["program"] = demo
    context["acme"] = acme

    today = timezone.now().astimezone(demo.zone).date()
    _fill_demo(context, demo, today)
    _fill_acme(context, acme, today)
    _assessment(context, demo)
    context["announcements"] = _announcements(
        demo,
        context["manager"],
        [
            (
                Announcement.Kind.KNOWN_BUG,
                "Known bug: tracking links in order e-mails",
                "Tracking links in order confirmation e-mails open a 404 for some carriers. Use the “Tracking link "
                "broken” macro and send the carrier's own link. Engineering expects a fix this week.",
                2,
            ),
            (
                Announcement.Kind.PRODUCT_UPDATE,
                "New: exchanges without a return label",
                "Customers can now exchange a size from their account page. Point them to Account → Orders → "
                "Exchange; no return label is needed for exchanges.",
                6,
            ),
        ],
    )
    _announcements(
        acme,
        context["manager2"],
        [
            (
                Announcement.Kind.TICKET_TREND,
                "Weekend trend: delivery delays",
                "Expect more “where is my parcel” tickets this weekend: the courier is behind in the north.",
                1,
            ),
        ],
    )


# --- “Is it time to outsource?” (issue 21, item 1): the week Maya logged before Demo Support existed -------------
# task, minutes each, times a week, skill needed, enjoys, in the 20 % that brings 80 %, would stop, chosen
ASSESSMENT_TASKS = [
    (
        "Answer order-status e-mails",
        "5",
        "40",
        "Written English; looking up orders in Shopify",
        False,
        False,
        True,
        True,
    ),
    (
        "Process refunds and returns",
        "10",
        "12",
        "Stripe refunds; the returns policy",
        False,
        False,
        True,
        True,
    ),
    ("Reply to social media DMs", "4", "30", "Friendly brand voice", False, False, False, True),
    ("Send and chase invoices", "15", "5", "Bookkeeping (Xero)", False, False, True, False),
    ("Call suppliers about stock", "20", "3", "Negotiation", True, False, False, False),
    ("Shoot and edit product photos", "90", "1", "Photography; Lightroom", True, False, False, False),
    ("Interview and hire staff", "45", "2", "Judging people", False, True, False, False),
    ("Product and growth strategy", "120", "2", "Knowing the market", True, True, False, False),
]
ASSESSMENT_PREFIX = "Is it time to outsource?"


def _assessment(context, program):
    """Maya's assessment, already turned into Demo Support (linked to it; Demo Support itself is not changed)."""
    manager = context["manager"]
    assessment = OutsourcingAssessment.objects.filter(
        owner=manager, name__startswith=ASSESSMENT_PREFIX
    ).first()
    if assessment is None:
        week_of = (program.created_at or timezone.now()).date() - datetime.timedelta(weeks=10)
        week_of -= datetime.timedelta(days=week_of.weekday())
        assessment = OutsourcingAssessment.objects.create(
            owner=manager,
            name=f"{ASSESSMENT_PREFIX} (week of {week_of:%d %b %Y})",
            yearly_value=Decimal("120000.00"),
            yearly_working_hours=2400,
            freelancer_hourly_cost=Decimal("15.75"),
            currency="USD",
            program=program,
            high_value_answer="Product and growth strategy, and hiring the people who run it with me.",
            would_stop_answer="Order-status e-mails, refunds and chasing invoices. We turned the order-status, "
            "refund and social DM replies into Demo Support.",
        )
    if not assessment.tasks.exists():
        AssessmentTask.objects.bulk_create(
            AssessmentTask(
                assessment=assessment,
                task=task,
                minutes_each=Decimal(minutes),
                times_per_week=Decimal(times),
                skill_needed=skill,
                enjoys=enjoys,
                high_value=high_value,
                would_stop=would_stop,
                chosen=chosen,
            )
            for task, minutes, times, skill, enjoys, high_value, would_stop, chosen in ASSESSMENT_TASKS
        )
    context["assessment"] = assessment
    return assessment
