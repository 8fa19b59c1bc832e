"""Demo queues: SLA settings, the rota (SHIFTS: each freelancer's contract hours, covering 07:00–23:00 New York
time), ticket types and the last 30 days of tickets: as many tier-1 tickets a week as the worksheet plans, each
routed to someone who fits and is on shift (or waiting for the next shift). Acme's come only at weekends.
Idempotent: settings and slots are looked up, tickets are made once.

New API tickets route at once: `manage.py issue_api_token manager@demo.test`, then POST /api/v1/tickets/.
"""

import datetime
import random

from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Freelancer
from contracts.models import Contract
from programs.models import EscalationRule, TicketType
from queues.availability import availability_intervals
from queues.counters import counters_repair
from queues.demo_help import seed_help_and_views
from queues.models import (
    AvailabilitySlot,
    NoShow,
    Presence,
    PresenceChange,
    QueueSettings,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from queues.services.common import refresh_next_due
from queues.services.routing import route_waiting

# (slug, name, tier, freelancers allowed, required skill slugs)
DEMO_TYPES = [
    ("order-status", "Order status", 1, True, []),
    ("returns", "Returns & exchanges", 1, True, ["shipping"]),
    ("billing-question", "Billing question", 1, True, ["billing"]),
    ("account-access", "Account access", 1, True, ["account-access"]),
    ("refund-dispute", "Refund dispute", 2, False, []),
    # tier 2, open to freelancers: tier-2 freelancers of the program take it (Marta, promoted in reviews/demo.py)
    ("warranty", "Warranty claim", 2, True, []),
]
ACME_TYPES = [
    ("delivery", "Delivery question", 1, True, []),
    ("invoice", "Invoice copy", 1, True, ["billing"]),
]
KEYWORDS = ["chargeback", "lawyer"]

# The rota: each freelancer's weekly shifts in their own time zone, as many hours as their contract (contracts/demo.py
# DEMO_TERMS) and no more. Together they cover Demo Support's window, 07:00–23:00 New York time every day (the
# candidate profile's "shifts between 07:00 and 23:00 ET"), once at quiet hours and twice at the midday and
# afternoon peaks; nights are uncovered, so a ticket written at 03:00 waits for the morning shift.
# In New York time (winter): weekdays Claire 07–11, James 11–15, Lucas 15–19, Ana 19–23, plus Marta 11–14
# (Mon–Wed) and Sofía 14–17:30 (Mon–Thu); weekends Marta 07–15 and Sofía 15–23.
# freelancer number → [(weekdays, start, end), …]; weekday 0 = Monday in the freelancer's own zone.
SHIFTS = {
    1: [((1, 2, 3, 4, 5), "08:00", "12:00")],  # Ana (Manila): Tue–Sat mornings = Mon–Fri evenings in New York
    2: [((5, 6), "13:00", "21:00"), ((0, 1, 2), "17:00", "20:00")],  # Marta (Warsaw)
    3: [((0, 1, 2, 3, 4), "17:00", "21:00")],  # Lucas (São Paulo)
    4: [((5, 6), "14:00", "22:00"), ((0, 1, 2, 3), "13:00", "16:30")],  # Sofía (Mexico City)
    5: [((0, 1, 2, 3, 4), "17:00", "21:00")],  # James (Lagos)
    6: [((0, 1, 2, 3, 4), "13:00", "17:00")],  # Claire (Paris)
}
# Acme Weekend Cover: Nora's 16-hour contract is Saturday and Sunday 09:00–17:00 Stockholm (08:00–16:00 in London).
ACME_SHIFTS = [((5, 6), "09:00", "17:00")]
# A ticket nobody on shift can take within this long goes to the in-house team instead of waiting.
MAX_WAIT = datetime.timedelta(hours=12)
# Share of Demo Support's tickets that are tier 2 (in-house only), on top of the worksheet's tier-1 volume.
INHOUSE_SHARE = 0.15


def shift_hours_by_weekday(shifts) -> list[float]:
    """Hours on shift per weekday (Monday first) of a SHIFTS entry: what a freelancer logs for a normal week."""
    hours = [0.0] * 7
    for weekdays, start, end in shifts:
        length = _minutes(end, end=True) - _minutes(start)
        for day in weekdays:
            hours[day] += length / 60
    return hours


def _minutes(clock: str, *, end: bool = False) -> int:
    hour, minute = clock.split(":")
    minutes = int(hour) * 60 + int(minute)
    return 24 * 60 if end and minutes == 0 else minutes  # an end of 00:00 is midnight at the end of the day


SUBJECTS = {
    "order-status": [
        "Where is my order?",
        "Order still not shipped",
        "Tracking number not working",
        "¿Dónde está mi pedido?",
        "Onde está minha encomenda?",
    ],
    "returns": ["How do I return these shoes?", "Exchange for a bigger size", "Return label missing"],
    "billing-question": [
        "Charged twice this month",
        "Invoice shows the wrong address",
        "Card declined at checkout",
    ],
    "account-access": ["Can't log in", "Password reset email never arrives", "Two-factor code lost"],
    "refund-dispute": ["I want my money back NOW", "Refund not received after 30 days"],
}
LANGS = ["en"] * 14 + ["es", "es", "es", "pt"]  # the languages the rota speaks and BODIES are written in
REASONS = ["too_complex", "billing", "angry_customer", "bug", "language", "other"]
NOTES = {
    "too_complex": "Customer has three linked accounts and a split shipment; needs an order merge I cannot do.",
    "billing": "Double charge confirmed in the payment log; refund needs finance approval.",
    "angry_customer": "Customer threatens to cancel; asked for a supervisor twice. Offered a discount code, declined.",
    "bug": "Checkout button does nothing on Safari 17; reproduced, screenshots attached in the helpdesk.",
    "language": "Customer writes in Italian; translation tools were not enough to be sure.",
    "other": "Request about a corporate bulk order; not in our macros.",
}
PENDING_QUESTION = (
    "could you send me the order number and a photo of the parcel label? "
    "I will take it from there as soon as I have them."
)
REPLY = "Hi {name},\n\nThanks for reaching out. I checked this for you: {what}\n\nBest regards,\n{agent}"


def _types(program, specs, skills):
    found = {}
    for position, (slug, name, tier, allowed, skill_slugs) in enumerate(specs):
        ticket_type, created = TicketType.objects.get_or_create(
            program=program,
            slug=slug,
            defaults={"name": name, "tier": tier, "freelancers_allowed": allowed, "position": position},
        )
        if created and skill_slugs:
            ticket_type.required_skills.set([skills[s] for s in skill_slugs if s in skills])
        found[slug] = ticket_type
    return found


def _ensure_queue_ready(program, freelancers, manager):
    """Contracts' own demo makes contracts; if it made none for these freelancers, make active ones so routing
    has people to route to."""
    for freelancer in freelancers:
        if Contract.objects.filter(program=program, freelancer=freelancer).exists():
            continue
        Contract.objects.create(
            program=program,
            freelancer=freelancer,
            status=Contract.Status.ACTIVE,
            start_date=datetime.date(2025, 1, 6),
            hourly_rate="18.00",
            currency=program.currency,
            hours_per_week="30",
            weekly_hour_cap="40",
            created_by=manager,
        )


def _slots(freelancer, shifts):
    if AvailabilitySlot.objects.filter(freelancer=freelancer, program__isnull=True).exists():
        return
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(
            freelancer=freelancer,
            weekday=day,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
        )
        for weekdays, start, end in shifts
        for day in weekdays
    )


