from core.errors import DomainError


class ChannelError(DomainError):
    """A channel rule said no (a Zendesk connection that is not set up, a bad setting)."""


class ZendeskEventError(ChannelError):
    """A Zendesk webhook that cannot be applied as sent (a malformed event): 400 with the reason."""
