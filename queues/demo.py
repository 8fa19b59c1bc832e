"""Demo queues: SLA settings, shifts (several freelancers on shift at any hour), ticket types and a few hundred
tickets over the last four weeks. Idempotent: settings and slots are looked up, tickets are made once.

New API tickets route at once: `manage.py issue_api_token manager@demo.test`, then POST /api/v1/tickets/.
"""

import datetime
import random

from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Freelancer
from contracts.models import Contract
from programs.models import EscalationRule, TicketType
from queues.models import AvailabilitySlot, QueueSettings, Ticket, TicketEvent, TicketMessage
from queues.services.common import refresh_next_due

# (slug, name, tier, freelancers allowed, required skill slugs)
DEMO_TYPES = [
    ("order-status", "Order status", 1, True, []),
    ("returns", "Returns & exchanges", 1, True, ["shipping"]),
    ("billing-question", "Billing question", 1, True, ["billing"]),
    ("account-access", "Account access", 1, True, ["account-access"]),
    ("refund-dispute", "Refund dispute", 2, False, []),
]
ACME_TYPES = [("delivery", "Delivery question", 1, True, []), ("invoice", "Invoice copy", 1, True, ["billing"])]
KEYWORDS = ["chargeback", "lawyer"]

# freelancer number → weekly hours in their own time zone: (weekdays, start, end); end 00:00 = midnight
# Eight-hour days in each freelancer's own time zone, staggered so that somebody is on shift at every hour
# (UTC coverage: Ana 00–08, Marta 06–14, James 08–16, Claire 11–19, Lucas 17–01, Sofía 21–05; one or two
# people at most hours, three at the hand-overs). Thin hours show on the coverage grid.
SHIFTS = {
    1: (range(7), "08:00", "16:00"),  # Ana (Manila)
    2: (range(7), "07:00", "15:00"),  # Marta (Warsaw)
    3: (range(7), "14:00", "22:00"),  # Lucas (São Paulo)
    4: (range(7), "15:00", "23:00"),  # Sofía (Mexico City)
    5: (range(7), "09:00", "17:00"),  # James (Lagos)
    6: (range(7), "12:00", "20:00"),  # Claire (Paris)
}

SUBJECTS = {
    "order-status": ["Where is my order?", "Order still not shipped", "Tracking number not working",
                     "¿Dónde está mi pedido?", "Onde está minha encomenda?"],
    "returns": ["How do I return these shoes?", "Exchange for a bigger size", "Return label missing"],
    "billing-question": ["Charged twice this month", "Invoice shows the wrong address", "Card declined at checkout"],
    "account-access": ["Can't log in", "Password reset email never arrives", "Two-factor code lost"],
    "refund-dispute": ["I want my money back NOW", "Refund not received after 30 days"],
}
LANGS = ["en"] * 12 + ["es", "es", "pt", "pl", "de", "fr"]
REASONS = ["too_complex", "billing", "angry_customer", "bug", "language", "other"]
NOTES = {
    "too_complex": "Customer has three linked accounts and a split shipment; needs an order merge I cannot do.",
    "billing": "Double charge confirmed in the payment log; refund needs finance approval.",
    "angry_customer": "Customer threatens to cancel; asked for a supervisor twice. Offered a discount code, declined.",
    "bug": "Checkout button does nothing on Safari 17; reproduced, screenshots attached in the helpdesk.",
    "language": "Customer writes in Italian; translation tools were not enough to be sure.",
    "other": "Request about a corporate bulk order; not in our macros.",
}
PENDING_QUESTION = ("could you send me the order number and a photo of the parcel label? "
                    "I will take it from there as soon as I have them.")
REPLY = "Hi {name},\n\nThanks for reaching out. I checked this for you: {what}\n\nBest regards,\n{agent}"


def _types(program, specs, skills):
    found = {}
    for position, (slug, name, tier, allowed, skill_slugs) in enumerate(specs):
        ticket_type, created = TicketType.objects.get_or_create(
            program=program, slug=slug,
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
            program=program, freelancer=freelancer, status=Contract.Status.ACTIVE, start_date=datetime.date(2025, 1, 6),
            hourly_rate="18.00", currency=program.currency, hours_per_week="30", weekly_hour_cap="40",
            created_by=manager,
        )


def _slots(freelancer, weekdays, start, end):
    if AvailabilitySlot.objects.filter(freelancer=freelancer, program__isnull=True).exists():
        return
    start_time = datetime.time.fromisoformat(start)
    end_time = datetime.time.fromisoformat(end)
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(freelancer=freelancer, weekday=day, start_time=start_time, end_time=end_time) for day in weekdays
    )


def _speakers(freelancers):
    return {f.pk: {lang.code for lang in f.languages.all()} for f in freelancers}


