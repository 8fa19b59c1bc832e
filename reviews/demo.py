"""Demo quality data on the tickets queues/demo.py made. Idempotent: each part runs only when its rows are missing.

Demo Support: review settings, last week's sample, a dozen QA reviews (one disputed and open, one dispute
resolved), a closed calibration session, CSAT answers on recent solved tickets, eight weeks of NPS, an
evaluation with each outcome (keep, recognize + bonus, rate adjustment, promotion, performance plan, end of
contract — a former freelancer, Diego Ramos, whose contract is ended), thank-you notes, feedback and pulses, check-ins, and the
published announcements marked as e-mailed. Acme: settings and eight weeks of NPS.
"""

import datetime
import hashlib
from decimal import Decimal

from django.utils import timezone

from accounts.services import freelancer_get_or_create
from contracts.demo import audit_mark, date_history, onboard
from contracts.models import Contract
from contracts.selectors import contract_active_for, standing_get
from contracts.services import contract_create_draft, contract_rating_save, contract_send, contract_sign
from programs.models import Announcement, Stakeholder
from queues.models import Ticket
from reviews.models import (
    AnnouncementDelivery,
    CalibrationSession,
    CsatSurvey,
    Dispute,
    Evaluation,
    Feedback,
    NpsInvitation,
    NpsRound,
    Review,
    ReviewAssignment,
    ReviewSettings,
    SilenceCheckIn,
    ThankYouNote,
    week_start_of,
)
from reviews.services import (
    calibration_session_close,
    calibration_session_create,
    dispute_resolve,
    evaluation_create,
    review_assignment_create,
    review_dispute,
    review_sampling_run,
    review_submit,
    thank_you_send,
)

# Rating patterns per criterion (Tone, Accuracy, Completeness, Process followed, Escalated correctly), 0–4.
PATTERNS = [
    [4, 4, 4, 4, 4],
    [4, 3, 4, 4, 4],
    [3, 4, 3, 4, 4],
    [4, 4, 3, 3, 4],
    [3, 3, 3, 4, 4],
    [4, 2, 3, 4, 4],
    [2, 3, 2, 3, 4],
    [4, 4, 4, 0, 4],
    [3, 4, 4, 4, 3],
    [4, 3, 3, 4, 4],
    [3, 2, 2, 3, 4],
    [4, 4, 4, 4, 3],
]
COMMENTS = [
    "Warm and clear.",
    "Double-check the order number before answering.",
    "Good use of the macro.",
    "Missed the second question in the ticket.",
    "Tag was missing.",
    "Exactly right.",
]


def _digest(text: str) -> str:
    return hashlib.sha256(f"demo:{text}".encode()).hexdigest()


def _solved(program, freelancer=None):
    qs = Ticket.objects.filter(
        program=program, assignee__isnull=False, status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED]
    ).select_related("program")
    if freelancer is not None:
        qs = qs.filter(assignee=freelancer)
    return qs.order_by("-solved_at", "pk")


def _ratings(program, pattern):
    criteria = list(program.scorecard.criteria.order_by("position", "id"))
    return {c.pk: pattern[i % len(pattern)] for i, c in enumerate(criteria)}, criteria


