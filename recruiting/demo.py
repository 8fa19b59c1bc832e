"""Demo recruiting: an open posting in Demo Support with ~20 candidates spread over every stage,
trial tasks, interviews and message history, plus a hired candidate (freelancer8) with a paid trial.

Idempotent: postings are found by slug, applications by (posting, email); history is only
written when an application is first created. Puts into context: recruiting_posting, hired_application.
"""

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone

from programs.scoring import scorecard_score
from recruiting import scoring
from recruiting.models import (
    DEFAULT_SCREENING_QUESTIONS,
    Application,
    Interview,
    Message,
    MessageTemplate,
    Posting,
    PostingEvent,
    Referral,
    ReferralBonus,
    StageChange,
    TrialTask,
)
from recruiting.placeholders import render_placeholders
from recruiting.services.messages import DEFAULT_TEMPLATES
from recruiting.services.trials import grading_criteria

SLUG = "weekend-customer-support-agent"
S = Application.Stage
PATHS = {
    S.APPLIED: [S.APPLIED],
    S.SCREENING: [S.APPLIED, S.SCREENING],
    S.TRIAL_TASK: [S.APPLIED, S.SCREENING, S.TRIAL_TASK],
    S.INTERVIEW: [S.APPLIED, S.SCREENING, S.TRIAL_TASK, S.INTERVIEW],
    S.OFFER: [S.APPLIED, S.SCREENING, S.TRIAL_TASK, S.INTERVIEW, S.OFFER],
    S.HIRED: [S.APPLIED, S.SCREENING, S.TRIAL_TASK, S.INTERVIEW, S.OFFER, S.HIRED],
    S.REJECTED: [S.APPLIED, S.SCREENING, S.REJECTED],
    S.WITHDRAWN: [S.APPLIED, S.SCREENING, S.TRIAL_TASK, S.WITHDRAWN],
}

GOOD = [
    "Yes — I have worked in English for six years, and all my customer conversations at my last job were in "
    "English, by email and live chat, with customers in the US, UK and Australia.",
    "I live in {country_name} and work from the {tz} time zone. Weekends suit me well; I can cover Saturday and "
    "Sunday shifts, including early mornings for US customers.",
    "Three years as a tier-1 agent for an online shoe store on Zendesk: order tracking, returns, refunds and "
    "password resets, about 60 tickets a day with a 94% CSAT. Before that I did chat support for a telecom.",
    "Empathy, because customers need to feel heard before they listen; clarity, because a short precise answer "
    "saves a second ticket; and ownership — following up until the problem is actually solved.",
]
OK = [
    "Yes, fluent. I use English every day at work.",
    "{country_name}, {tz}.",
    "Two years of customer service in a call center, some email support.",
    "Patience, good communication, and being friendly.",
]
THIN = ["Yes", "{country_name}", "Some", "Nice, fast, smart"]

