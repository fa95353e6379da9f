"""The example project's watched sessions: its settings send the new-device mail to the console,
or to files in DJANGO_EMAIL_FILE_PATH, and its account page lists recent security activity and
known devices."""

from __future__ import annotations

import os

import pytest

from tests.helpers import origin_client, run_python, signed_in_token

# Django 6.1's EMAIL_BACKEND deprecation is a PendingDeprecationWarning (removal in 2028).
DEPRECATIONS_ARE_ERRORS = [
    *("-W", "error::DeprecationWarning"),
    *("-W", "error::PendingDeprecationWarning"),
]


def _run_with_example_settings(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter set up with example_project.settings, with
    deprecation warnings as errors (an email setting Django deprecates fails here)."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_EMAIL_FILE_PATH"}
    environment["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    setup = "import django; django.setup(); from django.conf import settings as s\n"
    return run_python(
        [*DEPRECATIONS_ARE_ERRORS, "-c", setup + code], env={**environment, **env}, timeout=60
    ).stdout


SEND = "from django.core.mail import send_mail; send_mail('New sign-in', 'body', None, ['a@b.c'])"


def test_the_example_mails_new_devices_to_the_console_or_to_files(tmp_path) -> None:
    """The mail really goes where the example says, through the email settings of the running
    Django (MAILERS on 6.1 and later, EMAIL_BACKEND before), without a deprecation warning."""
    assert _run_with_example_settings("print(s.AUTHSESSION_NOTIFY_NEW_DEVICE)").strip() == "True"
    apps = _run_with_example_settings("print(s.INSTALLED_APPS)")
    assert "django_authsession.activity" in apps
    assert "Subject: New sign-in" in _run_with_example_settings(SEND)
    printed = _run_with_example_settings(SEND, DJANGO_EMAIL_FILE_PATH=str(tmp_path))
    assert "Subject: New sign-in" not in printed
    (written,) = tmp_path.iterdir()
    assert "Subject: New sign-in" in written.read_text()


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
