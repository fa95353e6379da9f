"""``RedisCache``: Django's Redis cache backend, keeping one client object per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` around the (shared)
connection pool on every cache call; with redis-py 8 that construction costs more than the round
trip itself, and a request served from the cookie cache makes three cache calls (rate limit and
revocation marks). A client is thread-safe over its pool, and Django already keeps cache objects
per thread, so memoizing it changes nothing else. ``incr`` is also one round trip (a script that
increments only an existing key) instead of Django's EXISTS then INCRBY: rate limiting counts
with it on every request. Optional: point ``CACHES[...]["BACKEND"]`` at
``django_authsession.cache.RedisCache`` instead of ``django.core.cache.backends.redis.RedisCache``.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

# INCRBY, but only when the key exists: Django's incr() contract (ValueError when missing).
INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._incr_scripts: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client

    def incr(self, key: Any, delta: int) -> Any:
        client = self.get_client(key, write=True)
        script = self._incr_scripts.get(id(client))
        if script is None:
            script = self._incr_scripts[id(client)] = client.register_script(INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