# name, email, country, country name, time zone, languages, skills, rate, currency, hours after opening,
# stage, answer quality, profile link?, days since last move
CANDIDATES = [
    (
        "Isabel Fernandes",
        "isabel.fernandes@example.com",
        "BR",
        "Brazil",
        "America/Sao_Paulo",
        ["en", "pt", "es"],
        ["shipping", "live-chat", "zendesk"],
        "15.00",
        "USD",
        3,
        S.APPLIED,
        GOOD,
        True,
        0,
    ),
    (
        "Kwame Mensah",
        "kwame.mensah@example.com",
        "GH",
        "Ghana",
        "Africa/Accra",
        ["en"],
        ["billing"],
        "11.00",
        "USD",
        20,
        S.APPLIED,
        OK,
        False,
        1,
    ),
    (
        "Liam O'Connor",
        "liam.oconnor@example.com",
        "IE",
        "Ireland",
        "Europe/Dublin",
        ["en"],
        ["troubleshooting"],
        "22.00",
        "EUR",
        70,
        S.APPLIED,
        THIN,
        False,
        2,
    ),
    (
        "Mei Lin Tan",
        "meilin.tan@example.com",
        "MY",
        "Malaysia",
        "Asia/Kuala_Lumpur",
        ["en"],
        ["live-chat", "billing"],
        "13.50",
        "USD",
        9,
        S.APPLIED,
        OK,
        True,
        1,
    ),
    (
        "Diego Ramírez",
        "diego.ramirez@example.com",
        "CO",
        "Colombia",
        "America/Bogota",
        ["en", "es"],
        ["shipping", "billing"],
        "14.00",
        "USD",
        5,
        S.SCREENING,
        GOOD,
        True,
        2,
    ),
    (
        "Aisha Bello",
        "aisha.bello@example.com",
        "NG",
        "Nigeria",
        "Africa/Lagos",
        ["en"],
        ["zendesk", "billing"],
        "12.00",
        "USD",
        12,
        S.SCREENING,
        OK,
        True,
        4,
    ),
    (
        "Tomasz Nowak",
        "tomasz.nowak@example.com",
        "PL",
        "Poland",
        "Europe/Warsaw",
        ["en", "pl"],
        ["troubleshooting", "zendesk"],
        "16.00",
        "EUR",
        30,
        S.SCREENING,
        OK,
        False,
        1,
    ),
    (
        "Grace Santos",
        "grace.santos@example.com",
        "PH",
        "the Philippines",
        "Asia/Manila",
        ["en", "tl"],
        ["shipping", "billing", "zendesk"],
        "10.00",
        "USD",
        2,
        S.TRIAL_TASK,
        GOOD,
        True,
        1,
    ),
    (
        "Valentina Rossi",
        "valentina.rossi@example.com",
        "AR",
        "Argentina",
        "America/Argentina/Buenos_Aires",
        ["en", "es"],
        ["live-chat", "shipping"],
        "14.50",
        "USD",
        6,
        S.TRIAL_TASK,
        GOOD,
        True,
        5,
    ),
    (
        "Rahul Verma",
        "rahul.verma@example.com",
        "IN",
        "India",
        "Asia/Kolkata",
        ["en"],
        ["billing", "zendesk"],
        "11.50",
        "USD",
        16,
        S.TRIAL_TASK,
        OK,
        True,
        2,
    ),
    (
        "Camila Torres",
        "camila.torres@example.com",
        "MX",
        "Mexico",
        "America/Mexico_City",
        ["en", "es"],
        ["billing", "shipping", "zendesk"],
        "15.00",
        "USD",
        4,
        S.INTERVIEW,
        GOOD,
        True,
        1,
    ),
    (
        "Joseph Mwangi",
        "joseph.mwangi@example.com",
        "KE",
        "Kenya",
        "Africa/Nairobi",
        ["en"],
        ["shipping", "zendesk"],
        "12.50",
        "USD",
        8,
        S.INTERVIEW,
        GOOD,
        True,
        3,
    ),
    (
        "Elena Popescu",
        "elena.popescu@example.com",
        "RO",
        "Romania",
        "Europe/Bucharest",
        ["en", "fr"],
        ["billing", "zendesk", "live-chat"],
        "17.00",
        "USD",
        7,
        S.OFFER,
        GOOD,
        True,
        1,
    ),
    (
        "Hannah Weber",
        "hannah.weber@example.com",
        "DE",
        "Germany",
        "Europe/Berlin",
        ["en", "de"],
        ["troubleshooting"],
        "25.00",
        "EUR",
        40,
        S.REJECTED,
        OK,
        False,
        6,
    ),
    (
        "Carlos Mendoza",
        "carlos.mendoza@example.com",
        "PE",
        "Peru",
        "America/Lima",
        ["es"],
        [],
        "9.00",
        "USD",
        100,
        S.REJECTED,
        THIN,
        False,
        8,
    ),
    (
        "Yuki Tanaka",
        "yuki.tanaka@example.com",
        "JP",
        "Japan",
        "Asia/Tokyo",
        ["en"],
        ["live-chat"],
        "20.00",
        "USD",
        26,
        S.REJECTED,
        OK,
        True,
        3,
    ),
    (
        "Fatima Zahra",
        "fatima.zahra@example.com",
        "MA",
        "Morocco",
        "Africa/Casablanca",
        ["en", "fr"],
        ["billing", "live-chat"],
        "12.00",
        "USD",
        15,
        S.WITHDRAWN,
        OK,
        True,
        4,
    ),
    (
        "Noah Williams",
        "noah.williams@example.com",
        "CA",
        "Canada",
        "America/Toronto",
        ["en", "fr"],
        ["account-access"],
        "21.00",
        "USD",
        50,
        S.WITHDRAWN,
        THIN,
        False,
        2,
    ),
    (
        "Ngozi Eze",
        "ngozi.eze@example.com",
        "NG",
        "Nigeria",
        "Africa/Lagos",
        ["en"],
        ["zendesk", "shipping"],
        "11.00",
        "USD",
        22,
        S.SCREENING,
        GOOD,
        False,
        0,
    ),
]


