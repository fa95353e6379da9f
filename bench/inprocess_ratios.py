"""The benchmark's ratios measured in-process, in CPU time, for a machine shared with other work.

    .venv/bin/python bench/inprocess_ratios.py [--rounds 12] [--requests 300]

wrk's requests per second fall and rise with whatever else the machine runs; the CPU time this
process spends per request (``time.process_time``) does much less. This calls Django's
``WSGIHandler`` directly, as ``bench/profile_session.py`` does (benchmark settings, ``DEBUG``
off, rate limiting on with its limit raised), and in each round times every target back to back,
in alternating order, then prints the median of the per-round ratios:

    (2)/(1)   cookie-cache hit (``/api/auth/session``) vs the trivial DRF view ``/bench/ok``
    (3)/(4)   the database path (cookie cache off) vs contrib.sessions + SessionAuthentication
    (5a)/(5b) ``/bench/ok`` without a cookie, with vs without ``AuthSessionMiddleware`` (its two
              hooks replaced by no-ops: the middleware's own cost)

No HTTP server, so the costs of the socket and the server are not in either side. Without
``DATABASE_URL`` it uses a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import profile_session as ps  # the same environment and WSGI caller


def goals(postgres_redis: bool) -> dict[str, float]:
    """Issue 8's goals: SQLite + local memory, or PostgreSQL + Redis."""
    return {
        "(2)/(1)": 0.60 if postgres_redis else 0.80,
        "(3)/(4)": 1.2 if postgres_redis else 1.5,
        "(5a)/(5b)": 0.97,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=12, help="rounds (12)")
    parser.add_argument("--requests", type=int, default=300, help="requests per target (300)")
    args = parser.parse_args(argv)
    scratch = ps.configure_environment(setup=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import override_settings

        from django_authsession import middleware

        if scratch is not None:
            call_command("migrate", verbosity=0)
        call_command("create_demo_user", verbosity=0)
        call = ps.Caller()
        jar = ps.sign_in(call)
        hooks = (
            middleware.AuthSessionMiddleware.process_request,
            middleware.AuthSessionMiddleware.process_response,
        )

        def timed(path: str, cookie: str) -> Callable[[], float]:
            def run() -> float:
                started = time.process_time()
                for _ in range(args.requests):
                    call("GET", path, cookie)
                return (time.process_time() - started) / args.requests * 1e6

            return run

        def without_cookie_cache(run: Callable[[], float]) -> Callable[[], float]:
            def wrapped() -> float:
                with override_settings(AUTHSESSION_COOKIE_CACHE=False):
                    return run()

            return wrapped

        def without_middleware(run: Callable[[], float]) -> Callable[[], float]:
            def wrapped() -> float:
                cls = middleware.AuthSessionMiddleware
                cls.process_request = lambda self, request: None  # type: ignore[method-assign]
                cls.process_response = lambda self, request, response: response  # type: ignore[method-assign]
                try:
                    return run()
                finally:
                    cls.process_request, cls.process_response = hooks  # type: ignore[method-assign]

            return wrapped

        targets: dict[str, Callable[[], float]] = {
            "1": timed("/bench/ok", ""),
            "5b": without_middleware(timed("/bench/ok", "")),
            "2": timed("/api/auth/session", jar["hit"]),
            "3": without_cookie_cache(timed("/api/auth/session", jar["db"])),
            "4": timed("/bench/peer-session", jar["peer"]),
        }
        for run in targets.values():  # warm up every path once
            run()
        results: dict[str, list[float]] = {key: [] for key in targets}
        order = list(targets)
        for number in range(args.rounds):
            for key in order if number % 2 == 0 else order[::-1]:
                results[key].append(targets[key]())
        print(f"In-process CPU time per request, median of {args.rounds} rounds (us):")
        for key, label in [
            ("1", "(1)  /bench/ok, no cookie"),
            ("5b", "(5b) /bench/ok, no cookie, middleware hooks off"),
            ("2", "(2)  /api/auth/session, cookie-cache hit"),
            ("3", "(3)  /api/auth/session, database (cookie cache off)"),
            ("4", "(4)  /bench/peer-session, contrib.sessions"),
        ]:
            print(f"  {label:<52} {statistics.median(results[key]):8.1f}")
        print("Ratios (throughput = inverse CPU time; median of per-round ratios):")
        postgres_redis = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(
            os.environ.get("REDIS_URL")
        )
        for label, num, den in [
            ("(2)/(1)", "2", "1"),
            ("(3)/(4)", "3", "4"),
            ("(5a)/(5b)", "1", "5b"),
        ]:
            ratio = statistics.median(
                d / n for n, d in zip(results[num], results[den], strict=True)
            )
            goal = goals(postgres_redis)[label]
            verdict = "PASS" if ratio >= goal else "MISS"
            print(f"  {label:<10} {ratio:5.2f}  goal >= {goal:.2f}  {verdict}")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
