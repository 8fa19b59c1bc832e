from django.apps import AppConfig


def _standing_changed(*, freelancer_id: int, program_id: int) -> None:
    """A freelancer's tier, channels or capacity changed (contracts.services.standing): route the program's
    waiting tickets now, so a promotion takes effect the same minute."""
    from queues.services.routing import enqueue_waiting_route

    enqueue_waiting_route(program_id, cause="a freelancer's tier, channels or capacity changed")


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = "Queues"

    def ready(self):
        from contracts.services.standing import STANDING_CHANGED
        from core.events import register_listener
        from queues.intake_cache import program_cache_connect

        program_cache_connect()

        register_listener(STANDING_CHANGED, _standing_changed)
