"""Django's Redis cache backend, keeping its Redis client instead of building one for every operation.

django.core.cache.backends.redis builds a `redis.Redis` for each get or set, and building one (its table of
~200 response callbacks) took ~0.2 ms here, more than the round trip to Redis. Every signed-in request reads
the cache two or three times (the session, the user: accounts/user_cache.py), so the client is built once per
server and kept; redis-py's clients are safe to share between threads, and its connection pool starts afresh
in a forked process. Everything else is Django's backend. settings: `cache_config` picks it for redis:// URLs.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

DJANGO_REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # Django's client keeps these as private attributes (not in its type stubs)
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in django._pools:
                django._pools[index] = django._pool_class.from_url(
                    django._servers[index], **django._pool_options
                )
            client = self._clients[index] = django._client(connection_pool=django._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


def cache_config(config: dict[str, Any]) -> dict[str, Any]:
    """A CACHES entry (django-environ's cache_url_config), with this backend in place of Django's Redis one."""
    if config.get("BACKEND") == DJANGO_REDIS_BACKEND:
        return {**config, "BACKEND": "core.cache.RedisCache"}
    return config
