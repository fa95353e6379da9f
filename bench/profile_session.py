"""In-process profile of the session endpoint through Django's WSGI handler (no HTTP server).

    .venv/bin/python bench/profile_session.py [--requests 2000] [--top 25] [--scenario hit ...]

Calls ``WSGIHandler`` directly with hand-built environs (what gunicorn does, minus the socket),
with the benchmark project's settings, ``DJANGO_DEBUG=0`` and rate limiting on (limit raised).
For each scenario it checks the answer, counts SQL queries and cache calls for one request,
times N requests, then profiles N more with cProfile and prints the top entries by cumulative
time, and by own time, per request:

    ok    GET /bench/ok, no cookie
    hit   GET /api/auth/session, session_token + session_data (cookie-cache hit)
    db    GET /api/auth/session, session_token only (database path, re-writes session_data)
    peer  GET /bench/peer-session, Django's sessionid (contrib.sessions + SessionAuthentication)

Without ``DATABASE_URL`` it migrates a fresh SQLite file in a temporary directory and creates the
demo user; ``--no-setup`` skips that (``session_bench.py --profile`` has done it).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORT = "8100"
ORIGIN = f"http://{HOST}:{PORT}"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"
SCENARIOS = ("ok", "hit", "db", "peer")


def configure_environment(setup: bool) -> Path | None:
    """Environment variables read by the example settings; returns a scratch dir to remove."""
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        if not setup:
            raise SystemExit("--no-setup needs DATABASE_URL")
        scratch = Path(tempfile.mkdtemp(prefix="authsession-profile-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'profile.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "profile-" + os.urandom(24).hex())
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", HOST)
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")
    os.environ.setdefault("AUTHSESSION_DEFAULT_RATE_LIMIT", "100000000/60s")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return scratch


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def set_cookies(self) -> dict[str, str]:
        jar = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.split(";", 1)[0].partition("=")
                jar[key.strip()] = rest.strip()
        return jar


class Caller:
    """Calls the WSGI application as a server would."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def __call__(
        self, method: str, path: str, cookie: str = "", body: dict[str, Any] | None = None
    ) -> Reply:
        payload = json.dumps(body).encode() if body is not None else b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": PORT,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": HOST,
            "HTTP_HOST": f"{HOST}:{PORT}",
            "HTTP_ACCEPT": "application/json",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        if body is not None:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(payload))
            environ["HTTP_ORIGIN"] = ORIGIN
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        result = self.handler(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # request_finished: what gunicorn triggers after each response
        return Reply(int(captured[0].split()[0]), captured[1], data)


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(call: Caller) -> dict[str, str]:
    """Cookie headers per scenario, from real sign-ins."""
    from django_authsession import cookies, revocation

    # The mark store in its steady state: it has kept every mark, so cookie caches are trusted
    # (a store without a generation would send the first hits to the database).
    revocation.trust_cookie_caches_from(0)
    token_name, data_name = cookies.token_cookie_name(), cookies.data_cookie_name()
    reply = call(
        "POST", "/api/auth/sign-in/email", body={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    if reply.status != 200:
        raise SystemExit(f"sign-in: HTTP {reply.status} {reply.body[:300]!r}")
    jar = reply.set_cookies
    token = {token_name: jar[token_name]}
    data = {k: v for k, v in jar.items() if k.startswith(data_name) and v}
    peer = call("POST", "/bench/peer-login", body={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    if peer.status != 200 or "sessionid" not in peer.set_cookies:
        raise SystemExit(f"peer-login: HTTP {peer.status} {peer.body[:300]!r}")
    return {
        "ok": "",
        "hit": cookie_header({**token, **data}),
        "db": cookie_header(token),
        "peer": cookie_header({"sessionid": peer.set_cookies["sessionid"]}),
    }


PATHS = {
    "ok": "/bench/ok",
    "hit": "/api/auth/session",
    "db": "/api/auth/session",
    "peer": "/bench/peer-session",
}


def check(scenario: str, reply: Reply) -> None:
    if reply.status != 200:
        raise SystemExit(f"{scenario}: HTTP {reply.status} {reply.body[:300]!r}")
    data = json.loads(reply.body)
    if scenario != "ok":
        user = data.get("user", data) if isinstance(data, dict) else None
        if not isinstance(user, dict) or user.get("email") != DEMO_EMAIL:
            raise SystemExit(f"{scenario}: not the demo user: {data!r}")
    if scenario == "hit" and reply.set_cookies:
        raise SystemExit(
            f"hit: the server set cookies {sorted(reply.set_cookies)}: not a cache hit"
        )


class CacheCounter:
    """Counts top-level calls on the default cache (rate-limit counters, revocation marks); a
    backend's ``get_many`` made of ``get`` calls counts once."""

    METHODS = ("get", "get_many", "set", "set_many", "add", "incr", "delete", "has_key")

    def __init__(self) -> None:
        from django.core.cache import caches

        self.calls: Counter[str] = Counter()
        self.enabled = False
        self._depth = 0
        cache = caches["default"]
        for name in self.METHODS:
            setattr(cache, name, self._wrap(name, getattr(cache, name)))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.enabled and self._depth == 0:
                self.calls[name] += 1
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1

        return wrapper


class QueryRecorder:
    """SQL statements run inside ``with connection.execute_wrapper(recorder)`` (robust to the
    ``reset_queries`` that every request start does, unlike ``CaptureQueriesContext``)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return execute(sql, *args)


def short_location(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    else:
        if filename.startswith(str(REPO)):
            filename = filename[len(str(REPO)) + 1 :]
    return f"{filename}:{line}({name})"


def print_top(stats: pstats.Stats, requests: int, sort: str, top: int) -> None:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    column = 3 if sort == "cumulative" else 2
    rows = sorted(raw.items(), key=lambda item: item[1][column], reverse=True)[:top]
    print(f"    {'calls/req':>9} {'own us/req':>10} {'cum us/req':>10}  function")
    for (filename, line, name), (_cc, calls, own, cum, _callers) in rows:
        per_call = calls / requests
        own_us, cum_us = own / requests * 1e6, cum / requests * 1e6
        where = short_location(filename, line, name)
        print(f"    {per_call:>9.2f} {own_us:>10.1f} {cum_us:>10.1f}  {where}")


def profile(scenarios: Iterable[str], requests: int, top: int, own_top: int) -> None:
    from django.db import connection

    call = Caller()
    cookies = sign_in(call)
    counter = CacheCounter()
    summary = []
    for scenario in scenarios:
        path, cookie = PATHS[scenario], cookies[scenario]

        def one(path: str = path, cookie: str = cookie) -> Reply:
            return call("GET", path, cookie)

        check(scenario, one())
        for _ in range(50):
            one()
        counter.calls.clear()
        counter.enabled = True
        queries = QueryRecorder()
        with connection.execute_wrapper(queries):
            check(scenario, one())
        counter.enabled = False
        cache_calls = dict(counter.calls)
        started = time.perf_counter()
        for _ in range(requests):
            one()
        mean_us = (time.perf_counter() - started) / requests * 1e6
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            one()
        profiler.disable()
        summary.append((scenario, mean_us, len(queries.statements), cache_calls))

        print(f"\n[{scenario}] GET {path}  {'(' + cookie[:40] + '...)' if cookie else ''}")
        sql = "".join(f"\n    SQL: {statement[:150]}" for statement in queries.statements)
        print(f"  {mean_us:.0f} us/request unprofiled; SQL queries: {len(queries.statements)}{sql}")
        print(f"  cache calls: {cache_calls or 'none'}")
        stats = pstats.Stats(profiler)
        print(f"  top {top} by cumulative time (per request, profiled):")
        print_top(stats, requests, "cumulative", top)
        print(f"  top {own_top} by own time:")
        print_top(stats, requests, "own", own_top)

    print("\nSummary (in-process, one thread, no HTTP):")
    print(f"  {'scenario':<8} {'us/req':>8} {'req/s':>8} {'SQL':>4}  cache calls")
    for scenario, mean_us, n_queries, cache_calls in summary:
        print(
            f"  {scenario:<8} {mean_us:>8.0f} {1e6 / mean_us:>8.0f} {n_queries:>4}  "
            f"{sum(cache_calls.values())} {cache_calls or ''}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=2000, help="per scenario (2000)")
    parser.add_argument("--top", type=int, default=25, help="entries by cumulative time (25)")
    parser.add_argument("--own-top", type=int, default=12, help="entries by own time (12)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable")
    parser.add_argument("--no-setup", action="store_true", help="skip migrate/create_demo_user")
    args = parser.parse_args(argv)
    scratch = configure_environment(setup=not args.no_setup)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        if not args.no_setup:
            call_command("migrate", verbosity=0, interactive=False)
            call_command("create_demo_user", stdout=io.StringIO())
        profile(args.scenario or SCENARIOS, args.requests, args.top, args.own_top)
    finally:
        if scratch is not None:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
