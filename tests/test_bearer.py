"""Better Auth's bearer transport: ``Authorization: Bearer <token>`` is the session cookie by
another road (the same token, the same checks, the same revocation), sign-in hands the token
over in ``set-auth-token``, and a bearer request without cookies is a native app to the Origin
rule. Expo's ``expo-origin`` header stands in for ``Origin`` for trusted native schemes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
import time_machine
from django.test import Client

from django_authsession import cookies
from django_authsession.models import Session
from django_authsession.tokens import sign_cookie_value
from tests.factories import DEFAULT_PASSWORD, UserFactory, create_session
from tests.helpers import SIGN_IN_URL, SIGN_UP_URL, origin_client, sign_in

GET_SESSION = "/api/auth/get-session"


def app(token_header: str | None = None, **headers: Any) -> Client:
    """A native app: no cookie jar is used, no Origin unless given."""
    if token_header is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token_header}"
    return Client(**headers)


def bearer_sign_in(user) -> tuple[str, dict]:
    """Sign in as a mobile app does; the credential is the ``set-auth-token`` header."""
    response = Client().post(
        SIGN_IN_URL,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response["set-auth-token"], response.json()


def test_sign_in_and_sign_up_expose_the_token(db) -> None:
    user = UserFactory()
    response = Client().post(
        SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD}, "application/json"
    )
    token = response.json()["token"]
    # The session cookie's value, as Better Auth's plugin copies it into the header.
    assert response["set-auth-token"] == sign_cookie_value(token)
    assert response.cookies[cookies.token_cookie_name()].value == sign_cookie_value(token)
    assert "set-auth-token" in response["Access-Control-Expose-Headers"]
    up = Client().post(
        SIGN_UP_URL,
        {"name": "N", "email": "new@example.com", "password": DEFAULT_PASSWORD},
        "application/json",
    )
    assert up["set-auth-token"] == sign_cookie_value(up.json()["token"])


def test_a_bearer_only_client_signs_in_reads_and_is_revoked(db) -> None:
    user: Any = UserFactory()
    credential, body = bearer_sign_in(user)
    phone = app(credential)
    answer = phone.get(GET_SESSION)
    assert answer.json()["session"]["token"] == body["token"]
    assert answer.json()["user"]["email"] == user.email
    assert not answer.cookies  # no cookie jar to write to
    assert "Authorization" in answer["Vary"]
    assert phone.get("/api/auth/session").json()["user"]["email"] == user.email
    assert phone.get("/api/me/").json() == {"email": user.email}  # AuthSessionAuthentication
    # Revoked from a browser of the same user: the app is out at once.
    browser = origin_client()
    sign_in(browser, user.email)
    revoked = browser.post(
        "/api/auth/revoke-session", {"token": body["token"]}, content_type="application/json"
    )
    assert revoked.json() == {"status": True}
    assert phone.get(GET_SESSION).json() is None
    assert phone.get("/api/me/").status_code == 401


def test_bearer_sign_out_ends_the_session(db) -> None:
    user = UserFactory()
    credential, _ = bearer_sign_in(user)
    phone = app(credential)
    assert phone.post("/api/auth/sign-out", {}, "application/json").json() == {"success": True}
    assert phone.get(GET_SESSION).json() is None
    assert not Session.objects.exists()


@pytest.mark.parametrize("form", ["encoded", "decoded", "raw"])
def test_every_form_better_auth_accepts(db, form) -> None:
    session, token = create_session(UserFactory())
    signed = sign_cookie_value(token)
    credential = {"encoded": signed, "decoded": unquote(signed), "raw": token}[form]
    assert app(credential).get(GET_SESSION).json()["session"]["id"] == str(session.pk)


def test_require_signature_refuses_the_raw_token(db, settings) -> None:
    settings.AUTHSESSION_BEARER_REQUIRE_SIGNATURE = True
    _, token = create_session(UserFactory())
    assert app(token).get(GET_SESSION).json() is None
    assert app(sign_cookie_value(token)).get(GET_SESSION).json() is not None


def test_bearer_off_ignores_the_header(db, settings) -> None:
    settings.AUTHSESSION_BEARER = False
    _, token = create_session(UserFactory())
    assert app(sign_cookie_value(token)).get(GET_SESSION).json() is None
    response = Client().post(
        SIGN_IN_URL,
        {"email": UserFactory().email, "password": DEFAULT_PASSWORD},
        "application/json",
    )
    assert "set-auth-token" not in response


def test_a_forged_bearer_costs_nothing_and_is_logged(
    db, caplog, cache_calls, django_assert_num_queries
) -> None:
    _, token = create_session(UserFactory())
    forged = sign_cookie_value(token, secret="not-the-secret")
    with caplog.at_level(logging.WARNING, "django_authsession.security"):
        with django_assert_num_queries(0):
            response = app(forged).get("/api/ping/")
        assert sum(cache_calls.values()) == 0
        with django_assert_num_queries(0):
            answer = app(forged).get(GET_SESSION)  # counted by the probing rate limit only
    assert answer.json() is None
    assert not response.cookies and not answer.cookies
    assert [r.event for r in caplog.records] == ["forged_signature"] * 2
    assert token not in caplog.text


def test_another_schemes_credential_is_ignored_quietly(db, caplog) -> None:
    """A JWT (another authentication of the project) is not ours: no session, no log line."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    with caplog.at_level(logging.WARNING, "django_authsession.security"):
        assert app(jwt).get(GET_SESSION).json() is None
        assert app(jwt).get("/api/ping/").status_code == 200
    assert not caplog.records


