"""A cache (Redis) that is down is a miss, never a 500 (core.cache): sessions come from the database
(cached_db) and the signed-in user is read from the database."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.cache import RedisCache
from tests.accounts.factories import FreelancerFactory

DOWN = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def test_every_operation_on_a_redis_that_is_down_answers_as_a_miss():
    cache = RedisCache("redis://127.0.0.1:1/0", {})
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    cache.delete_many(["a"])


@pytest.mark.django_db
def test_a_signed_in_freelancer_still_gets_their_pages_while_the_cache_is_down(client):
    freelancer = FreelancerFactory()
    with override_settings(CACHES=DOWN):
        assert isinstance(caches["default"], RedisCache)
        client.force_login(freelancer.user)
        assert client.get("/ping").status_code == 200
        page = client.get("/portal/")
        assert page.status_code == 200
        assert page.wsgi_request.user == freelancer.user
        client.logout()
        assert client.get("/portal/").status_code == 302  # logged out for real: the session row is gone
