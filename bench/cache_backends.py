"""Redis cache backends compared on the calls this app makes: Django's built-in
``django.core.cache.backends.redis.RedisCache`` and django-redis. (It also measured the app's
own backend, Django's keeping one client per pool, until django-redis proved as fast:
docs/howto/redis.md.)

    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/cache_backends.py

Per-call wall time of ``get_many`` of two keys (the revocation check of a cookie-cache hit),
``add`` and ``incr`` (django-ratelimit's counter), and of a whole ``GET /get-session`` answered
from the cookie cache, in one process, the backends alternating in every round; medians over
the rounds, and each backend's time over Django's. Needs django-redis (the ``redis`` extra).
The Redis database given is flushed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_cache"

import django  # noqa: E402

from bench.settings_cache import BACKENDS  # noqa: E402


def per_call_us(fn: Callable[[int], object], calls: int) -> float:
    started = time.perf_counter()
    for i in range(calls):
        fn(i)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per measurement")
    parser.add_argument("--requests", type=int, default=500, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL")
    if not url:
        parser.error("set REDIS_URL to a Redis database (it is flushed)")

    django.setup()
    import redis
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from django_authsession import cookies
    from django_authsession.tokens import sign_cookie_value
    from tests.factories import UserFactory, create_session

    redis.Redis.from_url(url).flushdb()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        _, token = create_session(UserFactory())
        client = Client(HTTP_ORIGIN="http://testserver")
        client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
        assert client.get("/api/auth/get-session").status_code == 200  # sets the cookie cache

        ops = ["get_many", "add", "incr", "get-session hit"]
        times: dict[str, dict[str, list[float]]] = {n: {op: [] for op in ops} for n in BACKENDS}
        names = list(BACKENDS)
        for round_number in range(args.rounds):
            order = names[round_number % len(names) :] + names[: round_number % len(names)]
            for name in order:
                cache = caches[name]
                cache.set("counter", 0, 3600)
                keys = ["authsession:revoked:x", "authsession:user:y:revoked_before"]
                calls: dict[str, Callable[[int], object]] = {
                    "get_many": lambda i, c=cache, k=keys: c.get_many(k),  # type: ignore[misc]
                    "add": lambda i, c=cache: c.add(f"a{i % 50}", 0, 60),  # type: ignore[misc]
                    "incr": lambda i, c=cache: c.incr("counter"),  # type: ignore[misc]
                }
                for call, function in calls.items():
                    times[name][call].append(per_call_us(function, args.calls))
                with override_settings(RATELIMIT_USE_CACHE=name, AUTHSESSION_REVOCATION_CACHE=name):
                    answer = client.get("/api/auth/get-session")
                    assert answer.status_code == 200 and answer.json()["session"], answer
                    times[name]["get-session hit"].append(
                        per_call_us(lambda i: client.get("/api/auth/get-session"), args.requests)
                    )
        with connection.cursor() as cursor:  # the hit path made no SQL query
            cursor.execute("SELECT 1")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis.Redis.from_url(url).flushdb()

    import django_redis

    print(
        f"Django {django.get_version()}, redis-py {redis.__version__}, "
        f"django-redis {django_redis.__version__}; {args.rounds} rounds, medians in us per call"
    )
    header = f"{'':18}" + "".join(f"{name:>14}" for name in BACKENDS)
    print(header + f"{'django-redis/django':>22}")
    for op in ops:
        medians = {name: statistics.median(times[name][op]) for name in BACKENDS}
        row = f"{op:18}" + "".join(f"{medians[name]:14.1f}" for name in BACKENDS)
        base = medians["django"]
        row += f"{medians['django-redis'] / base:22.2f}"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
