"""The example project's watched sessions: its settings send the new-device mail to the console,
or to files in DJANGO_EMAIL_FILE_PATH, and its account page lists recent security activity and
known devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import origin_client, signed_in_token

REPO = Path(__file__).resolve().parent.parent


def _example_setting(name: str, **env: str) -> str:
    """A setting of example_project.settings as a fresh interpreter reads it."""
    code = f"import example_project.settings as s; print(getattr(s, {name!r}, ''))"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_EMAIL_FILE_PATH"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_the_example_mails_new_devices_to_the_console_or_to_files(tmp_path) -> None:
    assert _example_setting("AUTHSESSION_NOTIFY_NEW_DEVICE") == "True"
    assert "django_authsession.activity" in _example_setting("INSTALLED_APPS")
    assert _example_setting("EMAIL_BACKEND") == "django.core.mail.backends.console.EmailBackend"
    files = {"DJANGO_EMAIL_FILE_PATH": str(tmp_path)}
    assert _example_setting("EMAIL_BACKEND", **files) == (
        "django.core.mail.backends.filebased.EmailBackend"
    )
    assert _example_setting("EMAIL_FILE_PATH", **files) == str(tmp_path)


@pytest.mark.urls("example_project.urls")
@pytest.mark.django_db
def test_the_account_page_lists_activity_and_known_devices(user, settings) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    client = origin_client()
    token = signed_in_token(client, user.email)
    page = client.get("/profile").content.decode()
    assert "Recent security activity" in page
    assert "Signed in with email and password" in page
    assert 'id="known-devices"' in page and ">Forget</button>" in page
    assert token not in page
