from celery import shared_task


@shared_task(name="queues.tasks.ticket_route_task", ignore_result=True)
def ticket_route_task(ticket_id: int) -> None:
    """Route one ticket (idempotent: an already routed ticket is left alone)."""
    from queues.services.routing import ticket_route

    ticket_route(ticket_id=ticket_id)


@shared_task(name="queues.tasks.queues_sweep_task", ignore_result=True)
def queues_sweep_task() -> dict:
    """Every minute: route waiting tickets, hand over from people off shift, SLA warnings and breaches."""
    from queues.services.sweep import queues_sweep

    return queues_sweep()
