"""Django's Redis cache backend, keeping its Redis client instead of building one for every operation.

django.core.cache.backends.redis builds a `redis.Redis` for each get or set, and building one (its table of
~200 response callbacks) took ~0.2 ms here, more than the round trip to Redis. Every signed-in request reads
the cache two or three times (the session, the user: accounts/user_cache.py), so the client is built once per
server and kept; redis-py's clients are safe to share between threads, and its connection pool starts afresh
in a forked process. Everything else is Django's backend. settings: `cache_config` picks it for redis:// URLs.

A Redis that is down or does not answer is a miss, never an error: a read answers the default, a write does
nothing (logged). Sessions then come from the database (cached_db), the signed-in user is read from the database
and not stored (accounts/user_cache.py), and no request fails because the cache is away.
"""

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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


logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _down(operation: str, error: Exception) -> None:
    logger.warning("cache unavailable (%s: %s): answered as a miss", operation, error)


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except _DOWN as error:
            _down("get", error)
            return default

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _DOWN as error:
            _down("get_many", error)
            return {}

    def has_key(self, key: Any, version: Any = None) -> bool:
        try:
            return super().has_key(key, version)
        except _DOWN as error:
            _down("has_key", error)
            return False

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _DOWN as error:
            _down("add", error)
            return False

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _DOWN as error:
            _down("set", error)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except _DOWN as error:
            _down("set_many", error)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except _DOWN as error:
            _down("touch", error)
            return False

    def delete(self, key: Any, version: Any = None) -> bool:
        try:
            return super().delete(key, version)
        except _DOWN as error:
            _down("delete", error)
            return False

    def delete_many(self, keys: Any, version: Any = None) -> None:
        try:
            super().delete_many(keys, version)
        except _DOWN as error:
            _down("delete_many", error)


def cache_config(config: dict[str, Any]) -> dict[str, Any]:
    """A CACHES entry (django-environ's cache_url_config), with this backend in place of Django's Redis one."""
    if config.get("BACKEND") == DJANGO_REDIS_BACKEND:
        return {**config, "BACKEND": "core.cache.RedisCache"}
    return config
