"""The example project's demo user and pages, which the README's quickstart relies on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils.html import escape
from django.utils.text import capfirst

from django_authsession.devices import describe_user_agent
from django_authsession.models import Session
from example_project.views import Profile
from tests.factories import UserFactory
from tests.helpers import origin_client, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("example_project.urls")]


def demo_client() -> Client:
    client = origin_client()
    response = sign_in(client, "demo@example.com", "demo-password-123")
    assert response.status_code == 200, response.content
    return client


@pytest.mark.supplied_user_model  # the demo user fills the supplied model's fields
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


def signed_in_browser(user: Any, user_agent: str) -> tuple[Client, str]:
    client = origin_client(HTTP_USER_AGENT=user_agent)
    response = sign_in(client, getattr(user, user.get_email_field_name()))
    assert response.status_code == 200, response.content
    return client, response.json()["token"]


MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_account_page_shows_the_profile_and_devices_without_tokens() -> None:
    user: Any = UserFactory()
    laptop, laptop_token = signed_in_browser(user, MAC_CHROME)
    _phone, phone_token = signed_in_browser(user, IPHONE_SAFARI)
    signed_in_browser(UserFactory(), MAC_CHROME)  # another user's session is not listed

    response = laptop.get("/profile")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    profile = Profile.of(user)
    assert f'<h1 id="profile-name">{escape(profile.name)}</h1>' in html
    assert f'<p class="email" id="profile-email">{escape(user.email)}</p>' in html
    if getattr(user, "type", None):
        assert f'<dd id="profile-type">{escape(capfirst(user.type))}</dd>' in html
    if getattr(user, "profession", None):
        assert f'<dd id="profile-profession">{escape(user.profession)}</dd>' in html
    if getattr(user, "avatar", None):
        assert f'src="{escape(user.avatar)}"' in html

    # Both of the user's devices, readable; this one first and marked; the other revocable.
    listed = re.findall(r'<li class="device" data-device-id="([^"]+)"( data-current="true")?', html)
    rows = {str(row.pk): row for row in Session.objects.filter(user=user)}
    assert sorted(device_id for device_id, _ in listed) == sorted(rows)
    assert listed[0][1] and not listed[1][1]
    assert describe_user_agent(rows[listed[0][0]].user_agent) == "Chrome on macOS"
    assert 'Chrome on macOS<span class="badge">This device</span>' in html
    assert '<div class="what">Mobile Safari on iOS</div>' in html
    assert f'data-session-id="{listed[1][0]}"' in html
    assert f'data-session-id="{listed[0][0]}"' not in html  # no "revoke" on this device
    assert "Sign out everywhere else" in html
    for token in (laptop_token, phone_token):
        assert token not in html
    (cookie,) = [c for name, c in laptop.cookies.items() if name.endswith(".session_token")]
    assert cookie.value not in html


def test_account_page_of_a_single_device_offers_no_sign_out_elsewhere() -> None:
    user: Any = UserFactory()
    if hasattr(user, "avatar"):
        user.avatar = ""
        user.save()
    client, _ = signed_in_browser(user, MAC_CHROME)
    html = client.get("/profile").content.decode()
    assert "This device" in html
    assert "Sign out everywhere else" not in html
    assert 'id="avatar"' not in html  # no image: the initials alone


def test_login_page_links_to_a_sign_up_page_that_signs_up() -> None:
    anonymous = Client(HTTP_ORIGIN="http://testserver")
    assert 'href="/signup"' in anonymous.get("/").content.decode()
    page = anonymous.get("/signup").content.decode()
    assert 'id="signup-form"' in page and 'href="/"' in page
    response = anonymous.post(
        "/api/auth/sign-up/email",
        {"name": "Ada Lovelace", "email": "ada@example.com", "password": "analytical-1843"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert anonymous.get("/signup")["Location"] == "/profile"
    assert "Ada Lovelace" in anonymous.get("/profile").content.decode()


def test_staff_hint_only_for_staff() -> None:
    staff: Any = UserFactory(is_staff=True)
    member: Any = UserFactory()
    staff_client, _ = signed_in_browser(staff, MAC_CHROME)
    member_client, _ = signed_in_browser(member, MAC_CHROME)
    staff_page = staff_client.get("/profile").content.decode()
    assert 'id="staff-hint"' in staff_page and 'href="/admin/"' in staff_page
    member_page = member_client.get("/profile").content.decode()
    assert 'id="staff-hint"' not in member_page and "staff" not in member_page.lower()


@override_settings(DEBUG=True)
def test_every_page_has_a_favicon_that_is_served() -> None:
    from django.contrib.staticfiles import finders

    client, _ = signed_in_browser(UserFactory(), MAC_CHROME)
    pages = [Client().get("/"), Client().get("/signup"), client.get("/profile")]
    for page in pages:
        html = page.content.decode()
        assert (
            '<link rel="icon" type="image/svg+xml" href="/static/example_project/favicon.svg">'
            in html
        )
    path = finders.find("example_project/favicon.svg")
    assert path is not None
    assert Path(path).read_text(encoding="utf-8").startswith("<svg")


def test_forms_show_errors_under_their_fields_without_codes() -> None:
    """The pages map the API's codes to sentences (the browser test sees them shown); every
    field an error can name has its place under the field."""
    login = Client().get("/").content.decode()
    signup = Client().get("/signup").content.decode()
    for field in ("email", "password"):
        assert f'<p id="{field}-error" class="field-error" hidden></p>' in login
    for field in ("name", "email", "password", "image"):
        assert f'<p id="{field}-error" class="field-error" hidden></p>' in signup
    for code in ("INVALID_EMAIL_OR_PASSWORD", "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"):
        assert f"{code}: [" in login  # a sentence and the field it concerns
    assert '" (" + error.code' not in login  # codes are not shown to people


@pytest.mark.parametrize(
    ("url", "marks"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        (
            "redis://127.0.0.1:6379?db=3&socket_timeout=1",
            "redis://127.0.0.1:6379/4?socket_timeout=1",
        ),
        # The last of Redis's 16 default databases (CI's): the one before, not a /16 that fails.
        ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),
    ],
)
def test_the_marks_get_another_database_of_the_same_redis(url: str, marks: str) -> None:
    from example_project.settings import next_redis_database

    assert next_redis_database(url) == marks
