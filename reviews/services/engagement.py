"""Keeping in touch with freelancers: the daily silence check-in, feedback (form and weekly pulse), and
announcement e-mails."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.models import Contract
from contracts.selectors import freelancer_program_ids
from core.audit import audit_record
from core.outbox import email_enqueue
from core.timezones import zone_name
from payments.models import TimeEntry
from programs.models import Announcement, Program
from programs.selectors import program_inhouse_team
from queues.availability import availability_intervals
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket, TicketMessage
from reviews.errors import ReviewError
from reviews.models import AnnouncementDelivery, Feedback, ReviewSettings, SilenceCheckIn, week_start_of

SECOND_MISS_WINDOW_DAYS = 14
ANNOUNCEMENT_LOOKBACK = datetime.timedelta(days=14)

REASON_LABELS = {
    "missed_shift": "missed a scheduled shift",
    "no_login": "has not logged in",
    "unanswered": "has assigned tickets without a reply",
}


# --- silence ---------------------------------------------------------------------------------------------------


def _day_bounds(zone, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)


def silence_findings(*, contract: Contract, policy: ReviewSettings, now: datetime.datetime) -> dict:
    """What is quiet about this freelancer in this program: {reason: detail}. Reads only."""
    freelancer, program = contract.freelancer, contract.program
    user = freelancer.user
    found: dict[str, str] = {}
    today = now.astimezone(program.zone).date()
    yesterday = today - datetime.timedelta(days=1)
    # 1. A scheduled shift yesterday with no sign of work during it.
    start, end = _day_bounds(program.zone, yesterday)
    if contract.start_date <= yesterday:
        intervals = availability_intervals(
            zone=freelancer.zone,
            slots=freelancer.availability_slots.all(),
            changes=freelancer.availability_changes.all(),
            start=start,
            end=end,
            program_id=program.pk,
        )
        scheduled = [(s, e) for s, e in intervals if e > s]
        if scheduled:
            first, last = scheduled[0][0], scheduled[-1][1]
            worked = (
                (user.last_login is not None and first <= user.last_login < end)
                or TicketMessage.objects.filter(
                    author=user, ticket__program=program, created_at__gte=first, created_at__lt=last
                ).exists()
                or TimeEntry.objects.filter(freelancer=freelancer, program=program, date=yesterday).exists()
            )
            if not worked:
                # Named by its zone, not "your time": the manager's check-in list shows the same words.
                found["missed_shift"] = (
                    f"{first.astimezone(freelancer.zone):%a %H:%M}–"
                    f"{last.astimezone(freelancer.zone):%H:%M} {zone_name(freelancer.zone)}"
                )
    # 2. No login for N days (counted from the contract's start when they never logged in).
    threshold = now - datetime.timedelta(days=policy.silence_login_days)
    since = user.last_login or (
        contract.activated_at
        or datetime.datetime.combine(contract.start_date, datetime.time(0), tzinfo=program.zone)
    )
    if since < threshold:
        found["no_login"] = f"last seen {user.last_login:%Y-%m-%d}" if user.last_login else "never logged in"
    # 3. Assigned tickets without a reply since they were assigned.
    cutoff = now - datetime.timedelta(hours=policy.silence_unanswered_hours)
    replied = TicketMessage.objects.filter(
        ticket=OuterRef("pk"), kind=TicketMessage.Kind.REPLY, created_at__gte=OuterRef("last_assigned_at")
    )
    waiting = list(
        Ticket.objects.filter(
            program=program,
            assignee=freelancer,
            status__in=Ticket.LOAD_STATUSES,
            last_assigned_at__lte=cutoff,
        )
        .exclude(Exists(replied))
        .values_list("pk", flat=True)[:20]
    )
    if waiting:
        found["unanswered"] = ", ".join(f"#{pk}" for pk in waiting)
    return found


def silence_check(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The daily job: a templated check-in to each quiet freelancer (once per freelancer, program and day), and
    a note to the program's managers when it is their second check-in within two weeks. Safe to run twice."""
    now = now or timezone.now()
    summary = {"checked": 0, "check_ins": 0, "managers_notified": 0}
    contracts = (
        Contract.objects.filter(
            status=Contract.Status.ACTIVE,
            program__status=Program.Status.ACTIVE,
            freelancer__status=Freelancer.Status.ACTIVE,
        )
        .select_related("program__review_settings", "freelancer__user")
        .prefetch_related(
            Prefetch("freelancer__availability_slots", queryset=AvailabilitySlot.objects.all()),
            Prefetch(
                "freelancer__availability_changes",
                queryset=AvailabilityChange.objects.filter(ends_at__gt=now - datetime.timedelta(days=3)),
            ),
        )
        .order_by("pk")
    )
    for contract in contracts:
        summary["checked"] += 1
        policy = ReviewSettings.for_program(contract.program)
        findings = silence_findings(contract=contract, policy=policy, now=now)
        if not findings:
            continue
        made, notified = _check_in(contract=contract, findings=findings, now=now)
        summary["check_ins"] += made
        summary["managers_notified"] += notified
    return summary