class _Rota:
    """Who of the rota is on shift at a moment, in their own time zone, and fits a ticket (language, skills)."""

    def __init__(self, freelancers, shifts_by_pk):
        self.people = []
        for freelancer in freelancers:
            minutes = {day: [] for day in range(7)}
            for weekdays, start, end in shifts_by_pk.get(freelancer.pk, []):
                for day in weekdays:
                    minutes[day].append((_minutes(start), _minutes(end, end=True)))
            self.people.append(
                (
                    freelancer,
                    freelancer.zone,
                    minutes,
                    {lang.code for lang in freelancer.languages.all()},
                    {skill.pk for skill in freelancer.skills.all()},
                )
            )

    def speakers(self):
        return set().union(*(codes for _f, _z, _m, codes, _s in self.people)) if self.people else set()

    def on_shift(self, moment, *, language, skill_ids):
        found = []
        for freelancer, zone, minutes, codes, skills in self.people:
            if language not in codes or not skill_ids <= skills:
                continue
            local = moment.astimezone(zone)
            minute = local.hour * 60 + local.minute
            if any(start <= minute < end for start, end in minutes[local.weekday()]):
                found.append(freelancer)
        return found

    def first_on_shift(self, moment, *, language, skill_ids):
        """The first moment (in 15-minute steps, up to MAX_WAIT) somebody who fits is on shift, and who."""
        step, waited = datetime.timedelta(minutes=15), datetime.timedelta(0)
        while waited <= MAX_WAIT:
            found = self.on_shift(moment + waited, language=language, skill_ids=skill_ids)
            if found:
                return moment + waited, found
            waited += step
        return None, []


def _arrival(rng, *, zone, now, days, window, weekdays, night_share):
    """A believable arrival time: most in the program's working window (local time), a few at night."""
    while True:
        day = (now.astimezone(zone) - datetime.timedelta(days=rng.randint(0, days - 1))).date()
        if day.weekday() not in weekdays:
            continue
        first, last = window
        if rng.random() < night_share:
            minute = rng.randrange(0, first * 60) if rng.random() < 0.8 else rng.randrange(last * 60, 24 * 60)
        else:
            minute = rng.randrange(first * 60, last * 60)
        local = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), tzinfo=zone)
        if local < now - datetime.timedelta(minutes=5):
            return local.astimezone(datetime.UTC)


