"""Settings of ``bench/cache_backends.py``: the test settings (SQLite in memory) with one cache
alias per Redis backend compared, all on ``REDIS_URL``."""

import os

from tests.settings import *  # noqa: F403

BACKENDS = {
    "django": "django.core.cache.backends.redis.RedisCache",
    "django-redis": "django_redis.cache.RedisCache",
}
_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
CACHES = {
    name: {"BACKEND": backend, "LOCATION": _URL, "KEY_PREFIX": f"bench-{name}"}
    for name, backend in BACKENDS.items()
}
CACHES["default"] = CACHES["django"]
# Counted on every request but never reached, as in production between two limits.
AUTHSESSION_DEFAULT_RATE_LIMIT = "100000000/60s"
