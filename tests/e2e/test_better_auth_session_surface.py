"""Better Auth's own JavaScript client (better-auth 1.7.25, from npm), unchanged, against the rest
of the session surface: ``updateSession`` with a declared session field, a bearer-only client
configured as the bearer plugin documents, revoke-session of a session already gone, and
``SESSION_NOT_FRESH`` then fresh again after signing in again, on the same session. Against the
WSGI live server and uvicorn (ASGI). Needs Node.js and `npm ci` in tests/e2e."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import start_asgi_server

HERE = Path(__file__).parent
SCRIPT = HERE / "better_auth_session_surface.mjs"
FRESH_AGE = 3  # seconds: the script waits it out once
SERVER_SETTINGS: dict[str, Any] = {
    "AUTHSESSION_FRESH_AGE": FRESH_AGE,
    "AUTHSESSION_SESSION_FIELDS": {
        "activeOrganizationId": {"type": "string", "default": None, "input": True},
        "role": {"type": "string", "default": "member", "input": False},
    },
}
STEPS = 19

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / "better-auth").is_dir(),
        reason="needs the Better Auth client: (cd tests/e2e && npm ci)",
    ),
]


@pytest.fixture(scope="module")
def surface_asgi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_asgi_server(tmp_path_factory, SERVER_SETTINGS)


def test_session_surface_against_wsgi(wsgi_server: str, settings: Any) -> None:
    for name, value in SERVER_SETTINGS.items():
        setattr(settings, name, value)
    run_client(wsgi_server)


def test_session_surface_against_uvicorn(surface_asgi_server: str) -> None:
    run_client(surface_asgi_server)


def run_client(server_url: str) -> None:
    done = subprocess.run(
        ["node", str(SCRIPT), f"{server_url}/api/auth", str(FRESH_AGE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    steps = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert len(steps) == STEPS, steps
