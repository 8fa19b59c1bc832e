"""Presence: who is really at work now (issue #19), beside the rota that says who should be.

A person sets online / away / offline in the header; the portal's heartbeat keeps `last_seen_at`; the
every-minute sweep (presence_sweep) turns idle people away, people whose shift ended offline, and finds live
no-shows. Routing reads Presence.status through the "online" eligibility rule (queues.routing_rules), so
only people who are online inside their shift get tickets.

Going online outside one's shift is allowed only where the program allows extra time: it then records an
AvailabilityChange of kind "extra" (till the person goes offline, EXTRA_MAX_HOURS at most), so the one
on-shift rule still holds and the hours show on the coverage page.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from accounts.models import Freelancer, User
from contracts.selectors import queue_ready_contracts
from core.locks import lock_one
from programs.models import Program
from queues.availability import availability_intervals, is_on_shift
from queues.errors import QueueError
from queues.models import AvailabilityChange, NoShow, Presence, PresenceChange, QueueSettings, Ticket
from queues.services.common import notify
from queues.services.routing import enqueue_waiting_route

logger = logging.getLogger(__name__)
EXTRA_MAX_HOURS = 8
EXTRA_NOTE = "Online outside the shift"
DEFAULT_AWAY_AFTER = QueueSettings._meta.get_field("away_after_minutes").default
DEFAULT_NO_SHOW = QueueSettings._meta.get_field("no_show_minutes").default
Status, Reason = Presence.Status, PresenceChange.Reason


def presence_of(user: User) -> Presence:
    """The person's presence (an unsaved "offline" when they never set one)."""
    found = Presence.objects.filter(user=user).first()
    return found or Presence(user=user, status=Status.OFFLINE, since=timezone.now())


@dataclass(frozen=True)
class _Programs:
    """The programs a freelancer is queue-ready in, with whether each allows extra time."""

    ids: tuple[int, ...]
    allow_extra: tuple[int, ...]


def _queue_ready_programs(freelancer: Freelancer) -> _Programs:
    rows = list(
        queue_ready_contracts()
        .filter(freelancer=freelancer)
        .values_list("program_id", "program__queue_settings__allow_extra_time")
    )
    return _Programs(
        ids=tuple(sorted({p for p, _ in rows})), allow_extra=tuple(sorted({p for p, a in rows if a}))
    )


def _shift_data(freelancer: Freelancer, now: datetime.datetime):
    slots = list(freelancer.availability_slots.all())
    changes = list(AvailabilityChange.objects.filter(freelancer=freelancer, ends_at__gt=now))
    return slots, changes


def _on_shift_programs(freelancer: Freelancer, program_ids, now) -> list[int]:
    slots, changes = _shift_data(freelancer, now)
    return [
        pid
        for pid in program_ids
        if is_on_shift(zone=freelancer.zone, slots=slots, changes=changes, at=now, program_id=pid)
    ]


def _record(presence: Presence, status: str, *, reason: str, now) -> None:
    before = presence.status if presence.pk else Status.OFFLINE
    presence.status, presence.since = status, now
    if status == Status.ONLINE:
        presence.last_seen_at = now
    presence.save()
    PresenceChange.objects.create(user=presence.user, status=status, before=before, reason=reason, at=now)


def _end_extra_time(freelancer: Freelancer, now) -> None:
    """Going offline ends the extra hours that going online outside the shift opened."""
    AvailabilityChange.objects.filter(
        freelancer=freelancer,
        kind=AvailabilityChange.Kind.EXTRA,
        note=EXTRA_NOTE,
        starts_at__lt=now,
        ends_at__gt=now,
    ).update(ends_at=now)


