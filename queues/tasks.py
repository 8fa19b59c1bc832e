from celery import shared_task


@shared_task(name="queues.tasks.ticket_route_task", ignore_result=True)
def ticket_route_task(ticket_id: int, program_id: int | None = None) -> None:
    """Route a ticket (idempotent: an already routed ticket is left alone). With program_id (intake), the
    program's other new tickets are routed in the same batch."""
    from queues.services.routing import route_new_tickets, ticket_route

    if program_id is None:
        ticket_route(ticket_id=ticket_id)
    else:
        route_new_tickets(program_id=program_id)


@shared_task(name="queues.tasks.queues_sweep_task", ignore_result=True)
def queues_sweep_task() -> dict:
    """Every minute: route waiting tickets, hand over from people off shift, SLA warnings and breaches."""
    from queues.services.sweep import queues_sweep

    return queues_sweep()
