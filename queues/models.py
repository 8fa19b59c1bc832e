"""Tickets, their thread and timeline, the per-program queue/SLA policy, and freelancers' availability.

Reviews, payments and the dashboard read these models; the fields below are a contract:
- Ticket.status moves only through Ticket.TRANSITIONS (services.ticket_* functions).
- Ticket.queue says who holds a ticket: freelancers (tier 1) or the in-house team.
- first_response_seconds / resolution_seconds are business-time seconds under the program's policy;
  first_response_met / resolution_met are the SLA attainment (None until known).
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Freelancer
from core.models import TimeStampedModel
from programs.models import Channel, Program, TicketType
from queues.availability import clock_label
from queues.sla import sla_state_at

DEFAULT_ESCALATION_REASONS = [
    ["too_complex", "Too complex"],
    ["billing", "Billing"],
    ["angry_customer", "Angry customer"],
    ["bug", "Bug"],
    ["language", "Language"],
    ["other", "Other"],
]
# Used by the SLA sweep when a program escalates breached tickets automatically.
AUTO_ESCALATION_REASON = ["sla_breach", "SLA breached (automatic)"]
# When someone moves a ticket to the in-house group in the helpdesk itself (channels applies it).
HELPDESK_ESCALATION_REASON = ["helpdesk", "Moved to the in-house team in the helpdesk"]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def default_escalation_reasons() -> list:
    return [list(pair) for pair in DEFAULT_ESCALATION_REASONS]


def default_business_hours() -> list:
    """Mon–Fri 09:00–17:00: one list of ["HH:MM", "HH:MM"] intervals per weekday, Monday first."""
    return [[["09:00", "17:00"]] for _ in range(5)] + [[], []]


def _parse_hhmm(value: str) -> int:
    hours, minutes = str(value).split(":")
    total = int(hours) * 60 + int(minutes)
    if not 0 <= total <= 24 * 60 or not 0 <= int(minutes) < 60:
        raise ValueError(value)
    return total


class QueueSettings(TimeStampedModel):
    """A program's queue and SLA policy. Programs without a row use the defaults (24/7, 60 minutes)."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="queue_settings")
    first_response_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1)], help_text="First-response target, in business minutes."
    )
    resolution_minutes = models.PositiveIntegerField(
        default=24 * 60,
        validators=[MinValueValidator(1)],
        help_text="Resolution target, in business minutes.",
    )
    inhouse_response_minutes = models.PositiveIntegerField(
        default=4 * 60,
        validators=[MinValueValidator(1)],
        help_text="In-house queue target: minutes from escalation to the in-house team's first action.",
    )
    business_hours_only = models.BooleanField(
        default=False, help_text="SLA clocks run only in the business hours below (else 24/7)."
    )
    business_hours = models.JSONField(
        default=default_business_hours,
        blank=True,
        help_text='Per weekday (Monday first) a list of ["HH:MM", "HH:MM"] intervals in the program time zone.',
    )
    warning_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Warn the assignee this long before a breach.",
    )
    auto_escalate_on_breach = models.BooleanField(
        default=False, help_text="Move freelancer tickets that breach their SLA to the in-house queue."
    )
    escalation_reasons = models.JSONField(
        default=default_escalation_reasons,
        blank=True,
        help_text='[["value", "Label"], …] freelancers pick from.',
    )
    # Presence (issue #19): who is really there, not only who is on the rota.
    away_after_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="An online person with no activity in the portal for this long goes away.",
    )
    no_show_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="A freelancer not online this long after their shift starts is a no-show: their tickets are "
        "routed to others and the managers are told.",
    )
    allow_extra_time = models.BooleanField(
        default=False,
        help_text="Freelancers may go online outside their shift; that time counts as extra hours.",
    )

    class Meta:
        verbose_name = "queue settings"
        verbose_name_plural = "queue settings"

    def __str__(self):
        return f"Queue settings of {self.program}"

    @classmethod
    def for_program(cls, program: Program) -> "QueueSettings":
        """The program's saved settings, or unsaved defaults (reads never write)."""
        try:
            return program.queue_settings
        except cls.DoesNotExist:
            return cls(program=program)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.program.zone

    @property
    def weekly_minutes(self) -> list[list[tuple[int, int]]] | None:
        """Business intervals as (start_minute, end_minute) per weekday; None means 24/7."""
        if not self.business_hours_only:
            return None
        return [
            [(_parse_hhmm(start), _parse_hhmm(end)) for start, end in (day or [])]
            for day in (self.business_hours or [])[:7]
        ] + [[] for _ in range(7 - len((self.business_hours or [])[:7]))]

    def reason_choices(self) -> list[tuple[str, str]]:
        return [(value, label) for value, label in (self.escalation_reasons or default_escalation_reasons())]

    def reason_label(self, value: str) -> str:
        labels = dict(self.reason_choices())
        labels.setdefault(AUTO_ESCALATION_REASON[0], AUTO_ESCALATION_REASON[1])
        labels.setdefault(HELPDESK_ESCALATION_REASON[0], HELPDESK_ESCALATION_REASON[1])
        return labels.get(value, value.replace("_", " ").capitalize())

    def clean(self):
        hours = self.business_hours or []
        if not isinstance(hours, list) or len(hours) != 7:
            raise ValidationError({"business_hours": "Give seven weekdays, Monday first."})
        try:
            minutes = [[(_parse_hhmm(s), _parse_hhmm(e)) for s, e in day] for day in hours]
        except (TypeError, ValueError):
            raise ValidationError({"business_hours": 'Each interval is ["HH:MM", "HH:MM"].'})
        if any(start >= end for day in minutes for start, end in day):
            raise ValidationError({"business_hours": "Each interval must end after it starts."})
        if self.business_hours_only and not any(minutes):
            raise ValidationError(
                {"business_hours": "Business hours-only SLAs need at least one open interval."}
            )
        reasons = self.escalation_reasons or []
        if not reasons or not all(isinstance(r, list | tuple) and len(r) == 2 and r[0] for r in reasons):
            raise ValidationError({"escalation_reasons": 'Give at least one ["value", "Label"] pair.'})


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending (waiting on customer)"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    TRANSITIONS = {
        Status.NEW: {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED},
        Status.OPEN: {Status.PENDING, Status.SOLVED, Status.CLOSED},
        Status.PENDING: {Status.OPEN, Status.SOLVED, Status.CLOSED},
        Status.SOLVED: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: set(),
    }
    ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)
    # Tickets "waiting on" their assignee: these count against capacity (pending does not).
    LOAD_STATUSES = (Status.NEW, Status.OPEN)

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Queue(models.TextChoices):
        FREELANCER = "freelancer", "Freelancers"
        INHOUSE = "inhouse", "In-house team"

    class Source(models.TextChoices):
        API = "api", "API"
        ZENDESK = "zendesk", "Zendesk webhook"
        CSV = "csv", "CSV import"
        MANUAL = "manual", "Manual"
        EMAIL = "email", "Shared mailbox"

    # No single-column index on the foreign keys below marked db_index=False: each is the first column of a
    # composite index in Meta (or, for the people who answered/solved, only ever read per ticket), and every
    # index is written by each intake and each routing (see the README: routing in batches).
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    external_id = models.CharField(max_length=100, help_text="The ticket's id in the company's helpdesk.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    requester_email = models.EmailField()
    requester_name = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    ticket_type = models.ForeignKey(
        TicketType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, default="en", help_text="Language code, e.g. en, es, pt-br.")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    tags = models.JSONField(default=list, blank=True, help_text="The helpdesk's tags on the ticket (a list).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    tier = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    queue = models.CharField(max_length=10, choices=Queue.choices, default=Queue.FREELANCER)
    assignee = models.ForeignKey(
        Freelancer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    inhouse_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inhouse_tickets",
        db_index=False,
    )
    # SLA clocks (UTC). sla_due_at is the first-response deadline; next_due_at is whatever deadline the
    # current holder must meet next (first response, resolution, or the in-house target) and drives the
    # queue order and the warning/breach sweep.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    inhouse_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    solved_at = models.DateTimeField(null=True, blank=True)
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The resolution clock stops while a ticket is pending on the customer: sla_paused_at is when the current
    # pause began; leaving pending moves resolution_due_at on by the business time that was left
    # (services.tickets._set_status). sla_paused_seconds adds up the business time spent paused.
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(
        default=0, help_text="Business seconds pending on the customer."
    )
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds.")
    first_response_met = models.BooleanField(null=True, blank=True)
    resolution_met = models.BooleanField(null=True, blank=True)
    # Escalation to the in-house team
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.CharField(max_length=40, blank=True)
    escalation_note = models.TextField(blank=True)
    escalated_by = models.ForeignKey(
        Freelancer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_tickets",
        db_index=False,
    )
    # The ticket row is its own "created" record: the timeline's first line is drawn from it (see
    # queues.events.event_created), so intake writes one row and nothing else.
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="Who sent it in: the API token's user or the manager who imported it; empty for webhooks.",
    )
    routed_at = models.DateTimeField(null=True, blank=True, help_text="When routing decided the queue.")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # The time the holder promised the customer with a reply (met when the ticket is solved by then).
    eta_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer was told to expect it done."
    )
    eta_set_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "external_id"], name="ticket_unique_external_id"),
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "open", "pending", "solved", "closed"]),
                name="ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__gte=1) & models.Q(tier__lte=3), name="ticket_tier_1_3"
            ),
        ]
        indexes = [
            # freelancer work queue and capacity counts
            models.Index(fields=["assignee", "status", "next_due_at"], name="ticket_assignee_queue"),
            # in-house queue / program lists / sweeps
            models.Index(fields=["program", "queue", "status", "next_due_at"], name="ticket_program_queue"),
            models.Index(fields=["program", "-created_at"], name="ticket_program_created"),
            models.Index(fields=["status", "next_due_at"], name="ticket_status_due"),
            models.Index(fields=["inhouse_assignee", "status"], name="ticket_inhouse_assignee"),
            # Partial indexes over active tickets only (a small slice of a big table):
            # the headline counters' recount (queues.counters) is an index-only scan of this one ...
            models.Index(
                fields=["program", "queue"],
                include=["assignee", "next_due_at"],
                condition=models.Q(status__in=["new", "open", "pending"]),
                name="ticket_active_counts",
            ),
            # ... and the in-house queue reads this one in its order (next_due_at, id) per program.
            models.Index(
                fields=["program", "next_due_at", "id"],
                condition=models.Q(queue="inhouse", status__in=["new", "open", "pending"]),
                name="ticket_inhouse_active",
            ),
            # the freelancer's queue page: their active tickets in its order (next_due_at, id), a page at a time,
            # and the count; and their latest solved/closed ones, newest first. Both read only what the page
            # shows, however long the queue or the history. Unassigned tickets (new ones, the in-house queue)
            # are left out, so intake does not write to them.
            models.Index(
                fields=["assignee", "next_due_at", "id"],
                name="ticket_assignee_active",
                condition=models.Q(status__in=["new", "open", "pending"], assignee__isnull=False),
            ),
            models.Index(
                fields=["assignee", "solved_at", "id"],
                name="ticket_assignee_done",
                condition=models.Q(status__in=["solved", "closed"], assignee__isnull=False),
            ),
            # "Take next ticket": the program's tickets waiting for a freelancer, most urgent first (a small slice)
            models.Index(
                fields=["program", "next_due_at", "id"],
                name="ticket_freelancer_waiting",
                condition=models.Q(
                    queue="freelancer", assignee__isnull=True, status__in=["new", "open", "pending"]
                ),
            ),
            # ETAs promised (the dashboard's met / missed beside the SLA), over the few tickets that have one
            models.Index(
                fields=["program", "eta_at"],
                condition=models.Q(eta_at__isnull=False),
                name="ticket_program_eta",
            ),
            # escalations per freelancer (reviews), over the few escalated tickets only
            models.Index(
                fields=["escalated_by"],
                condition=models.Q(escalated_by__isnull=False),
                name="ticket_escalated_by",
            ),
            # routing: the program's tickets never routed yet (routing.route_new_tickets, the sweep); tiny
            models.Index(
                fields=["program", "id"], condition=models.Q(routed_at__isnull=True), name="ticket_unrouted"
            ),
            # routing: a freelancer's latest assignment ("idle longest") without reading all their tickets
            models.Index(
                fields=["assignee", "last_assigned_at"],
                condition=models.Q(last_assigned_at__isnull=False),
                name="ticket_assignee_last_assigned",
            ),
            # reporting (freelancer_ticket_stats, the dashboard): covering indexes, so the dashboard's
            # aggregates over solved / first-responded tickets are index-only scans on PostgreSQL.
            # The team table's per-freelancer numbers over a window read these three alone (index-only scans,
            # docs/adr/0028): each names the person, and the solved one the id CSAT answers are joined on.
            models.Index(
                fields=["program", "solved_at"],
                include=["assignee", "resolution_seconds", "id"],
                name="ticket_program_solved_cov",
            ),
            models.Index(
                fields=["program", "escalated_at"], include=["escalated_by"], name="ticket_program_escalated"
            ),
            models.Index(
                fields=["program", "first_response_at"],
                include=["first_response_met", "first_response_seconds", "first_responder"],
                name="ticket_program_first_resp_cov",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject[:60]}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None

    @property
    def sla_state(self) -> str:
        """breached / warning / ok / none — for badges; uses the time of the call (the rule: queues.sla)."""
        return sla_state_at(self.next_due_at, timezone.now(), active=self.is_active)

    @property
    def seconds_left(self) -> int | None:
        if self.next_due_at is None:
            return None
        return int((self.next_due_at - timezone.now()).total_seconds())


class TicketMessage(models.Model):
    """A reply to the customer, an internal note, or the customer writing again (sent in by the helpdesk).
    Replies are exposed in the API for the helpdesk to pick up."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        NOTE = "note", "Internal note"
        CUSTOMER = "customer", "Customer"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )  # see Meta
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    external_id = models.CharField(
        max_length=100,
        blank=True,
        help_text="The helpdesk's id of a customer message (a repeated delivery is ignored).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_message_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "external_id"],
                condition=~models.Q(external_id=""),
                name="ticket_message_unique_external_id",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.ticket_id}"


def attachment_upload_to(instance, filename):
    """Stored under a random name (the original is kept in `filename`): nothing the sender chose reaches the disk."""
    import secrets

    return f"tickets/{instance.ticket_id}/{secrets.token_urlsafe(16)}"


class TicketAttachment(models.Model):
    """A file the customer sent with the ticket (message empty: the first message) or with a later message.
    Kept only when its content passes core.uploads (type checked by content, size limited); served only through
    views that check access to the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.filename} on #{self.ticket_id}"