def _templates(program):
    for kind, (subject, body) in DEFAULT_TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            program=program, kind=kind, defaults={"subject": subject, "body": body}
        )


def _posting(
    program, manager, *, slug, title, summary, opened_days_ago, skills, languages, platforms, **fields
):
    posting = Posting.objects.filter(slug=slug).first()
    if posting is not None:
        return posting, False
    opened = timezone.now() - datetime.timedelta(days=opened_days_ago)
    posting = Posting.objects.create(
        program=program,
        slug=slug,
        title=title,
        summary=summary,
        created_by=manager,
        status=Posting.Status.OPEN,
        opened_at=opened,
        screening_questions=list(DEFAULT_SCREENING_QUESTIONS),
        **fields,
    )
    posting.skills.set(skills)
    posting.languages.set(languages)
    posting.platforms.set(platforms)
    PostingEvent.objects.create(
        posting=posting,
        kind=PostingEvent.Kind.CREATED,
        actor=manager,
        at=opened - datetime.timedelta(hours=2),
    )
    PostingEvent.objects.create(posting=posting, kind=PostingEvent.Kind.OPENED, actor=manager, at=opened)
    return posting, True


def _message(application, kind, at, sender):
    subject, body = DEFAULT_TEMPLATES[kind]
    values = {
        "candidate_first_name": application.first_name,
        "candidate_name": application.full_name,
        "posting_title": application.posting.title,
        "program_name": application.posting.program.name,
        "manager_name": sender.get_full_name(),
        "trial_link": "(private trial link)",
        "trial_deadline": "(deadline)",
    }
    message = Message.objects.create(
        application=application,
        kind=kind,
        subject=render_placeholders(subject, values)[:200],
        body=render_placeholders(body, values),
        to_email=application.email,
        sent_by=sender if kind != MessageTemplate.Kind.INITIAL else None,
        sent_at=at,
    )
    Message.objects.filter(pk=message.pk).update(created_at=at)


def _demo_years(email: str, quality: list[str]) -> int:
    """Years of support experience for a demo candidate (for the rate insight's bands): fixed per address, fewer
    for the thin answers."""
    spread = sum(map(ord, email)) % 7
    return spread if quality is THIN else spread + 2


def _application(posting, row, *, languages, skills, manager, freelancer=None):
    (
        name,
        email,
        country,
        country_name,
        tz,
        langs,
        skill_slugs,
        rate,
        currency,
        hours_after,
        stage,
        quality,
        has_profile,
        idle_days,
    ) = row
    existing = Application.objects.filter(posting=posting, email=email).first()
    if existing is not None:
        return existing, False
    applied_at = posting.opened_at + datetime.timedelta(hours=hours_after)
    answers = [a.format(country_name=country_name, tz=tz) for a in quality]
    wanted_skills = [s.pk for s in posting.skills.all()]
    wanted_languages = [lang.pk for lang in posting.languages.all()]
    skill_ids = [skills[s].pk for s in skill_slugs if s in skills]
    language_ids = [languages[c].pk for c in langs if c in languages]
    hours = scoring.response_hours(opened_at=posting.opened_at, applied_at=applied_at)
    components = {
        "speed": scoring.speed_score(hours=hours),
        "effort": scoring.effort_score(answers=answers),
        "skills": scoring.skills_match_score(
            wanted_skill_ids=wanted_skills,
            wanted_language_ids=wanted_languages,
            skill_ids=skill_ids,
            language_ids=language_ids,
        ),
        "credibility": scoring.credibility_score(
            has_profile_link=has_profile, has_resume=False, has_track_record=freelancer is not None
        ),
    }
    total = scoring.weighted_score(components=components, weights=posting.weights)
    now = timezone.now()
    last_move = min(now - datetime.timedelta(days=idle_days, hours=3), now)
    last_move = max(last_move, applied_at + datetime.timedelta(hours=1))
    application = Application.objects.create(
        posting=posting,
        full_name=name,
        email=email,
        country=country,
        time_zone=tz,
        rate_asked=Decimal(rate),
        rate_currency=currency,
        years_experience=_demo_years(email, quality),
        profile_url=f"https://www.upwork.com/freelancers/{email.split('@')[0].replace('.', '')}"
        if has_profile
        else "",
        answers=[
            {"question": q, "answer": a} for q, a in zip(posting.screening_questions, answers, strict=False)
        ],
        stage=stage,
        stage_changed_at=last_move if stage != S.APPLIED else applied_at,
        response_hours=hours,
        score_speed=components["speed"],
        score_effort=components["effort"],
        score_skills=components["skills"],
        score_credibility=components["credibility"],
        score=total,
        final_score=total,
        freelancer=freelancer,
    )
    Application.objects.filter(pk=application.pk).update(created_at=applied_at)
    application.created_at = applied_at
    application.languages.set(language_ids)
    application.skills.set(skill_ids)
    # Stage history: evenly between applying and the last move.
    path = PATHS[stage]
    steps = len(path) - 1
    for index, to_stage in enumerate(path):
        if index == 0:
            at, by, from_stage = applied_at, None, ""
        else:
            at = applied_at + (last_move - applied_at) * index / steps
            by, from_stage = manager, path[index - 1]
        StageChange.objects.create(
            application=application, from_stage=from_stage, to_stage=to_stage, changed_by=by, changed_at=at
        )
    _message(application, MessageTemplate.Kind.INITIAL, applied_at + datetime.timedelta(minutes=1), manager)
    if S.TRIAL_TASK in path:
        _message(
            application,
            MessageTemplate.Kind.FOLLOW_UP,
            applied_at + (last_move - applied_at) * 2 / max(steps, 2),
            manager,
        )
    if stage == S.REJECTED:
        _message(application, MessageTemplate.Kind.REJECTION, last_move, manager)
    if stage in (S.OFFER, S.HIRED):
        _message(application, MessageTemplate.Kind.OFFER, last_move - datetime.timedelta(hours=1), manager)
    return application, True


