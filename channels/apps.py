from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Channels"

    def ready(self):
        from channels import outbound
        from core.events import register_listener
        from queues.destinations import register_reply_destination
        from queues.events import TICKET_EVENTS

        # queues records what happens to a ticket; we turn it into deliveries to the program's helpdesk.
        register_listener(TICKET_EVENTS, outbound.ticket_events_deliver)
        # queues asks where a program's replies go (the portal's reply box says it); we answer.
        register_reply_destination(outbound.reply_destination)
