"""Shifts: freelancers' weekly hours and one-off changes, managers' scheduling, and hand-over when someone
goes off shift or away."""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Freelancer
from core.audit import audit_record
from queues.availability import is_on_shift, next_on_shift_at, slot_row, weekly_hours_in_zone
from queues.errors import QueueError
from queues.models import AvailabilityChange, AvailabilitySlot, Ticket
from queues.services.tickets import ticket_hand_over


def _overlaps(freelancer: Freelancer, weekday: int, start_minute: int, end_minute: int, program_id) -> bool:
    for slot in AvailabilitySlot.objects.filter(freelancer=freelancer, weekday=weekday):
        if slot.program_id not in (None, program_id) and program_id is not None:
            continue
        if slot.start_minute < end_minute and start_minute < slot.end_minute:
            return True
    return False


@transaction.atomic
def availability_slot_add(
    *,
    freelancer: Freelancer,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    program=None,
    actor=None,
) -> AvailabilitySlot:
    """Weekly hours, in the freelancer's own time zone."""
    slot = AvailabilitySlot(
        freelancer=freelancer,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        program=program,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    slot.full_clean(exclude=["freelancer", "program", "created_by"])
    if _overlaps(freelancer, weekday, slot.start_minute, slot.end_minute, program.pk if program else None):
        raise QueueError("These hours overlap hours already set for that day.", field="start_time")
    slot.save()
    audit_record(
        actor=actor,
        verb="availability.slot_added",
        target=freelancer,
        slot=str(slot),
        program_id=program.pk if program else None,
    )
    return slot


@transaction.atomic
def availability_schedule(
    *,
    freelancer: Freelancer,
    program,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    actor=None,
    on: datetime.date | None = None,
) -> list[AvailabilitySlot]:
    """A manager schedules weekly hours for the program, in the program's time zone (the coverage grid's).

    They are kept in the freelancer's own time zone, like every slot, converted at this week's offsets (`on`):
    hours that cross midnight there become two slots. When only one of the two zones changes its clocks, the
    hours move by that hour in the program's time.
    """
    start, end = slot_row(weekday, start_time, end_time, None)[1:3]
    if end <= start:
        raise QueueError(
            "The shift must end after it starts (split overnight shifts in two).", field="end_time"
        )
    on = on or timezone.now().astimezone(program.zone).date()
    parts = weekly_hours_in_zone(
        weekday=weekday,
        start_minute=start,
        end_minute=end,
        from_zone=program.zone,
        to_zone=freelancer.zone,
        on=on,
    )
    return [
        availability_slot_add(
            freelancer=freelancer,
            program=program,
            actor=actor,
            weekday=day,
            start_time=_clock(part_start),
            end_time=_clock(part_end % (24 * 60)),
        )
        for day, part_start, part_end in parts
    ]


def _clock(minute: int) -> datetime.time:
    return datetime.time(minute // 60, minute % 60)


@transaction.atomic
def availability_slot_delete(*, slot: AvailabilitySlot, actor=None) -> None:
    freelancer = slot.freelancer
    audit_record(actor=actor, verb="availability.slot_removed", target=freelancer, slot=str(slot))
    slot.delete()
    transaction.on_commit(lambda: freelancer_hand_over_if_off_shift(freelancer_id=freelancer.pk))


@transaction.atomic
def availability_change_add(
    *,
    freelancer: Freelancer,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    note: str = "",
    program=None,
    actor=None,
) -> AvailabilityChange:
    """A one-off change: away (tickets that would breach before the freelancer is back are handed over) or
    extra hours."""
    if kind not in AvailabilityChange.Kind.values:
        raise QueueError("Pick away or extra hours.", field="kind")
    change = AvailabilityChange(
        freelancer=freelancer,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=(note or "").strip()[:200],
        program=program,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    change.full_clean(exclude=["freelancer", "program", "created_by"])
    if ends_at <= timezone.now():
        raise QueueError("This change is already over.", field="ends_at")
    change.save()
    audit_record(
        actor=actor,
        verb=f"availability.{kind}",
        target=freelancer,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
    )
    if kind == AvailabilityChange.Kind.AWAY and starts_at <= timezone.now():
        transaction.on_commit(lambda: freelancer_hand_over_if_off_shift(freelancer_id=freelancer.pk))
    return change


@transaction.atomic
def availability_change_delete(*, change: AvailabilityChange, actor=None) -> None:
    freelancer = change.freelancer
    audit_record(actor=actor, verb="availability.change_removed", target=freelancer, change=str(change))
    change.delete()
    transaction.on_commit(lambda: freelancer_hand_over_if_off_shift(freelancer_id=freelancer.pk))


def freelancer_go_away(
    *, freelancer: Freelancer, until: datetime.datetime, note: str = "", actor=None
) -> AvailabilityChange:
    """ "I'm away from now until …" (a break, sickness)."""
    return availability_change_add(
        freelancer=freelancer,
        kind=AvailabilityChange.Kind.AWAY,
        starts_at=timezone.now(),
        ends_at=until,
        note=note,
        actor=actor,
    )


def freelancer_hand_over_if_off_shift(*, freelancer_id: int, now=None) -> int:
    """Hand over the freelancer's open tickets that would breach before they are back on shift.

    Returns how many tickets were handed over.
    """
    now = now or timezone.now()
    freelancer = (
        Freelancer.objects.filter(pk=freelancer_id)
        .prefetch_related(
            Prefetch("availability_slots"),
            Prefetch("availability_changes", queryset=AvailabilityChange.objects.filter(ends_at__gt=now)),
        )
        .first()
    )
    if freelancer is None:
        return 0
    tickets = list(
        Ticket.objects.filter(assignee_id=freelancer_id, status__in=Ticket.ACTIVE_STATUSES)
        .only("id", "program_id", "next_due_at")
        .order_by("next_due_at")
    )
    slots, changes = list(freelancer.availability_slots.all()), list(freelancer.availability_changes.all())
    handed = 0
    back_by_program: dict[int, tuple[bool, datetime.datetime | None]] = {}
    for ticket in tickets:
        if ticket.program_id not in back_by_program:
            if freelancer.status != Freelancer.Status.ACTIVE:
                back_by_program[ticket.program_id] = (False, None)
            else:
                on = is_on_shift(
                    zone=freelancer.zone, slots=slots, changes=changes, at=now, program_id=ticket.program_id
                )
                back = (
                    None
                    if on
                    else next_on_shift_at(
                        zone=freelancer.zone,
                        slots=slots,
                        changes=changes,
                        after=now,
                        program_id=ticket.program_id,
                    )
                )
                back_by_program[ticket.program_id] = (on, back)
        on, back = back_by_program[ticket.program_id]
        if on or ticket.next_due_at is None:
            continue
        if back is None or ticket.next_due_at < back:
            when = f"back {back:%Y-%m-%d %H:%M} UTC" if back else "not back within two weeks"
            ticket_hand_over(
                ticket_id=ticket.pk,
                now=now,
                reason=f"off shift or away ({when}) and the SLA is due {ticket.next_due_at:%H:%M} UTC.",
            )
            handed += 1
    return handed
