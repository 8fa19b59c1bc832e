"""Which URLs Flexdesk may POST a webhook to.

A manager types the URL and Flexdesk calls it from inside the network it runs in, so a URL pointing at a
private, loopback or link-local address (a database, a cloud metadata service at 169.254.169.254) would let a
manager reach what the internet cannot (server-side request forgery). In production only https URLs whose
host resolves to public addresses only are accepted; the check runs when the endpoint is saved and again
before every delivery (a name can be pointed elsewhere later). Redirects are never followed.

OUTBOUND_WEBHOOKS_ALLOW_LOCAL (on with DEBUG, and in tests) allows http:// and local hosts, so a receiver
on the developer's machine or a local fake server works.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from channels.errors import ChannelError


def _allow_local() -> bool:
    return settings.DEBUG or settings.OUTBOUND_WEBHOOKS_ALLOW_LOCAL


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id (fe80::1%eth0) is not part of it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ChannelError(f"The host {host} could not be found.", field="url") from exc
    return sorted({str(info[4][0]) for info in found})


def webhook_target_check(url: str) -> None:
    """Raise ChannelError (field "url") unless Flexdesk may POST to `url`."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").strip()
    if parts.scheme not in ("http", "https") or not host:
        raise ChannelError("Give the full address of the endpoint, starting with https://.", field="url")
    if parts.username or parts.password:
        raise ChannelError(
            "Leave the user name and password out of the address; every request is signed.", field="url"
        )
    if _allow_local():
        return
    if parts.scheme != "https":
        raise ChannelError("The endpoint must use https://.", field="url")
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise ChannelError("Flexdesk does not call its own machine.", field="url")
    addresses = _addresses(host)
    if not addresses or not all(_is_public(address) for address in addresses):
        raise ChannelError(
            f"{host} is a private, loopback or reserved address; the endpoint must be reachable "
            "from the internet.",
            field="url",
        )