BODIES = {
    "en": "Hello,\n\n{subject}. My order number is #{order}.\nCould you help, please?\n\nThanks,\n{first}",
    "es": "Hola:\n\n{subject}. Mi número de pedido es el #{order}.\n¿Me pueden ayudar?\n\nGracias,\n{first}",
    "pt": "Olá,\n\n{subject}. O número da minha encomenda é #{order}.\nPodem ajudar-me?\n\nObrigado,\n{first}",
}
SUBJECTS_BY_LANGUAGE = {
    "es": ["¿Dónde está mi pedido?", "Quiero devolver unas zapatillas", "Me cobraron dos veces"],
    "pt": ["Onde está minha encomenda?", "Não consigo entrar na minha conta"],
}


def _make_tickets(
    *,
    program,
    prefix,
    count,
    types,
    rota,
    inhouse_users,
    rng,
    now,
    days=28,
    window=(7, 23),
    weekdays=range(7),
    night_share=0.0,
    inhouse_share=0.0,
):
    """`count` tier-1 tickets (the worksheet's volume over `days`) plus `inhouse_share` more that stay in-house.

    Each is routed as routing would: to a freelancer who fits and is on shift when it arrives, or when the next
    such shift starts; nobody within MAX_WAIT, it goes to the in-house team.
    """
    if Ticket.objects.filter(program=program, external_id__startswith=prefix).exists():
        return
    spoken = rota.speakers()
    tier1 = [t for t in types.values() if t.tier == 1 and t.freelancers_allowed]
    others = [t for t in types.values() if not t.freelancers_allowed]  # what stays in-house whatever its tier
    skills_of = {t.pk: {s.pk for s in t.required_skills.all()} for t in types.values()}
    extra = round(count * inhouse_share) if others else 0
    tickets, plans = [], []
    for n in range(count + extra):
        ticket_type = rng.choice(tier1) if n < count else rng.choice(others)
        created = _arrival(
            rng,
            zone=program.zone,
            now=now,
            days=days,
            window=window,
            weekdays=weekdays,
            night_share=night_share,
        )
        age = now - created
        language = rng.choice(LANGS)
        if language not in spoken:
            language = "en"
        name = rng.choice(
            [
                "Jordan Smith",
                "Lee Wong",
                "María García",
                "Ola Nowak",
                "Chris Martin",
                "Sam Taylor",
                "João Silva",
                "Priya Shah",
                "Tom Baker",
                "Ana Lima",
            ]
        )
        subjects = (
            SUBJECTS_BY_LANGUAGE.get(language)
            or SUBJECTS.get(ticket_type.slug)
            or ["Question about my delivery", "Need an invoice copy"]
        )
        subject = rng.choice(subjects)
        body = BODIES.get(language, BODIES["en"]).format(
            subject=subject.rstrip("?!."), order=rng.randint(10000, 99999), first=name.split()[0]
        )
        if rng.random() < 0.2:
            body += "\n\nSent from my phone"
        ticket = Ticket(
            program=program,
            external_id=f"{prefix}{n + 1:04d}",
            source=Ticket.Source.API,
            subject=subject,
            body=body,
            requester_email=f"customer{n + 1}@example.com",
            requester_name=name,
            channel=rng.choice(["email", "email", "chat"]),
            ticket_type=ticket_type,
            language=language,
            priority=rng.choice(["normal"] * 6 + ["low", "high", "urgent"]),
            tier=ticket_type.tier,
            created_at=created,
            sla_due_at=created + datetime.timedelta(hours=1),
            resolution_due_at=created + datetime.timedelta(hours=24),
            routed_at=created,
        )
        freelancer, assigned_at = None, None
        if ticket_type in tier1:
            assigned_at, found = rota.first_on_shift(
                created, language=language, skill_ids=skills_of[ticket_type.pk]
            )
            freelancer = rng.choice(found) if found else None
        recent = age < datetime.timedelta(hours=3)
        roll = rng.random()
        # Older work is done; the last two days leave a believable in-house backlog.
        fresh = age < datetime.timedelta(days=2)
        if ticket_type not in tier1 or freelancer is None:
            plan = "inhouse_open" if recent or (fresh and roll < 0.4) else "inhouse_solved"
        elif assigned_at > now - datetime.timedelta(minutes=2):
            plan, freelancer = "waiting", None  # arrived while nobody who fits is on shift; still waiting
        elif now - assigned_at < datetime.timedelta(hours=3):
            plan = "open"  # someone who fits was on shift with room: routing gave it to them
        else:
            plan = (
                "escalated"
                if roll < 0.08
                else (
                    "escalated_open"
                    if roll < 0.1 and fresh
                    else "pending"
                    if roll < 0.16 and fresh
                    else "solved"
                )
            )
        if freelancer is not None:
            ticket.routed_at = assigned_at
        tickets.append(ticket)
        plans.append((plan, freelancer, rng.choice(inhouse_users)))
    open_load: dict[int, int] = {}
    for ticket, (plan, freelancer, inhouse) in zip(tickets, plans, strict=True):
        created = ticket.created_at
        start = ticket.routed_at if freelancer is not None else created  # a freelancer starts when assigned
        response_minutes = rng.choice([4, 8, 12, 15, 20, 25, 30, 35, 40, 45, 50, 55, 75])
        if plan == "pending":  # asked the customer a question early on
            response_minutes = min(response_minutes, 45)
        if plan == "open" and freelancer is not None:
            if open_load.get(freelancer.pk, 0) >= freelancer.max_open_tickets:
                plan = "waiting"  # full: waits for the first ticket they solve
            else:
                open_load[freelancer.pk] = open_load.get(freelancer.pk, 0) + 1
        if plan in ("solved", "escalated", "escalated_open", "open", "pending"):
            ticket.queue = Ticket.Queue.FREELANCER
            ticket.assignee = freelancer
            ticket.last_assigned_at = start + datetime.timedelta(seconds=2)
        if plan == "open":
            ticket.status = Ticket.Status.OPEN
        if plan == "waiting":
            ticket.queue, ticket.status = Ticket.Queue.FREELANCER, Ticket.Status.NEW
        if plan in ("solved", "escalated", "escalated_open", "inhouse_solved", "pending"):
            responder = freelancer.user if plan != "inhouse_solved" else inhouse
            ticket.first_response_at = start + datetime.timedelta(minutes=response_minutes)
            ticket.first_responder = responder
            ticket.first_response_seconds = int((ticket.first_response_at - created).total_seconds())
            ticket.first_response_met = ticket.first_response_at <= ticket.sla_due_at
        if plan in ("escalated", "escalated_open"):
            reason = rng.choice(REASONS)
            ticket.queue = Ticket.Queue.INHOUSE
            ticket.assignee = None
            ticket.escalated_by = freelancer
            ticket.escalated_at = ticket.first_response_at + datetime.timedelta(minutes=10)
            ticket.escalation_reason = reason
            ticket.escalation_note = NOTES[reason]
            ticket.inhouse_due_at = ticket.escalated_at + datetime.timedelta(hours=4)
            ticket.inhouse_assignee = inhouse if plan == "escalated" else None
        if plan in ("inhouse_open", "inhouse_solved"):
            ticket.queue = Ticket.Queue.INHOUSE
            ticket.inhouse_due_at = created + datetime.timedelta(hours=4)
            ticket.inhouse_assignee = inhouse if plan == "inhouse_solved" else None
        if plan in ("solved", "escalated", "inhouse_solved"):
            solved = start + datetime.timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 30]))
            # never in the future, never before the first reply
            solved = min(solved, now - datetime.timedelta(minutes=rng.randint(1, 30)))
            solved = max(
                solved, (ticket.escalated_at or ticket.first_response_at) + datetime.timedelta(minutes=5)
            )
            ticket.status = (
                Ticket.Status.SOLVED if solved > now - datetime.timedelta(days=4) else Ticket.Status.CLOSED
            )
            ticket.solved_at = solved
            ticket.solved_by = freelancer.user if plan == "solved" else inhouse
            ticket.resolution_seconds = int((solved - created).total_seconds())
            ticket.resolution_met = solved <= ticket.resolution_due_at
            ticket.inhouse_due_at = None
        if plan in ("escalated_open", "inhouse_open"):
            ticket.status = Ticket.Status.OPEN
        if plan == "pending":  # the reply asked the customer something: the resolution clock is stopped
            ticket.first_response_at = min(ticket.first_response_at, now - datetime.timedelta(minutes=2))
            ticket.status, ticket.sla_paused_at = Ticket.Status.PENDING, ticket.first_response_at
        refresh_next_due(ticket)
        if ticket.next_due_at is not None and ticket.next_due_at <= now:
            ticket.sla_breached_at = ticket.next_due_at
            if ticket.first_response_at is None:
                ticket.first_response_met = False
    Ticket.objects.bulk_create(tickets, batch_size=500)
    messages, events = [], []
    for ticket, (plan, _freelancer, _inhouse) in zip(tickets, plans, strict=True):
        kind = TicketEvent.Kind
        if ticket.queue == Ticket.Queue.INHOUSE and not ticket.escalated_at:
            why = (
                f"tier {ticket.tier} ticket"
                if ticket.tier > 1 or not ticket.ticket_type.freelancers_allowed
                else "no freelancer who fits was on shift within 12 hours"
            )
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=kind.ROUTED,
                    created_at=ticket.created_at,
                    message=f"To the in-house queue: {why}.",
                )
            )
        elif ticket.assignee_id or ticket.escalated_by_id:
            who = ticket.assignee or ticket.escalated_by
            if ticket.routed_at > ticket.created_at:
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        kind=kind.WAITING,
                        created_at=ticket.created_at,
                        message="Waiting in the program queue: nobody who fits is on shift.",
                    )
                )
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=kind.ROUTED,
                    created_at=ticket.routed_at,
                    message=f"Assigned to {who}: least loaded, on shift, speaks {ticket.language}.",
                    data={"freelancer_id": who.pk},
                )
            )
        elif plan == "waiting":
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=kind.WAITING,
                    created_at=ticket.created_at,
                    message="Waiting in the program queue: nobody who fits is on shift with room.",
                )
            )
        if ticket.first_response_at:
            author = ticket.first_responder
            messages.append(
                TicketMessage(
                    ticket=ticket,
                    kind=TicketMessage.Kind.REPLY,
                    author=author,
                    created_at=ticket.first_response_at,
                    body=REPLY.format(
                        name=ticket.requester_name.split()[0],
                        what=PENDING_QUESTION if plan == "pending" else "your request is being handled.",
                        agent=author.display_name or author.email,
                    ),
                )
            )
            events.append(
                TicketEvent(
                    ticket=ticket, kind=kind.REPLIED, actor=author, created_at=ticket.first_response_at
                )
            )
            if plan == "pending":
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        kind=kind.STATUS,
                        actor=author,
                        data={"status": "pending"},
                        created_at=ticket.first_response_at,
                        message="Pending: waiting on the customer.",
                    )
                )
        if ticket.sla_breached_at:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=kind.SLA_BREACHED,
                    created_at=ticket.sla_breached_at,
                    message="SLA breached.",
                )
            )
        if ticket.escalated_at:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=kind.ESCALATED,
                    actor=ticket.escalated_by.user,
                    created_at=ticket.escalated_at,
                    message=f"Escalated to the in-house team: {ticket.escalation_reason.replace('_', ' ')}.",
                    data={"reason": ticket.escalation_reason, "note": ticket.escalation_note},
                )
            )
            messages.append(
                TicketMessage(
                    ticket=ticket,
                    kind=TicketMessage.Kind.NOTE,
                    author=ticket.escalated_by.user,
                    created_at=ticket.escalated_at,
                    body=ticket.escalation_note,
                )
            )
        if ticket.solved_at:
            events.append(
                TicketEvent(
                    ticket=ticket, kind=kind.SOLVED, actor=ticket.solved_by, created_at=ticket.solved_at
                )
            )
    TicketMessage.objects.bulk_create(messages, batch_size=1000)
    TicketEvent.objects.bulk_create(events, batch_size=1000)