class TicketEvent(models.Model):
    """One line of the ticket's timeline: what happened, who did it, when, and the details."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ROUTED = "routed", "Routed"
        WAITING = "waiting", "Waiting in queue"
        ASSIGNED = "assigned", "Assigned"
        REASSIGNED = "reassigned", "Reassigned"
        HANDED_OVER = "handed_over", "Handed over"
        REPLIED = "replied", "Replied"
        CUSTOMER_REPLIED = "customer_replied", "Customer wrote"
        NOTE = "note", "Internal note"
        ESCALATED = "escalated", "Escalated"
        SENT_BACK = "sent_back", "Sent back to freelancers"
        STATUS = "status", "Status changed"
        PRIORITY = "priority", "Priority changed"
        TAGS = "tags", "Tags changed"
        SOLVED = "solved", "Solved"
        REOPENED = "reopened", "Reopened"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "SLA breached"
        TAKEN = "taken", "Taken from the queue"
        HELP_REQUESTED = "help_requested", "Help asked"
        HELP_ANSWERED = "help_answered", "Help answered"
        ETA = "eta", "ETA promised"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # see Meta
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True, help_text="Human-readable summary (the why).")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.ticket_id}"


class AvailabilitySlot(models.Model):
    """Recurring weekly hours in the freelancer's own time zone.

    end_time 00:00 means midnight at the end of the day. `program` empty means "for any program";
    managers of programs with scheduled shifts add slots for their program.
    """

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="availability_slots")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAYS)))
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="00:00 means midnight at the end of the day.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["freelancer", "weekday", "start_time"]
        indexes = [models.Index(fields=["freelancer", "weekday"], name="availability_slot_weekday")]

    def __str__(self):
        return f"{WEEKDAYS[self.weekday]} {clock_label(self.start_minute)}–{clock_label(self.end_minute)}"

    @property
    def start_minute(self) -> int:
        return self.start_time.hour * 60 + self.start_time.minute

    @property
    def end_minute(self) -> int:
        minutes = self.end_time.hour * 60 + self.end_time.minute
        return minutes or 24 * 60

    def clean(self):
        if self.start_time and self.end_time is not None and self.end_minute <= self.start_minute:
            raise ValidationError(
                {"end_time": "The shift must end after it starts (split overnight shifts in two)."}
            )


class AvailabilityChange(models.Model):
    """A one-off change: away (holiday, sick, break) or extra hours, between two moments."""

    class Kind(models.TextChoices):
        AWAY = "away", "Away"
        EXTRA = "extra", "Extra hours"

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="availability_changes")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["freelancer", "ends_at"], name="availability_change_end")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="availability_change_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})
        if self.starts_at and self.ends_at and self.ends_at - self.starts_at > datetime.timedelta(days=120):
            raise ValidationError({"ends_at": "One change covers at most 120 days."})


class Presence(models.Model):
    """Whether a person (freelancer or in-house agent) is really at work now: online, away or offline.

    Routing assigns only to freelancers who are online inside their shift. It changes through
    queues.services.presence (the portal header, the heartbeat, the every-minute sweep), which writes a
    PresenceChange for each move."""

    class Status(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    since = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="The last activity in the portal.")

    class Meta:
        verbose_name_plural = "presence"
        indexes = [models.Index(fields=["status", "last_seen_at"], name="presence_status_seen")]

    def __str__(self):
        return f"{self.user}: {self.get_status_display()}"


class PresenceChange(models.Model):
    """One move of a person's presence, and why: the coverage page's "actually online" and the audit trail."""

    class Reason(models.TextChoices):
        MANUAL = "manual", "Set by them"
        IDLE = "idle", "No activity"
        SHIFT_END = "shift_end", "Shift ended"
        ACTIVITY = "activity", "Back at work"
        NO_SHOW = "no_show", "No-show"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence_changes"
    )
    status = models.CharField(max_length=10, choices=Presence.Status.choices)
    before = models.CharField(max_length=10, choices=Presence.Status.choices)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.MANUAL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["user", "at"], name="presence_change_user_at")]

    def __str__(self):
        return f"{self.user}: {self.before} → {self.status}"


class NoShow(models.Model):
    """A freelancer not online `no_show_minutes` after a shift began; found and acted on once per shift."""

    freelancer = models.ForeignKey(Freelancer, on_delete=models.CASCADE, related_name="no_shows")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    shift_start = models.DateTimeField()
    noticed_at = models.DateTimeField(default=timezone.now)
    tickets_rerouted = models.PositiveIntegerField(default=0)
    arrived_at = models.DateTimeField(null=True, blank=True, help_text="When they came online after all.")

    class Meta:
        ordering = ["-shift_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["freelancer", "program", "shift_start"], name="no_show_once_per_shift"
            ),
        ]

    def __str__(self):
        return f"No-show: {self.freelancer} at {self.shift_start:%Y-%m-%d %H:%M}"


class SavedReply(TimeStampedModel):
    """A program's saved reply (macro): text with placeholders, an optional status after sending and tags.

    Managers write and approve them; a freelancer may suggest one (approved=False until a manager approves)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=150)
    body = models.TextField(
        help_text="Placeholders like {{ customer_first_name }} are filled in when inserted."
    )
    status_after = models.CharField(
        max_length=10,
        blank=True,
        choices=[(s.value, s.label) for s in (Ticket.Status.PENDING, Ticket.Status.SOLVED)],
        help_text="Set the ticket to this status when the reply is sent (empty: leave it).",
    )
    tags = models.JSONField(default=list, blank=True)
    approved = models.BooleanField(default=True)
    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The freelancer who suggested it, if one did.",
    )

    class Meta:
        ordering = ["program", "title", "id"]
        verbose_name_plural = "saved replies"
        constraints = [models.UniqueConstraint(fields=["program", "title"], name="saved_reply_unique_title")]

    def __str__(self):
        return self.title


