"""The example project's demo user and pages, which the README's quickstart relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

from django_authsession.models import Session
from tests.helpers import origin_client, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("example_project.urls")]


def demo_client() -> Client:
    client = origin_client()
    response = sign_in(client, "demo@example.com", "demo-password-123")
    assert response.status_code == 200, response.content
    return client


def test_create_demo_user_is_idempotent_and_keeps_sessions() -> None:
    call_command("create_demo_user")
    client = demo_client()
    call_command("create_demo_user")
    assert get_user_model().objects.filter(email="demo@example.com").count() == 1
    assert Session.objects.count() == 1
    user = client.get("/api/auth/session").json()["user"]
    assert user["name"] == "Demo User"
    assert user["type"] == "employee"
    assert user["profession"] and user["avatar"]
    assert user["isEmailVerified"] is True


def test_pages_redirect_by_session_and_load_the_browser_client() -> None:
    call_command("create_demo_user")
    anonymous = Client()
    assert anonymous.get("/profile")["Location"] == "/"
    page = anonymous.get("/").content.decode()
    assert "django_authsession/auth-client.js" in page
    assert 'createAuthClient("/api/auth/")' in page
    client = demo_client()
    assert client.get("/")["Location"] == "/profile"
    assert client.get("/profile").status_code == 200


@override_settings(DEBUG=True)
def test_browser_client_is_served_as_a_static_file() -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("django_authsession/auth-client.js")
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    for call in ("getSession", "signInEmail", "signOut", "listSessions", "revokeSession"):
        assert call in source