def _reviews(context, demo, now):
    if Review.objects.filter(program=demo, calibration_session__isnull=True).exists():
        return
    manager, agent = context["manager"], context["agent"]
    review_sampling_run(program_ids=[demo.pk], now=now)
    open_assignments = list(
        ReviewAssignment.objects.filter(program=demo, status=ReviewAssignment.Status.OPEN)
        .select_related("ticket__program")
        .order_by("freelancer_id", "pk")
    )
    # Review about half of last week's sample; leave the rest in the queue.
    to_review = [a.ticket for a in open_assignments[::2]]
    # Plus a few older tickets a manager picked by hand, two per freelancer on the rota.
    for freelancer in context["freelancers"][:6]:
        for ticket in list(_solved(demo, freelancer).filter(review_assignment__isnull=True)[5:7]):
            review_assignment_create(ticket=ticket, actor=manager, reviewer=manager)
            to_review.append(ticket)
    made = []
    for index, ticket in enumerate(to_review):
        ratings, criteria = _ratings(demo, PATTERNS[index % len(PATTERNS)])
        comments = {criteria[1].pk: COMMENTS[index % len(COMMENTS)]}
        reviewer = manager if index % 3 else agent
        made.append(
            review_submit(
                ticket=ticket,
                reviewer=reviewer,
                ratings=ratings,
                comments=comments,
                comment="Thanks for the careful work." if index % 2 else "",
            )
        )
    # One dispute still open, one resolved with the score changed.
    by_freelancer = {}
    for review in made:
        by_freelancer.setdefault(review.freelancer_id, []).append(review)
    freelancers = context["freelancers"]
    open_one = next((r for r in by_freelancer.get(freelancers[1].pk, []) if r.score < 100), None)
    if open_one is not None:
        review_dispute(
            review=open_one,
            freelancer=freelancers[1],
            comment="The customer had already been given the tracking link by the carrier; the macro "
            "note says not to repeat it, so I did not.",
        )
    resolved = next((r for r in by_freelancer.get(freelancers[2].pk, []) if r.score < 100), None)
    if resolved is not None:
        dispute = review_dispute(
            review=resolved,
            freelancer=freelancers[2],
            comment="I escalated the refund part as the rules say; accuracy should not be marked down.",
        )
        dispute_resolve(
            dispute=dispute,
            actor=manager,
            outcome=Dispute.Outcome.PARTLY_ACCEPTED,
            new_score=min(Decimal("100"), resolved.score + Decimal("8")),
            note="Right about the escalation; the order number was still wrong, so not the full points.",
        )


def _review_history(context, demo, now):
    """Five earlier weeks of QA, two reviews per freelancer a week, improving as the program beds in."""
    if Review.objects.filter(program=demo, submitted_at__lt=now - datetime.timedelta(days=8)).exists():
        return
    manager = context["manager"]
    # Weaker patterns first (five weeks back), stronger ones lately.
    by_age = [PATTERNS[10], PATTERNS[6], PATTERNS[4], PATTERNS[3], PATTERNS[1], PATTERNS[0]]
    for weeks_back in range(5, 0, -1):
        end = now - datetime.timedelta(weeks=weeks_back)
        start = end - datetime.timedelta(weeks=1)
        for index, freelancer in enumerate(context["freelancers"][:6]):
            tickets = list(
                _solved(demo, freelancer).filter(
                    review_assignment__isnull=True, solved_at__gte=start, solved_at__lt=end
                )[:2]
            )
            for number, ticket in enumerate(tickets):
                pattern = (
                    by_age[(5 - weeks_back + index + number) % len(by_age)]
                    if (index + number) % 3
                    else by_age[min(5 - weeks_back + 1, len(by_age) - 1)]
                )
                ratings, _criteria = _ratings(demo, pattern)
                review_assignment_create(ticket=ticket, actor=manager, reviewer=manager)
                review = review_submit(ticket=ticket, reviewer=manager, ratings=ratings)
                Review.objects.filter(pk=review.pk).update(
                    submitted_at=min(ticket.solved_at + datetime.timedelta(days=1), end)
                )


def _calibration(context, demo):
    if CalibrationSession.objects.filter(program=demo).exists():
        return
    ticket = (
        _solved(demo)
        .filter(review_assignment__isnull=True)
        .exclude(pk__in=Review.objects.values("ticket_id"))
        .first()
    )
    if ticket is None:
        return
    manager, agent = context["manager"], context["agent"]
    session = calibration_session_create(
        program=demo,
        ticket=ticket,
        title="Calibration: a late-order reply",
        reviewers=[manager, agent],
        actor=manager,
    )
    ratings, _ = _ratings(demo, [4, 3, 4, 4, 4])
    review_submit(
        ticket=ticket,
        reviewer=manager,
        ratings=ratings,
        calibration_session=session,
        comment="Solid; the apology could be shorter.",
    )
    ratings, _ = _ratings(demo, [3, 2, 3, 4, 4])
    review_submit(
        ticket=ticket,
        reviewer=agent,
        ratings=ratings,
        calibration_session=session,
        comment="The delivery estimate was vague.",
    )
    calibration_session_close(session=session, actor=manager)
    calibration_session_create(
        program=demo,
        ticket=_solved(demo).exclude(pk=ticket.pk).filter(review_assignment__isnull=True).first() or ticket,
        title="Calibration: password reset tone",
        reviewers=[manager, agent],
        actor=manager,
    )


