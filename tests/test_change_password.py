"""POST /change-password, as Better Auth's ``changePassword`` answers it: the browser that
changed the password stays signed in with a new session, every other session ends."""

from __future__ import annotations

from copy import deepcopy

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authsession import cookies
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import BETTER_AUTH_USER_KEYS, set_value

pytestmark = pytest.mark.django_db
URL = "/api/auth/change-password"
NEW = "a-brand-new-passphrase"


def signed_in_browser(email: str, *, remember: bool = True) -> Client:
    client = Client(HTTP_ORIGIN="http://testserver")
    response = client.post(
        "/api/auth/sign-in/email",
        {"email": email, "password": DEFAULT_PASSWORD, "rememberMe": remember},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return client


def change(client: Client, current: str = DEFAULT_PASSWORD, new: str = NEW, **extra):
    body = {"currentPassword": current, "newPassword": new, **extra}
    return client.post(URL, body, content_type="application/json")


def session_of(client: Client):
    return client.get("/api/auth/get-session").json()


def test_change_password_keeps_this_browser_and_ends_the_others(user) -> None:
    mine, other = signed_in_browser(user.email), signed_in_browser(user.email)
    old_token = session_of(mine)["session"]["token"]
    stolen = deepcopy(mine.cookies)  # a copy of this browser's old cookies, cache included

    response = change(mine, revokeOtherSessions=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "user"}
    assert set(body["user"]) >= BETTER_AUTH_USER_KEYS
    assert body["token"] != old_token
    assert set_value(response, cookies.token_cookie_name()) is not None
    assert response["Cache-Control"] == "no-store"

    assert session_of(mine)["session"]["token"] == body["token"]
    assert session_of(other) is None  # warm cookie cache and all
    replay = Client()
    replay.cookies = stolen
    assert session_of(replay) is None
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW)
    assert Session.objects.filter(user_id=user.pk).count() == 1


def test_without_revoke_other_sessions_the_others_end_too(user) -> None:
    """They are bound to the old password (Better Auth would keep them)."""
    mine, other = signed_in_browser(user.email), signed_in_browser(user.email)
    assert change(mine).status_code == 200
    assert session_of(mine) is not None
    assert session_of(other) is None


def test_wrong_current_password_is_invalid_password(user) -> None:
    mine = signed_in_browser(user.email)
    response = change(mine, current="not-my-password")
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid password", "code": "INVALID_PASSWORD"}
    assert get_user_model().objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
    assert session_of(mine) is not None


def test_wrong_current_passwords_count_against_the_account(settings, user) -> None:
    """A stolen session cookie is no way to guess the password without limit."""
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "2/900s"
    mine = signed_in_browser(user.email)
    assert change(mine, current="guess-1").status_code == 400
    assert change(mine, current="guess-2").status_code == 400
    assert change(mine).status_code == 429  # even the right one, until the window ends


def sign_in_from(address: str, password: str, email: str) -> int:
    response = Client(HTTP_ORIGIN="http://testserver").post(
        "/api/auth/sign-in/email",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    return response.status_code


def test_change_password_is_never_blocked_by_the_sign_in_lockout(settings, user) -> None:
    """Others' wrong sign-ins lock the account for unknown browsers, not the owner's session."""
    settings.AUTHSESSION_ACCOUNT_FAILURE_LIMIT = "3/900s"
    mine = signed_in_browser(user.email)
    for i in range(3):
        assert sign_in_from(f"203.0.113.{i + 1}", "wrong-guess", user.email) == 401
    assert sign_in_from("198.51.100.9", DEFAULT_PASSWORD, user.email) == 429  # locked
    response = change(mine)
    assert response.status_code == 200, response.content
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW)


@pytest.mark.parametrize(
    ("new", "code"), [("short", "PASSWORD_TOO_SHORT"), ("x" * 129, "PASSWORD_TOO_LONG")]
)
def test_new_password_length(user, new: str, code: str) -> None:
    response = change(signed_in_browser(user.email), new=new)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_needs_a_session(client, db) -> None:
    response = change(client)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_remember_me_carries_over_to_the_new_session(user) -> None:
    mine = signed_in_browser(user.email, remember=False)
    response = change(mine)
    assert response.status_code == 200
    assert Session.objects.get(user_id=user.pk).remember_me is False
    assert response.cookies[cookies.token_cookie_name()]["max-age"] == ""  # a browser cookie