def _make_tickets(*, program, prefix, count, types, freelancers, inhouse_users, rng, now, days=28):
    if Ticket.objects.filter(program=program, external_id__startswith=prefix).exists():
        return
    speakers = _speakers(freelancers)
    tickets, plans = [], []
    for n in range(count):
        ticket_type = rng.choice(list(types.values()))
        age = datetime.timedelta(minutes=rng.randint(5, days * 24 * 60))
        created = now - age
        language = rng.choice(LANGS)
        if ticket_type.tier == 1 and not any(language in codes for codes in speakers.values()):
            language = "en"
        subject = rng.choice(SUBJECTS.get(ticket_type.slug, ["Question about my delivery", "Need an invoice copy"]))
        name = rng.choice(["Jordan Smith", "Lee Wong", "María García", "Ola Nowak", "Chris Martin", "Sam Taylor"])
        body = (f"Hello,\n\n{subject}. My order number is #{rng.randint(10000, 99999)}.\n"
                "Please help.\n\n<b>Sent from my phone</b>")
        ticket = Ticket(
            program=program, external_id=f"{prefix}{n + 1:04d}", source=Ticket.Source.API, subject=subject, body=body,
            requester_email=f"customer{n + 1}@example.com", requester_name=name,
            channel=rng.choice(["email", "email", "chat"]), ticket_type=ticket_type, language=language,
            priority=rng.choice(["normal"] * 6 + ["low", "high", "urgent"]), tier=ticket_type.tier, created_at=created,
            sla_due_at=created + datetime.timedelta(hours=1), resolution_due_at=created + datetime.timedelta(hours=24),
            routed_at=created,
        )
        eligible = [f for f in freelancers if language in speakers[f.pk]]
        recent = age < datetime.timedelta(hours=3)
        roll = rng.random()
        # Older work is done; the last two days leave a believable in-house backlog.
        fresh = age < datetime.timedelta(days=2)
        if ticket_type.tier > 1 or not ticket_type.freelancers_allowed:
            plan = "inhouse_open" if recent or (fresh and roll < 0.4) else "inhouse_solved"
        elif recent:
            plan = "waiting" if roll < 0.25 else "open"
        else:
            plan = "escalated" if roll < 0.08 else ("escalated_open" if roll < 0.1 and fresh else
                                                     "pending" if roll < 0.16 and fresh else "solved")
        if plan in ("open", "solved", "escalated", "escalated_open", "pending") and not eligible:
            plan = "waiting" if recent else "inhouse_solved"
        tickets.append(ticket)
        plans.append((plan, rng.choice(eligible) if eligible else None, rng.choice(inhouse_users)))
    open_load: dict[int, int] = {}
    for ticket, (plan, freelancer, inhouse) in zip(tickets, plans, strict=True):
        created = ticket.created_at
        response_minutes = rng.choice([4, 8, 12, 15, 20, 25, 30, 40, 45, 50, 55, 70, 95])
        if plan == "pending":  # asked the customer a question early on
            response_minutes = min(response_minutes, 45)
        if plan == "open" and freelancer is not None:
            if open_load.get(freelancer.pk, 0) >= 2:
                plan = "waiting"
            else:
                open_load[freelancer.pk] = open_load.get(freelancer.pk, 0) + 1
        if plan in ("solved", "escalated", "escalated_open", "open", "pending"):
            ticket.queue = Ticket.Queue.FREELANCER
            ticket.assignee = freelancer
            ticket.last_assigned_at = created + datetime.timedelta(seconds=2)
        if plan == "open":
            ticket.status = Ticket.Status.OPEN
        if plan == "waiting":
            ticket.queue, ticket.status = Ticket.Queue.FREELANCER, Ticket.Status.NEW
        if plan in ("solved", "escalated", "escalated_open", "inhouse_solved", "pending"):
            responder = freelancer.user if plan != "inhouse_solved" else inhouse
            ticket.first_response_at = created + datetime.timedelta(minutes=response_minutes)
            ticket.first_responder = responder
            ticket.first_response_seconds = response_minutes * 60
            ticket.first_response_met = response_minutes <= 60
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
            solved = created + datetime.timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 30]))
            # never in the future, never before the first reply
            solved = min(solved, now - datetime.timedelta(minutes=rng.randint(1, 30)))
            solved = max(solved, (ticket.escalated_at or ticket.first_response_at) + datetime.timedelta(minutes=5))
            ticket.status = Ticket.Status.SOLVED if solved > now - datetime.timedelta(days=4) else Ticket.Status.CLOSED
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
            events.append(TicketEvent(ticket=ticket, kind=kind.ROUTED, created_at=ticket.created_at,
                                      message=f"To the in-house queue: tier {ticket.tier} ticket."))
        elif ticket.assignee_id or ticket.escalated_by_id:
            who = ticket.assignee or ticket.escalated_by
            events.append(TicketEvent(ticket=ticket, kind=kind.ROUTED, created_at=ticket.created_at,
                                      message=f"Assigned to {who}: least loaded, on shift, speaks {ticket.language}.",
                                      data={"freelancer_id": who.pk}))
        elif plan == "waiting":
            events.append(TicketEvent(ticket=ticket, kind=kind.WAITING, created_at=ticket.created_at,
                                      message="Waiting in the program queue: no eligible freelancer with room."))
        if ticket.first_response_at:
            author = ticket.first_responder
            messages.append(TicketMessage(
                ticket=ticket, kind=TicketMessage.Kind.REPLY, author=author, created_at=ticket.first_response_at,
                body=REPLY.format(name=ticket.requester_name.split()[0], what=PENDING_QUESTION if plan == "pending"
                                  else "your request is being handled.", agent=author.display_name or author.email)))
            events.append(TicketEvent(ticket=ticket, kind=kind.REPLIED, actor=author,
                                      created_at=ticket.first_response_at))
            if plan == "pending":
                events.append(TicketEvent(ticket=ticket, kind=kind.STATUS, actor=author, data={"status": "pending"},
                                          created_at=ticket.first_response_at, message="Pending: waiting on the customer."))
        if ticket.sla_breached_at:
            events.append(TicketEvent(ticket=ticket, kind=kind.SLA_BREACHED, created_at=ticket.sla_breached_at,
                                      message="SLA breached."))
        if ticket.escalated_at:
            events.append(TicketEvent(
                ticket=ticket, kind=kind.ESCALATED, actor=ticket.escalated_by.user, created_at=ticket.escalated_at,
                message=f"Escalated to the in-house team: {ticket.escalation_reason.replace('_', ' ')}.",
                data={"reason": ticket.escalation_reason, "note": ticket.escalation_note}))
            messages.append(TicketMessage(ticket=ticket, kind=TicketMessage.Kind.NOTE, author=ticket.escalated_by.user,
                                          created_at=ticket.escalated_at, body=ticket.escalation_note))
        if ticket.solved_at:
            events.append(TicketEvent(ticket=ticket, kind=kind.SOLVED, actor=ticket.solved_by, created_at=ticket.solved_at))
    TicketMessage.objects.bulk_create(messages, batch_size=1000)
    TicketEvent.objects.bulk_create(events, batch_size=1000)