def _trial(application, manager, *, submitted, amount=Decimal("25.00"), grade=None, questions):
    sent_at = (
        application.stage_changes.filter(to_stage=S.TRIAL_TASK).values_list("changed_at", flat=True).first()
    )
    sent_at = sent_at or timezone.now() - datetime.timedelta(days=1)
    deadline = (
        max(sent_at + datetime.timedelta(days=4), timezone.now() + datetime.timedelta(days=1))
        if not submitted
        else sent_at + datetime.timedelta(days=4)
    )
    trial = TrialTask.objects.create(
        application=application,
        instructions="Answer each customer message as you would in our help desk: "
        "friendly, accurate and complete.",
        support_questions=questions,
        is_paid=True,
        amount=amount,
        currency="USD",
        deadline=deadline,
        token=secrets.token_urlsafe(32),
        expires_at=deadline + datetime.timedelta(days=2),
        sent_by=manager,
    )
    if submitted:
        submitted_at = sent_at + datetime.timedelta(days=1, hours=5)
        answers = [
            {
                "question": q,
                "answer": f"Hi there, thanks for reaching out and sorry for the trouble. {hint} "
                "I'll keep an eye on this and update you as soon as I hear back. "
                "Have a great weekend!",
            }
            for q, hint in zip(
                questions,
                [
                    "I checked your order: it left our warehouse on Tuesday and the carrier shows it arriving Monday.",
                    "I've sent a password reset link to the address on your account; it works for 30 minutes.",
                    "I completely understand your frustration. I have asked our billing team to refund the duplicate "
                    "charge; you will see it in 3–5 business days.",
                ],
                strict=False,
            )
        ]
        trial.answers, trial.status, trial.submitted_at = answers, TrialTask.Status.SUBMITTED, submitted_at
        if grade is not None:
            scorecard, criteria = grading_criteria(program=application.posting.program)
            if scorecard is not None:
                ratings = {
                    c.pk: max(1, min(grade - (i % 3 == 1), scorecard.scale_max))
                    for i, c in enumerate(criteria)
                }
                score = scorecard_score(scorecard=scorecard, ratings=ratings, criteria=criteria)
                trial.ratings = {str(k): v for k, v in ratings.items()}
            else:
                ratings = {key: grade for key, _n, _h in scoring.RUBRIC}
                score = scoring.rubric_score(ratings=ratings)
                trial.ratings = ratings
            trial.score, trial.status = score, TrialTask.Status.GRADED
            trial.graded_at, trial.graded_by = submitted_at + datetime.timedelta(hours=20), manager
            trial.grading_notes = "Warm and accurate; the refund answer sets clear expectations."
            Application.objects.filter(pk=application.pk).update(
                trial_score=score, candidate_replied_at=submitted_at
            )
        trial.save()
    TrialTask.objects.filter(pk=trial.pk).update(created_at=sent_at)
    return trial


