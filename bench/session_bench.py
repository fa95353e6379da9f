"""HTTP benchmark of ``GET /api/auth/session`` against a trivial DRF view and Django's sessions.

Usually run through ``bash bench/run.sh`` (which installs gunicorn, uvicorn, wrk, the drivers):

    .venv/bin/python bench/session_bench.py [--duration 8] [--rounds 4] [--connections 16]
                                            [--threads 2] [--workers 2] [--profile]

It migrates a fresh SQLite file in a temporary directory (or the databases named by
``DATABASE_URL`` / ``REDIS_URL`` when set), creates the demo user and starts four servers of the
benchmark project (``bench/settings.py``, ``bench/urls.py``) on 127.0.0.1, ports 8100-8199
(``BENCH_PORTS``), with ``DJANGO_DEBUG=0`` (so the cookies are the ``__Secure-`` ones) and rate
limiting on, with the limit raised through ``AUTHSESSION_DEFAULT_RATE_LIMIT``:

- ``main``: gunicorn, ``bench.settings``;
- ``nomw``: gunicorn, ``bench.settings_nomw``, the same without ``AuthSessionMiddleware``;
- ``nocache``: gunicorn, ``bench.settings_nocache``, the cookie cache off (target 3);
- ``asgi``: uvicorn, ``bench.settings`` (targets 1u and 2u).

It signs in over HTTP (``/api/auth/sign-in/email`` and the peer's ``/bench/peer-login``),
checks every target answers 200 with the demo user, then runs wrk on each target in alternating
rounds (the order reversed every other round) and prints the medians over rounds and the ratios
(each the median of the per-round ratios), against the goals of issue 8 (SQLite + local memory;
PostgreSQL + Redis when both URLs are set):

    (1)  GET /bench/ok, no cookie: a trivial DRF view (also (5a): through our middleware)
    (2)  GET /api/auth/session, session_token + session_data: cookie-cache hit, no SQL
    (3)  GET /api/auth/session, session_token only, on the server with the cookie cache off:
         the database path (one query, no cookie written)
    (4)  GET /bench/peer-session, Django's sessionid: contrib.sessions + DRF SessionAuthentication
    (5b) GET /bench/ok, no cookie, on the server without AuthSessionMiddleware
    (1u), (2u) as (1) and (2), under uvicorn (ASGI)

    (2)/(1) >= 0.80 (0.60)   (3)/(4) >= 1.5 (1.2)   (5a)/(5b) >= 0.97   (2u)/(1u) reported

``--profile`` then runs ``bench/profile_session.py`` (cProfile, in-process) on the same database.
The servers are stopped in every case (process groups, ``finally``). Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"
# DEBUG is off, so the app uses secure cookies and their "__Secure-" names. wrk sends the Cookie
# header as given; the server does not care that the connection is plain http.
TOKEN_COOKIE = "__Secure-better-auth.session_token"
DATA_COOKIE = "__Secure-better-auth.session_data"
PEER_COOKIE = "sessionid"
RATE_LIMIT = "100000000/60s"
MAIN_SETTINGS = "bench.settings"
NOMW_SETTINGS = "bench.settings_nomw"
NOCACHE_SETTINGS = "bench.settings_nocache"


class BenchError(RuntimeError):
    """A setup or correctness failure: the run is aborted."""


# --------------------------------------------------------------------------------------------
# Servers


# The servers listen on 127.0.0.1 in this range only (BENCH_PORTS="8100-8199" overrides).
PORT_RANGE = os.environ.get("BENCH_PORTS", "8100-8199")
_ports_taken: set[int] = set()


def free_port() -> int:
    """The first port of PORT_RANGE that is free and not yet handed out by this run."""
    low, _, high = PORT_RANGE.partition("-")
    for port in range(int(low), int(high or low) + 1):
        if port in _ports_taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
        _ports_taken.add(port)
        return port
    raise BenchError(f"no free port in {PORT_RANGE}")


@dataclass
class Server:
    name: str
    settings_module: str
    env: dict[str, str]
    workers: int
    log_path: Path
    asgi: bool = False  # uvicorn (ASGI) instead of gunicorn (WSGI)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": self.settings_module}
        command = self.uvicorn_command() if self.asgi else self.gunicorn_command()
        with self.log_path.open("wb") as log:
            # A new session: the server and its workers form one process group we can end.
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def uvicorn_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.asgi:application",
            "--workers",
            str(self.workers),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--no-access-log",
            "--lifespan",
            "off",
        ]

    def gunicorn_command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{self.port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--chdir",
            str(REPO),
        ]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BenchError(f"gunicorn {self.name} exited early:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if request(self.port, "GET", "/bench/ok").status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"gunicorn {self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid) if self.process is not None else []

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------------
# HTTP client (127.0.0.1 only)


@dataclass
class Reply:
    status: int
    body: bytes
    set_cookies: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str = "",
    body: Mapping[str, Any] | None = None,
    origin: str | None = None,
) -> Reply:
    headers = {"Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if origin:
        headers["Origin"] = origin
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        jar: dict[str, str] = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            jar[name.strip()] = value.strip()
        return Reply(response.status, data, jar)
    finally:
        connection.close()


def cookie_header(jar: Mapping[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def expect(reply: Reply, what: str) -> Any:
    if reply.status != 200:
        raise BenchError(f"{what}: HTTP {reply.status}: {reply.body[:500]!r}")
    try:
        return reply.json()
    except ValueError as exc:
        raise BenchError(f"{what}: not JSON: {reply.body[:500]!r}") from exc


def data_cookies(jar: Mapping[str, str]) -> dict[str, str]:
    """The session_data cookie, or its chunks (``session_data.0``, ...), with a value."""
    return {
        name: value
        for name, value in jar.items()
        if (name == DATA_COOKIE or name.startswith(DATA_COOKIE + ".")) and value
    }


@dataclass
class Identities:
    main: Server
    nomw: Server
    token_jar: dict[str, str] = field(default_factory=dict)
    data_jar: dict[str, str] = field(default_factory=dict)
    peer_jar: dict[str, str] = field(default_factory=dict)
    user_id: Any = None

    def sign_in(self) -> None:
        reply = request(
            self.main.port,
            "POST",
            "/api/auth/sign-in/email",
            body={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            origin=self.main.origin,
        )
        data = expect(reply, "sign-in")
        if data.get("user", {}).get("email") != DEMO_EMAIL:
            raise BenchError(f"sign-in: unexpected body {data!r}")
        self.user_id = data["user"]["id"]
        if TOKEN_COOKIE not in reply.set_cookies or not data_cookies(reply.set_cookies):
            raise BenchError(f"sign-in: cookies missing, got {sorted(reply.set_cookies)}")
        self.token_jar = {TOKEN_COOKIE: reply.set_cookies[TOKEN_COOKIE]}
        self.data_jar = data_cookies(reply.set_cookies)

        reply = request(
            self.main.port,
            "POST",
            "/bench/peer-login",
            body={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        expect(reply, "peer-login")
        if not reply.set_cookies.get(PEER_COOKIE):
            raise BenchError(
                f"peer-login: no {PEER_COOKIE} cookie, got {sorted(reply.set_cookies)}"
            )
        self.peer_jar = {PEER_COOKIE: reply.set_cookies[PEER_COOKIE]}

    def sign_out(self) -> None:
        with contextlib.suppress(OSError, http.client.HTTPException):
            request(
                self.main.port,
                "POST",
                "/api/auth/sign-out",
                cookie=cookie_header(self.token_jar),
                origin=self.main.origin,
            )

    def check_user(self, data: Any, what: str) -> None:
        user = data.get("user") if isinstance(data, dict) and "session" in data else data
        if not isinstance(user, dict) or user.get("email") != DEMO_EMAIL:
            raise BenchError(f"{what}: not the demo user: {data!r}")
        if str(user.get("id")) != str(self.user_id):
            raise BenchError(f"{what}: user id {user.get('id')!r}, expected {self.user_id!r}")

    # The cookie cache lives 5 minutes: fetch a fresh one before each cache-hit run.
    def refresh_cache_cookie(self) -> None:
        reply = request(
            self.main.port, "GET", "/api/auth/session", cookie=cookie_header(self.token_jar)
        )
        self.check_user(expect(reply, "session (refresh cookie cache)"), "session")
        fresh = data_cookies(reply.set_cookies)
        if not fresh:
            raise BenchError("session without session_data did not set a new cookie cache")
        self.data_jar = fresh

    def cookie_for(self, kind: str) -> str:
        if kind == "hit":
            return cookie_header({**self.token_jar, **self.data_jar})
        if kind == "db":
            return cookie_header(self.token_jar)
        if kind == "peer":
            return cookie_header(self.peer_jar)
        return ""


# --------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    server: str  # "main", "nomw" or "nocache"
    path: str
    cookie: str  # "", "hit", "db" or "peer"


TARGETS = [
    Target("1", "(1)  /bench/ok, no cookie  [= (5a)]", "main", "/bench/ok", ""),
    Target("5b", "(5b) /bench/ok, no cookie, no AuthSessionMW", "nomw", "/bench/ok", ""),
    Target("2", "(2)  /api/auth/session, cache hit", "main", "/api/auth/session", "hit"),
    Target("3", "(3)  /api/auth/session, DB (cache off)", "nocache", "/api/auth/session", "db"),
    Target("4", "(4)  /bench/peer-session, sessionid", "main", "/bench/peer-session", "peer"),
    Target("1u", "(1u) /bench/ok, no cookie, uvicorn", "asgi", "/bench/ok", ""),
    Target("2u", "(2u) /api/auth/session, cache hit, uvicorn", "asgi", "/api/auth/session", "hit"),
]

# Measurement order: every pair of a ratio is adjacent, and the order is reversed every other
# round (A B C D E, E D C B A, ...), so a linear drift in machine speed hits both sides alike.
MEASURE_ORDER = ["5b", "1", "2", "3", "4", "1u", "2u"]


def ratios(postgres_redis: bool) -> list[tuple[str, str, str, float | None]]:
    """(label, numerator, denominator, goal); the goals of issue 8 per backend, ``None``:
    reported only."""
    return [
        ("(2)/(1)  cache hit vs trivial DRF view", "2", "1", 0.60 if postgres_redis else 0.80),
        ("(3)/(4)  DB path vs contrib.sessions", "3", "4", 1.2 if postgres_redis else 1.5),
        ("(5a)/(5b) middleware on/off, no cookie", "1", "5b", 0.97),
        ("(2u)/(1u) cache hit vs trivial, uvicorn", "2u", "1u", None),
    ]


# django_authsession.revocation.GENERATION_MARGIN_MS, plus room; tries per preflight.
GENERATION_WAIT = 1.2
GENERATION_WARMUPS = 8


def preflight(target: Target, server: Server, ids: Identities) -> None:
    """One request checked for status, body and cookies before each measurement."""
    if target.cookie == "hit":
        ids.refresh_cache_cookie()
        # A worker whose mark store is new (local memory, or a Redis that has never answered a
        # hit) has no generation yet: it trusts only cookie caches issued once it has one, a
        # second after its first hit. Give every worker that moment, with a fresh cookie.
        for _ in range(GENERATION_WARMUPS):
            warm = request(server.port, "GET", target.path, cookie=ids.cookie_for("hit"))
            if not warm.set_cookies:
                break
            time.sleep(GENERATION_WAIT)
            ids.refresh_cache_cookie()
    reply = request(server.port, "GET", target.path, cookie=ids.cookie_for(target.cookie))
    what = f"{target.label.split(')')[0]}) {target.path}"
    data = expect(reply, what)
    if target.path == "/bench/ok":
        if data != {"ok": True}:
            raise BenchError(f"{what}: unexpected body {data!r}")
        return
    ids.check_user(data, what)
    if target.cookie == "hit" and reply.set_cookies:
        # A cache hit writes nothing; a Set-Cookie here means the cookie cache was not used.
        raise BenchError(
            f"{what}: cache hit expected, but the server set {sorted(reply.set_cookies)}"
        )
    if target.cookie == "db" and reply.set_cookies:
        # Cookie cache off: answered from the database, and no cookie to write.
        raise BenchError(f"{what}: no cookie expected, the server set {sorted(reply.set_cookies)}")


# --------------------------------------------------------------------------------------------
# wrk

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass(frozen=True)
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    cpu_us: float = math.nan  # gunicorn workers' CPU time (user + system) per request


# Worker CPU time per request: robust to other processes competing for the CPUs (they lower
# req/s, not the CPU a request costs). Linux /proc only; NaN elsewhere.
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def child_pids(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return math.nan
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLOCK_TICKS if pids else math.nan


def _latency_ms(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
    if match is None:
        raise BenchError(f"wrk output has no {percentile}% latency:\n{text}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(text: str) -> Sample:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    if rps is None or total is None:
        raise BenchError(f"cannot parse wrk output:\n{text}")
    errors = []
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non_2xx:
        errors.append(f"non-2xx {non_2xx.group(1)}")
    sockets = re.search(r"Socket errors:(.*)$", text, re.MULTILINE)
    if sockets:
        errors.append(f"socket errors:{sockets.group(1)}")
    return Sample(
        rps=float(rps.group(1)),
        p50_ms=_latency_ms(text, "50"),
        p99_ms=_latency_ms(text, "99"),
        requests=int(total.group(1)),
        errors="; ".join(errors),
    )


def run_wrk(
    args: argparse.Namespace, url: str, cookie: str, duration: float, workers: list[int]
) -> Sample:
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    cpu_before = cpu_seconds(workers)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30, check=False
    )
    cpu_after = cpu_seconds(workers)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    sample = parse_wrk(done.stdout)
    if "non-2xx" in sample.errors:
        raise BenchError(f"{url}: {sample.errors}\n{done.stdout}")
    cpu_us = (cpu_after - cpu_before) / max(1, sample.requests) * 1e6
    return dataclasses.replace(sample, cpu_us=cpu_us)


# --------------------------------------------------------------------------------------------
# Environment and database preparation


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def server_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    pythonpath = [str(REPO), env.get("PYTHONPATH", "")]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(p for p in pythonpath if p),
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-" + os.urandom(24).hex(),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_CONN_MAX_AGE": str(args.conn_max_age),
            "AUTHSESSION_DEFAULT_RATE_LIMIT": args.rate_limit,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if not os.environ.get("REDIS_URL"):
        env.pop("REDIS_URL", None)
    return env


def manage(env: Mapping[str, str], *command: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *command],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": MAIN_SETTINGS},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def versions(env: Mapping[str, str]) -> dict[str, str]:
    code = (
        "import django, gunicorn, rest_framework, sys, json;"
        "print(json.dumps({'python': sys.version.split()[0], 'django': django.get_version(),"
        " 'drf': rest_framework.VERSION, 'gunicorn': gunicorn.__version__}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=dict(env), capture_output=True, text=True, check=True
    )
    result: dict[str, str] = json.loads(done.stdout)
    return result


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split("Copyright")[0].strip()


def git_revision() -> str:
    """The commit measured, and whether the work tree differs from it (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "django_authsession"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    return f"{head or 'unknown'}" + (
        " + uncommitted changes in django_authsession/" if dirty else ""
    )


def print_environment(args: argparse.Namespace, env: Mapping[str, str], db: str) -> None:
    info = versions(env)
    cache = f"Redis {redact(env['REDIS_URL'])}" if env.get("REDIS_URL") else "LocMemCache"
    rows = [
        ("database", db),
        ("cache", f"{cache} (rate-limit counters, revocation marks)"),
        ("server", f"gunicorn {info['gunicorn']}, {args.workers} sync workers, DEBUG=0"),
        ("conn max age", f"{args.conn_max_age}s (DJANGO_CONN_MAX_AGE)"),
        ("rate limit", f"on, AUTHSESSION_DEFAULT_RATE_LIMIT={args.rate_limit}"),
        ("versions", f"Python {info['python']}, Django {info['django']}, DRF {info['drf']}"),
        ("machine", f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"),
        (
            "load",
            f"{wrk_version(args.wrk)}: -t{args.threads} -c{args.connections}, "
            f"{args.rounds} rounds x {args.duration:g}s per target, warm-up {args.warmup:g}s",
        ),
    ]
    rows.append(("code", git_revision()))
    one, five, _ = os.getloadavg()
    rows.append(("load average", f"{one:.2f} (1 min), {five:.2f} (5 min) before starting"))
    print("Environment")
    for name, value in rows:
        print(f"  {name:<13} {value}")
    if one > 0.5:
        print(f"  WARNING: the machine is busy before the benchmark starts (load {one:.2f}):")
        print("  other processes share the CPUs with the servers and wrk; expect noisy numbers.")
    print(flush=True)


def ensure_postgres_database(url: str) -> None:
    """Create the database named by a PostgreSQL URL when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        return
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created PostgreSQL database {name}")
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {redact(admin_url)}: {exc}") from exc


@contextlib.contextmanager
def database(args: argparse.Namespace) -> Iterator[tuple[str, str, Path]]:
    """(DATABASE_URL, description, scratch dir): the environment's, or a fresh SQLite file."""
    scratch = Path(tempfile.mkdtemp(prefix="authsession-bench-"))
    try:
        url = os.environ.get("DATABASE_URL")
        if url:
            if urlsplit(url).scheme.startswith("postgres"):
                ensure_postgres_database(url)
            yield url, f"{urlsplit(url).scheme} {redact(url)}", scratch
        else:
            path = scratch / "bench.sqlite3"
            yield f"sqlite:///{path}", f"SQLite file {path}", scratch
    finally:
        if not args.keep_tmp:
            shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Report


def median_sample(samples: list[Sample]) -> Sample:
    return Sample(
        rps=statistics.median(s.rps for s in samples),
        p50_ms=statistics.median(s.p50_ms for s in samples),
        p99_ms=statistics.median(s.p99_ms for s in samples),
        requests=sum(s.requests for s in samples),
        errors="; ".join(sorted({s.errors for s in samples if s.errors})),
        cpu_us=statistics.median(s.cpu_us for s in samples),
    )


def print_report(results: Mapping[str, list[Sample]], postgres_redis: bool) -> bool:
    medians = {key: median_sample(samples) for key, samples in results.items()}
    width = max(len(t.label) for t in TARGETS)
    print(f"Medians over {len(next(iter(results.values())))} rounds")
    header = (
        f"  {'target':<{width}}  {'req/s':>8}  {'p50 ms':>6}  {'p99 ms':>6}  {'CPU us/req':>10}"
        "  req/s per round"
    )
    print(header)
    print("  " + "-" * (len(header) + 10))
    for target in TARGETS:
        m = medians[target.key]
        spread = " ".join(f"{s.rps:.0f}" for s in results[target.key])
        numbers = f"{m.rps:>8.1f}  {m.p50_ms:>6.2f}  {m.p99_ms:>6.2f}  {m.cpu_us:>10.0f}"
        print(f"  {target.label:<{width}}  {numbers}  {spread}")
    errors = [(t.label, medians[t.key].errors) for t in TARGETS if medians[t.key].errors]
    for label, text in errors:
        print(f"  note {label.split(')')[0]}): {text}")
    print("  CPU us/req: the gunicorn workers' CPU time (user + system) per request.")
    print()
    print("Ratios: req/s = the median of the per-round req/s ratios (both sides run back to")
    print("back in each round); CPU = the inverse ratio of the median worker CPU per request,")
    print("which other processes on the machine do not disturb.")
    ok = True
    for label, num, den, threshold in ratios(postgres_redis):
        paired = [a.rps / b.rps for a, b in zip(results[num], results[den], strict=True)]
        ratio = statistics.median(paired)
        cpu_ratio = medians[den].cpu_us / medians[num].cpu_us
        rounds = " ".join(f"{r:.2f}" for r in paired)
        if threshold is None:
            goal, verdict, cpu_verdict = "report", "    ", "    "
        else:
            passed = ratio >= threshold
            ok = ok and passed
            goal = f">= {threshold:.2f}"
            verdict = "PASS" if passed else "MISS"
            cpu_verdict = "PASS" if cpu_ratio >= threshold else "MISS"
        print(
            f"  {label:<41} {goal:>7}   req/s {ratio:5.2f} {verdict}"
            f"   CPU {cpu_ratio:5.2f} {cpu_verdict}   (rounds {rounds})"
        )
    print(flush=True)
    return ok


# --------------------------------------------------------------------------------------------
# Main


def measure(
    args: argparse.Namespace, servers: Mapping[str, Server], ids: Identities
) -> dict[str, list[Sample]]:
    def one(target: Target, duration: float) -> Sample:
        server = servers[target.server]
        preflight(target, server, ids)
        url = server.origin + target.path
        return run_wrk(args, url, ids.cookie_for(target.cookie), duration, server.worker_pids())

    if args.warmup > 0:
        print(f"Warm-up: {args.warmup:g}s per target", flush=True)
        for target in TARGETS:
            one(target, args.warmup)

    by_key = {t.key: t for t in TARGETS}
    results: dict[str, list[Sample]] = {t.key: [] for t in TARGETS}
    for round_no in range(args.rounds):
        keys = MEASURE_ORDER if round_no % 2 == 0 else MEASURE_ORDER[::-1]
        order = [by_key[key] for key in keys]
        print(f"Round {round_no + 1}/{args.rounds}:", end="", flush=True)
        for target in order:
            sample = one(target, args.duration)
            results[target.key].append(sample)
            print(f"  {target.label.split(')')[0]})={sample.rps:.0f}/s", end="", flush=True)
        print(flush=True)
    print()
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run (8)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds over all targets (4)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per target")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="DJANGO_CONN_MAX_AGE for the servers: persistent DB connections (600)",
    )
    parser.add_argument("--rate-limit", default=RATE_LIMIT, help=f"rule ({RATE_LIMIT})")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="wrk binary")
    parser.add_argument("--profile", action="store_true", help="then run profile_session.py")
    parser.add_argument("--profile-requests", type=int, default=2000, help="per scenario (2000)")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the scratch directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a ratio is missed")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < 1 or args.connections < 1 or args.threads < 1:
        parser.error("rounds, duration, connections and threads must be >= 1")
    args.threads = min(args.threads, args.connections)
    return args