@transaction.atomic
def presence_set(*, user: User, status: str, reason: str = Reason.MANUAL, now=None) -> Presence:
    """Set the person's presence. A freelancer going online outside every shift needs a program that allows
    extra time (else QueueError, nothing changed); coming online routes their programs' waiting tickets now."""
    if status not in Status.values:
        raise QueueError("Pick online, away or offline.", field="status")
    now = now or timezone.now()
    Presence.objects.get_or_create(user=user, defaults={"status": Status.OFFLINE, "since": now})
    presence = lock_one(Presence.objects.filter(user=user))
    freelancer = Freelancer.objects.filter(user=user).first()
    programs = _queue_ready_programs(freelancer) if freelancer else _Programs((), ())
    if status == Status.ONLINE and freelancer is not None and programs.ids:
        on_shift = _on_shift_programs(freelancer, programs.ids, now)
        if not on_shift:
            if not programs.allow_extra:
                raise QueueError(
                    "You are outside your shift, and your program does not allow extra time. "
                    "Add hours on your availability page, or ask your manager.",
                    field="status",
                )
            for program_id in programs.allow_extra:
                AvailabilityChange.objects.create(
                    freelancer=freelancer,
                    program_id=program_id,
                    kind=AvailabilityChange.Kind.EXTRA,
                    starts_at=now,
                    ends_at=now + datetime.timedelta(hours=EXTRA_MAX_HOURS),
                    note=EXTRA_NOTE,
                    created_by=user,
                )
    if presence.status == status:
        presence.last_seen_at = now
        presence.save(update_fields=["last_seen_at"])
        return presence
    _record(presence, status, reason=reason, now=now)
    if status == Status.OFFLINE and freelancer is not None:
        _end_extra_time(freelancer, now)
        why = "their shift ended" if reason == Reason.SHIFT_END else "they went offline"
        _hand_over_unanswered(freelancer, program_ids=None, now=now, reason=f"{why} before answering it.")
    if status == Status.ONLINE and freelancer is not None:
        NoShow.objects.filter(
            freelancer=freelancer,
            arrived_at__isnull=True,
            shift_start__gte=now - datetime.timedelta(hours=24),
        ).update(arrived_at=now)
        for program_id in programs.ids:
            enqueue_waiting_route(program_id, cause=f"{freelancer} came online")
    return presence


def presence_heartbeat(*, user: User, active: bool = True, now=None) -> Presence:
    """The portal's heartbeat: the person is at the page. Activity brings back someone the sweep set away
    for being idle; a person who set away or offline themselves stays so."""
    now = now or timezone.now()
    presence = presence_of(user)
    if not presence.pk:
        return presence
    if active and presence.status == Status.AWAY and _last_reason(user) == Reason.IDLE:
        try:
            return presence_set(user=user, status=Status.ONLINE, reason=Reason.ACTIVITY, now=now)
        except QueueError:
            return presence
    if active:
        Presence.objects.filter(pk=presence.pk).update(last_seen_at=now)
        presence.last_seen_at = now
    return presence


def _last_reason(user: User) -> str:
    last = (
        PresenceChange.objects.filter(user=user)
        .order_by("-at", "-id")
        .values_list("reason", flat=True)
        .first()
    )
    return last or ""


# ---------------------------------------------------------------- the every-minute sweep


def _freelancers_with_shifts(user_ids=None, freelancer_ids=None, now=None):
    qs = Freelancer.objects.select_related("user").prefetch_related(
        "availability_slots",
        Prefetch("availability_changes", queryset=AvailabilityChange.objects.filter(ends_at__gt=now)),
    )
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    if freelancer_ids is not None:
        qs = qs.filter(pk__in=list(freelancer_ids))
    return list(qs)


def _program_settings(program_ids) -> dict[int, QueueSettings]:
    return {s.program_id: s for s in QueueSettings.objects.filter(program_id__in=list(program_ids))}


def presence_sweep(*, now=None) -> dict[str, int]:
    """Idle → away, shift over → offline, and live no-shows. Safe to run twice."""
    now = now or timezone.now()
    contracts = list(queue_ready_contracts().values_list("freelancer_id", "program_id"))
    programs_of: dict[int, set[int]] = {}
    for freelancer_id, program_id in contracts:
        programs_of.setdefault(freelancer_id, set()).add(program_id)
    settings_by_program = _program_settings({p for _, p in contracts})
    present = list(
        Presence.objects.exclude(status=Status.OFFLINE).values_list("user_id", "status", "last_seen_at")
    )
    people = {f.user_id: f for f in _freelancers_with_shifts(user_ids=[u for u, _, _ in present], now=now)}
    away = offline = 0
    for user_id, status, last_seen in present:
        freelancer = people.get(user_id)
        program_ids = programs_of.get(freelancer.pk, set()) if freelancer else set()
        if freelancer is not None and program_ids:
            slots, changes = (
                list(freelancer.availability_slots.all()),
                list(freelancer.availability_changes.all()),
            )
            if not any(
                is_on_shift(zone=freelancer.zone, slots=slots, changes=changes, at=now, program_id=pid)
                for pid in program_ids
            ):
                _sweep_set(user_id, Status.OFFLINE, Reason.SHIFT_END, now)
                offline += 1
                continue
        minutes = min(
            (settings_by_program[p].away_after_minutes for p in program_ids if p in settings_by_program),
            default=DEFAULT_AWAY_AFTER,
        )
        if status == Status.ONLINE and (
            last_seen is None or last_seen < now - datetime.timedelta(minutes=minutes)
        ):
            _sweep_set(user_id, Status.AWAY, Reason.IDLE, now)
            away += 1
    return {
        "away": away,
        "offline": offline,
        "no_shows": no_shows_find(now=now, programs_of=programs_of, settings_by_program=settings_by_program),
    }


