"""Better Auth's own JavaScript client with its admin plugin (``adminClient()``, better-auth
1.7.25 from npm) against a live server of this app with ``django_authsession.admin_api``: a
staff admin (its permissions given directly, or through a group) lists and revokes a user's
sessions, revokes them all, impersonates the user and stops (twice, the restored cookie
keeping its Max-Age), bans and unbans; a user who is not staff gets 403 on each call. Against
the WSGI live server and against uvicorn (ASGI). Needs Node.js and `npm ci` in tests/e2e;
skipped without them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from django_authsession.admin_api import service
from tests.e2e.conftest import ROOT, SERVER_ENVS
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
    run_client(wsgi_server, _email(admin), _email(new_user()), _email(new_user()))


# The uvicorn server has a database of its own (another process): users are made there, the
# admin getting its permissions through a group, the way a project grants them.
def _create_users_in(server_url: str) -> tuple[str, str, str]:
    emails = ("e2e-admin@example.com", "e2e-target@example.com", "e2e-plain@example.com")
    permissions = [*PERMISSIONS, service.ban_permission()]
    code = (
        "from django.contrib.auth.models import Group, Permission\n"
        "from tests.factories import UserFactory\n"
        f"emails, permissions = {emails!r}, {permissions!r}\n"
        "group = Group.objects.create(name='session admins')\n"
        "for name in permissions:\n"
        "    app_label, codename = name.split('.')\n"
        "    group.permissions.add(Permission.objects.get("
        "content_type__app_label=app_label, codename=codename))\n"
        "admin = UserFactory(email=emails[0], is_staff=True)\n"
        "admin.groups.add(group)\n"
        "UserFactory(email=emails[1])\n"
        "UserFactory(email=emails[2])\n"
    )
    subprocess.run(
        [sys.executable, "-m", "django", "shell", "-c", code],
        cwd=ROOT,
        env=SERVER_ENVS[server_url],
        check=True,
        timeout=120,
    )
    return emails


def test_admin_plugin_calls_against_uvicorn(asgi_server: str) -> None:
    run_client(asgi_server, *_create_users_in(asgi_server))


def run_client(server_url: str, admin: str, target: str, plain: str) -> None:
    done = subprocess.run(
        ["node", str(SCRIPT), f"{server_url}/api/auth", admin, target, plain, DEFAULT_PASSWORD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    steps = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert len(steps) == 31, steps