def test_a_bearer_hit_costs_what_a_cookie_hit_costs(
    db, cache_calls, django_assert_num_queries
) -> None:
    """A bearer client has no cookie cache, so every read is the database path: one query
    (the session with its user joined) and no cache call, as a cookie without a cache."""
    _, token = create_session(UserFactory())
    phone = app(sign_cookie_value(token))
    phone.get(GET_SESSION)
    cache_calls.clear()
    with django_assert_num_queries(1):
        assert phone.get(GET_SESSION).json() is not None
    with django_assert_num_queries(1):
        assert phone.get("/api/me/").status_code == 200
    assert sum(cache_calls.values()) == 0
    browser = Client()  # a cookie without its cookie cache: the database path, the same cost
    browser.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    with django_assert_num_queries(1):
        assert browser.get(GET_SESSION).json() is not None
    assert sum(cache_calls.values()) == 0


def test_no_header_and_no_cookie_still_costs_nothing(
    db, cache_calls, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        Client(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").get("/api/ping/")
        Client().get("/api/ping/")
    assert sum(cache_calls.values()) == 0


def test_expired_and_revoked_sessions_by_bearer(db) -> None:
    session, token = create_session(UserFactory())
    phone = app(sign_cookie_value(token))
    with time_machine.travel(timedelta(days=8)):
        assert phone.get(GET_SESSION).json() is None
    assert not Session.objects.filter(pk=session.pk).exists()  # expired row deleted


def test_a_refresh_by_bearer_hands_the_token_over_without_cookies(db) -> None:
    session, token = create_session(UserFactory())
    phone = app(sign_cookie_value(token))
    with time_machine.travel(timedelta(days=2)):
        response = phone.get(GET_SESSION)
    assert response.json()["session"]["id"] == str(session.pk)
    assert response["set-auth-token"] == sign_cookie_value(token)
    assert not response.cookies
    session.refresh_from_db()
    assert session.expires_at > session.created_at + timedelta(days=8)


def test_bearer_and_cookie_both_present(db) -> None:
    """A verified bearer credential wins, as with Better Auth's plugin (it replaces the
    cookie); a bearer that does not verify leaves the cookie in charge."""
    one, one_token = create_session(UserFactory())
    two, two_token = create_session(UserFactory())
    both = origin_client(HTTP_AUTHORIZATION=f"Bearer {sign_cookie_value(two_token)}")
    both.cookies[cookies.token_cookie_name()] = sign_cookie_value(one_token)
    assert both.get(GET_SESSION).json()["session"]["id"] == str(two.pk)
    forged = origin_client(HTTP_AUTHORIZATION="Bearer x." + "A" * 43 + "=")
    forged.cookies[cookies.token_cookie_name()] = sign_cookie_value(one_token)
    assert forged.get(GET_SESSION).json()["session"]["id"] == str(one.pk)


def test_bearer_with_cookie_still_passes_the_origin_rule(db) -> None:
    """With a cookie riding along the request may be a browser's: the Origin rule applies."""
    _, token = create_session(UserFactory())
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {sign_cookie_value(token)}",
        HTTP_ORIGIN="https://evil.example",
    )
    client.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    response = client.post("/api/auth/sign-out", {}, "application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "INVALID_ORIGIN"
    assert Session.objects.exists()


def test_bearer_without_cookies_is_a_native_app_to_the_origin_rule(db) -> None:
    _, token = create_session(UserFactory())
    phone = app(sign_cookie_value(token), HTTP_ORIGIN="https://elsewhere.example")
    assert phone.post("/api/me/", {}, "application/json").json()["posted"] is True
    assert phone.post("/api/auth/sign-out", {}, "application/json").status_code == 200


@pytest.mark.parametrize(
    ("trusted", "origin", "allowed"),
    [
        ([], "myapp://", False),
        (["myapp://"], "myapp://", True),
        (["myapp://"], "myapp://any.host/path", True),
        (["myapp://"], "otherapp://", False),
        (["myapp://callback"], "myapp://callback", True),
        (["myapp://callback"], "myapp://callback.attacker.tld", False),
        (["exp://"], "exp://192.168.1.5:8081", True),
    ],
)
def test_expo_origin_for_trusted_native_schemes(db, settings, trusted, origin, allowed) -> None:
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = trusted
    user = UserFactory()
    response = Client(HTTP_EXPO_ORIGIN=origin).post(
        SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD}, "application/json"
    )
    assert (response.status_code == 200) is allowed, response.content
    if not allowed:
        assert response.json()["code"] == "INVALID_ORIGIN"


def test_expo_client_with_cookies_and_expo_origin(db, settings) -> None:
    """The Expo client keeps cookies in secure storage and sends them with ``expo-origin``."""
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = ["myapp://"]
    _, token = create_session(UserFactory())
    expo = Client(HTTP_EXPO_ORIGIN="myapp://")
    expo.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    assert expo.post("/api/me/", {}, "application/json").status_code == 200
    no_header = Client()
    no_header.cookies[cookies.token_cookie_name()] = sign_cookie_value(token)
    response = no_header.post("/api/me/", {}, "application/json")
    assert response.status_code == 403


def test_origin_header_wins_over_expo_origin(db, settings) -> None:
    settings.AUTHSESSION_TRUSTED_NATIVE_ORIGINS = ["myapp://"]
    user = UserFactory()
    response = Client(HTTP_ORIGIN="https://evil.example", HTTP_EXPO_ORIGIN="myapp://").post(
        SIGN_IN_URL, {"email": user.email, "password": DEFAULT_PASSWORD}, "application/json"
    )
    assert response.status_code == 403


def test_bearer_token_in_error_reports_is_hidden(db, rf) -> None:
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.get("/", HTTP_AUTHORIZATION="Bearer secret-token-value")
    meta = SafeExceptionReporterFilter().get_safe_request_meta(request)
    assert "secret-token-value" not in str(meta)


@pytest.mark.parametrize(
    "path", ["/plain/async-user/", "/plain/async-auser/", "/plain/async-fresh/"]
)
def test_async_views_see_the_bearer_session(db, path) -> None:
    user: Any = UserFactory()
    _, token = create_session(user)
    answer = app(sign_cookie_value(token)).get(path).json()
    assert answer.get("pk", str(user.pk)) == str(user.pk)
    assert answer.get("authenticated", True) and answer.get("fresh", True)


def test_a_foreign_bearer_leaves_drf_to_the_other_classes(db) -> None:
    response = app("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl").get("/api/me/")
    assert response.status_code == 401  # no session: IsAuthenticated refuses, nothing raised
