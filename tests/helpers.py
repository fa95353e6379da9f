"""What the tests share: the one browser client, sign-in and sign-up over HTTP, cookie
parsing and the JSON shapes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.cookies import Morsel
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from django_authsession.conf import app_settings
from tests.factories import DEFAULT_PASSWORD

SITE_ORIGIN = "http://testserver"
SIGN_IN_URL = "/api/auth/sign-in/email"
SIGN_UP_URL = "/api/auth/sign-up/email"


def origin_client(origin: str | None = SITE_ORIGIN, **headers: Any) -> Client:
    """A client that sends ``Origin`` as a browser on the site does (``None``: no header)."""
    if origin is not None:
        headers.setdefault("HTTP_ORIGIN", origin)
    headers.setdefault("HTTP_USER_AGENT", "pytest-browser/1.0")
    return Client(**headers)


def sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **fields: Any) -> Any:
    """POST ``/sign-in/email`` as JSON; returns the response (check its status yourself)."""
    return client.post(
        SIGN_IN_URL,
        {"email": email, "password": password, **fields},
        content_type="application/json",
    )


def sign_up(
    client: Client,
    email: str,
    password: str = DEFAULT_PASSWORD,
    *,
    name: str = "New User",
    **fields: Any,
) -> Any:
    """POST ``/sign-up/email`` as JSON; returns the response."""
    body = {"name": name, "email": email, "password": password, **fields}
    return client.post(SIGN_UP_URL, body, content_type="application/json")


def signed_in_token(client: Client, email: str, password: str = DEFAULT_PASSWORD) -> str:
    """Sign in, assert it worked, and return the raw token."""
    response = sign_in(client, email, password)
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

DOCUMENTED_SESSION_KEYS = {
    "id",
    "user_id",
    "token",
    "expires_at",
    "ip_address",
    "user_agent",
    "created_at",
    "updated_at",
}
DOCUMENTED_USER_KEYS = {
    "id",
    "email",
    "name",
    "type",
    "profession",
    "avatar",
    "isActive",
    "organizationId",
    "isEmailVerified",
    "createdAt",
    "updatedAt",
}
BETTER_AUTH_SESSION_KEYS = {
    "id",
    "userId",
    "token",
    "expiresAt",
    "ipAddress",
    "userAgent",
    "createdAt",
    "updatedAt",
}
BETTER_AUTH_USER_KEYS = DOCUMENTED_USER_KEYS | {"emailVerified", "image"}
NULL_ANSWER = {"session": None, "user": None}


def cleared(response: Any, name: str) -> bool:
    """Did the response tell the browser to drop cookie ``name``?"""
    morsel: Morsel[str] | None = response.cookies.get(name)
    return morsel is not None and morsel.value == "" and str(morsel["max-age"]) == "0"


def set_value(response: Any, name: str) -> str | None:
    """The value the response sets for cookie ``name`` (not a deletion), else ``None``."""
    morsel = response.cookies.get(name)
    if morsel is None or str(morsel["max-age"]) == "0":
        return None
    return morsel.value


def json_of(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def free_port(ports: range) -> int:
    """The first port of ``ports`` free on 127.0.0.1, for a server a test starts."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def unreachable_redis() -> dict[str, Any]:
    """A Redis cache on a port where nothing listens: a cache store that is down."""
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


@contextmanager
def redis_server(*options: str) -> Iterator[int]:
    """A Redis server of the test's own on a free loopback port, without persistence, with
    extra ``options`` (``"--maxmemory", "10mb"``); yields its port. Skips the test when
    ``redis-server`` or redis-py is missing."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server")
    pytest.importorskip("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen(
        [*command, "--appendonly", "no", *options], stdout=subprocess.DEVNULL
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def history_writes() -> int:
    """Rows the security history adds to a sign-out or a revocation (one event), when
    ``django_authsession.activity`` is installed."""
    return int(apps.is_installed("django_authsession.activity"))


def activity_writes(seconds_since_last: float) -> int:
    """The ``last_active_at`` write a request pays once ``AUTHSESSION_ACTIVITY_INTERVAL``
    has passed since the last recorded activity (0 or 1)."""
    interval = app_settings.ACTIVITY_INTERVAL
    return int(interval is not None and seconds_since_last >= interval)


def geoip_record(country_code: str, country: str, city: str | None = None) -> dict[str, Any]:
    """A GeoIP2 City record as MaxMind lays it out (English names)."""
    record: dict[str, Any] = {"country": {"iso_code": country_code, "names": {"en": country}}}
    if city is not None:
        record["city"] = {"names": {"en": city}}
    return record


def write_geoip_database(path: Any, networks: dict[str, dict[str, Any]]) -> Any:
    """Write a GeoLite2-City database mapping each network to its record, with mmdb-writer
    (the test extra): tests read places from a real file without downloading one."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(
        ip_version=6,
        database_type="GeoLite2-City",
        languages=["en"],
        description="django-authsession test places",
        ipv4_compatible=True,
    )
    for network, record in networks.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


def run_checks(**kwargs: Any) -> list[Any]:
    """Django's ``run_checks`` without a database connection, as Django 5.2 runs it by
    default: from 6.1 on, model checks without ``databases`` query every alias (a JSONField asks
    SQLite whether it supports JSON), which a test without database access may not do."""
    from django.core.checks import run_checks as django_run_checks

    kwargs.setdefault("databases", [])
    return list(django_run_checks(**kwargs))


ROOT = Path(__file__).resolve().parent.parent


def run_python(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` in a process of its own (settings, a user model or a fresh
    interpreter's warnings cannot change within the test run); fails the calling test with the
    command and its output unless it exited 0."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, " ".join(args) + "\n" + done.stdout + done.stderr
    return done


def run_tests_under(settings_module: str, *pytest_args: str) -> str:
    """Run pytest in a process of its own under ``settings_module`` (a user model or
    INSTALLED_APPS cannot change within a run), on in-memory SQLite; fails the calling test
    with the output unless every selected test passed. Returns the output."""
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("REDIS_URL", None)
    pytest_run = ("-m", "pytest", "-q", "-p", "no:cacheprovider", f"--ds={settings_module}")
    return run_python([*pytest_run, *pytest_args], env=env, timeout=300).stdout
