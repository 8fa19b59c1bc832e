from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Channels"

    def ready(self):
        from channels import outbound
        from channels.mailbox.outbound import ticket_events_email
        from channels.selectors import zendesk_routing_exclusion
        from channels.webhooks.events import ticket_events_to_webhooks
        from core.events import register_listener
        from core.routing_filters import register_routing_filter
        from queues.destinations import register_reply_destination
        from queues.events import TICKET_EVENTS

        # queues records what happens to a ticket; we turn it into deliveries to the program's helpdesk.
        register_listener(TICKET_EVENTS, outbound.ticket_events_deliver)
        # ... and, for a shared-mailbox program, a public reply into an e-mail to the requester.
        register_listener(TICKET_EVENTS, ticket_events_email)
        # ... and into signed POSTs to the endpoints a manager registered (any channel).
        register_listener(TICKET_EVENTS, ticket_events_to_webhooks)
        # queues asks where a program's replies go (the portal's reply box says it); we answer.
        register_reply_destination(outbound.reply_destination)
        # routing asks who may not take a program's tickets: on Zendesk, freelancers without a Zendesk user.
        register_routing_filter(zendesk_routing_exclusion, program_related=("channel_setting",))
        # an e-mail provider's inbound webhook (django-anymail) hands us a message: it goes through mail_receive.
        from anymail.signals import inbound

        from channels.mailbox.webhook import mail_received

        inbound.connect(mail_received, dispatch_uid="channels.mailbox.mail_received")