def _csat(demo, now):
    if CsatSurvey.objects.filter(program=demo).exists():
        return
    surveyed: dict[str, datetime.datetime] = {}
    rows = []
    tickets = list(
        _solved(demo).filter(solved_at__gte=now - datetime.timedelta(days=21)).order_by("solved_at", "pk")
    )
    for n, ticket in enumerate(tickets):
        email = ticket.requester_email.lower()
        sent = ticket.solved_at + datetime.timedelta(minutes=10)
        survey = CsatSurvey(ticket=ticket, program=demo, freelancer=ticket.assignee, requester_email=email)
        last = surveyed.get(email)
        if last and sent - last < datetime.timedelta(days=7):
            survey.status = CsatSurvey.Status.SKIPPED
        else:
            surveyed[email] = sent
            survey.sent_at, survey.expires_at = sent, sent + datetime.timedelta(days=14)
            survey.token_hash = _digest(f"csat:{ticket.pk}")
            if n % 10 < 3:  # three in ten answer (a good rate for a one-click survey)
                survey.status = CsatSurvey.Status.ANSWERED
                survey.rating = CsatSurvey.Rating.BAD if n % 9 == 4 else CsatSurvey.Rating.GOOD
                survey.answered_at = sent + datetime.timedelta(hours=2)
                survey.comment = (
                    "Quick and friendly, thanks!"
                    if n % 5 == 0
                    else "Still waiting on my refund."
                    if survey.rating == "bad"
                    else ""
                )
            else:
                survey.status = CsatSurvey.Status.SENT
        rows.append(survey)
    CsatSurvey.objects.bulk_create(rows, batch_size=500)


# Weekly NPS answers, this week first (back = 0) and going back eight weeks: one entry per stakeholder who gets
# the survey (programs/demo.py; Demo Support has ten, Acme four), None = did not answer. Four to six of ten
# answer a week; the score climbs from about 20 to about 55 as the freelancers bed in.
NPS_SCORES = [
    [9, None, 10, None, 8, None, None, None, None, None],  # this week: answers still coming in
    [10, 9, None, 8, 9, None, 7, None, 10, None],
    [9, None, 10, 6, None, 9, None, 10, None, 8],
    [10, 9, None, None, 7, None, 9, 6, None, None],
    [8, None, 9, 7, None, 10, None, None, 5, None],
    [9, 7, None, 6, None, None, 10, None, 8, None],
    [None, 8, 6, None, 9, None, None, 7, None, 9],
    [7, None, 9, None, 6, 8, None, None, 10, 7],
]
NPS_COMMENTS = {
    4: "Too many replies needed a second try from our team.",
    5: "Evenings are still slow to answer.",
    6: "Weekend replies were slow.",
    10: "The freelancers know our product better every week.",
    9: "Good coverage, a few macros feel robotic.",
    7: "Fine, but escalations took a while.",
}


def _nps(program, now):
    if NpsRound.objects.filter(program=program).exists():
        return
    stakeholders = list(Stakeholder.objects.filter(program=program, receives_nps=True).order_by("pk"))
    this_week = week_start_of(now.astimezone(program.zone).date())
    for back in range(8):
        week = this_week - datetime.timedelta(weeks=back)
        sent = datetime.datetime.combine(week, datetime.time(14), tzinfo=program.zone)
        if sent > now:
            continue  # this week's survey goes out on Monday afternoon: not yet
        nps_round = NpsRound.objects.create(program=program, week_start=week, sent_at=sent)
        for index, stakeholder in enumerate(stakeholders):
            score = NPS_SCORES[back][index % len(NPS_SCORES[back])]
            answered_at = sent + datetime.timedelta(hours=5 + 7 * index) if score is not None else None
            if answered_at is not None and answered_at > now:
                score, answered_at = None, None  # not answered yet
            NpsInvitation.objects.create(
                round=nps_round,
                stakeholder=stakeholder,
                email=stakeholder.email.lower(),
                name=stakeholder.name,
                token_hash=_digest(f"nps:{program.pk}:{week}:{stakeholder.pk}"),
                expires_at=sent + datetime.timedelta(days=7),
                score=score,
                comment=NPS_COMMENTS.get(score, "") if score is not None and (back + index) % 2 == 0 else "",
                answered_at=answered_at,
            )