def seed(context):
    demo, acme = context["program"], context["acme"]
    skills = context["skills"]
    now = timezone.now().replace(second=0, microsecond=0)
    QueueSettings.objects.get_or_create(
        program=demo,
        defaults={"first_response_minutes": 60, "resolution_minutes": 24 * 60, "inhouse_response_minutes": 4 * 60,
                  "business_hours_only": False, "warning_minutes": 15},
    )
    QueueSettings.objects.get_or_create(
        program=acme,
        defaults={"first_response_minutes": 60, "resolution_minutes": 8 * 60, "business_hours_only": True,
                  "business_hours": [[], [], [], [], [], [["08:00", "20:00"]], [["08:00", "20:00"]]],
                  "warning_minutes": 15},
    )
    demo_types = _types(demo, DEMO_TYPES, skills)
    acme_types = _types(acme, ACME_TYPES, skills)
    for keyword in KEYWORDS:
        EscalationRule.objects.get_or_create(program=demo, keyword=keyword, defaults={"note": "Always in-house."})
    EscalationRule.objects.get_or_create(program=demo, ticket_type=demo_types["refund-dispute"], keyword="",
                                         defaults={"note": "Refund disputes stay in-house."})

    freelancers = context["freelancers"]
    on_rota = freelancers[:6]
    _ensure_queue_ready(demo, on_rota, context["manager"])
    _ensure_queue_ready(acme, [context["acme_freelancer"]], context["manager2"])
    for number, (weekdays, start, end) in SHIFTS.items():
        _slots(freelancers[number - 1], weekdays, start, end)
    _slots(context["acme_freelancer"], [5, 6], "08:00", "20:00")

    rng = random.Random(6)  # the same demo every time
    on_rota = list(Freelancer.objects.filter(pk__in=[f.pk for f in on_rota]).prefetch_related("languages"))
    _make_tickets(program=demo, prefix="DEMO-", count=1800, types=demo_types, freelancers=on_rota,
                  inhouse_users=[context["manager"], context["agent"]], rng=rng, now=now)
    acme_people = list(Freelancer.objects.filter(pk=context["acme_freelancer"].pk).prefetch_related("languages"))
    _make_tickets(program=acme, prefix="ACME-", count=40, types=acme_types, freelancers=acme_people,
                  inhouse_users=[context["manager2"]], rng=rng, now=now, days=21)
    Token.objects.get_or_create(user=context["manager"])
    context["ticket_types"] = demo_types
    context["logins"].append(("(API)", "manage.py issue_api_token manager@demo.test → token for /api/v1/tickets/"))
