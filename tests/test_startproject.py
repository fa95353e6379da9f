"""A new project set up as the README's Install says, and nothing else: ``django-admin
startproject``, a username-based user model of its own, then the INSTALLED_APPS, MIDDLEWARE,
AUTH_USER_MODEL and URL lines. ``migrate``, ``check`` and ``runserver`` work with no cache
setting (development runs on a per-process revocation fallback, with a warning), and a user
signs in over HTTP."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port, run_python

PORTS = range(8610, 8620)

USER_MODEL = """
from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_python(args, env=env, cwd=cwd)


def _make_project(root: Path, env: dict[str, str]) -> Path:
    root.mkdir()
    _run(["-m", "django", "startproject", "newsite", str(root)], root.parent, env)
    _run(["manage.py", "startapp", "accounts"], root, env)
    (root / "accounts" / "models.py").write_text(USER_MODEL)
    settings = root / "newsite" / "settings.py"
    text = settings.read_text()
    # The README's Install, steps 1 to 3 (startproject's quotes differ between versions).
    text = _add_after(
        text, "django.contrib.staticfiles", ["rest_framework", "django_authsession", "accounts"]
    )
    text = _add_after(
        text,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        ["django_authsession.middleware.AuthSessionMiddleware"],
    )
    text += '\nAUTH_USER_MODEL = "accounts.User"\n'
    assert text.count("django_authsession") == 2
    settings.write_text(text)
    urls = root / "newsite" / "urls.py"
    text = urls.read_text().replace(
        "from django.urls import path", "from django.urls import include, path"
    )
    text = re.sub(
        r"( *)path\((['\"])admin/\2, admin\.site\.urls\),\n",
        r"\g<0>\1path(\2api/auth/\2, include(\2django_authsession.urls\2)),\n",
        text,
    )
    assert "django_authsession.urls" in text
    urls.write_text(text)
    return root


def _add_after(text: str, entry: str, new: list[str]) -> str:
    """Add list entries after ``entry`` in a generated settings file, in its quotes."""
    match = re.search(rf"( *)(['\"]){re.escape(entry)}\2,\n", text)
    assert match is not None, entry
    indent, quote = match.group(1), match.group(2)
    added = "".join(f"{indent}{quote}{name}{quote},\n" for name in new)
    return text[: match.end()] + added + text[match.end() :]


@pytest.mark.supplied_user_model  # once per CI pass: a project of its own
def test_startproject_with_the_readme_install_steps(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["PYTHONPATH"] = ""
    root = _make_project(tmp_path / "project", env)

    _run(["manage.py", "makemigrations", "accounts"], root, env)
    _run(["manage.py", "migrate", "--verbosity", "0"], root, env)
    checked = _run(["manage.py", "check"], root, env)
    output = checked.stdout + checked.stderr
    # What production needs, said once each: a shared cache for the marks, and the backend
    # that limits Django's own password checks. Warnings: the project starts.
    assert "django_authsession.W011" in output
    assert "django_authsession.W017" in output
    assert "System check identified 2 issues" in output, output

    port = free_port(PORTS)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _wait_for(opener, f"{base}/api/auth/get-session", server)
        credentials = {"email": "ada@example.com", "password": "analytical-engine"}
        signed_up = _post(opener, f"{base}/api/auth/sign-up/email", {**credentials, "name": "Ada"})
        assert signed_up["user"]["name"] == "Ada"  # first_name of the username-based model
        jar.clear()
        signed_in = _post(opener, f"{base}/api/auth/sign-in/email", credentials)
        assert signed_in["user"]["email"] == "ada@example.com"
        assert "better-auth.session_token" in {c.name for c in jar}
        with opener.open(f"{base}/api/auth/get-session", timeout=10) as response:
            session = json.load(response)
        assert session["user"]["email"] == "ada@example.com"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def _post(opener: Any, url: str, body: dict[str, str]) -> Any:
    origin = url.split("/api/")[0]
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": origin},
    )
    with opener.open(request, timeout=10) as response:
        return json.load(response)


def _wait_for(opener: Any, url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise AssertionError(f"runserver exited: {output}")
        try:
            with opener.open(url, timeout=2) as response:
                assert response.read() == b"null"
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("runserver did not answer")