def _sweep_set(user_id: int, status: str, reason: str, now) -> None:
    try:
        presence_set(user=User.objects.get(pk=user_id), status=status, reason=reason, now=now)
    except QueueError:  # pragma: no cover - away and offline are never refused
        logger.exception("queues: presence of user %s could not be set to %s", user_id, status)


def _shift_start(freelancer: Freelancer, program_id: int, now) -> datetime.datetime | None:
    """When the shift the freelancer is in at `now` began (None when not on shift)."""
    intervals = availability_intervals(
        zone=freelancer.zone,
        slots=list(freelancer.availability_slots.all()),
        changes=list(freelancer.availability_changes.all()),
        start=now - datetime.timedelta(days=1),
        end=now + datetime.timedelta(minutes=1),
        program_id=program_id,
    )
    for start, end in intervals:
        if start <= now < end:
            return start
    return None


def no_shows_find(*, now=None, programs_of=None, settings_by_program=None) -> int:
    """Freelancers not online `no_show_minutes` after their shift began (and not since): their unanswered
    tickets in that program are routed to others now, and the program's managers are told at once."""
    now = now or timezone.now()
    if programs_of is None:
        programs_of = {}
        for freelancer_id, program_id in queue_ready_contracts().values_list("freelancer_id", "program_id"):
            programs_of.setdefault(freelancer_id, set()).add(program_id)
        settings_by_program = _program_settings({p for ps in programs_of.values() for p in ps})
    settings_by_program = settings_by_program or {}
    online = set(Presence.objects.filter(status=Status.ONLINE).values_list("user_id", flat=True))
    found = 0
    for freelancer in _freelancers_with_shifts(freelancer_ids=programs_of, now=now):
        if freelancer.user_id in online or freelancer.status != Freelancer.Status.ACTIVE:
            continue
        for program_id in sorted(programs_of[freelancer.pk]):
            policy = settings_by_program.get(program_id)
            minutes = policy.no_show_minutes if policy else DEFAULT_NO_SHOW
            start = _shift_start(freelancer, program_id, now)
            if (
                start is None
                or now < start + datetime.timedelta(minutes=minutes)
                or now > start + datetime.timedelta(hours=2)
            ):  # a shift long under way: not "live" any more
                continue
            if PresenceChange.objects.filter(
                user_id=freelancer.user_id, status=Status.ONLINE, at__gte=start
            ).exists():
                continue  # came online this shift, then stepped away: not a no-show
            if no_show_record(freelancer=freelancer, program_id=program_id, shift_start=start, now=now):
                found += 1
    return found


def _hand_over_unanswered(freelancer: Freelancer, *, program_ids, now, reason: str) -> int:
    """Route the freelancer's tickets that have no answer yet to someone else (or back to the queue); the ones
    they answered stay with them. Returns how many moved."""
    from queues.services.tickets import ticket_hand_over

    tickets = Ticket.objects.filter(
        assignee=freelancer, first_response_at__isnull=True, status__in=Ticket.LOAD_STATUSES
    )
    if program_ids is not None:
        tickets = tickets.filter(program_id__in=list(program_ids))
    ids = list(tickets.order_by("next_due_at", "id").values_list("pk", flat=True))
    for ticket_id in ids:
        ticket_hand_over(ticket_id=ticket_id, now=now, reason=reason)
    return len(ids)


def no_show_record(*, freelancer: Freelancer, program_id: int, shift_start: datetime.datetime, now) -> bool:
    """Record the no-show once, re-route their tickets that have no answer yet, e-mail the managers."""
    try:
        with transaction.atomic():
            no_show = NoShow.objects.create(
                freelancer=freelancer, program_id=program_id, shift_start=shift_start, noticed_at=now
            )
    except IntegrityError:
        return False
    moved = _hand_over_unanswered(
        freelancer,
        program_ids=[program_id],
        now=now,
        reason=f"not online {int((now - shift_start).total_seconds() // 60)} min after their shift began (no-show).",
    )
    NoShow.objects.filter(pk=no_show.pk).update(tickets_rerouted=moved)
    program = Program.objects.prefetch_related("managers").get(pk=program_id)
    coverage = settings.SITE_URL + reverse("queues:coverage", kwargs={"program_slug": program.slug})
    with transaction.atomic():
        notify(
            subject=f"{program.name}: {freelancer} has not come online for their shift",
            body=(
                f"{freelancer}'s shift began at {shift_start.astimezone(program.zone):%H:%M} ({program.time_zone}) "
                f"and they are not online.\n"
                f"{moved} ticket(s) waiting on them were routed to others.\n\nCoverage: {coverage}\n"
            ),
            recipients=[m.email for m in program.managers.all() if m.is_active],
            program_id=program.pk,
        )
    return True