def _interview(application, manager, *, questions, done, recommendation=Interview.Recommendation.YES):
    now = timezone.now()
    entered = (
        application.stage_changes.filter(to_stage=S.INTERVIEW).values_list("changed_at", flat=True).first()
    )
    entered = entered or now - datetime.timedelta(days=1)
    left = application.stage_changed_at if application.stage != S.INTERVIEW else now
    at = entered + (left - entered) / 2 if done else now + datetime.timedelta(days=2)
    interview = Interview.objects.create(
        application=application,
        scheduled_at=at,
        duration_minutes=30,
        meeting_link="https://meet.example.com/flexdesk-demo",
        interviewer=manager,
        questions=questions,
    )
    if done:
        ratings = [4, 5, 3, 4, 5][: len(questions)] + [4] * max(0, len(questions) - 5)
        interview.ratings = [
            {"question": q, "rating": r, "notes": "Clear, concrete example."}
            for q, r in zip(questions, ratings, strict=False)
        ]
        interview.average_rating = (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"))
        interview.notes = "Calm, structured, asks good questions. Available every weekend."
        interview.recommendation = recommendation
        interview.completed_at = at + datetime.timedelta(minutes=35)
        interview.save()
    Interview.objects.filter(pk=interview.pk).update(
        created_at=min(entered + datetime.timedelta(minutes=5), now)
    )
    return interview


def seed(context):
    program, acme = context["program"], context["acme"]
    manager, manager2 = context["manager"], context["manager2"]
    languages, skills = context["languages"], context["skills"]
    for each in (program, acme):
        _templates(each)

    posting, _ = _posting(
        program,
        manager,
        slug=SLUG,
        title="Weekend Customer Support Agent (Email & Chat)",
        summary="Answer customer emails and live chats for a growing online store on Saturdays and Sundays: order "
        "tracking, returns, billing questions and account access. Tier-1 tickets only — our in-house team "
        "handles the hard ones.",
        value_proposition="12–18 USD per hour, paid every two weeks in your currency. Steady weekend work for at "
        "least 12 months, weekly QA feedback from our team, and a path to tier-2 work and higher "
        "rates for top performers.",
        requirements="Fluent written English (Spanish is a plus), 1+ year of email or chat support, a reliable "
        "connection, and availability on weekends between 07:00 and 23:00 ET.",
        opened_days_ago=9,
        pay_min=Decimal("12.00"),
        pay_max=Decimal("18.00"),
        pay_currency="USD",
        hours_per_week=Decimal("20"),
        time_zones="Americas and Asia-Pacific (UTC−6 to UTC+8)",
        skills=[skills[s] for s in ("shipping", "billing", "zendesk", "live-chat") if s in skills],
        languages=[languages[c] for c in ("en", "es") if c in languages],
        platforms=list(program.platforms.all()),
    )
    profile = getattr(program, "candidate_profile", None)
    interview_questions = getattr(profile, "interview_questions", None) or [
        "Tell us about a difficult customer.",
        "How do you handle a question you can't answer?",
    ]
    trial_questions = [
        "“My order #4821 was supposed to arrive yesterday and I still have nothing. Where is it?”",
        "“I can't log in. I tried resetting my password but the email never comes.”",
        "“You charged me twice for the same order!! I want my money back NOW.”",
    ]

    created_apps = {}
    for row in CANDIDATES:
        application, created = _application(posting, row, languages=languages, skills=skills, manager=manager)
        if created:
            created_apps[row[1]] = application
    # Trial tasks: one graded (interview stage), one awaiting; interviews with a scorecard.
    if "grace.santos@example.com" in created_apps:
        _trial(created_apps["grace.santos@example.com"], manager, submitted=False, questions=trial_questions)
    if "valentina.rossi@example.com" in created_apps:
        _trial(
            created_apps["valentina.rossi@example.com"], manager, submitted=True, questions=trial_questions
        )
    if "rahul.verma@example.com" in created_apps:
        _trial(created_apps["rahul.verma@example.com"], manager, submitted=False, questions=trial_questions)
        Application.objects.filter(email="rahul.verma@example.com", posting=posting).update(
            nudged_at=timezone.now() - datetime.timedelta(hours=20)
        )
    for email, grade in (
        ("camila.torres@example.com", 4),
        ("joseph.mwangi@example.com", 3),
        ("elena.popescu@example.com", 4),
    ):
        if email in created_apps:
            application = created_apps[email]
            _trial(application, manager, submitted=True, grade=grade, questions=trial_questions)
            application.refresh_from_db()
            _interview(
                application,
                manager,
                questions=interview_questions,
                done=email != "joseph.mwangi@example.com",
                recommendation=Interview.Recommendation.STRONG_YES
                if email.startswith("elena")
                else Interview.Recommendation.YES,
            )

    # The hired candidate: an existing demo freelancer, with a paid trial (25.00 USD) payments can pay.
    tom = context["freelancers"][7]
    hired_row = (
        tom.legal_name,
        tom.user.email,
        tom.country or "US",
        "the United States",
        tom.time_zone,
        ["en", "de"],
        ["account-access", "billing"],
        "16.00",
        "USD",
        4,
        S.HIRED,
        GOOD,
        True,
        3,
    )
    hired, created = _application(
        posting, hired_row, languages=languages, skills=skills, manager=manager, freelancer=tom
    )
    if created:
        _trial(hired, manager, submitted=True, grade=4, questions=trial_questions)
        hired.refresh_from_db()
        _interview(
            hired,
            manager,
            questions=interview_questions,
            done=True,
            recommendation=Interview.Recommendation.STRONG_YES,
        )

    # Acme: a smaller posting, so a second manager sees only their own candidates.
    acme_posting, _ = _posting(
        acme,
        manager2,
        slug="acme-weekend-email-agent",
        title="Weekend Email Agent (Acme)",
        summary="Answer Acme's weekend email within an hour.",
        opened_days_ago=3,
        pay_currency="EUR",
        skills=[skills["billing"]] if "billing" in skills else [],
        languages=[languages["en"]] if "en" in languages else [],
        platforms=[],
    )
    for row in [
        (
            "Sven Berg",
            "sven.berg@example.com",
            "SE",
            "Sweden",
            "Europe/Stockholm",
            ["en", "de"],
            ["billing"],
            "24.00",
            "EUR",
            6,
            S.SCREENING,
            GOOD,
            True,
            1,
        ),
        (
            "Marie Laurent",
            "marie.laurent@example.com",
            "FR",
            "France",
            "Europe/Paris",
            ["en", "fr"],
            [],
            "22.00",
            "EUR",
            30,
            S.APPLIED,
            OK,
            False,
            0,
        ),
    ]:
        _application(acme_posting, row, languages=languages, skills=skills, manager=manager2)

    _referrals_and_sources(context, posting, hired)

    context["recruiting_posting"] = posting
    context["hired_application"] = hired


# Where the demo candidates came from (the posting's tracking links), and who referred whom.
DEMO_SOURCES = ["upwork", "upwork", "job_board", "linkedin", "direct", "fiverr", "upwork", "job_board"]
DEMO_REFERRED = ["camila.torres@example.com", "grace.santos@example.com"]


def _referrals_and_sources(context, posting, hired):
    program = posting.program
    ReferralBonus.objects.get_or_create(
        program=program,
        defaults={"amount": Decimal("100.00"), "currency": "USD", "after_hours": Decimal("40")},
    )
    applications = list(
        posting.applications.filter(source="direct", referred_by__isnull=True)
        .exclude(pk=hired.pk)
        .order_by("created_at", "pk")
    )
    for index, application in enumerate(applications):
        application.source = DEMO_SOURCES[index % len(DEMO_SOURCES)]
    Application.objects.bulk_update(applications, ["source"])
    referrer = context["freelancers"][0]  # works in Demo Support: the portal shows their referrals
    for application in [hired, *posting.applications.filter(email__in=DEMO_REFERRED)]:
        referral, _ = Referral.objects.get_or_create(
            posting=posting,
            email=application.email,
            defaults={
                "referrer": referrer,
                "full_name": application.full_name,
                "application": application,
                "note": "We worked together at my last job; great with upset customers.",
            },
        )
        Application.objects.filter(pk=application.pk).update(referred_by=referral.referrer, source="referral")
        # Referred through the link: the referral dates from the application it brought, not the seed minute.
        Referral.objects.filter(pk=referral.pk).update(created_at=application.created_at)
    invited = timezone.now() - datetime.timedelta(days=2)
    lina, _ = Referral.objects.get_or_create(
        posting=posting,
        email="lina.haddad@example.com",
        defaults={
            "referrer": referrer,
            "full_name": "Lina Haddad",
            "invited_at": invited,
            "note": "Lina did chat support for a travel agency for three years.",
        },
    )
    Referral.objects.filter(pk=lina.pk).update(created_at=lina.invited_at or invited)
