"""Better Auth's own JavaScript client with its admin plugin (``adminClient()``, better-auth
1.7.25 from npm) against a live server of this app with ``django_authsession.admin_api``: a
staff admin lists and revokes a user's sessions, revokes them all, impersonates the user and
stops (twice, the restored cookie keeping its Max-Age), bans and unbans; a user who is not
staff gets 403 on each call. Needs Node.js and `npm ci` in tests/e2e; skipped without them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from django_authsession.admin_api import service
from tests.factories import DEFAULT_PASSWORD, UserFactory


def new_user(**fields: Any) -> Any:
    """A saved user of the installed model (typed as such, not as the factory)."""
    return UserFactory(**fields)


HERE = Path(__file__).parent
SCRIPT = HERE / "better_auth_admin.mjs"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js"),
    pytest.mark.skipif(
        not (HERE / "node_modules" / "better-auth").is_dir(),
        reason="needs the Better Auth client: (cd tests/e2e && npm ci)",
    ),
]

PERMISSIONS = (
    service.LIST_PERMISSION,
    service.REVOKE_PERMISSION,
    service.IMPERSONATE_PERMISSION,
)


def _email(user: Any) -> str:
    return str(getattr(user, user.get_email_field_name()))


def test_admin_plugin_calls_against_wsgi(wsgi_server: str) -> None:
    admin = new_user(is_staff=True)
    for name in (*PERMISSIONS, service.ban_permission()):
        app_label, codename = name.split(".")
        admin.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    target = new_user()
    plain = new_user()
    done = subprocess.run(
        [
            "node",
            str(SCRIPT),
            f"{wsgi_server}/api/auth",
            _email(admin),
            _email(target),
            _email(plain),
            DEFAULT_PASSWORD,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    steps = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert len(steps) == 31, steps