WARRANTY = [
    ("My blender stopped working after 3 months", "Jordan Smith"),
    ("Warranty replacement for a cracked screen", "Priya Shah"),
    ("Headphones: left side dead, still under warranty", "Tom Baker"),
]


def _warranty_claims(program, ticket_type, *, now):
    """Three fresh tier-2 tickets of a type open to freelancers: nobody of tier 2 yet, so they wait (Marta's
    promotion in reviews/demo.py routes them to her when she is online inside her shift)."""
    if Ticket.objects.filter(program=program, external_id__startswith="WARRANTY-").exists():
        return
    for n, (subject, name) in enumerate(WARRANTY, start=1):
        created = now - datetime.timedelta(minutes=12 * n)
        ticket = Ticket(
            program=program,
            external_id=f"WARRANTY-{n}",
            source=Ticket.Source.API,
            subject=subject,
            body=f"Hello,\n\n{subject}. I have the receipt.\n\nThanks,\n{name.split()[0]}",
            requester_email=f"warranty{n}@example.com",
            requester_name=name,
            channel="email",
            ticket_type=ticket_type,
            tier=2,
            created_at=created,
            routed_at=created,
            sla_due_at=created + datetime.timedelta(hours=1),
            resolution_due_at=created + datetime.timedelta(hours=24),
        )
        refresh_next_due(ticket)
        ticket.save()
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.WAITING,
            created_at=created,
            message="Waiting in the program queue: no eligible freelancer (below tier 2).",
        )


