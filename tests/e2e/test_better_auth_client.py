"""Better Auth's own JavaScript client (better-auth 1.7.25, from npm) against a live server of
this app: sign-up, getSession, signIn, listSessions, revokeSession across two "browsers",
changePassword (a third browser signed out by it),
signOut. Needs Node.js and `npm ci` in tests/e2e; skipped without them."""

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


def test_better_auth_client_works_against_django(live_server, settings) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False  # plain http, as a browser on localhost
    done = subprocess.run(
        ["node", str(SCRIPT), f"{live_server.url}/api/auth"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    steps = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert len(steps) == 16, steps