@transaction.atomic
def _check_in(*, contract: Contract, findings: dict, now: datetime.datetime) -> tuple[int, int]:
    program, freelancer = contract.program, contract.freelancer
    today = now.astimezone(program.zone).date()
    check_in = SilenceCheckIn(
        freelancer=freelancer, program=program, day=today, reasons=sorted(findings), details=findings
    )
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:
        return 0, 0  # already checked in today
    context = {
        "freelancer": freelancer,
        "program": program,
        "findings": findings,
        "labels": REASON_LABELS,
        "portal": settings.SITE_URL + "/portal/",
    }
    body = render_to_string("reviews/email/check_in.txt", context)
    email = freelancer.user.email
    email_enqueue(
        to=[email], subject=f"Checking in — {program.name}", body=body, program_id=program.pk, about=check_in
    )
    audit_record(verb="silence.check_in", target=freelancer, program=program.slug, reasons=sorted(findings))
    earlier = SilenceCheckIn.objects.filter(
        freelancer=freelancer,
        program=program,
        day__lt=today,
        day__gte=today - datetime.timedelta(days=SECOND_MISS_WINDOW_DAYS),
    ).exists()
    if not earlier:
        return 1, 0
    managers = list(
        program_inhouse_team(program=program).filter(role=User.Role.MANAGER).values_list("email", flat=True)
    )
    if managers:
        manager_body = render_to_string(
            "reviews/email/check_in_manager.txt", {**context, "check_in": check_in}
        )
        subject = f"{freelancer} has been quiet twice in two weeks ({program.name})"
        email_enqueue(to=managers, subject=subject, body=manager_body, program_id=program.pk, about=check_in)
    check_in.manager_notified_at = now
    check_in.save(update_fields=["manager_notified_at", "updated_at"])
    return 1, 1


# --- feedback --------------------------------------------------------------------------------------------------


def _check_program(freelancer: Freelancer, program: Program) -> None:
    if program is None or program.pk not in set(freelancer_program_ids(freelancer_id=freelancer.pk)):
        raise ReviewError("Choose one of your programs.", field="program")


@transaction.atomic
def feedback_submit(*, freelancer: Freelancer, program: Program, kind: str, body: str) -> Feedback:
    _check_program(freelancer, program)
    if kind not in Feedback.Kind.values or kind == Feedback.Kind.PULSE:
        raise ReviewError("Choose what the feedback is about.", field="kind")
    body = (body or "").strip()
    if not body:
        raise ReviewError("Tell us a little more.", field="body")
    item = Feedback(program=program, freelancer=freelancer, kind=kind, body=body[:5000])
    item.full_clean()
    item.save()
    audit_record(actor=freelancer.user, verb="feedback.submitted", target=item, kind=kind)
    return item


