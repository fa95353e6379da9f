"""A real ASGI server (uvicorn) for the end-to-end tests, beside pytest-django's WSGI
``live_server``: a subprocess on 127.0.0.1 with its own freshly migrated SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8200, 8300)
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


@pytest.fixture(scope="module")
def asgi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of uvicorn serving Django's ASGI application."""
    pytest.importorskip("uvicorn")
    env = _server_env(tmp_path_factory.mktemp("asgi") / "db.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port(PORTS)
    server = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    SERVER_ENVS[url] = env
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/ping/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def wsgi_server(live_server: Any, settings: Any) -> str:
    """Base URL of pytest-django's live server (WSGI), over plain http like ``asgi_server``."""
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    return str(live_server.url)
