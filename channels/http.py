"""HTTP clients reused per process for everything channels sends (Zendesk calls, outbound webhooks).

Building an httpx.Client costs ~70 ms of CPU (its TLS context loads the CA bundle), more than a delivery
itself, and a reused client keeps its connections alive between deliveries. httpx.Client is safe to share
between threads. A forked child (a Celery prefork worker) starts with none: it must not share its parent's
sockets (they are dropped, not closed, so the parent's stay open).
"""

import os
import threading
from collections.abc import Callable, Hashable

import httpx

MAX_SHARED = 64  # clients a process keeps (a Zendesk token changed many times: the oldest goes)

_shared: dict[Hashable, httpx.Client] = {}
_shared_pid: int | None = None
_shared_lock = threading.Lock()


def shared_client(key: Hashable, build: Callable[[], httpx.Client]) -> httpx.Client:
    """The process's client for `key` (everything that makes two clients different), built once by `build`."""
    global _shared_pid
    with _shared_lock:
        if _shared_pid != os.getpid():
            _shared.clear()
            _shared_pid = os.getpid()
        client = _shared.get(key)
        if client is None or client.is_closed:
            if len(_shared) >= MAX_SHARED:
                _shared.pop(next(iter(_shared))).close()
            client = _shared[key] = build()
        return client