def _presence(freelancers, *, now, late):
    """Who is really at work: the last week's presence log (online a few minutes into each shift, offline at
    its end; `late` came 25 minutes late yesterday, a no-show the managers were told about), and now online
    whoever is inside a shift."""
    if PresenceChange.objects.filter(user__in=[f.user for f in freelancers]).exists():
        return
    rng = random.Random(19)
    changes = []
    for freelancer in freelancers:
        slots = list(freelancer.availability_slots.all())
        for start, end in availability_intervals(
            zone=freelancer.zone, slots=slots, changes=[], start=now - datetime.timedelta(days=7), end=now
        ):
            delay = datetime.timedelta(minutes=rng.choice([0, 1, 2, 3, 5, 8]))
            if freelancer == late and now - datetime.timedelta(days=2) < start < now - datetime.timedelta(
                hours=20
            ):
                delay = datetime.timedelta(minutes=25)
                NoShow.objects.get_or_create(
                    freelancer=freelancer,
                    program_id=_program_of(freelancer),
                    shift_start=start,
                    defaults={
                        "noticed_at": start + datetime.timedelta(minutes=15),
                        "arrived_at": start + delay,
                    },
                )
            online_at = min(start + delay, end)
            changes.append(
                PresenceChange(user=freelancer.user, status="online", before="offline", at=online_at)
            )
            if end < now:
                changes.append(
                    PresenceChange(
                        user=freelancer.user,
                        status="offline",
                        before="online",
                        at=end,
                        reason=PresenceChange.Reason.SHIFT_END,
                    )
                )
        on_now = any(
            s <= now < e
            for s, e in availability_intervals(
                zone=freelancer.zone,
                slots=slots,
                changes=[],
                start=now - datetime.timedelta(hours=1),
                end=now + datetime.timedelta(minutes=1),
            )
        )
        Presence.objects.update_or_create(
            user=freelancer.user,
            defaults={
                "status": Presence.Status.ONLINE if on_now else Presence.Status.OFFLINE,
                "since": now - datetime.timedelta(minutes=20),
                "last_seen_at": now,
            },
        )
    PresenceChange.objects.bulk_create(changes, batch_size=1000)