def run_profile(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    print("=" * 100)
    print("In-process profile (bench/profile_session.py)", flush=True)
    command = [
        sys.executable,
        str(REPO / "bench" / "profile_session.py"),
        "--requests",
        str(args.profile_requests),
        "--no-setup",
    ]
    subprocess.run(
        command,
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": MAIN_SETTINGS},
        check=True,
        timeout=600,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which(args.wrk) is None:
        raise SystemExit("wrk not found: apt-get install -y wrk (bench/run.sh does it)")
    started = time.monotonic()
    servers: dict[str, Server] = {}
    with database(args) as (database_url, db_description, scratch):
        env = server_env(args, database_url)
        print_environment(args, env, db_description)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "create_demo_user")
        servers = {
            "main": Server("main", MAIN_SETTINGS, env, args.workers, scratch / "main.log"),
            "nomw": Server("nomw", NOMW_SETTINGS, env, args.workers, scratch / "nomw.log"),
            "nocache": Server(
                "nocache", NOCACHE_SETTINGS, env, args.workers, scratch / "nocache.log"
            ),
            "asgi": Server(
                "asgi", MAIN_SETTINGS, env, args.workers, scratch / "asgi.log", asgi=True
            ),
        }
        ids = Identities(servers["main"], servers["nomw"])
        try:
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_ready()
            ids.sign_in()
            for target in TARGETS:  # correctness first: any failure aborts before measuring
                preflight(target, servers[target.server], ids)
            print(
                "Correctness: all targets answer 200 with the expected body; (2) and (3) set "
                "no cookie (cache hit; database with the cookie cache off).\n",
                flush=True,
            )
            results = measure(args, servers, ids)
            ids.sign_out()
        except BenchError:
            for server in servers.values():
                tail = server.log_tail()
                if tail:
                    print(f"--- gunicorn {server.name} log tail ---\n{tail}", file=sys.stderr)
            raise
        finally:
            for server in servers.values():
                server.stop()
        one, five, _ = os.getloadavg()
        print(f"Load average after measuring: {one:.2f} (1 min), {five:.2f} (5 min)\n")
        postgres_redis = database_url.startswith("postgres") and bool(env.get("REDIS_URL"))
        all_passed = print_report(results, postgres_redis)
        if args.profile:
            run_profile(args, env)
    print(f"Total time {time.monotonic() - started:.0f}s")
    return 1 if args.strict and not all_passed else 0


def _entry() -> int:
    # SIGTERM (a CI timeout, say) unwinds through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return main()
    except BenchError as exc:
        print(f"ABORTED: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(_entry())
