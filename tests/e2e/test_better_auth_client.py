"""Better Auth's own JavaScript client (better-auth 1.7.25, from npm) against a live server of
this app: sign-up, getSession, signIn, listSessions, revokeSession across two "browsers",
changePassword (a third browser signed out by it), signOut. Against the WSGI live server
and against uvicorn (ASGI). Needs Node.js and `npm ci` in tests/e2e; skipped without them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCRIPT = HERE / "better_auth_client.mjs"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / "better-auth").is_dir(),
        reason="needs the Better Auth client: (cd tests/e2e && npm ci)",
    ),
]


def test_better_auth_client_against_wsgi(wsgi_server: str) -> None:
    run_client(wsgi_server)


def test_better_auth_client_against_uvicorn(asgi_server: str) -> None:
    run_client(asgi_server)


def run_client(server_url: str) -> None:
    done = subprocess.run(
        ["node", str(SCRIPT), f"{server_url}/api/auth"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    steps = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert len(steps) == 16, steps