def _program_of(freelancer):
    return (
        Contract.objects.filter(freelancer=freelancer)
        .order_by("pk")
        .values_list("program_id", flat=True)
        .first()
    )


# Saved replies of Demo Support (issue #19): (title, body, status after, tags, times used).
DEMO_SAVED_REPLIES = [
    (
        "Order status: on its way",
        "Hi {{customer_first_name}},\n\nThanks for your patience. I checked your order and it is on its way: the "
        "tracking link in your shipping e-mail shows where it is right now. Parcels usually arrive within 3–5 "
        "working days of shipping.\n\nIf it has not arrived by then, just reply here and I will chase the carrier "
        "for you.\n\nBest regards,\n{{freelancer_first_name}}",
        "pending",
        ["order-status", "shipping"],
        41,
    ),
    (
        "Refund policy",
        "Hi {{customer_first_name}},\n\nYou can return anything within 30 days of delivery for a full refund, "
        "as long as it is unused and in its original packaging. Once the return reaches our warehouse, the refund "
        "goes back to your original payment method within 5–7 working days.\n\nYour reference for this request "
        "is {{ticket_reference}}.\n\nBest regards,\n{{freelancer_first_name}}",
        "",
        ["returns", "refunds"],
        27,
    ),
    (
        "Password reset",
        'Hi {{customer_first_name}},\n\nTo reset your password, open the sign-in page, choose "Forgot your '
        'password?" and enter the e-mail address of your account. The link in the e-mail works for one hour; if it '
        "does not arrive within a few minutes, please check your spam folder.\n\nLet me know if you are still "
        "locked out.\n\nBest regards,\n{{freelancer_first_name}}",
        "pending",
        ["account-access", "password"],
        19,
    ),
    (
        "We're checking on this",
        "Hi {{customer_first_name}},\n\nThanks for the details. We're checking on this with our team; we'll get "
        "back to you by the time below at the latest, sooner if we can. There is nothing you need to do in the "
        "meantime.\n\nBest regards,\n{{freelancer_first_name}}",
        "",
        ["follow-up", "eta"],
        12,
    ),
    (
        "Double charge: refund on its way",
        "Hi {{customer_first_name}},\n\nI'm sorry about the double charge. I can see both payments; the second "
        "one has been refunded and should show on your statement within 5 working days.\n\nBest regards,\n"
        "{{freelancer_first_name}}",
        "solved",
        ["billing"],
        8,
    ),
    (
        "Closing: anything else?",
        "Hi {{customer_first_name}},\n\nI'm glad we could sort out \"{{ticket_subject}}\". I'll close this "
        "request now; if anything else comes up, just reply to this e-mail and it reopens.\n\nHave a great day,\n"
        "{{freelancer_first_name}} from {{program_name}}",
        "solved",
        ["closing"],
        33,
    ),
    (
        "Exchange for another size",
        "Hi {{customer_first_name}},\n\nHappy to swap it for you. Please reply with the size you would like and "
        "I'll send a prepaid return label; the new pair ships as soon as the first one is scanned by the carrier."
        "\n\nBest regards,\n{{freelancer_first_name}}",
        "pending",
        ["returns", "exchange"],
        6,
    ),
]
DEMO_SUGGESTION = (
    "Tracking number not working yet",
    'Hi {{customer_first_name}},\n\nA new tracking number often shows "not found" for the first 24 hours, '
    "until the carrier scans the parcel for the first time. Please try again tomorrow; if it still does not work, "
    "reply here and I'll look into it.\n\nBest regards,\n{{freelancer_first_name}}",
    ["order-status", "tracking"],
)


def _saved_replies(*, program, manager, suggester, now) -> None:
    """Demo Support's saved replies, some usage, and one freelancer suggestion waiting for approval. Once."""
    from queues.models import SavedReply

    if SavedReply.objects.filter(program=program).exists():
        return
    for position, (title, body, status_after, tags, used) in enumerate(DEMO_SAVED_REPLIES):
        SavedReply.objects.create(
            program=program,
            title=title,
            body=body,
            status_after=status_after,
            tags=tags,
            approved=True,
            usage_count=used,
            last_used_at=now - datetime.timedelta(hours=3 + 7 * position),
            created_by=manager,
        )
    title, body, tags = DEMO_SUGGESTION
    SavedReply.objects.create(
        program=program,
        title=title,
        body=body,
        tags=tags,
        approved=False,
        created_by=suggester.user,
        suggested_by=suggester.user,
    )


