"""POST /sign-in/email and /sign-up/email: Better Auth's shapes and errors (CONTRACT.md §2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model, user_logged_in

from django_authsession import cookies
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import (
    BETTER_AUTH_USER_KEYS,
    DOCUMENTED_USER_KEYS,
    json_of,
    set_value,
    sign_in,
)

SIGN_IN = "/api/auth/sign-in/email"
SIGN_UP = "/api/auth/sign-up/email"
pytestmark = pytest.mark.django_db


def test_sign_in_returns_token_and_user_and_sets_cookies(client, user) -> None:
    received = []
    user_logged_in.connect(lambda **kw: received.append(kw["user"]), weak=False, dispatch_uid="t")
    try:
        response = sign_in(client, user.email)
    finally:
        user_logged_in.disconnect(dispatch_uid="t")
    assert response.status_code == 200
    body = json_of(response)
    assert list(body) == ["redirect", "token", "user"]
    assert body["redirect"] is False
    assert set(body["user"]) == BETTER_AUTH_USER_KEYS
    assert body["user"]["emailVerified"] == body["user"]["isEmailVerified"]
    assert body["user"]["image"] == body["user"]["avatar"]
    signed = set_value(response, cookies.token_cookie_name())
    assert signed is not None and signed.startswith(body["token"] + ".")
    assert set_value(response, cookies.data_cookie_name())
    morsel = response.cookies[cookies.token_cookie_name()]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert str(morsel["max-age"]) == "604800"
    assert received == [user]
    session = Session.objects.get()
    assert session.user == user
    assert session.ip_address == "127.0.0.1"
    assert session.user_agent == "pytest-browser/1.0"


def test_sign_in_user_is_the_session_user_object(client, user) -> None:
    body = sign_in(client, user.email).json()
    session_user = client.get("/api/auth/session").json()["user"]
    assert set(session_user) == DOCUMENTED_USER_KEYS
    assert {k: body["user"][k] for k in DOCUMENTED_USER_KEYS} == session_user


def test_sign_in_accepts_form_encoding_and_any_email_case(client, user) -> None:
    response = client.post(SIGN_IN, {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email


@pytest.mark.parametrize("case", ["wrong-password", "unknown-email", "inactive"])
def test_bad_credentials_are_401_without_a_session(client, user, case: str) -> None:
    email, password = user.email, DEFAULT_PASSWORD
    if case == "wrong-password":
        password = "not-the-password"
    elif case == "unknown-email":
        email = "nobody@example.com"
    else:
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert response.json() == {
        "message": "Invalid email or password",
        "code": "INVALID_EMAIL_OR_PASSWORD",
    }
    assert not response.cookies
    assert not Session.objects.exists()


def test_unparsable_json_is_bad_request(client, db) -> None:
    response = client.post(SIGN_IN, b'{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "x" * 10}, "email"),
        ({"email": "not-an-email", "password": "x" * 10}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "x" * 10, "rememberMe": "perhaps"}, "rememberMe"),
    ],
)
def test_invalid_fields_name_the_field(client, db, payload, field: str) -> None:
    response = client.post(SIGN_IN, payload, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert field in body["message"]


def test_json_array_body_is_a_validation_error(client, db) -> None:
    response = client.post(SIGN_IN, "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_unsupported_media_type(client, db) -> None:
    response = client.post(SIGN_IN, "email=a", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_callback_url_is_echoed_when_on_site(client, user) -> None:
    body = sign_in(client, user.email, callbackURL="/dashboard").json()
    assert body["redirect"] is True
    assert body["url"] == "/dashboard"


def test_foreign_callback_url_is_refused(client, user) -> None:
    response = sign_in(client, user.email, callbackURL="https://evil.example/steal")
    assert response.status_code == 403
    assert response.json()["code"] == "INVALID_CALLBACKURL"
    assert not Session.objects.exists()


def test_get_on_sign_in_is_405(client, db) -> None:
    response = client.get(SIGN_IN)
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.supplied_user_model  # tests/test_user_models.py has the custom model's
def test_sign_up_creates_user_and_session(client, db) -> None:
    response = client.post(
        SIGN_UP,
        {
            "name": "Ada Lovelace",
            "email": "Ada@Example.COM",
            "password": "analytical-engine",
            "image": "https://example.com/ada.png",
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["token", "user"]
    assert set(body["user"]) == BETTER_AUTH_USER_KEYS
    user = get_user_model().objects.get()
    assert user.email == "ada@example.com"
    assert user.name == "Ada Lovelace"
    assert user.avatar == "https://example.com/ada.png"
    assert user.check_password("analytical-engine")
    assert body["user"]["id"] == str(user.pk)
    assert Session.objects.get().user == user
    assert client.get("/api/auth/session").json()["user"]["email"] == "ada@example.com"


def test_sign_up_with_existing_email_is_422(client, db) -> None:
    UserFactory(email="taken@example.com")
    response = client.post(
        SIGN_UP,
        {"name": "X", "email": "TAKEN@example.com", "password": "long-enough-1"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_sign_up_password_length(client, db, password: str) -> None:
    response = client.post(
        SIGN_UP,
        {"name": "X", "email": "new@example.com", "password": password},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "password" in response.json()["message"]
    assert not get_user_model().objects.exists()


def test_sign_up_runs_project_password_validators(settings, client, db) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"}
    ]
    response = client.post(
        SIGN_UP,
        {"name": "X", "email": "new@example.com", "password": "password123"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["message"]


def test_a_refused_password_answers_alike_whether_or_not_the_email_is_taken(
    settings, client, db
) -> None:
    """The reproduction: a weak password told a taken email (422) from a free one (400),
    creating nothing. The password is validated before the email is looked at."""
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"}
    ]
    UserFactory(email="taken@example.com")

    def answer(email: str) -> tuple[int, dict]:
        response = client.post(
            SIGN_UP,
            {"name": "X", "email": email, "password": "password123"},
            content_type="application/json",
        )
        return response.status_code, response.json()

    taken, free = answer("taken@example.com"), answer("free@example.com")
    assert taken == free
    assert taken[0] == 400 and taken[1]["code"] == "VALIDATION_ERROR"
    assert get_user_model().objects.count() == 1


def test_sign_up_can_be_disabled(settings, client, db) -> None:
    settings.AUTHSESSION_DISABLE_SIGN_UP = True
    response = client.post(
        SIGN_UP,
        {"name": "X", "email": "new@example.com", "password": "long-enough-1"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "EMAIL_PASSWORD_SIGN_UP_DISABLED"
    assert not get_user_model().objects.exists()


def test_signing_in_again_replaces_this_browsers_session(client, user) -> None:
    first = sign_in(client, user.email).json()["token"]
    second = sign_in(client, user.email).json()["token"]
    assert first != second
    assert Session.objects.count() == 1
    assert client.get("/api/auth/session").json()["session"]["token"] == second


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("/dashboard?x=1", True),
        ("http://testserver/profile", True),
        ("https://app.example.com/welcome", True),
        ("https://eu.example.com/welcome", True),
        ("//evil.example/steal", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("https://example.com.evil.example/", False),
    ],
)
def test_callback_url_must_be_on_site_or_trusted(settings, client, user, url, ok) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.example.com"]
    response = sign_in(client, user.email, callbackURL=url)
    assert (response.status_code == 200) is ok, response.content