def _former_freelancer(context, demo, today):
    """A freelancer of their own for the "end contract" outcome, so the other demo stories stay intact."""
    freelancer, _created = freelancer_get_or_create(
        email="diego.ramos@demo.test",
        legal_name="Diego Ramos",
        time_zone="America/Bogota",
        country="CO",
        payout_currency="USD",
        language_ids=[context["languages"]["en"].pk, context["languages"]["es"].pk],
    )
    if not Contract.objects.filter(program=demo, freelancer=freelancer).exists():
        since = audit_mark()
        contract = contract_create_draft(
            program=demo,
            freelancer=freelancer,
            created_by=context["manager"],
            hourly_rate=Decimal("14.00"),
            start_date=today - datetime.timedelta(days=110),
            hours_per_week=Decimal("20"),
            weekly_hour_cap=Decimal("25"),
            override_reason="Demo: rate agreed before the floor table existed.",
        )
        contract_send(contract=contract, actor=context["manager"])
        contract_sign(
            contract=contract,
            freelancer=freelancer,
            typed_name=freelancer.legal_name,
            consent=True,
            ip_address="198.51.100.23",
            user_agent="Mozilla/5.0 (demo)",
        )
        contract.refresh_from_db()
        onboard(contract, list(demo.onboarding_steps.order_by("position", "id")), context["manager"])
        date_history(contract, since=since)
    return freelancer


def _evaluations(context, demo, today):
    manager = context["manager"]
    freelancers = context["freelancers"]
    start, end = today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)
    plans = [
        (
            Evaluation.Outcome.KEEP,
            freelancers[3],
            {"summary": "Steady month: QA on target and customers happy. Keep going."},
        ),
        (
            Evaluation.Outcome.RECOGNIZE,
            freelancers[0],
            {
                "summary": "Best QA in the program this month and lovely customer comments. Thank you!",
                "bonus_amount": Decimal("75.00"),
                "private_notes": "Candidate for tier 2 next quarter.",
            },
        ),
        (
            Evaluation.Outcome.RATE_ADJUSTMENT,
            freelancers[4],
            {
                "summary": "Three months above target: your hourly rate goes up from tomorrow.",
                "new_hourly_rate": Decimal("13.50"),
                "rate_effective_date": today + datetime.timedelta(days=1),
            },
        ),
        (
            Evaluation.Outcome.PROMOTE,
            freelancers[1],
            {
                "summary": "You handle account and troubleshooting tickets like the in-house team. Welcome to tier 2.",
            },
        ),
        (
            Evaluation.Outcome.PERFORMANCE_PLAN,
            freelancers[5],
            {
                "summary": "Accuracy dipped and two tickets missed the escalation rules. Let's fix that together.",
                "plan_goals": "1. QA accuracy ≥ 3 on every reviewed ticket.\n2. Escalate every refund and chargeback.\n"
                "3. Weekly 15-minute check-in with Maya.",
                "plan_review_date": today + datetime.timedelta(days=30),
                "private_notes": "If no improvement by the review date, consider ending the contract.",
            },
        ),
        (
            Evaluation.Outcome.END_CONTRACT,
            _former_freelancer(context, demo, today),
            {
                "summary": "QA stayed below target for two evaluations in a row despite the plan, so we are ending "
                "the contract as the support plan says. Thank you for your work.",
                "end_date": today,
                "end_reason": "QA below target after a performance plan.",
            },
        ),
    ]
    for outcome, freelancer, fields in plans:
        if Evaluation.objects.filter(program=demo, outcome=outcome).exists():
            continue
        if (
            outcome
            in (
                Evaluation.Outcome.RATE_ADJUSTMENT,
                Evaluation.Outcome.PROMOTE,
                Evaluation.Outcome.END_CONTRACT,
            )
            and contract_active_for(freelancer_id=freelancer.pk, program_id=demo.pk) is None
        ):
            continue
        if (
            outcome == Evaluation.Outcome.PROMOTE
            and standing_get(freelancer_id=freelancer.pk, program_id=demo.pk).tier >= 2
        ):
            continue
        evaluation_create(
            program=demo,
            freelancer=freelancer,
            actor=manager,
            period_start=start,
            period_end=end,
            outcome=outcome,
            **fields,
        )
    # The contract that evaluation ended gets the manager's rating and testimonial (issue #21, item 9).
    ended = Contract.objects.filter(
        program=demo, evaluations__outcome=Evaluation.Outcome.END_CONTRACT, rating__isnull=True
    ).first()
    if ended is not None and ended.is_finished:
        contract_rating_save(
            contract=ended,
            actor=manager,
            stars=3,
            testimonial=(
                "Never missed a shift and was kind to every customer. Accuracy on billing questions stayed below what "
                f"this program needs, but for a program with simpler tickets I would work with "
                f"{ended.freelancer.legal_name.split()[0]} again."
            ),
        )