def _etas(*, program, now) -> None:
    """ETAs promised with the first reply on a few of Demo Support's tickets: met (solved before it), missed
    (solved after it) and two still ahead on tickets pending on the customer. Once."""
    from queues.eta import eta_customer_line

    tickets = Ticket.objects.filter(program=program, external_id__startswith="DEMO-")
    if tickets.filter(eta_at__isnull=False).exists():
        return
    solved = list(
        tickets.filter(
            status=Ticket.Status.SOLVED, first_response_at__isnull=False, assignee__isnull=False
        ).order_by("external_id")
    )
    promised: list[tuple[Ticket, datetime.datetime]] = []
    for n, ticket in enumerate(solved[:10]):
        replied, done = ticket.first_response_at, ticket.solved_at
        if replied is None or done is None:
            continue
        took = done - replied
        eta: datetime.datetime
        if n % 3 == 2 and took > datetime.timedelta(hours=1):  # missed: the promise was half the time it took
            eta = replied + took / 2
        else:  # met, with an hour or two to spare
            eta = done + datetime.timedelta(hours=1 + n % 2)
        promised.append((ticket, eta.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)))
    for n, ticket in enumerate(
        tickets.filter(status=Ticket.Status.PENDING, first_response_at__isnull=False).order_by("external_id")[
            :2
        ]
    ):
        promised.append((ticket, (now + datetime.timedelta(days=1 + n, hours=2)).replace(minute=0)))
    events = []
    for ticket, eta in promised:
        ticket.eta_at, ticket.eta_set_at = eta, ticket.first_response_at
        line = eta_customer_line(eta, program.zone)
        reply = (
            TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.REPLY)
            .order_by("created_at")
            .first()
        )
        if reply is not None:
            reply.body = f"{reply.body}\n\n{line}"
            reply.save(update_fields=["body"])
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=TicketEvent.Kind.ETA,
                actor=ticket.first_responder,
                created_at=ticket.first_response_at or now,
                message=line,
                data={"eta_at": eta.isoformat()},
            )
        )
    Ticket.objects.bulk_update([ticket for ticket, _eta in promised], ["eta_at", "eta_set_at"])
    TicketEvent.objects.bulk_create(events)


# A parcel that went astray twice: a long back-and-forth on a ticket of the first rota freelancer (Ana), so
# the ticket pages show what they do with a long thread (the first message, the newest ten, "Show N earlier").
LONG_THREAD = [
    ("customer", "The tracking page says delivered, but nothing is here. My neighbours have nothing either."),
    ("reply", "I am sorry about that. I have opened a trace with the carrier; they answer within a day."),
    ("customer", "The carrier now says it was left at a pick-up point, but they have no parcel for me."),
    ("reply", "Thanks for checking. I asked the carrier for the driver's GPS scan of the drop-off."),
    ("customer", "Any news? I need the charger for a trip on Friday."),
    (
        "reply",
        "The scan puts the drop-off two streets away. I have sent a replacement by express, at no cost.",
    ),
    ("customer", "The replacement shows the same 'delivered' status and again nothing arrived."),
    (
        "reply",
        "That should not happen twice. I have asked the warehouse to hold a third one until we know why.",
    ),
    ("customer", "Could it go to my office instead? 1 Canal Street, reception desk, open 8 to 6."),
    ("reply", "Yes. The office address is on the order now and the third parcel will need a signature."),
    ("customer", "Thank you. Will I get a new tracking number?"),
    ("reply", "You will, by e-mail as soon as the warehouse scans it, usually within two hours."),
    ("customer", "Still no tracking e-mail, and the trip is the day after tomorrow. What can you do?"),
    (
        "reply",
        "The warehouse scanned it a minute ago and the tracking e-mail is on its way. Could you confirm that "
        "reception will sign for it tomorrow morning?",
    ),
]


def _long_thread(*, program, freelancer, shifts, now) -> None:
    """LONG_THREAD on the freelancer's oldest ticket pending on the customer, after its first reply: the customer
    writes within the hour, the freelancer answers inside their shift (`shifts`, as in SHIFTS); as much of it as
    fits before now, ending with the freelancer's reply (it still waits on the customer). Once."""
    if TicketMessage.objects.filter(ticket__program=program, body__startswith=LONG_THREAD[0][1]).exists():
        return
    ticket = (
        Ticket.objects.filter(
            program=program,
            assignee=freelancer,
            status=Ticket.Status.PENDING,
            first_response_at__isnull=False,
        )
        .order_by("created_at", "pk")
        .first()
    )
    if ticket is None or ticket.first_response_at is None:
        return
    rota = _Rota([freelancer], {freelancer.pk: shifts})
    step = datetime.timedelta(minutes=15)

    def next_on_shift(moment):
        for _ in range(4 * 24 * 4):  # four days of 15-minute steps
            if rota.on_shift(moment, language=ticket.language, skill_ids=set()):
                return moment
            moment += step
        return None

    placed, at = [], ticket.first_response_at
    for kind, body in LONG_THREAD:
        if kind == "customer":
            at = at + datetime.timedelta(minutes=50)
        else:
            at = next_on_shift(at + datetime.timedelta(minutes=20))
        if at is None or at >= now:
            break
        placed.append((kind, body, at))
    while placed and placed[-1][0] == "customer":
        placed.pop()
    author, first_name = freelancer.user, ticket.requester_name.split()[0]
    messages, events = [], []
    for kind, body, at in placed:
        if kind == "customer":
            messages.append(
                TicketMessage(
                    ticket=ticket,
                    kind=TicketMessage.Kind.CUSTOMER,
                    body=f"{body}\n\n{first_name}",
                    created_at=at,
                )
            )
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=TicketEvent.Kind.CUSTOMER_REPLIED,
                    created_at=at,
                    message="The customer wrote again.",
                )
            )
        else:
            text = f"Hi {first_name},\n\n{body}\n\nBest regards,\n{author.display_name}"
            messages.append(
                TicketMessage(
                    ticket=ticket, kind=TicketMessage.Kind.REPLY, author=author, body=text, created_at=at
                )
            )
            events.append(
                TicketEvent(ticket=ticket, kind=TicketEvent.Kind.REPLIED, actor=author, created_at=at)
            )
    TicketMessage.objects.bulk_create(messages)
    TicketEvent.objects.bulk_create(events)


