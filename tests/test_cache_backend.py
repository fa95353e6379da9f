"""django_authsession.cache.RedisCache: Django's Redis backend with one client per pool."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a Redis server: run with REDIS_URL (CI does)"
)


@pytest.fixture
def cache():
    from django_authsession.cache import RedisCache

    backend = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "authsession-backend-test"})
    yield backend
    backend.clear()
    backend.close()


def test_it_is_a_working_django_cache(cache) -> None:
    assert cache.add("counter", 1, timeout=60)
    assert not cache.add("counter", 5, timeout=60)
    assert cache.incr("counter") == 2
    cache.set_many({"a": 1, "b": {"nested": [1, 2]}}, timeout=60)
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": {"nested": [1, 2]}}
    cache.delete("a")
    assert cache.get("a") is None


def test_one_client_object_per_pool(cache) -> None:
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("any-key") is client


def test_incr_of_a_missing_key_is_a_value_error_like_djangos(cache) -> None:
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    assert cache.get("never-set") is None  # and it was not created
    cache.set("n", 41, timeout=60)
    assert cache.incr("n") == 42
    assert cache.incr("n", 8) == 50
    assert cache.get("n") == 50
