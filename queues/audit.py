"""The words for the audit verbs queues records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register
from queues.models import AvailabilityChange

AUDIT_VERBS = {
    "queues.settings_saved": "Queue settings saved",
    "ticket.routed": "Ticket routed",
    "ticket.assigned": "Ticket assigned",
    "ticket.reassigned": "Ticket reassigned",
    "ticket.solved": "Ticket solved",
    "ticket.taken": "Ticket taken from the queue",
    "ticket.escalated": "Ticket escalated",
    "ticket.sent_back": "Ticket sent back to the freelancer queue",
    "ticket.status_set": "Ticket status set",
    "ticket.help_requested": "Help asked on a ticket",
    "ticket.help_answered": "Help request answered",
    "ticket.help_closed": "Help request closed",
    "saved_reply.created": "Saved reply added",
    "saved_reply.updated": "Saved reply edited",
    "saved_reply.deleted": "Saved reply deleted",
    "saved_reply.suggested": "Saved reply suggested",
    "saved_reply.approved": "Saved reply approved",
    "availability.slot_added": "Weekly hours added",
    "availability.slot_removed": "Weekly hours removed",
    "availability.change_removed": "Time away or extra hours removed",
    # availability_change_add records "availability.<kind>".
    f"availability.{AvailabilityChange.Kind.AWAY}": "Time away added",
    f"availability.{AvailabilityChange.Kind.EXTRA}": "Extra hours added",
}
audit_verbs_register(AUDIT_VERBS)