def seed(context):
    demo, acme = context["program"], context["acme"]
    skills = context["skills"]
    now = timezone.now().replace(second=0, microsecond=0)
    QueueSettings.objects.get_or_create(
        program=demo,
        defaults={
            "first_response_minutes": 60,
            "resolution_minutes": 24 * 60,
            "inhouse_response_minutes": 4 * 60,
            "business_hours_only": False,
            "warning_minutes": 15,
            # freelancers may go online outside their shift (the rota leaves nights open)
            "allow_extra_time": True,
        },
    )
    QueueSettings.objects.get_or_create(
        program=acme,
        defaults={
            "first_response_minutes": 60,
            "resolution_minutes": 8 * 60,
            "business_hours_only": True,
            "business_hours": [[], [], [], [], [], [["08:00", "20:00"]], [["08:00", "20:00"]]],
            "warning_minutes": 15,
        },
    )
    demo_types = _types(demo, DEMO_TYPES, skills)
    acme_types = _types(acme, ACME_TYPES, skills)
    for keyword in KEYWORDS:
        EscalationRule.objects.get_or_create(
            program=demo, keyword=keyword, defaults={"note": "Always in-house."}
        )
    EscalationRule.objects.get_or_create(
        program=demo,
        ticket_type=demo_types["refund-dispute"],
        keyword="",
        defaults={"note": "Refund disputes stay in-house."},
    )

    freelancers = context["freelancers"]
    on_rota = freelancers[:6]
    nora = context["acme_freelancer"]
    _ensure_queue_ready(demo, on_rota, context["manager"])
    _ensure_queue_ready(acme, [nora], context["manager2"])
    for number, shifts in SHIFTS.items():
        _slots(freelancers[number - 1], shifts)
    _slots(nora, ACME_SHIFTS)

    rng = random.Random(6)  # the same demo every time
    people = Freelancer.objects.prefetch_related("languages", "skills")
    demo_rota = _Rota(
        list(people.filter(pk__in=[f.pk for f in on_rota])),
        {f.pk: SHIFTS[n] for n, f in enumerate(on_rota, start=1)},
    )
    first_seeding = not Ticket.objects.filter(program=demo).exists()
    # As many tier-1 tickets a week as the worksheet plans (programs/demo.py), so plan and queue agree.
    days = 30
    _make_tickets(
        program=demo,
        prefix="DEMO-",
        count=demo.schedule.tickets_per_week * days // 7,
        types=demo_types,
        rota=demo_rota,
        inhouse_users=[context["manager"], context["agent"]],
        rng=rng,
        now=now,
        days=days,
        window=(7, 23),
        night_share=0.04,
        inhouse_share=INHOUSE_SHARE,
    )
    # Acme's tickets come only at the weekend, in its business hours (the in-house team has the week).
    acme_rota = _Rota(list(people.filter(pk=nora.pk)), {nora.pk: ACME_SHIFTS})
    acme_days = 21
    _make_tickets(
        program=acme,
        prefix="ACME-",
        count=acme.schedule.tickets_per_week * acme_days // 7,
        types=acme_types,
        rota=acme_rota,
        inhouse_users=[context["manager2"]],
        rng=rng,
        now=now,
        days=acme_days,
        window=(8, 20),
        weekdays=(5, 6),
    )
    _presence(on_rota + [nora], now=now, late=on_rota[4])
    _warranty_claims(demo, demo_types["warranty"], now=now)
    # The tickets left waiting go through real routing now: whoever is online inside their shift with room takes
    # them, and the rest wait with routing's own reason (nobody who fits is on shift, everyone full).
    for program in (demo, acme):
        route_waiting(program_id=program.pk, now=now, explain=first_seeding)
    _saved_replies(program=demo, manager=context["manager"], suggester=freelancers[1], now=now)
    _etas(program=demo, now=now)
    _long_thread(program=demo, freelancer=freelancers[0], shifts=SHIFTS[1], now=now)
    seed_help_and_views(program=demo, agent=context["agent"], now=now)  # queues/demo_help.py
    # the tickets above were written in bulk beside the services: count them for the headline numbers
    counters_repair(program_ids=[demo.pk, acme.pk])
    Token.objects.get_or_create(user=context["manager"])
    context["ticket_types"] = demo_types
    context["logins"].append(
        ("(API)", "manage.py issue_api_token manager@demo.test → token for /api/v1/tickets/")
    )
