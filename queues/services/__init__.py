"""Queue services (writes). Import from here: queues.services.ticket_intake, …"""

from queues.services.availability import (
    availability_change_add,
    availability_change_delete,
    availability_schedule,
    availability_slot_add,
    availability_slot_delete,
    freelancer_go_away,
    freelancer_hand_over_if_off_shift,
)
from queues.services.common import queue_settings_save
from queues.services.intake import TicketIn, ticket_intake, ticket_type_resolve, tickets_intake
from queues.services.routing import enqueue_route, ticket_route
from queues.services.sweep import queues_sweep
from queues.services.tickets import (
    ticket_customer_message,
    ticket_escalate,
    ticket_hand_over,
    ticket_inhouse_assign,
    ticket_move_inhouse,
    ticket_note_add,
    ticket_priority_set,
    ticket_reassign,
    ticket_reopen,
    ticket_reply,
    ticket_send_back,
    ticket_solve,
    ticket_status_set,
    ticket_tags_set,
)

__all__ = [
    "availability_change_add",
    "availability_change_delete",
    "availability_schedule",
    "availability_slot_add",
    "availability_slot_delete",
    "enqueue_route",
    "queue_settings_save",
    "ticket_customer_message",
    "freelancer_go_away",
    "freelancer_hand_over_if_off_shift",
    "queues_sweep",
    "ticket_escalate",
    "ticket_hand_over",
    "ticket_inhouse_assign",
    "TicketIn",
    "ticket_intake",
    "tickets_intake",
    "ticket_move_inhouse",
    "ticket_note_add",
    "ticket_priority_set",
    "ticket_reassign",
    "ticket_reopen",
    "ticket_reply",
    "ticket_route",
    "ticket_send_back",
    "ticket_solve",
    "ticket_status_set",
    "ticket_tags_set",
    "ticket_type_resolve",
]
