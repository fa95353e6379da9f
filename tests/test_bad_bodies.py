"""Bodies Django or Python refuse answer the contract's JSON error shape (400/413), emails are
validated as they will be stored, and DEBUG error pages show no password and no token."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authsession import cookies, revocation, sessions
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, create_session

pytestmark = pytest.mark.django_db
SIGN_IN = "/api/auth/sign-in/email"
SIGN_UP = "/api/auth/sign-up/email"


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ORIGIN="http://testserver", raise_request_exception=False)


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"message", "code"}
    return body


@pytest.mark.parametrize("url", [SIGN_IN, SIGN_UP, "/api/auth/change-password"])
def test_deeply_nested_json_is_a_400(browser, url: str) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = browser.post(url, body, content_type="application/json")
    assert response.status_code == 400 or url.endswith("change-password")  # 401 without session
    assert response.status_code < 500
    if response.status_code == 400:
        assert error_of(response)["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"email": "a@example.com", "password": "x" * 3_000_000}), "application/json"),
        ("email=a%40example.com&password=" + "x" * 3_000_000, "application/x-www-form-urlencoded"),
    ],
)
def test_body_over_djangos_limit_is_a_413(browser, body: str, content_type: str) -> None:
    response = browser.post(SIGN_IN, body, content_type=content_type)
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


def test_too_many_form_fields_is_a_400(browser) -> None:
    body = "&".join(f"f{i}=1" for i in range(2000))
    response = browser.post(SIGN_IN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert error_of(response)["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe{}", "application/json"),
        ('{"email": "a@example.com"}'.encode("utf-16"), "application/json"),
        (b'{"email": "\xc3\x28@example.com"}', "application/json; charset=utf-8"),
        (b"{}", "application/json; charset=no-such-codec"),
        (b"email=a", "application/x-www-form-urlencoded; charset=no-such-codec"),
    ],
)
def test_bad_encodings_are_a_400(browser, body: bytes, content_type: str) -> None:
    response = browser.generic("POST", SIGN_IN, body, content_type=content_type)
    assert response.status_code == 400
    error_of(response)


# Four labels of 60 "İ": 249 characters, but 489 once lower-cased ("İ".lower() is two).
GROWING_EMAIL = "a@" + ".".join(["\u0130" * 60] * 4) + ".com"


@pytest.mark.parametrize("url", [SIGN_IN, SIGN_UP])
def test_email_is_validated_after_lower_casing(browser, url: str) -> None:
    assert len(GROWING_EMAIL) <= 254 < len(GROWING_EMAIL.lower())
    body = {"email": GROWING_EMAIL, "password": "long-enough-42", "name": "Grow"}
    response = browser.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert not get_user_model().objects.exists()


def test_emails_are_stored_lower_cased(browser) -> None:
    body = {"email": "MiXed@Example.COM", "password": "long-enough-42", "name": "Mixed"}
    assert browser.post(SIGN_UP, body, content_type="application/json").status_code == 200
    assert get_user_model().objects.get().email == "mixed@example.com"


@pytest.fixture
def debug_errors(settings, monkeypatch):
    """DEBUG error pages, and a failure deep in the request, after secrets are in locals."""
    settings.DEBUG = True

    def boom(*args, **kwargs):
        raise RuntimeError("storage down")

    return lambda target, name: monkeypatch.setattr(target, name, boom)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("url", [SIGN_IN, SIGN_UP])
def test_debug_page_shows_no_password(browser, user, debug_errors, url, content_type) -> None:
    debug_errors(sessions, "create_session")
    password = DEFAULT_PASSWORD if url == SIGN_IN else "sign-up-secret-passphrase"
    email = user.email if url == SIGN_IN else "fresh@example.com"
    body = {"email": email, "password": password, "name": "N"}
    if content_type.startswith("application/json"):
        response = browser.post(url, json.dumps(body), content_type=content_type)
    else:
        response = browser.post(url, body)
    assert response.status_code == 500
    page = response.content.decode()
    assert "storage down" in page  # it is the technical page
    assert password not in page


def test_debug_page_shows_no_session_token(browser, user, debug_errors) -> None:
    _, token = create_session(user)
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    debug_errors(sessions, "resolve_from_db")
    response = browser.get("/api/auth/get-session")
    assert response.status_code == 500
    page = response.content.decode()
    assert "storage down" in page
    assert token not in page


def test_debug_page_of_a_failing_sign_out_shows_no_session_token(
    browser, user, debug_errors
) -> None:
    """``auth.end_session`` holds the raw token while the row is deleted and marked."""
    _, token = create_session(user)
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    debug_errors(revocation, "mark_sessions")
    response = browser.post("/api/auth/sign-out")
    assert response.status_code == 500
    page = response.content.decode()
    assert "storage down" in page and "end_session" in page  # the technical page, that frame
    assert token not in page


def test_debug_page_of_a_failing_revoke_session_shows_no_token(browser, user, debug_errors) -> None:
    """``revoke-session`` by token: the request's form holds another session's raw token."""
    _, own = create_session(user)
    _, other = create_session(user)
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(own)
    debug_errors(sessions, "revoke_sessions")
    response = browser.post(
        "/api/auth/revoke-session", {"token": other}, content_type="application/json"
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "storage down" in page
    assert other not in page
    assert own not in page


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SIGN_IN, {"email": "a@example.com", "password": 12345678}),
        (SIGN_IN, {"email": "a@example.com", "password": "x" * 10, "callbackURL": 7}),
        ("/api/auth/sign-up/email", {"name": 5, "email": "b@example.com", "password": "x" * 10}),
        (
            "/api/auth/sign-up/email",
            {"name": "B", "email": "b@example.com", "password": "x" * 10, "callbackURL": 7},
        ),
    ],
)
def test_numbers_where_the_contract_asks_for_strings_are_refused(browser, path, body) -> None:
    response = browser.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
