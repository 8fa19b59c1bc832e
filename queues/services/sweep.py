"""The every-minute sweep: presence (idle, shift over, no-shows), route waiting tickets, hand over from people
off shift, warn before SLA breaches, flag breaches. Safe to run twice (each notification is sent once per deadline)."""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.locks import lock_one
from programs.models import Program
from queues.events import event_record
from queues.models import QueueSettings, Ticket, TicketEvent
from queues.services.availability import freelancer_hand_over_if_off_shift
from queues.services.common import notify, ticket_lock, ticket_save
from queues.services.presence import presence_sweep
from queues.services.routing import ROUTE_BATCH, tickets_route
from queues.services.tickets import ticket_auto_escalate

logger = logging.getLogger(__name__)
SWEEP_ROUTE_LIMIT = 2000


def route_waiting_tickets(*, now=None) -> int:
    """Route tickets never routed (broker down at intake) and tier-1 tickets waiting for a freelancer, most
    urgent first, one batch per program (see routing.tickets_route)."""
    now = now or timezone.now()
    waiting = (
        Ticket.objects.filter(status__in=Ticket.ACTIVE_STATUSES)
        .filter(Q(routed_at__isnull=True) | Q(queue=Ticket.Queue.FREELANCER, assignee__isnull=True))
        .order_by("next_due_at", "id")
        .values_list("id", "program_id")[:SWEEP_ROUTE_LIMIT]
    )
    by_program: dict[int, list[int]] = defaultdict(list)
    for ticket_id, program_id in waiting:
        by_program[program_id].append(ticket_id)
    assigned = 0
    for program_id, ids in by_program.items():
        for start in range(0, len(ids), ROUTE_BATCH):
            try:
                routed = tickets_route(
                    ticket_ids=ids[start : start + ROUTE_BATCH], now=now, quiet_when_waiting=True
                )
            except Exception:
                logger.exception("queues: routing waiting tickets of program %s failed", program_id)
                break
            assigned += len([t for t in routed if t.assignee_id])
    return assigned


def hand_over_from_off_shift(*, now=None) -> int:
    now = now or timezone.now()
    freelancer_ids = (
        Ticket.objects.filter(status__in=Ticket.ACTIVE_STATUSES, assignee__isnull=False)
        .values_list("assignee_id", flat=True)
        .distinct()
        .order_by()
    )
    return sum(freelancer_hand_over_if_off_shift(freelancer_id=fid, now=now) for fid in list(freelancer_ids))


def _settings_by_program(program_ids) -> dict[int, QueueSettings]:
    found = {s.program_id: s for s in QueueSettings.objects.filter(program_id__in=program_ids)}
    return found


def _ticket_url(ticket: Ticket, side: str) -> str:
    from django.urls import reverse

    name = "queues:portal_ticket" if side == "portal" else "queues:manage_ticket"
    return settings.SITE_URL + reverse(name, kwargs={"pk": ticket.pk})


def warn_before_breach(*, now=None) -> int:
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=24)
    candidates = list(
        Ticket.objects.filter(
            status__in=Ticket.ACTIVE_STATUSES,
            sla_warned_at__isnull=True,
            sla_breached_at__isnull=True,
            next_due_at__gt=now,
            next_due_at__lte=horizon,
        ).values_list("id", "program_id", "next_due_at")
    )
    policies = _settings_by_program({p for _, p, _ in candidates})
    warned = 0
    for ticket_id, program_id, due in candidates:
        minutes = policies[program_id].warning_minutes if program_id in policies else 15
        if due > now + datetime.timedelta(minutes=minutes):
            continue
        with transaction.atomic():
            ticket = lock_one(Ticket.objects.filter(pk=ticket_id))
            if ticket.sla_warned_at or not ticket.is_active or ticket.next_due_at != due:
                continue
            ticket.sla_warned_at = now
            ticket.save(update_fields=["sla_warned_at", "updated_at"])
            left = int((due - now).total_seconds() // 60)
            event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.SLA_WARNING,
                at=now,
                message=f"SLA due in {left} min ({due:%H:%M} UTC).",
                due=due.isoformat(),
            )
            holder = ticket.assignee.user if ticket.assignee_id else ticket.inhouse_assignee
            if holder is not None:
                side = "portal" if ticket.assignee_id else "manage"
                notify(
                    subject=f"SLA due in {left} min: #{ticket.pk} {ticket.subject[:60]}",
                    body=f"Ticket #{ticket.pk} “{ticket.subject}” is due at {due:%Y-%m-%d %H:%M} UTC.\n"
                    f"{_ticket_url(ticket, side)}\n",
                    recipients=[holder.email],
                    program_id=ticket.program_id,
                )
            warned += 1
    return warned


def flag_breaches(*, now=None) -> int:
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(
            status__in=Ticket.ACTIVE_STATUSES, sla_breached_at__isnull=True, next_due_at__lte=now
        )
        .order_by("next_due_at")
        .values_list("id", "program_id")[:2000]
    )
    policies = _settings_by_program({p for _, p in ids})
    breached_by_program: dict[int, list[Ticket]] = defaultdict(list)
    for ticket_id, program_id in ids:
        with transaction.atomic():
            ticket = ticket_lock(Ticket.objects.filter(pk=ticket_id))
            if (
                ticket.sla_breached_at
                or not ticket.is_active
                or ticket.next_due_at is None
                or ticket.next_due_at > now
            ):
                continue
            ticket.sla_breached_at = now
            if ticket.first_response_at is None and ticket.sla_due_at and ticket.sla_due_at <= now:
                ticket.first_response_met = False
            if ticket.resolution_due_at and ticket.resolution_due_at <= now and ticket.sla_paused_at is None:
                ticket.resolution_met = False
            event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.SLA_BREACHED,
                at=now,
                message=f"SLA breached (was due {ticket.next_due_at:%Y-%m-%d %H:%M} UTC).",
            )
            policy = policies.get(program_id)
            if policy and policy.auto_escalate_on_breach and ticket.queue == Ticket.Queue.FREELANCER:
                ticket.program = policy.program
                due = ticket.next_due_at
                ticket_auto_escalate(ticket, now=now)
                # The escalation sets a new in-house deadline; this breach stays flagged on the old one.
                ticket.sla_breached_at = now if ticket.next_due_at == due else None
            ticket_save(ticket)
            breached_by_program[program_id].append(ticket)
    for program in Program.objects.filter(pk__in=breached_by_program).prefetch_related("managers"):
        tickets = breached_by_program[program.pk]
        lines = "\n".join(f"#{t.pk} {t.subject[:80]} — {_ticket_url(t, 'manage')}" for t in tickets)
        with transaction.atomic():
            notify(
                subject=f"{program.name}: {len(tickets)} ticket(s) breached the SLA",
                body=f"These tickets passed their SLA deadline:\n{lines}\n",
                recipients=[m.email for m in program.managers.all() if m.is_active],
                program_id=program.pk,
            )
    return sum(len(t) for t in breached_by_program.values())


def queues_sweep(*, now=None) -> dict[str, int]:
    """Everything the every-minute job does, in order."""
    now = now or timezone.now()
    presence = presence_sweep(now=now)
    return {
        "away": presence["away"],
        "offline": presence["offline"],
        "no_shows": presence["no_shows"],
        "handed_over": hand_over_from_off_shift(now=now),
        "routed": route_waiting_tickets(now=now),
        "warned": warn_before_breach(now=now),
        "breached": flag_breaches(now=now),
    }