class HelpRequest(models.Model):
    """A side conversation about a ticket with the in-house team (or one named agent) while the ticket stays
    with its holder; the SLA keeps running."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="help_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_requests",
        help_text="Empty: anyone in the in-house team.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="help_request_status")]

    def __str__(self):
        return f"Help on #{self.ticket_id} ({self.get_status_display()})"


class HelpMessage(models.Model):
    """One message of a help request's thread (never sent to the customer)."""

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Message on help request {self.help_request_id}"


class SavedQueueView(models.Model):
    """A named set of in-house queue filters, saved per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500, help_text="The queue page's filters, as a query string.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_queue_view_unique_name")]

    def __str__(self):
        return self.name


class QueueCounter(models.Model):
    """A part of a program's headline numbers, kept by the services that change tickets (queues.counters,
    docs/adr/0030): the number of the program's active tickets under `key` ("queue:inhouse:assigned",
    "due-day:2027-01-04", "due-hour:2027-01-04T13"). A key's number is the sum of its rows: each database
    connection adds to a row of its own (`shard`), so writers never wait on one another; the every-minute
    compaction folds those rows into shard 0."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=40)
    shard = models.IntegerField(default=0, help_text="The connection that wrote it (0: compacted).")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "key", "shard"], name="queue_counter_unique"),
        ]

    def __str__(self):
        return f"{self.program_id} {self.key}: {self.n}"
