"""A real ASGI server (uvicorn) for the end-to-end tests, beside pytest-django's WSGI
``live_server``: a subprocess on 127.0.0.1 with its own freshly migrated SQLite database."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
START_ATTEMPTS = 3
STARTUP_SECONDS = 30
# The environment of each running uvicorn server, by base URL: a test runs management
# commands against that server's database with it (to create users, say).
SERVER_ENVS: dict[str, dict[str, str]] = {}


def _server_env(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.server_settings",
        "AUTHSESSION_E2E_BASE_SETTINGS": settings.SETTINGS_MODULE,
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)  # one worker: the local-memory cache is shared enough
    return env


@contextmanager
def uvicorn_server(
    database: Path,
    settings_module: str = "tests.e2e.server_settings",
    extra_env: dict[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[str]:
    """Runs uvicorn serving Django's ASGI application with ``settings_module`` on a freshly
    migrated SQLite database; yields its base URL (https with ``tls``, a (key, certificate)
    pair). Stopped on exit."""
    env = {**_server_env(database), "DJANGO_SETTINGS_MODULE": settings_module, **(extra_env or {})}
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    # A port the system picks, not one of a fixed range other test runs on the machine use too;
    # should it be taken before uvicorn binds it, uvicorn exits: try another.
    for attempt in range(1, START_ATTEMPTS + 1):
        port = _system_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "django.core.asgi:get_asgi_application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        if tls:
            command += ["--ssl-keyfile", str(tls[0]), "--ssl-certfile", str(tls[1])]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        if _answers(server, url, tls is not None):
            break
        _stop(server)
        if attempt == START_ATTEMPTS:
            raise RuntimeError("uvicorn did not start")
    SERVER_ENVS[url] = env  # for tests that run manage.py against the server's database
    try:
        yield url
    finally:
        SERVER_ENVS.pop(url, None)
        _stop(server)


def _system_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(server: subprocess.Popen[bytes], url: str, tls: bool) -> bool:
    """Whether ``server`` came up and answers at ``url`` (False when it exited first)."""
    # The test's own throwaway certificate: the readiness probe does not verify it.
    probe_context = ssl._create_unverified_context() if tls else None
    deadline = time.monotonic() + STARTUP_SECONDS
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/ping/", timeout=2, context=probe_context):
                return True
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="module")
def asgi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of uvicorn serving Django's ASGI application."""
    yield from start_asgi_server(tmp_path_factory)


def start_asgi_server(
    tmp_path_factory: pytest.TempPathFactory, extra_settings: dict[str, Any] | None = None
) -> Iterator[str]:
    """Start uvicorn (with ``extra_settings`` on top of the test run's), yield its base URL,
    stop it."""
    pytest.importorskip("uvicorn")
    extra_env = {"AUTHSESSION_E2E_SETTINGS": json.dumps(extra_settings)} if extra_settings else None
    with uvicorn_server(tmp_path_factory.mktemp("asgi") / "db.sqlite3", extra_env=extra_env) as url:
        yield url


@pytest.fixture
def wsgi_server(live_server: Any, settings: Any) -> str:
    """Base URL of pytest-django's live server (WSGI), over plain http like ``asgi_server``."""
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    return str(live_server.url)