def _recognition(context, demo):
    if ThankYouNote.objects.filter(program=demo).exists():
        return
    freelancers = context["freelancers"]
    label = f"{timezone.now():%B %Y}"
    thank_you_send(
        program=demo,
        freelancer=freelancers[0],
        actor=context["manager"],
        period_label=label,
        message="Your replies on the tracking-link bug saved the in-house team a whole afternoon.",
    )
    thank_you_send(
        program=demo,
        freelancer=freelancers[3],
        actor=context["manager"],
        period_label=label,
        message="Three customers named you in their CSAT comments this week. Thank you!",
    )


FEEDBACK = [
    (0, Feedback.Kind.EASIER, "A macro for 'tracking link broken' in Spanish would save me a lot of typing."),
    (1, Feedback.Kind.ROADBLOCK, "Stripe read-only access does not show refunds older than 90 days."),
    (2, Feedback.Kind.BUG, "The exchange button in the customer's account page does nothing on Safari."),
    (3, Feedback.Kind.TREND, "Many customers ask whether exchanges are free since the new feature launched."),
    (4, Feedback.Kind.EASIER, "Could shift swaps be requested in the portal instead of Slack?"),
    (5, Feedback.Kind.TREND, "Lots of 'charged twice' tickets on Mondays — the weekend batch job again?"),
]


def _feedback(context, demo, today):
    if Feedback.objects.filter(program=demo).exists():
        return
    freelancers = context["freelancers"]
    for index, kind, body in FEEDBACK:
        item = Feedback.objects.create(program=demo, freelancer=freelancers[index], kind=kind, body=body)
        if index == 4:
            item.status, item.done_by, item.done_at = Feedback.Status.DONE, context["manager"], timezone.now()
            item.save()
    last_week = week_start_of(today) - datetime.timedelta(days=7)
    for index, rating in enumerate([4, 5, 3, 4, 2]):
        Feedback.objects.create(
            program=demo,
            freelancer=freelancers[index],
            kind=Feedback.Kind.PULSE,
            rating=rating,
            week_start=last_week,
            body="Billing tickets need a clearer refund policy." if rating <= 3 else "",
        )


def _check_ins(context, demo, today):
    if SilenceCheckIn.objects.filter(program=demo).exists():
        return
    from core.timezones import zone_name

    freelancer = context["freelancers"][4]
    zone = zone_name(freelancer.zone)  # as the engagement sweep writes it: the freelancer's zone, named
    SilenceCheckIn.objects.create(
        freelancer=freelancer,
        program=demo,
        day=today - datetime.timedelta(days=6),
        reasons=["missed_shift"],
        details={"missed_shift": f"Tue 08:00–16:00 {zone}"},
    )
    SilenceCheckIn.objects.create(
        freelancer=freelancer,
        program=demo,
        day=today - datetime.timedelta(days=1),
        reasons=["missed_shift", "unanswered"],
        details={"missed_shift": f"Sun 08:00–16:00 {zone}", "unanswered": "#12, #57"},
        manager_notified_at=timezone.now() - datetime.timedelta(days=1),
    )


def _announcements_delivered(now):
    """The demo announcements count as already e-mailed (so seeding does not mail the demo freelancers)."""
    for announcement in Announcement.objects.filter(published_at__isnull=False, delivery__isnull=True):
        AnnouncementDelivery.objects.create(
            announcement=announcement, sent_at=announcement.published_at or now, recipients=0
        )


def seed(context):
    demo, acme = context["program"], context["acme"]
    now = timezone.now()
    today = now.astimezone(demo.zone).date()
    ReviewSettings.objects.get_or_create(program=demo, defaults={"sample_mode": "count", "sample_size": 3})
    ReviewSettings.objects.get_or_create(
        program=acme, defaults={"sample_mode": "percent", "sample_size": 20, "csat_window_days": 14}
    )
    _reviews(context, demo, now)
    _review_history(context, demo, now)
    _calibration(context, demo)
    _csat(demo, now)
    _nps(demo, now)
    _nps(acme, now)
    _evaluations(context, demo, today)
    _recognition(context, demo)
    _feedback(context, demo, today)
    _check_ins(context, demo, today)
    _announcements_delivered(now)
    context["logins"].append(
        ("manager@demo.test", "→ Quality: /manage/reviews/ (reviews, disputes, NPS, evaluations)")
    )