@transaction.atomic
def feedback_pulse_submit(
    *, freelancer: Freelancer, program: Program, rating, body: str = "", today: datetime.date | None = None
) -> Feedback:
    """This week's pulse: how the week went (1–5) and what got in the way. Once per program and week."""
    _check_program(freelancer, program)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ReviewError("Pick 1 to 5.", field="rating")
    if not 1 <= rating <= 5:
        raise ReviewError("Pick 1 to 5.", field="rating")
    week = week_start_of(today or timezone.now().astimezone(freelancer.zone).date())
    if Feedback.objects.filter(
        freelancer=freelancer, program=program, kind=Feedback.Kind.PULSE, week_start=week
    ).exists():
        raise ReviewError("You already answered this week's pulse. Thank you!")
    item = Feedback(
        program=program,
        freelancer=freelancer,
        kind=Feedback.Kind.PULSE,
        rating=rating,
        body=(body or "").strip()[:5000],
        week_start=week,
    )
    item.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise ReviewError("You already answered this week's pulse. Thank you!")
    return item


@transaction.atomic
def feedback_mark(*, feedback: Feedback, actor, done: bool) -> Feedback:
    feedback.status = Feedback.Status.DONE if done else Feedback.Status.OPEN
    feedback.done_by = actor if done else None
    feedback.done_at = timezone.now() if done else None
    feedback.save(update_fields=["status", "done_by", "done_at", "updated_at"])
    audit_record(actor=actor, verb="feedback.done" if done else "feedback.reopened", target=feedback)
    return feedback


# --- announcements ---------------------------------------------------------------------------------------------


def announcement_recipients(*, program_id: int) -> list[str]:
    return sorted(
        set(
            Contract.objects.filter(
                program_id=program_id, status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE]
            )
            .exclude(freelancer__status=Freelancer.Status.OFFBOARDED)
            .values_list("freelancer__user__email", flat=True)
        )
    )


def announcements_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every few minutes: e-mail each newly published announcement to its program's freelancers, once."""
    now = now or timezone.now()
    ids = list(
        Announcement.objects.filter(
            published_at__isnull=False,
            published_at__gte=now - ANNOUNCEMENT_LOOKBACK,
            published_at__lte=now,
            delivery__isnull=True,
        )
        .order_by("published_at")
        .values_list("pk", flat=True)
    )
    summary = {"announcements": 0, "emails": 0}
    for announcement_id in ids:
        sent = announcement_send(announcement_id=announcement_id, now=now)
        if sent is not None:
            summary["announcements"] += 1
            summary["emails"] += sent
    return summary


@transaction.atomic
def announcement_send(*, announcement_id: int, now: datetime.datetime | None = None) -> int | None:
    now = now or timezone.now()
    announcement = (
        Announcement.objects.select_related("program")
        .filter(pk=announcement_id, published_at__isnull=False)
        .first()
    )
    if announcement is None:
        return None
    recipients = announcement_recipients(program_id=announcement.program_id)
    try:
        with transaction.atomic():
            AnnouncementDelivery.objects.create(
                announcement=announcement, sent_at=now, recipients=len(recipients)
            )
    except IntegrityError:
        return None  # already sent
    link = settings.SITE_URL + reverse("reviews:portal_announcements")
    body = render_to_string("reviews/email/announcement.txt", {"announcement": announcement, "link": link})
    subject = f"[{announcement.program.name}] {announcement.get_kind_display()}: {announcement.title}"

    for email in recipients:
        # One message each: recipients never see each other's address, and one bad address fails alone.
        email_enqueue(
            to=[email],
            subject=subject,
            body=body,
            program_id=announcement.program_id,
            about=announcement,
            dedupe_key=f"announcement:{announcement.pk}:{email.lower()}",
        )
    audit_record(verb="announcement.emailed", target=announcement, recipients=len(recipients))
    return len(recipients)
