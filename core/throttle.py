"""Who is asking (the client address) and how often they may (throttles counted by django-ratelimit)."""

import ipaddress

from django.conf import settings
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage

# No address (a Unix socket): one shared throttle bucket, not a bind address.
NO_ADDRESS = "0.0.0.0"  # noqa: S104


def client_address(request, *, default: str | None = NO_ADDRESS) -> str | None:
    """The client's IP address: REMOTE_ADDR, or the META key settings.CLIENT_ADDRESS_META_KEY names (a header
    that a reverse proxy you run sets, e.g. HTTP_X_REAL_IP). The one definition: django-ratelimit reads it
    through this, and so does every audit row, signature and reveal that records where a request came from
    (those pass default=None: no address is recorded as none, not as 0.0.0.0)."""
    for key in (settings.CLIENT_ADDRESS_META_KEY, "REMOTE_ADDR"):
        # X-Forwarded-For style lists: the first entry is the client the proxy saw.
        value = (request.META.get(key) or "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return default


def client_fingerprint(request, *, purpose: str) -> str:
    """A keyed hash of the client address for `purpose`: enough to tell one client from another in a stored
    key (the outbox's dedupe key) without storing the address itself."""
    return salted_hmac(purpose, client_address(request)).hexdigest()[:32]


def throttled(request, *, group: str, rate: str, method: str = "POST") -> int | None:
    """Count this request against `rate` ("5/10m") for its client address in `group`. None while within
    the rate; once past it, the seconds until the window ends (for Retry-After)."""
    usage = get_usage(request, group=group, key="ip", rate=rate, method=method, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)
