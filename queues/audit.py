"""The words for the audit verbs queues records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register
from queues.models import AvailabilityChange

AUDIT_VERBS = {
    "queues.settings_saved": "Queue settings saved",
    "ticket.routed": "Ticket routed",
    "ticket.assigned": "Ticket assigned",
    "ticket.reassigned": "Ticket reassigned",
    "ticket.solved": "Ticket solved",
    "ticket.escalated": "Ticket escalated",
    "ticket.sent_back": "Ticket sent back to the freelancer queue",
    "ticket.status_set": "Ticket status set",
    "availability.slot_added": "Weekly hours added",
    "availability.slot_removed": "Weekly hours removed",
    "availability.change_removed": "Time away or extra hours removed",
    # availability_change_add records "availability.<kind>".
    f"availability.{AvailabilityChange.Kind.AWAY}": "Time away added",
    f"availability.{AvailabilityChange.Kind.EXTRA}": "Extra hours added",
}
audit_verbs_register(AUDIT_VERBS)
